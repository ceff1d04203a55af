import { AUDIT_ACTION_LABELS, type AuditEntry } from '../../../schemas/audit.schema.js';
import type { StaffPolicy } from '../../../schemas/policy.schema.js';
import { REVIEW_KIND_LABELS } from '../../../schemas/policy.schema.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { formatInstant } from './format.js';
import { layout } from './layout.js';
import { policyWorkspace } from './staff.views.js';

const DECISION_LABELS: Record<string, string> = { approved: '通过', rejected: '退回' };

/** What a person reads in the 内容 column: the review kind and decision, the version, the reason. */
function summary(entry: AuditEntry): string {
  const d = entry.details;
  const parts: string[] = [];
  const kind = d.kind;
  if (typeof kind === 'string') parts.push(Object.entries(REVIEW_KIND_LABELS).find(([key]) => key === kind)?.[1] ?? kind);
  if (typeof d.decision === 'string') parts.push(DECISION_LABELS[d.decision] ?? d.decision);
  if (typeof d.version === 'number') parts.push(`第 ${d.version} 版`);
  if (typeof d.round === 'number' && entry.action === 'policy.submit') parts.push(`第 ${d.round} 轮审查`);
  if (typeof d.fields === 'string' && d.fields) parts.push(`字段：${d.fields}`);
  if (typeof d.reason === 'string' && d.reason) parts.push(`理由：${d.reason}`);
  if (typeof d.into === 'string') parts.push(`并入 ${d.into}`);
  return parts.join('，');
}

function trailTable(entries: readonly AuditEntry[], { withTarget }: { withTarget: boolean }): SafeHtml {
  if (entries.length === 0) return html`<p class="meta">暂无记录。</p>`;
  return html`<div class="table-wrap"><table class="audit-table">
    <thead><tr><th scope="col">时间</th><th scope="col">操作人</th><th scope="col">操作</th>${withTarget ? html`<th scope="col">对象</th>` : ''}<th scope="col">内容</th><th scope="col">内容摘要</th></tr></thead>
    <tbody>${entries.map(
      (e) => html`<tr>
        <td>${formatInstant(e.at)}</td>
        <td>${e.actorName}<br><span class="meta">${e.actorId}</span></td>
        <td>${AUDIT_ACTION_LABELS[e.action]}<br><span class="meta">${e.action}</span></td>
        ${withTarget ? html`<td>${e.targetType === 'policy' ? html`<a href="/staff/policies/${e.targetId}/audit">${e.targetId}</a>` : e.targetId}</td>` : ''}
        <td>${summary(e)}</td>
        <td>${e.digest ? html`<code title="${e.digest}">${e.digest.slice(0, 12)}…</code>` : html`<span class="meta">—</span>`}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

/** One policy's trail, oldest first: who drafted, edited, reviewed and published which content. */
export function policyAuditPage({ ctx, policy, entries }: { ctx: WebContext; policy: StaffPolicy; entries: readonly AuditEntry[] }): SafeHtml {
  return policyWorkspace({
    ctx,
    policy,
    title: '操作记录',
    tab: 'audit',
    body: html`<p>每一次起草、修改、送审、审查、发布、修订、废止和解读材料的修改都记录在此，只增不改。内容摘要是当时内容的 SHA-256。</p>
      ${trailTable(entries, { withTarget: false })}`,
  });
}

/** The administrators' view of the whole trail, newest entries last, with the export links. */
export function auditPage({ ctx, entries, exportQuery }: { ctx: WebContext; entries: readonly AuditEntry[]; exportQuery: string }): SafeHtml {
  const q = exportQuery ? `&${exportQuery}` : '';
  return layout({
    ctx,
    title: '审计记录',
    crumbs: [{ label: '政策工作台', href: '/staff' }, { label: '审计记录' }],
    body: html`<h1>审计记录</h1>
      <p>导出（需在请求头中提供管理员令牌）：<code>/api/v1/audit?format=csv${q}</code> · <code>/api/v1/audit?format=jsonl${q}</code></p>
      <p><a href="/staff/audit/export.csv${exportQuery ? `?${exportQuery}` : ''}">下载 CSV</a> · <a href="/staff/audit/export.jsonl${exportQuery ? `?${exportQuery}` : ''}">下载 JSON Lines</a></p>
      ${trailTable(entries, { withTarget: true })}`,
  });
}

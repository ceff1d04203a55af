import type { StaffPolicy } from '../../../schemas/policy.schema.js';
import { SUSPECT_STATUS_LABELS, type SuspectDecision, type TextFindingsView, type TextRepair } from '../../../schemas/text-findings.schema.js';
import type { RecheckReport } from '../../services/text-hygiene.service.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, definitionList, errorSummary, notice, type FieldError } from './components.js';
import { formatInstant } from './format.js';
import { layout } from './layout.js';
import { policyWorkspace, STATUS_LABELS } from './staff.views.js';

/** Plain words for each finding code, for drafters who never see the codes. */
export const FINDING_LABELS: Record<string, string> = {
  gambling: '博彩广告',
  contact: '无关联系方式',
  foreign_link: '无关链接',
  pinyin_run: '整行拼音',
  repeated_line: '重复行',
  pinyin_annotation: '拼音注音',
  html_residue: '网页标签',
  page_chrome: '网页栏目',
  invisible_characters: '不可见字符',
  heading_malformed: '标题格式不规范',
  heading_misplaced: '标题层级不符',
  heading_gap: '编号不连续',
  heading_repeated: '编号重复',
};

const label = (code: string): string => FINDING_LABELS[code] ?? code;

function suspectItem({ ctx, policy, suspect, canDecide }: { ctx: WebContext; policy: Pick<StaffPolicy, 'id'>; suspect: SuspectDecision; canDecide: boolean }): SafeHtml {
  const action = `/staff/policies/${policy.id}/text-check/decide`;
  const decideForm = (decision: 'excluded' | 'kept', text: string, primary: boolean) => html`<form method="post" action="${action}" class="inline">
      ${csrfField(ctx)}
      <input type="hidden" name="line" value="${String(suspect.line)}">
      <input type="hidden" name="text" value="${suspect.text}">
      <input type="hidden" name="decision" value="${decision}">
      <button type="submit"${primary ? '' : html` class="secondary"`}>${text}</button>
    </form>`;
  const decided = suspect.decidedAt ? html`（${formatInstant(suspect.decidedAt)}）` : '';
  return html`<li class="suspect suspect-${suspect.status}">
    <p><strong>${suspect.status === 'excluded' ? '原' : ''}第 ${String(suspect.line)} 行 · ${label(suspect.code)}</strong>
      <span class="badge">${SUSPECT_STATUS_LABELS[suspect.status]}</span>${decided}</p>
    <blockquote lang="zh-CN">${suspect.text}</blockquote>
    <p class="meta">${suspect.reason}</p>
    ${canDecide && suspect.status !== 'excluded'
      ? html`<div class="actions">${decideForm('excluded', '删除此行（不进入公开文本）', suspect.status === 'pending')}${suspect.status === 'pending' ? decideForm('kept', '保留此行', false) : ''}</div>`
      : ''}
  </li>`;
}

function repairItem(repair: TextRepair): SafeHtml {
  return html`<li>
    <p><strong>${repair.line === undefined ? '' : `原第 ${repair.line} 行 · `}${label(repair.code)}</strong> <span class="meta">${formatInstant(repair.at)}</span></p>
    <p>${repair.message}</p>
    <p class="meta">修复前：<del>${repair.before}</del>${repair.after === '' ? '' : html`<br>修复后：<ins>${repair.after}</ins>`}</p>
  </li>`;
}

function metadataRows(view: TextFindingsView): [string, string][] {
  const m = view.metadata;
  const rows: [string, string | undefined][] = [
    ['标题', m.title],
    ['发文机关', m.issuer],
    ['文号', m.documentNumber],
    ['成文日期', m.writtenOn],
    ['印发日期', m.issuedOn],
    ['主送机关', m.addressees?.join('，')],
    ['附件', m.attachments?.map((name, i) => `${i + 1}. ${name}`).join('；')],
    ['施行日期', m.effectiveFrom],
    ['有效期至', m.effectiveUntil],
    ['有效期表述', m.validityText?.join(' ')],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
}

/** The 文本检查 tab of a policy's workspace: what was repaired, what the drafter must decide, what the text says about itself. */
export function textCheckPage({
  ctx,
  policy,
  view,
  canDecide,
  errors = [],
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  view: TextFindingsView;
  canDecide: boolean;
  errors?: readonly FieldError[];
}): SafeHtml {
  const open = view.suspects.filter((s) => s.status !== 'excluded');
  const excluded = view.suspects.filter((s) => s.status === 'excluded');
  const metadata = metadataRows(view);
  return policyWorkspace({
    ctx,
    policy,
    title: '文本检查',
    tab: 'text',
    body: html`${errorSummary(errors)}
      ${view.pending > 0
        ? notice({ tone: 'warn', text: `正文中有 ${view.pending} 行可疑内容待确认。逐行选择“删除”或“保留”后才能送审；删除的行不会出现在公开文本、检索、摘要、订阅源和推送中。` })
        : notice({ tone: 'ok', text: '没有待确认的可疑内容。' })}
      <section class="panel" aria-labelledby="suspects-title">
        <h2 id="suspects-title">可疑内容（${String(open.length)}）</h2>
        ${open.length === 0 ? html`<p class="muted">未发现疑似被植入的内容。</p>` : html`<ol class="findings">${open.map((suspect) => suspectItem({ ctx, policy, suspect, canDecide: canDecide && policy.status === 'draft' }))}</ol>`}
        ${excluded.length > 0 ? html`<h3>已删除的行（${String(excluded.length)}）</h3><ol class="findings">${excluded.map((suspect) => suspectItem({ ctx, policy, suspect, canDecide: false }))}</ol>` : ''}
      </section>
      <section class="panel" aria-labelledby="repairs-title">
        <h2 id="repairs-title">自动修复记录（${String(view.repairs.length)}）</h2>
        ${view.repairs.length === 0 ? html`<p class="muted">保存正文时没有需要修复的内容。</p>` : html`<ol class="findings">${view.repairs.map(repairItem)}</ol>`}
      </section>
      <section class="panel" aria-labelledby="structure-title">
        <h2 id="structure-title">标题层级（${String(view.warnings.length)}）</h2>
        ${view.warnings.length === 0
          ? html`<p class="muted">标题编号符合“一、（一）1.（1）”和“章、节、条、款”的层级。</p>`
          : html`<ul>${view.warnings.map((w) => html`<li><strong>${label(w.code)}</strong>：${w.message}</li>`)}</ul>`}
      </section>
      <section class="panel" aria-labelledby="metadata-title">
        <h2 id="metadata-title">从正文识别的文件要素</h2>
        <p class="meta">供核对，不会自动填入；如与表单不一致，请在“内容与审查”中修改。</p>
        ${metadata.length === 0 ? html`<p class="muted">未识别到标题、文号、日期等要素。</p>` : definitionList(metadata)}
      </section>`,
  });
}

/** The administrator's re-check of the whole library: per policy, what the checks find in its stored text. */
export function recheckPage({ ctx, report }: { ctx: WebContext; report: RecheckReport | null }): SafeHtml {
  return layout({
    ctx,
    title: '文本复查',
    crumbs: [{ label: '政策工作台', href: '/staff' }, { label: '文本复查' }],
    body: html`<h1>文本复查</h1>
      <p>对库中每一份政策的现行文本运行与起草时相同的检查（拼音注音、网页残留、可疑内容、标题层级），只列出结果，不修改任何政策。需要清理的政策请打开后发起修订。</p>
      <form method="post" action="/staff/text-recheck">${csrfField(ctx)}<button type="submit">开始复查</button></form>
      <p class="meta">命令行：<code>npm run recheck</code></p>
      ${report === null
        ? ''
        : html`<section aria-labelledby="recheck-result" role="status">
            <h2 id="recheck-result">复查结果</h2>
            <p>共检查 ${String(report.checked)} 份政策，${String(report.entries.length)} 份有发现：可修复 ${String(report.totals.repairs)} 处，可疑内容 ${String(report.totals.suspects)} 行，标题层级警告 ${String(report.totals.warnings)} 条。</p>
            ${report.entries.length === 0
              ? notice({ tone: 'ok', text: '未发现需要处理的内容。' })
              : html`<ol class="findings">${report.entries.map(
                  (entry) => html`<li>
                    <h3><a href="/staff/policies/${entry.policyId}">${entry.title}</a></h3>
                    <p class="meta">${entry.policyId} · ${STATUS_LABELS[entry.status]}${entry.currentVersion ? ` · 已发布至第 ${entry.currentVersion} 版` : ''}</p>
                    ${entry.repairs.length > 0 ? html`<p>可修复：</p><ul>${entry.repairs.map((r) => html`<li>第 ${String(r.line ?? '')} 行：${r.message}</li>`)}</ul>` : ''}
                    ${entry.suspects.length > 0 ? html`<p>可疑内容：</p><ul>${entry.suspects.map((s) => html`<li>第 ${String(s.line)} 行（${label(s.code)}）：${s.reason}<br><q>${s.text}</q></li>`)}</ul>` : ''}
                    ${entry.warnings.length > 0 ? html`<p>标题层级：</p><ul>${entry.warnings.map((w) => html`<li>${w.message}</li>`)}</ul>` : ''}
                  </li>`,
                )}</ol>`}
          </section>`}`,
  });
}

import type { MembershipDecision, Subscriber } from '../../../schemas/subscriber.schema.js';
import type { SubscriberImportReport } from '../../services/subscriber-import.service.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { accountTabs } from './account-nav.js';
import { choiceGroup, csrfField, errorSummary, notice, pagination, textArea, textField, type FieldError } from './components.js';
import { layout } from './layout.js';

function parkLayout({ ctx, park, title, current, body }: { ctx: WebContext; park: Subscriber; title: string; current: string; body: SafeHtml }): SafeHtml {
  return layout({
    ctx,
    title,
    crumbs: [{ label: '首页', href: '/' }, { label: '我的账号', href: '/account' }, { label: title }],
    body: html`<h1>${title}</h1>${accountTabs({ subscriber: park, current })}${body}`,
  });
}

const CSV_EXAMPLE = 'name,creditCode,industry,size,qualification,email,wechat\n上海示例科技有限公司,91310115MA1H7XXXXX,ind-integrated-circuit,size-small,qual-high-tech,ip@example.com,';

export function membersPage({
  ctx,
  park,
  taxonomy,
  members,
  requests,
  page,
  pageSize,
  report,
  values,
  errors,
}: {
  ctx: WebContext;
  park: Subscriber;
  taxonomy: Taxonomy;
  members: { total: number; items: Subscriber[] };
  requests: { pending: { total: number; items: Subscriber[] }; refused: { total: number; items: Subscriber[] } };
  page: number;
  pageSize: number;
  report: SubscriberImportReport | null;
  values: { format: string; content: string };
  errors: FieldError[];
}): SafeHtml {
  return parkLayout({
    ctx,
    park,
    title: '成员企业',
    current: '/account/park/members',
    body: html`${
      report &&
      html`<section class="panel" aria-labelledby="report-title" role="status">
        <h2 id="report-title">导入报告</h2>
        <p>成功导入 <strong>${report.imported}</strong> 家，失败 <strong>${report.failed}</strong> 行。</p>
        ${
          report.errors.length > 0 &&
          html`<div class="table-wrap"><table><caption>失败的行</caption>
            <thead><tr><th scope="col" class="num">行号</th><th scope="col">企业</th><th scope="col">原因</th></tr></thead>
            <tbody>${report.errors.map((e) => html`<tr><td class="num">${e.line}</td><td>${e.name ?? ''}</td><td>${e.message}</td></tr>`)}</tbody>
          </table></div>`
        }
      </section>`
    }
      ${requestsSection({ ctx, requests })}
      <h2>成员企业</h2>
      <p>共 ${members.total} 家成员企业。成员企业按自己的画像和园区的订阅接收政策；只有园区确认过的企业才是成员，才会出现在园区汇总中。</p>
      ${
        members.items.length > 0 &&
        html`<div class="table-wrap"><table>
          <thead><tr><th scope="col">企业</th><th scope="col">统一社会信用代码</th><th scope="col">画像</th><th scope="col">联系方式</th><th scope="col">操作</th></tr></thead>
          <tbody>${members.items.map(
            (m) => html`<tr><td>${m.name}</td><td>${m.creditCode ?? ''}</td><td>${Object.values(m.profile)
              .flat()
              .map((id) => taxonomy.label(id ?? ''))
              .join('、') || '未填写'}</td><td>${m.contacts.map((c) => c.address).join('、') || '无'}</td><td>${decisionButton({ ctx, subscriber: m, decision: 'remove', label: '移出园区', confirm: `确定将 ${m.name} 移出园区？` })}</td></tr>`,
          )}</tbody>
        </table></div>`
      }
      ${pagination({ page, pageSize, total: members.total, hrefFor: (p) => `/account/park/members?page=${p}`, label: '成员分页' })}
      <h2 id="import-title">批量导入成员企业</h2>
      <p>每行一家企业。CSV 第一行为表头，可用列：name（必填）、creditCode（必填）、subject_type、industry、region、size、qualification、stage、need（标签编号，多个用 | 分隔）、email、wechat。也可以粘贴 JSON Lines。</p>
      ${errorSummary(errors)}
      <form method="post" action="/account/park/members/import" novalidate aria-labelledby="import-title">
        ${csrfField(ctx)}
        ${choiceGroup({
          name: 'format',
          legend: '格式',
          type: 'radio',
          options: [
            { value: 'csv', label: 'CSV' },
            { value: 'jsonl', label: 'JSON Lines' },
          ],
          selected: [values.format || 'csv'],
          errors,
        })}
        <div class="field" hidden>
          <label for="f-file">从文件读取 <span class="muted">（选填）</span></label>
          <input id="f-file" type="file" accept=".csv,.jsonl,.txt,text/csv" data-file-into="f-content">
        </div>
        ${textArea({ name: 'content', label: '企业名单', value: values.content, errors, required: true, tall: true, hint: `示例：${CSV_EXAMPLE}` })}
        <div class="actions"><button class="btn" type="submit">导入</button></div>
      </form>`,
  });
}

function decisionButton({ ctx, subscriber, decision, label, confirm }: { ctx: WebContext; subscriber: Subscriber; decision: MembershipDecision; label: string; confirm?: string }): SafeHtml {
  return html`<form class="inline" method="post" action="/account/park/members/${subscriber.id}/decision"${confirm ? html` data-confirm="${confirm}"` : ''}>${csrfField(ctx)}<input type="hidden" name="decision" value="${decision}"><button class="btn-link" type="submit">${label}<span class="visually-hidden"> ${subscriber.name}</span></button></form>`;
}

/** Requests wait for the park: until it confirms, an enterprise is in no member list, digest or park match. */
function requestsSection({ ctx, requests }: { ctx: WebContext; requests: { pending: { total: number; items: Subscriber[] }; refused: { total: number; items: Subscriber[] } } }): SafeHtml {
  const rows = (items: Subscriber[], actions: (s: Subscriber) => SafeHtml) =>
    html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">企业</th><th scope="col">统一社会信用代码</th><th scope="col">申请时间</th><th scope="col">操作</th></tr></thead>
      <tbody>${items.map((s) => html`<tr><td>${s.name}</td><td>${s.creditCode ?? ''}</td><td>${(s.parkRequest?.requestedAt ?? '').slice(0, 10)}</td><td>${actions(s)}</td></tr>`)}</tbody>
    </table></div>`;
  return html`<section aria-labelledby="requests-title">
      <h2 id="requests-title">入园申请</h2>
      ${
        requests.pending.total === 0
          ? html`<p class="muted">没有待确认的入园申请。</p>`
          : html`<p>${requests.pending.total} 家企业申请加入园区，确认后才会成为成员企业。</p>${rows(
              requests.pending.items,
              (s) => html`${decisionButton({ ctx, subscriber: s, decision: 'confirm', label: '确认' })} ${decisionButton({ ctx, subscriber: s, decision: 'refuse', label: '拒绝' })}`,
            )}`
      }
      ${
        requests.refused.total > 0 &&
        html`<details><summary>已拒绝或已移出的企业（${requests.refused.total}）</summary>${rows(requests.refused.items, (s) => decisionButton({ ctx, subscriber: s, decision: 'confirm', label: '改为确认' }))}</details>`
      }
    </section>`;
}

export function groupsPage({ ctx, park, values, errors }: { ctx: WebContext; park: Subscriber; values: { address: string; label: string }; errors: FieldError[] }): SafeHtml {
  const groups = park.contacts.filter((c) => c.channel === 'wechat');
  return parkLayout({
    ctx,
    park,
    title: '园区微信群',
    current: '/account/park/groups',
    body: html`<p class="lead">园区的微信群接收适用于园区企业的政策汇总，而不是逐条推送给每家企业。</p>
      ${
        groups.length === 0
          ? notice({ text: '还没有登记微信群。', tone: 'warn' })
          : html`<ul class="cards">${groups.map(
              (g) => html`<li class="card"><h2>${g.address}</h2>${g.label && html`<p class="meta">${g.label}</p>`}
                <form method="post" action="/account/park/groups/${g.id}/delete" data-confirm="确定移除微信群 ${g.address}？">${csrfField(ctx)}<button class="btn-link" type="submit">移除<span class="visually-hidden"> ${g.address}</span></button></form></li>`,
            )}</ul>`
      }
      <h2>登记微信群</h2>
      ${errorSummary(errors)}
      <form method="post" action="/account/park/groups" novalidate>
        ${csrfField(ctx)}
        ${textField({ name: 'address', label: '群名称', value: values.address, errors, required: true, hint: '与微信中的群名称完全一致' })}
        ${textField({ name: 'label', label: '备注', value: values.label, errors, hint: '例如：张江园区企业服务群' })}
        <div class="actions"><button class="btn" type="submit">登记</button></div>
      </form>`,
  });
}

import type { DeliveryListItem, DeliveryListPage } from '../../../schemas/delivery-list.schema.js';
import { deliveryStatusSchema } from '../../../schemas/delivery.schema.js';
import { CHANNEL_LABELS, channelSchema, SUBSCRIBER_KIND_LABELS } from '../../../schemas/subscriber.schema.js';
import { DELIVERY_STATUS_TEXT } from '../../push/delivery-status-text.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { errorSummary, selectField, textField, type FieldError } from './components.js';
import { formatInstant } from './format.js';
import { layout } from './layout.js';

/** The filters as the form shows them (strings as typed, so a bad value is shown back with its error). */
export interface DeliveryListFormValues {
  policyId: string;
  version: string;
  channel: string;
  status: string;
  parkId: string;
  from: string;
  to: string;
  limit: string;
}

export const DELIVERY_LIST_FIELDS = ['policyId', 'version', 'channel', 'status', 'parkId', 'from', 'to', 'limit'] as const;

/** The filters as a query string (empty ones left out), for paging and the export link. */
export function deliveryListQueryString({ values, cursor }: { values: DeliveryListFormValues; cursor?: string | null }): string {
  const params = new URLSearchParams();
  for (const name of DELIVERY_LIST_FIELDS) if (values[name]) params.set(name, values[name]);
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function statusCell(item: DeliveryListItem): SafeHtml {
  const tone = item.status === 'sent' || item.status === 'delivered' ? 'badge-effective' : item.status === 'failed_permanent' ? 'badge-repealed' : item.status === 'failed_temporary' ? 'badge-revised' : 'badge-neutral';
  return html`<span class="badge ${tone}">${DELIVERY_STATUS_TEXT[item.status]}</span>`;
}

function row(item: DeliveryListItem): SafeHtml {
  const why = item.reason ?? item.queuedReason;
  return html`<tr>
    <th scope="row">${item.subscriberName}<br><span class="meta">${item.subscriberKind ? SUBSCRIBER_KIND_LABELS[item.subscriberKind] : '已删除'}</span></th>
    <td><a href="/staff/policies/${encodeURIComponent(item.policyId)}/deliveries?version=${item.version}">${item.policyId}</a><br><span class="meta">第 ${item.version} 版</span></td>
    <td>${CHANNEL_LABELS[item.channel]}<br><span class="meta">${item.contact ?? '—'}</span></td>
    <td>${statusCell(item)}</td>
    <td>${why ?? html`<span class="muted">—</span>`}</td>
    <td>${item.sentAt ? formatInstant(item.sentAt) : html`<span class="muted">未发送</span>`}</td>
    <td class="num">${item.attempts}</td>
  </tr>`;
}

export function deliveryListPage({ ctx, values, page, errors = [] }: { ctx: WebContext; values: DeliveryListFormValues; page: DeliveryListPage | null; errors?: readonly FieldError[] }): SafeHtml {
  const channelOptions = [{ value: '', label: '全部渠道' }, ...channelSchema.options.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))];
  const statusOptions = [{ value: '', label: '全部状态' }, ...deliveryStatusSchema.options.map((s) => ({ value: s, label: DELIVERY_STATUS_TEXT[s] }))];
  const exportHref = `/staff/push/deliveries.csv${deliveryListQueryString({ values })}`;
  return layout({
    ctx,
    title: '推送明细',
    crumbs: [{ label: '政策工作台', href: '/staff' }, { label: '推送成效', href: '/staff/push/statistics' }, { label: '推送明细' }],
    body: html`<h1>推送明细</h1>
      <p class="lead">推送到了谁、经哪个渠道、结果如何；还没发出的，说明为什么仍在排队（汇总时间、发送节奏、每日额度、渠道暂停）。联系方式已隐去部分字符。</p>
      ${errorSummary(errors)}
      <form method="get" action="/staff/push/deliveries" class="filters" aria-label="筛选推送明细">
        ${textField({ name: 'policyId', label: '政策编号', value: values.policyId, errors })}
        ${textField({ name: 'version', label: '版本', value: values.version, errors, attrs: html`inputmode="numeric"` })}
        ${selectField({ name: 'channel', label: '渠道', options: channelOptions, value: values.channel, errors })}
        ${selectField({ name: 'status', label: '状态', options: statusOptions, value: values.status, errors })}
        ${textField({ name: 'parkId', label: '园区编号', value: values.parkId, errors, hint: '园区本身及其已确认的成员企业' })}
        ${textField({ name: 'from', label: '开始日期', type: 'date', value: values.from, errors })}
        ${textField({ name: 'to', label: '结束日期', type: 'date', value: values.to, errors, hint: '按发送日期，未发送的按入队日期（北京时间）' })}
        <div class="actions"><button class="btn btn-secondary" type="submit">筛选</button><a href="/staff/push/deliveries">清除条件</a><a href="${exportHref}" download>导出 CSV</a></div>
      </form>
      ${
        page === null
          ? ''
          : page.items.length === 0
            ? html`<p>没有符合条件的推送。</p>`
            : html`<div class="table-wrap"><table>
              <caption>推送明细（最新的在前，本页 ${page.items.length} 条）</caption>
              <thead><tr><th scope="col">订阅用户</th><th scope="col">政策</th><th scope="col">渠道与联系方式</th><th scope="col">状态</th><th scope="col">原因</th><th scope="col">发送时间</th><th scope="col" class="num">尝试次数</th></tr></thead>
              <tbody>${page.items.map(row)}</tbody>
            </table></div>`
      }
      ${
        page !== null &&
        (page.prevCursor || page.nextCursor) &&
        html`<nav aria-label="翻页"><ul class="tabs">
          ${page.prevCursor && html`<li><a href="/staff/push/deliveries${deliveryListQueryString({ values, cursor: page.prevCursor })}" rel="prev">上一页</a></li>`}
          ${page.nextCursor && html`<li><a href="/staff/push/deliveries${deliveryListQueryString({ values, cursor: page.nextCursor })}" rel="next">下一页</a></li>`}
        </ul></nav>`
      }`,
  });
}

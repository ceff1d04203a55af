import {
  IRRELEVANT_REASON_LABELS,
  IRRELEVANT_REASONS,
  STATISTICS_GROUPS,
  type PrecisionRow,
  type PushPrecision,
  type PushStatistics,
  type PushStatisticsRow,
  type StatisticsGroup,
} from '../../../schemas/push-tracking.schema.js';
import type { FeedbackResult, FeedbackSubject, NarrowOption } from '../../push/tracking/push-tracking.service.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, textArea, type FieldError } from './components.js';
import { formatCount, formatInstant } from './format.js';
import { layout } from './layout.js';

const GROUP_LABELS: Record<StatisticsGroup, string> = { policy: '按政策', channel: '按渠道', tag: '按标签', park: '按园区' };

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} 秒`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} 分钟`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} 小时`;
  return `${(seconds / 86_400).toFixed(1)} 天`;
}

// ---- 与我无关 feedback (public, reached from a push) -----------------------------------------

export function feedbackPage({ ctx, token, subject, errors = [] }: { ctx: WebContext; token: string; subject: FeedbackSubject; errors?: readonly FieldError[] }): SafeHtml {
  const action = `/feedback/${encodeURIComponent(token)}`;
  if (subject.already) {
    return layout({
      ctx,
      title: '已收到您的反馈',
      body: html`<h1>已收到您的反馈</h1>
        ${notice({ text: `您已于 ${formatInstant(subject.already.recordedAt)} 标记这条推送“与我无关”，无需重复提交。`, tone: 'ok' })}
        ${narrowSection({ token, options: subject.narrow, ctx })}`,
    });
  }
  return layout({
    ctx,
    title: '与我无关',
    body: html`<h1>这条推送与我无关</h1>
      ${errorSummary(errors)}
      <p class="lead">告诉我们这条推送为什么不适合您，我们会据此改进推送的精准度。提交后才会记录；无需登录。</p>
      <form method="post" action="${action}">
        ${csrfField(ctx)}
        ${
          subject.digest
            ? choiceGroup({
                name: 'deliveryIds',
                legend: '哪些政策与您无关？',
                type: 'checkbox',
                inline: false,
                options: subject.items.filter((i) => i.deliveryId !== null).map((i) => ({ value: String(i.deliveryId), label: i.title })),
                selected: subject.items.length === 1 ? [String(subject.items[0]?.deliveryId)] : [],
                errors,
              })
            : subject.items.length > 0
              ? html`<p>推送的政策：${subject.items.map((i, n) => html`${n > 0 ? '、' : ''}<a href="/policies/${encodeURIComponent(i.policyId)}">${i.title}</a>`)}</p>`
              : ''
        }
        ${choiceGroup({
          name: 'reasons',
          legend: '原因（可多选，可不选）',
          type: 'checkbox',
          options: IRRELEVANT_REASONS.map((r) => ({ value: r, label: IRRELEVANT_REASON_LABELS[r] })),
          selected: [],
          errors,
        })}
        ${textArea({ name: 'note', label: '补充说明（最多 200 字）', value: '', errors })}
        <div class="actions"><button class="btn" type="submit">提交“与我无关”</button><a href="/">返回首页</a></div>
      </form>
      <p class="meta">只记录“这条推送与您无关”和您选择的原因，不记录您的 IP 地址或浏览器信息。<a href="/privacy">隐私说明</a></p>`,
  });
}

function narrowSection({ ctx, token, options }: { ctx: WebContext; token: string; options: readonly NarrowOption[] }): SafeHtml {
  if (options.length === 0) return html`<p>想调整接收的内容？<a href="/account/subscriptions">登录后管理订阅</a>。</p>`;
  return html`<section class="panel" aria-labelledby="narrow-title">
    <h2 id="narrow-title">少收这类推送</h2>
    <p>这条推送是因为下列订阅条件匹配而发给您的。移除一个条件后，订阅的其他条件照常生效。</p>
    <ul class="plain">${options.map(
      (o) => html`<li>
        订阅“${o.subscriptionName}”的${o.dimensionLabel}条件：<strong>${o.tagLabel}</strong>
        ${
          o.removable
            ? html`<form method="post" action="/feedback/${encodeURIComponent(token)}/narrow" class="inline-form">
                ${csrfField(ctx)}
                <input type="hidden" name="subscriptionId" value="${o.subscriptionId}">
                <input type="hidden" name="tagId" value="${o.tagId}">
                <button class="btn btn-secondary" type="submit">不再按“${o.tagLabel}”推送</button>
              </form>`
            : ''
        }
        <a href="${o.editUrl}">修改订阅“${o.subscriptionName}”</a>
      </li>`,
    )}</ul>
  </section>`;
}

export function feedbackDonePage({ ctx, token, result }: { ctx: WebContext; token: string; result: FeedbackResult }): SafeHtml {
  const title = result.alreadyRecorded ? '已收到您的反馈' : '感谢您的反馈';
  return layout({
    ctx,
    title,
    body: html`<h1>${title}</h1>
      ${notice({ text: result.alreadyRecorded ? '这条推送之前已标记为“与我无关”，无需重复提交。' : `已记录：${result.recorded} 条推送与您无关。`, tone: 'ok' })}
      ${narrowSection({ ctx, token, options: result.narrow })}
      <p class="meta"><a href="/privacy">我们记录了什么、保存多久</a></p>`,
  });
}

export function narrowDonePage({ ctx, subscriptionName, tagLabel }: { ctx: WebContext; subscriptionName: string; tagLabel: string }): SafeHtml {
  return layout({
    ctx,
    title: '订阅已调整',
    body: html`<h1>订阅已调整</h1>
      ${notice({ text: `订阅“${subscriptionName}”不再包含条件“${tagLabel}”。`, tone: 'ok' })}
      <p><a href="/account/subscriptions">登录后查看和管理全部订阅</a></p>`,
  });
}

// ---- privacy -------------------------------------------------------------------------------

export function privacyPage({ ctx, retentionDays, followDays }: { ctx: WebContext; retentionDays: number; followDays: number }): SafeHtml {
  return layout({
    ctx,
    title: '隐私说明',
    crumbs: [{ label: '首页', href: '/' }, { label: '隐私说明' }],
    body: html`<h1>隐私说明</h1>
      <p class="lead">本平台统计推送是否被阅读、是否被认为“与我无关”，只为改进推送的精准度。</p>
      <section aria-labelledby="what-title">
        <h2 id="what-title">记录什么</h2>
        <ul>
          <li><strong>首次打开</strong>：推送中的政策链接经本站跳转（链接形如 <code>/r/…</code>），第一次打开时记录“这条推送被打开过”和时间。同一条推送再次打开不再记录。</li>
          <li><strong>与我无关</strong>：您在反馈页提交时，记录“这条推送与您无关”、您勾选的原因（行业不符、地区不符、规模不符、已不需要、其他）和您填写的补充说明。只打开反馈页不会记录。</li>
          <li>记录只与那一条推送关联。<strong>不记录</strong> IP 地址、浏览器或设备信息，不使用跟踪像素、Cookie 跟踪或任何第三方统计服务。</li>
          <li>邮件安全网关等自动检查链接的访问（识别为链接扫描的请求和 HEAD 请求）照常跳转，但不计为打开；识别时只查看请求头，不保存。</li>
        </ul>
      </section>
      <section aria-labelledby="use-title">
        <h2 id="use-title">谁能看到、如何使用</h2>
        <p>政策起草和审核工作人员只能看到汇总数字：按政策、渠道、标签、园区统计的送达数、打开率、“与我无关”比例、推送后 ${followDays} 天内的退订数和打开所需时间的中位数，以及哪些标签规则和未填写的企业画像维度最常带来“与我无关”。</p>
      </section>
      <section aria-labelledby="keep-title">
        <h2 id="keep-title">保存多久</h2>
        <p>打开记录和“与我无关”记录保存 <strong>${retentionDays} 天</strong>，到期后自动删除。</p>
      </section>
      <section aria-labelledby="stop-title">
        <h2 id="stop-title">不想被统计</h2>
        <p>直接访问政策页面（不经推送中的链接）不会产生任何记录。每条推送都附有一键退订链接；登录后可以随时调整订阅。</p>
      </section>`,
  });
}

// ---- staff statistics ----------------------------------------------------------------------

function statisticsRow(row: PushStatisticsRow, header: 'th' | 'td' = 'th'): SafeHtml {
  return html`<tr>${header === 'th' ? html`<th scope="row">${row.label}</th>` : html`<td>${row.label}</td>`}
    <td class="num">${formatCount(row.delivered)}</td>
    <td class="num">${formatCount(row.opened)}</td>
    <td class="num">${percent(row.openRate)}</td>
    <td class="num">${formatCount(row.irrelevant)}</td>
    <td class="num">${percent(row.irrelevantRate)}</td>
    <td class="num">${formatCount(row.unsubscribedAfter)}</td>
    <td class="num">${duration(row.medianOpenSeconds)}</td></tr>`;
}

function staffTabs(current: 'statistics' | 'precision'): SafeHtml {
  return html`<nav aria-label="推送成效"><ul class="tabs">
    <li><a href="/staff/push/statistics"${current === 'statistics' ? html` aria-current="page"` : ''}>推送成效</a></li>
    <li><a href="/staff/push/precision"${current === 'precision' ? html` aria-current="page"` : ''}>精准度分析</a></li>
    <li><a href="/staff/push/deliveries">推送明细</a></li>
  </ul></nav>`;
}

function rangeForm({ action, groupBy, from, to }: { action: string; groupBy: StatisticsGroup | null; from: string; to: string }): SafeHtml {
  return html`<form method="get" action="${action}" class="filters">
    ${groupBy && html`<input type="hidden" name="groupBy" value="${groupBy}">`}
    <label for="from">开始日期</label> <input type="date" id="from" name="from" value="${from}">
    <label for="to">结束日期</label> <input type="date" id="to" name="to" value="${to}">
    <button class="btn btn-secondary" type="submit">查看</button>
  </form>`;
}

export function statisticsPage({ ctx, stats }: { ctx: WebContext; stats: PushStatistics }): SafeHtml {
  const href = (g: StatisticsGroup) => `/staff/push/statistics?groupBy=${g}&from=${stats.from}&to=${stats.to}`;
  return layout({
    ctx,
    title: '推送成效',
    crumbs: [{ label: '政策工作台', href: '/staff' }, { label: '推送成效' }],
    body: html`<h1>推送成效</h1>
      ${staffTabs('statistics')}
      ${rangeForm({ action: '/staff/push/statistics', groupBy: stats.groupBy, from: stats.from, to: stats.to })}
      ${definitionList([
        ['统计期间（发送日期）', `${stats.from} 至 ${stats.to}`],
        ['送达', formatCount(stats.totals.delivered)],
        ['打开', `${formatCount(stats.totals.opened)}（${percent(stats.totals.openRate)}）`],
        ['与我无关', `${formatCount(stats.totals.irrelevant)}（${percent(stats.totals.irrelevantRate)}）`],
        [`${stats.followDays} 天内退订`, formatCount(stats.totals.unsubscribedAfter)],
        ['打开用时中位数', duration(stats.totals.medianOpenSeconds)],
      ])}
      <nav aria-label="分组方式"><ul class="tabs">${STATISTICS_GROUPS.map(
        (g) => html`<li><a href="${href(g)}"${g === stats.groupBy ? html` aria-current="page"` : ''}>${GROUP_LABELS[g]}</a></li>`,
      )}</ul></nav>
      ${
        stats.rows.length === 0
          ? html`<p>该期间没有已发送的推送。</p>`
          : html`<div class="table-wrap"><table>
            <caption>${GROUP_LABELS[stats.groupBy]}统计（送达数最多的在前）</caption>
            <thead><tr><th scope="col">${GROUP_LABELS[stats.groupBy].slice(1)}</th><th scope="col" class="num">送达</th><th scope="col" class="num">打开</th><th scope="col" class="num">打开率</th><th scope="col" class="num">与我无关</th><th scope="col" class="num">与我无关比例</th><th scope="col" class="num">${stats.followDays} 天内退订</th><th scope="col" class="num">打开用时中位数</th></tr></thead>
            <tbody>${stats.rows.map((row) => statisticsRow(row))}</tbody>
          </table></div>`
      }
      <p class="meta">“送达”为已发出的推送（演练不计）；“打开”为经推送链接的首次打开，链接扫描不计；按标签统计时，一条推送计入它匹配的每个标签。<a href="/privacy">隐私说明</a></p>`,
  });
}

function precisionTable({ caption, rows, empty }: { caption: string; rows: readonly PrecisionRow[]; empty: string }): SafeHtml {
  if (rows.length === 0) return html`<p>${empty}</p>`;
  return html`<div class="table-wrap"><table>
    <caption>${caption}</caption>
    <thead><tr><th scope="col">名次</th><th scope="col">项目</th><th scope="col" class="num">与我无关</th><th scope="col" class="num">送达</th><th scope="col" class="num">与我无关比例</th></tr></thead>
    <tbody>${rows.map(
      (r, i) => html`<tr><td class="num">${i + 1}</td><th scope="row">${r.label}</th><td class="num">${formatCount(r.irrelevant)}</td><td class="num">${formatCount(r.delivered)}</td><td class="num">${percent(r.irrelevantRate)}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

export function precisionPage({ ctx, precision }: { ctx: WebContext; precision: PushPrecision }): SafeHtml {
  return layout({
    ctx,
    title: '精准度分析',
    crumbs: [{ label: '政策工作台', href: '/staff' }, { label: '推送成效', href: '/staff/push/statistics' }, { label: '精准度分析' }],
    body: html`<h1>精准度分析</h1>
      ${staffTabs('precision')}
      ${rangeForm({ action: '/staff/push/precision', groupBy: null, from: precision.from, to: precision.to })}
      <p class="lead">哪些标签规则和哪些未填写的企业画像维度（待确认）带来最多“与我无关”反馈：排在前面的，值得收窄标签规则或请企业补全画像。</p>
      ${precisionTable({ caption: '标签规则（订阅匹配的标签）', rows: precision.tags, empty: '该期间没有按标签匹配的推送。' })}
      ${precisionTable({ caption: '画像缺口（推送时为待确认的维度）', rows: precision.gaps, empty: '该期间的推送都没有待确认的画像维度。' })}
      ${
        precision.reasons.length > 0
          ? html`<div class="table-wrap"><table><caption>“与我无关”的原因</caption>
            <thead><tr><th scope="col">原因</th><th scope="col" class="num">次数</th></tr></thead>
            <tbody>${precision.reasons.map((r) => html`<tr><th scope="row">${r.label}</th><td class="num">${formatCount(r.count)}</td></tr>`)}</tbody>
          </table></div>`
          : html`<p>该期间没有“与我无关”反馈。</p>`
      }`,
  });
}

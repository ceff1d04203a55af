import type { DeliveryLog, DeliveryStatus, UnsubscribeResult, UnsubscribeScope } from '../../../schemas/delivery.schema.js';
import type { StaffPolicy } from '../../../schemas/policy.schema.js';
import { CHANNEL_LABELS, channelSchema, type Channel, type Subscriber } from '../../../schemas/subscriber.schema.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { accountTabs } from './account-nav.js';
import { csrfField, definitionList, notice } from './components.js';
import { formatCount, formatInstant } from './format.js';
import { layout } from './layout.js';
import { policyWorkspace } from './staff.views.js';
import { DELIVERY_STATUS_TEXT } from '../../push/delivery-status-text.js';

const STATUS_ORDER: readonly DeliveryStatus[] = ['pending', 'sending', 'sent', 'delivered', 'failed_temporary', 'failed_permanent', 'skipped'];
const SCOPE_LABELS: Record<UnsubscribeScope, string> = { subscription: '退订单个订阅', frequency: '退订汇总', all: '退订全部推送', reminders: '关闭截止提醒' };

function statusBadge(status: DeliveryStatus): SafeHtml {
  const tone = status === 'sent' || status === 'delivered' ? 'badge-effective' : status === 'failed_permanent' ? 'badge-repealed' : status === 'failed_temporary' ? 'badge-revised' : 'badge-neutral';
  return html`<span class="badge ${tone}">${DELIVERY_STATUS_TEXT[status]}</span>`;
}

// ---- one-click unsubscribe landing pages ---------------------------------------------------

export function unsubscribeConfirmPage({ ctx, token, text }: { ctx: WebContext; token: string; text: string }): SafeHtml {
  return layout({
    ctx,
    title: '退订确认',
    body: html`<h1>退订确认</h1>
      <p class="lead">${text}</p>
      <form method="post" action="/unsubscribe/${encodeURIComponent(token)}/confirm">
        ${csrfField(ctx)}
        <div class="actions"><button class="btn" type="submit">确认退订</button><a href="/">不退订，返回首页</a></div>
      </form>
      <p class="meta">无需登录。退订后订阅保留在历史记录中，随时可以登录后重新订阅或调整订阅条件、频率和渠道。</p>`,
  });
}

export function unsubscribeDonePage({ ctx, result }: { ctx: WebContext; result: UnsubscribeResult }): SafeHtml {
  return layout({
    ctx,
    title: result.alreadyDone ? '无需重复退订' : '退订成功',
    body: html`<h1>${result.alreadyDone ? '无需重复退订' : '退订成功'}</h1>
      ${notice({ text: result.message, tone: 'ok' })}
      ${result.endedSubscriptionIds.length > 0 && html`<p>已结束 ${result.endedSubscriptionIds.length} 个订阅。</p>`}
      <p>想换个方式接收？<a href="/account/subscriptions">登录后管理订阅</a>：可以改为每日或每周汇总、只接收符合条件的政策，或换用微信。</p>`,
  });
}

// ---- delivery statistics for drafters -----------------------------------------------------

export function deliveryStatsPage({
  ctx,
  policy,
  log,
  versions,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  log: DeliveryLog;
  versions: readonly number[];
}): SafeHtml {
  const channels = channelSchema.options.filter((c) => log.counts.some((row) => row.channel === c) || log.reminders.some((row) => row.channel === c));
  const count = (channel: Channel, status: DeliveryStatus) => log.counts.find((r) => r.channel === channel && r.status === status)?.count ?? 0;
  const dryRun = log.counts.reduce((sum, r) => sum + r.dryRun, 0);
  const statuses = STATUS_ORDER.filter((s) => channels.some((c) => count(c, s) > 0));
  const base = `/staff/policies/${policy.id}/deliveries`;
  const versionHref = (v: number) => `${base}?version=${v}`;
  return policyWorkspace({
    ctx,
    policy,
    title: '推送统计',
    tab: 'deliveries',
    body: html`${
      versions.length > 1 &&
      html`<nav aria-label="选择版本"><ul class="tabs">${versions.map(
        (v) => html`<li><a href="${versionHref(v)}"${v === log.version ? html` aria-current="page"` : ''}>第 ${v} 版</a></li>`,
      )}</ul></nav>`
    }
      <section class="panel" aria-labelledby="matching-title">
        <h2 id="matching-title">第 ${log.version ?? '—'} 版的推送名单</h2>
        ${definitionList([
          ['匹配状态', log.matching.status === 'done' ? '已完成' : log.matching.status === 'running' ? '进行中' : log.matching.status === 'skipped' ? `未推送：${log.matching.reason ?? ''}` : '尚未开始'],
          ['匹配的订阅用户', formatCount(log.matching.matched)],
          ['写入推送队列', `${formatCount(log.total)} 条（按用户 × 渠道）`],
          ['引起的退订', `${formatCount(log.unsubscribes.total)} 次${Object.keys(log.unsubscribes.byScope).length > 0 ? `（${(Object.entries(log.unsubscribes.byScope) as [UnsubscribeScope, number][]).map(([scope, n]) => `${SCOPE_LABELS[scope]} ${n}`).join('，')}）` : ''}`],
        ])}
        <p><a href="/staff/push/deliveries?policyId=${encodeURIComponent(policy.id)}${log.version ? `&version=${log.version}` : ''}">查看推送明细</a>：推送到了谁、哪个渠道、状态和原因，可筛选、导出 CSV。</p>
      </section>
      ${
        channels.length === 0
          ? html`<p>该版本还没有推送记录。</p>`
          : html`<div class="table-wrap"><table>
              <caption>按渠道和状态${dryRun > 0 ? `（其中 ${formatCount(dryRun)} 条为演练，未实际发出）` : ''}</caption>
              <thead><tr><th scope="col">渠道</th>${statuses.map((s) => html`<th scope="col" class="num">${DELIVERY_STATUS_TEXT[s]}</th>`)}<th scope="col" class="num">合计</th></tr></thead>
              <tbody>${channels.map(
                (c) => html`<tr><th scope="row">${CHANNEL_LABELS[c]}</th>${statuses.map((s) => html`<td class="num">${formatCount(count(c, s))}</td>`)}<td class="num">${formatCount(
                  statuses.reduce((sum, s) => sum + count(c, s), 0),
                )}</td></tr>`,
              )}</tbody>
            </table></div>`
      }
      ${
        log.reminders.length > 0 &&
        html`<div class="table-wrap"><table><caption>申报截止提醒</caption>
          <thead><tr><th scope="col">渠道</th><th scope="col">状态</th><th scope="col" class="num">条数</th></tr></thead>
          <tbody>${log.reminders.map((r) => html`<tr><td>${CHANNEL_LABELS[r.channel]}</td><td>${DELIVERY_STATUS_TEXT[r.status]}</td><td class="num">${formatCount(r.count)}</td></tr>`)}</tbody>
        </table></div>`
      }
      ${
        log.byErrorClass.length > 0 &&
        html`<div class="table-wrap"><table><caption>未送达的原因</caption>
          <thead><tr><th scope="col">原因</th><th scope="col" class="num">条数</th></tr></thead>
          <tbody>${log.byErrorClass.map((e) => html`<tr><td>${e.label}</td><td class="num">${formatCount(e.count)}</td></tr>`)}</tbody>
        </table></div>`
      }
      ${
        log.failures.length > 0 &&
        html`<div class="table-wrap"><table><caption>失败和未发送明细（最近 ${log.failures.length} 条）</caption>
          <thead><tr><th scope="col">订阅用户</th><th scope="col">渠道</th><th scope="col">状态</th><th scope="col">原因</th><th scope="col" class="num">尝试次数</th><th scope="col">时间</th></tr></thead>
          <tbody>${log.failures.map(
            (f) => html`<tr><td>${f.subscriberName}</td><td>${CHANNEL_LABELS[f.channel]}</td><td>${statusBadge(f.status)}</td><td>${f.reason}</td><td class="num">${f.attempts}</td><td>${formatInstant(f.updatedAt)}</td></tr>`,
          )}</tbody>
        </table></div>`
      }
      <section aria-labelledby="channels-title">
        <h2 id="channels-title">渠道状态</h2>
        <ul>${log.channels.map(
          (c) => html`<li>${CHANNEL_LABELS[c.channel]}：${c.paused ? '已暂停' : c.state === 'running' ? '运行中' : c.state === 'no_worker' ? '没有推送进程在运行' : c.state}${c.dryRun ? '（演练模式）' : ''}${c.reason ? `，${c.reason}` : ''}</li>`,
        )}</ul>
      </section>`,
  });
}

// ---- a park's push history ----------------------------------------------------------------

export interface PushHistoryEntry {
  at: string;
  kind: 'policy' | 'digest' | 'park_digest' | 'reminder';
  channel: Channel;
  status: DeliveryStatus;
  dryRun: boolean;
  /** Why it was not sent or failed. */
  problem: string | null;
  /** Where it went (the WeChat group names, as the last successful attempt reported). */
  recipients: string | null;
  policies: { id: string; title: string; reasons: string[]; members: string[] }[];
  heading: string;
}

export function parkPushesPage({ ctx, park, entries }: { ctx: WebContext; park: Subscriber; entries: readonly PushHistoryEntry[] }): SafeHtml {
  const groups = park.contacts.filter((c) => c.channel === 'wechat');
  return layout({
    ctx,
    title: '推送记录',
    crumbs: [{ label: '首页', href: '/' }, { label: '我的账号', href: '/account' }, { label: '推送记录' }],
    body: html`<h1>推送记录</h1>${accountTabs({ subscriber: park, current: '/account/park/pushes' })}
      <p class="lead">推送给园区的政策（按园区的订阅），以及每日发到园区微信群的“园区政策速递”（成员企业新匹配到的政策）。</p>
      <p>园区微信群：${groups.length > 0 ? groups.map((g) => g.address).join('、') : html`还没有登记，<a href="/account/park/groups">登记微信群</a>后才会收到园区政策速递`}。</p>
      ${entries.length === 0 ? notice({ text: '还没有推送记录。新政策发布并匹配到园区或成员企业后，记录会出现在这里。' }) : ''}
      <ul class="cards">${entries.map(
        (e) => html`<li class="card">
          <h2>${e.heading}</h2>
          <p class="meta">${statusBadge(e.status)} ${CHANNEL_LABELS[e.channel]} · ${formatInstant(e.at)}${e.dryRun ? ' · 演练（未实际发出）' : ''}${e.recipients ? html` · ${e.recipients}` : ''}</p>
          ${e.problem && html`<p>原因：${e.problem}</p>`}
          <ul>${e.policies.map(
            (p) => html`<li><a href="/policies/${p.id}">${p.title}</a>
              ${p.members.length > 0 && html`<br><span class="meta">涉及成员企业 ${p.members.length} 家：${p.members.slice(0, 10).join('、')}${p.members.length > 10 ? ' 等' : ''}</span>`}
              ${p.reasons.length > 0 && html`<ul class="reasons">${p.reasons.map((r) => html`<li>${r}</li>`)}</ul>`}</li>`,
          )}</ul>
        </li>`,
      )}</ul>`,
  });
}

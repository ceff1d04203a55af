import type { FeedItem } from '../../../schemas/matching.schema.js';
import { CHANNEL_LABELS, PARK_REQUEST_STATUS_LABELS, PROFILE_DIMENSIONS, SUBSCRIBER_KIND_LABELS, type Contact, type Subscriber } from '../../../schemas/subscriber.schema.js';
import type { Subscription } from '../../../schemas/subscription.schema.js';
import { FREQUENCY_LABELS } from '../../../schemas/subscription.schema.js';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { accountTabs } from './account-nav.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, pagination, selectField, tagPicker, textField, validityBadge, type FieldError } from './components.js';
import { formatDate, formatInstant } from './format.js';
import { layout } from './layout.js';

function accountLayout({ ctx, subscriber, title, current, body }: { ctx: WebContext; subscriber: Subscriber; title: string; current: string; body: SafeHtml }): SafeHtml {
  return layout({
    ctx,
    title,
    crumbs: [{ label: '首页', href: '/' }, { label: '我的账号', href: '/account' }, { label: title }],
    body: html`<h1>${title}</h1>${accountTabs({ subscriber, current })}${body}`,
  });
}

/** Profile dimensions not stated: matching treats them as 待确认, so asking for them improves precision. */
export function missingProfile(subscriber: Subscriber): DimensionId[] {
  return PROFILE_DIMENSIONS.filter((d) => !subscriber.profile[d] || subscriber.profile[d]?.length === 0);
}

export function feedPage({
  ctx,
  subscriber,
  taxonomy,
  feed,
  subscriptions,
  subscriptionId,
}: {
  ctx: WebContext;
  subscriber: Subscriber;
  taxonomy: Taxonomy;
  feed: { total: number; page: number; pageSize: number; items: FeedItem[] };
  subscriptions: Subscription[];
  subscriptionId: string | null;
}): SafeHtml {
  const missing = missingProfile(subscriber);
  const hrefFor = (page: number) => `/account?${new URLSearchParams({ ...(subscriptionId ? { subscription: subscriptionId } : {}), ...(page > 1 ? { page: String(page) } : {}) }).toString()}`;
  return accountLayout({
    ctx,
    subscriber,
    title: '我的推送',
    current: '/account',
    body: html`${
      subscriptions.length === 0
        ? notice({ text: html`您还没有订阅。<a href="/account/subscriptions/new">新建订阅</a>后，符合您需求的政策会出现在这里。`, tone: 'warn' })
        : ''
    }
      ${
        missing.length > 0 &&
        notice({
          text: html`画像还缺少：${missing.map((d) => taxonomy.dimensionLabel(d)).join('、')}。这些维度会显示为“待确认”。<a href="/account/profile">完善画像</a>`,
        })
      }
      ${
        subscriptions.length > 1 &&
        html`<form method="get" action="/account" class="toolbar">
          ${selectField({
            name: 'subscription',
            label: '只看某个订阅',
            value: subscriptionId ?? '',
            options: [{ value: '', label: '全部订阅' }, ...subscriptions.map((s) => ({ value: s.id, label: s.name }))],
            autosubmit: true,
          })}
          <button class="btn btn-secondary" type="submit" data-autosubmit-button>筛选</button>
        </form>`
      }
      <p role="status">${feed.total === 0 ? '暂时没有匹配的现行有效政策。' : `共 ${feed.total} 件与您相关的现行有效政策，按发布时间排列。`}</p>
      <ul class="cards">
        ${feed.items.map(
          (item) => html`<li class="card">
            <h2><a href="/policies/${item.policyId}">${item.title}</a></h2>
            <p class="meta">${validityBadge(item.validity)} ${item.docNumber && html`${item.docNumber} · `}${item.issuer} · 发布于 ${formatInstant(item.publishedAt)}${
              item.applicationWindow && html` · 申报期 ${formatDate(item.applicationWindow.opensAt)}至${formatDate(item.applicationWindow.closesAt)}`
            }</p>
            <h3 class="visually-hidden">推送原因</h3>
            <p><strong>为什么推送给您：</strong></p>
            <ul class="reasons">${item.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>
          </li>`,
        )}
      </ul>
      ${pagination({ page: feed.page, pageSize: feed.pageSize, total: feed.total, hrefFor, label: '推送分页' })}`,
  });
}

/** Where the enterprise stands with its park: only a confirmed member is in the park's list and digests. */
function membershipStatus(subscriber: Subscriber, parks: Subscriber[]): SafeHtml | '' {
  const nameOf = (id: string) => parks.find((p) => p.id === id)?.name ?? id;
  if (subscriber.parkId) return html`<p class="meta" data-park-status="confirmed">已是“${nameOf(subscriber.parkId)}”的成员企业。</p>`;
  const request = subscriber.parkRequest;
  if (!request) return '';
  return request.status === 'pending'
    ? html`<p class="meta" data-park-status="pending">入园申请${PARK_REQUEST_STATUS_LABELS.pending}：“${nameOf(request.parkId)}”确认前，您不会出现在园区的成员名单和园区汇总中。</p>`
    : html`<p class="meta" data-park-status="refused">“${nameOf(request.parkId)}”${PARK_REQUEST_STATUS_LABELS.refused}您的入园申请（或已将您移出）。如有疑问请联系园区。</p>`;
}

export function profilePage({
  ctx,
  subscriber,
  taxonomy,
  parks,
  values,
  errors,
}: {
  ctx: WebContext;
  subscriber: Subscriber;
  taxonomy: Taxonomy;
  parks: Subscriber[];
  values: { name: string; profile: Partial<Record<DimensionId, string[]>>; parkId: string | null };
  errors: FieldError[];
}): SafeHtml {
  const isPark = subscriber.kind === 'park';
  return accountLayout({
    ctx,
    subscriber,
    title: isPark ? '园区资料' : '企业画像',
    current: '/account/profile',
    body: html`<p class="lead">${
      isPark
        ? '园区的行业、地区等标签用于向园区推送适用于园区企业的政策。'
        : '画像决定哪些政策适用于您。没有填写的维度显示为“待确认”，不会因此错过政策，但推送原因会提示您补充。'
    }</p>
      ${errorSummary(errors)}
      <form method="post" action="/account/profile" novalidate>
        ${csrfField(ctx)}
        ${definitionList([
          ['账号类型', SUBSCRIBER_KIND_LABELS[subscriber.kind]],
          ['统一社会信用代码', subscriber.creditCode ?? '未填写'],
        ])}
        ${textField({ name: 'name', label: isPark ? '园区名称' : '企业名称', value: values.name, errors, required: true, autocomplete: 'organization' })}
        ${
          !isPark &&
          selectField({
            name: 'parkId',
            label: '所在园区',
            value: values.parkId ?? '',
            options: [{ value: '', label: '不属于任何园区' }, ...parks.map((p) => ({ value: p.id, label: p.name }))],
            errors,
            hint: '选择园区后需经园区确认才成为成员企业；确认后园区运营方也能把政策转达给您',
          })
        }
        ${!isPark && membershipStatus(subscriber, parks)}
        <h2>画像标签</h2>
        ${PROFILE_DIMENSIONS.map((dimension) => {
          const selected = values.profile[dimension] ?? [];
          return html`<details class="dimension"${selected.length > 0 || errors.some((e) => e.field === `p_${dimension}`) ? html` open` : ''}>
            <summary>${taxonomy.dimensionLabel(dimension)}${selected.length > 0 ? `（已选 ${selected.length}）` : '（未填写，待确认）'}</summary>
            <div class="body">${tagPicker({
              name: `p_${dimension}`,
              legend: taxonomy.dimensionLabel(dimension),
              taxonomy,
              dimension,
              selected,
              errors,
              showLegend: false,
              hint: taxonomy.dimensions.find((d) => d.id === dimension)?.description ?? '',
            })}</div>
          </details>`;
        })}
        <div class="actions"><button class="btn" type="submit">保存资料</button></div>
      </form>`,
  });
}

function contactState(contact: Contact): SafeHtml {
  if (contact.invalidAt) return html`<span class="badge badge-repealed">地址无效</span>`;
  if (contact.confirmedAt) return html`<span class="badge badge-effective">已确认</span>`;
  return html`<span class="badge badge-neutral">待确认</span>`;
}

export function contactsPage({
  ctx,
  subscriber,
  values,
  errors,
}: {
  ctx: WebContext;
  subscriber: Subscriber;
  values: { channel: string; address: string; label: string };
  errors: FieldError[];
}): SafeHtml {
  return accountLayout({
    ctx,
    subscriber,
    title: '联系方式',
    current: '/account/contacts',
    body: html`<p class="lead">推送发往这里。邮箱需点击确认邮件中的链接后才会收到推送；微信联系人无需确认。</p>
      ${
        subscriber.contacts.length === 0
          ? notice({ text: '还没有联系方式，推送将无法送达。', tone: 'warn' })
          : html`<div class="table-wrap"><table>
              <caption>已登记的联系方式</caption>
              <thead><tr><th scope="col">渠道</th><th scope="col">地址</th><th scope="col">备注</th><th scope="col">状态</th><th scope="col"><span class="visually-hidden">操作</span></th></tr></thead>
              <tbody>${subscriber.contacts.map(
                (c) => html`<tr>
                  <td>${CHANNEL_LABELS[c.channel]}</td><td>${c.address}</td><td>${c.label ?? ''}</td><td>${contactState(c)}</td>
                  <td><form method="post" action="/account/contacts/${c.id}/delete" data-confirm="确定删除联系方式 ${c.address}？">${csrfField(ctx)}<button class="btn-link" type="submit">删除<span class="visually-hidden"> ${c.address}</span></button></form></td>
                </tr>`,
              )}</tbody>
            </table></div>`
      }
      <h2>添加联系方式</h2>
      ${errorSummary(errors)}
      <form method="post" action="/account/contacts" novalidate>
        ${csrfField(ctx)}
        ${choiceGroup({
          name: 'channel',
          legend: '渠道',
          type: 'radio',
          options: [
            { value: 'email', label: '电子邮件' },
            { value: 'wechat', label: '微信', hint: '联系人微信名或备注名' },
          ],
          selected: [values.channel || 'email'],
          errors,
        })}
        ${textField({ name: 'address', label: '邮箱地址或微信名', value: values.address, errors, required: true })}
        ${textField({ name: 'label', label: '备注', value: values.label, errors, hint: '例如：知识产权专员' })}
        <div class="actions"><button class="btn" type="submit">添加</button></div>
      </form>`,
  });
}

export function confirmContactPage({ ctx, token, valid }: { ctx: WebContext; token: string; valid: boolean }): SafeHtml {
  return layout({
    ctx,
    title: '确认邮箱',
    body: valid
      ? html`<h1>确认接收推送的邮箱</h1>
        <p>确认后，该邮箱将开始接收您订阅的政策推送。</p>
        <form method="post" action="/account/contacts/confirm">${csrfField(ctx)}<input type="hidden" name="token" value="${token}"><button class="btn" type="submit">确认此邮箱</button></form>`
      : html`<h1>确认链接无效</h1><p>请从最新的确认邮件中打开链接，或登录后在“联系方式”中重新添加邮箱。</p>`,
  });
}

export function criteriaSummary({ subscription, taxonomy }: { subscription: Subscription; taxonomy: Taxonomy }): SafeHtml {
  const rows = (Object.entries(subscription.criteria) as [DimensionId, { mode: 'any' | 'all'; tags: string[] } | undefined][]).flatMap(([dimension, criterion]) =>
    criterion
      ? [[taxonomy.dimensionLabel(dimension), `${criterion.tags.map((t) => taxonomy.label(t)).join('、')}（${criterion.mode === 'all' ? '全部满足' : '满足任一'}）`] as [string, string]]
      : [],
  );
  if (subscription.keywords.length > 0) rows.push(['关键词', subscription.keywords.join('、')]);
  rows.push(['渠道', subscription.channels.map((c) => CHANNEL_LABELS[c]).join('、')]);
  rows.push(['频率', FREQUENCY_LABELS[subscription.frequency]]);
  rows.push(['范围', subscription.eligibleOnly ? '只推送我符合适用条件的政策' : '推送全部相关政策（含不符合条件的）']);
  return definitionList(rows);
}

export function subscriptionsPage({
  ctx,
  subscriber,
  taxonomy,
  live,
  ended,
  feedUrl,
}: {
  ctx: WebContext;
  subscriber: Subscriber;
  taxonomy: Taxonomy;
  live: Subscription[];
  ended: Subscription[];
  feedUrl: (subscription: Subscription) => string;
}): SafeHtml {
  return accountLayout({
    ctx,
    subscriber,
    title: '我的订阅',
    current: '/account/subscriptions',
    body: html`<div class="actions"><a class="btn" href="/account/subscriptions/new">新建订阅</a></div>
      ${live.length === 0 ? html`<p>还没有订阅。</p>` : ''}
      ${live.map(
        (s) => html`<section class="panel" aria-labelledby="sub-${s.id}">
          <h2 id="sub-${s.id}">${s.name}</h2>
          ${criteriaSummary({ subscription: s, taxonomy })}
          <div class="field">
            <label for="feed-${s.id}">私有订阅源（Atom，请勿公开）</label>
            <input id="feed-${s.id}" type="text" readonly value="${feedUrl(s)}">
            <button class="btn-link" type="button" data-copy="feed-${s.id}" hidden>复制链接</button>
          </div>
          <div class="actions">
            <a class="btn btn-secondary" href="/account/subscriptions/${s.id}/edit">修改<span class="visually-hidden">“${s.name}”</span></a>
            <a href="/account?subscription=${s.id}">查看该订阅的推送</a>
            <form method="post" action="/account/subscriptions/${s.id}/end" data-confirm="确定结束订阅“${s.name}”？">${csrfField(ctx)}<button class="btn-link" type="submit">结束订阅<span class="visually-hidden">“${s.name}”</span></button></form>
          </div>
        </section>`,
      )}
      ${
        ended.length > 0 &&
        html`<h2>历史订阅</h2><div class="table-wrap"><table>
          <thead><tr><th scope="col">名称</th><th scope="col">开始</th><th scope="col">结束</th><th scope="col">原因</th></tr></thead>
          <tbody>${ended.map((s) => html`<tr><td>${s.name}</td><td>${formatInstant(s.createdAt)}</td><td>${formatInstant(s.endedAt)}</td><td>${s.endReason ?? ''}</td></tr>`)}</tbody>
        </table></div>`
      }`,
  });
}

function officialChannelOptions(subscriber: Subscriber): { value: string; label: string; hint?: string }[] {
  const usable = (channel: Contact['channel']) => subscriber.contacts.some((c) => c.channel === channel && c.invalidAt === null);
  const options: { value: string; label: string; hint?: string }[] = [];
  if (usable('wechat_oa')) options.push({ value: 'wechat_oa', label: CHANNEL_LABELS.wechat_oa, hint: '已绑定服务号' });
  if (usable('wecom_robot')) options.push({ value: 'wecom_robot', label: CHANNEL_LABELS.wecom_robot, hint: '园区群' });
  return options;
}

export interface SubscriptionFormValues {
  name: string;
  criteria: Partial<Record<DimensionId, { mode: 'any' | 'all'; tags: string[] }>>;
  keywords: string;
  channels: string[];
  frequency: string;
  eligibleOnly: boolean;
}

/** Demand-side dimensions first; the policy-side ones (type, IP kind, issuer level) after them. */
const SUBSCRIPTION_DIMENSIONS: readonly DimensionId[] = ['need', 'industry', 'ip_type', 'policy_type', 'region', 'qualification', 'subject_type', 'size', 'stage', 'issuer_level'];

export function subscriptionFormPage({
  ctx,
  subscriber,
  taxonomy,
  values,
  errors,
  subscriptionId,
  basedOn,
}: {
  ctx: WebContext;
  subscriber: Subscriber;
  taxonomy: Taxonomy;
  values: SubscriptionFormValues;
  errors: FieldError[];
  subscriptionId: string | null;
  basedOn: { id: string; title: string } | null;
}): SafeHtml {
  const action = subscriptionId ? `/account/subscriptions/${subscriptionId}/edit` : '/account/subscriptions';
  return accountLayout({
    ctx,
    subscriber,
    title: subscriptionId ? '修改订阅' : '新建订阅',
    current: '/account/subscriptions',
    body: html`${basedOn && notice({ text: html`已按<a href="/policies/${basedOn.id}">${basedOn.title}</a>的标签预先选好，可以调整后保存。` })}
      <p class="lead">选择您关心的标签。同一维度内可选“满足任一”或“全部满足”；不同维度之间需同时满足。上级标签包含其下级（订阅“资金扶持”也会收到“专利资助”）。</p>
      ${errorSummary(errors)}
      <form method="post" action="${action}" novalidate>
        ${csrfField(ctx)}
        ${textField({ name: 'name', label: '订阅名称', value: values.name, errors, required: true, hint: '例如：质押融资和贴息' })}
        <div id="f-criteria">
          <h2>标签条件</h2>
          ${SUBSCRIPTION_DIMENSIONS.map((dimension) => {
            const criterion = values.criteria[dimension];
            const label = taxonomy.dimensionLabel(dimension);
            return html`<details class="dimension"${criterion ? html` open` : ''}>
              <summary>${label}${criterion ? `（已选 ${criterion.tags.length}）` : ''}</summary>
              <div class="body">
                ${choiceGroup({
                  name: `m_${dimension}`,
                  legend: `${label}：匹配方式`,
                  type: 'radio',
                  options: [
                    { value: 'any', label: '满足任一' },
                    { value: 'all', label: '全部满足' },
                  ],
                  selected: [criterion?.mode ?? 'any'],
                })}
                ${tagPicker({ name: `c_${dimension}`, legend: `${label}：标签`, taxonomy, dimension, selected: criterion?.tags ?? [], errors })}
              </div>
            </details>`;
          })}
        </div>
        ${textField({ name: 'keywords', label: '关键词', value: values.keywords, errors, hint: '多个关键词用逗号或空格分隔，例如：贴息，质押' })}
        ${choiceGroup({
          name: 'channels',
          legend: '推送渠道',
          type: 'checkbox',
          options: [
            { value: 'email', label: '电子邮件' },
            { value: 'wechat', label: '微信' },
            // The official channels are offered once there is somewhere to send: a bound openid, a park robot.
            ...officialChannelOptions(subscriber),
          ],
          selected: values.channels,
          errors,
        })}
        ${choiceGroup({
          name: 'frequency',
          legend: '推送频率',
          type: 'radio',
          options: [
            { value: 'immediate', label: '实时' },
            { value: 'daily', label: '每日汇总' },
            { value: 'weekly', label: '每周汇总' },
          ],
          selected: [values.frequency],
          errors,
        })}
        <fieldset>
          <legend>推送范围</legend>
          <label class="choice" for="f-eligibleOnly"><input type="checkbox" id="f-eligibleOnly" name="eligibleOnly" value="1"${values.eligibleOnly ? html` checked` : ''}><span>只推送我符合适用条件的政策<span class="hint">未填写的画像维度视为“待确认”，不会因此错过</span></span></label>
        </fieldset>
        <div class="actions"><button class="btn" type="submit">${subscriptionId ? '保存修改' : '创建订阅'}</button> <a href="/account/subscriptions">取消</a></div>
      </form>`,
  });
}

export function securityPage({ ctx, subscriber, email, errors }: { ctx: WebContext; subscriber: Subscriber; email: string; errors: FieldError[] }): SafeHtml {
  const passwordErrors = errors.filter((e) => e.field === 'current' || e.field === 'password' || e.field === 'passwordConfirm');
  const deleteErrors = errors.filter((e) => e.field === 'deletePassword' || e.field === 'confirmDelete');
  return accountLayout({
    ctx,
    subscriber,
    title: '账号与安全',
    current: '/account/security',
    body: html`${definitionList([['登录邮箱', email]])}
      <section class="panel" aria-labelledby="password-title">
        <h2 id="password-title">修改密码</h2>
        ${errorSummary(passwordErrors)}
        <form method="post" action="/account/security/password" novalidate>
          ${csrfField(ctx)}
          ${textField({ name: 'current', label: '当前密码', type: 'password', errors, required: true, autocomplete: 'current-password' })}
          ${textField({ name: 'password', label: '新密码', type: 'password', errors, required: true, autocomplete: 'new-password', hint: '至少 10 个字符' })}
          ${textField({ name: 'passwordConfirm', label: '再次输入新密码', type: 'password', errors, required: true, autocomplete: 'new-password' })}
          <div class="actions"><button class="btn" type="submit">修改密码</button></div>
        </form>
      </section>
      <section class="panel" aria-labelledby="delete-title">
        <h2 id="delete-title">删除账号和全部数据</h2>
        <p>将永久删除：账号、${subscriber.kind === 'park' ? '园区资料（成员企业保留，但不再属于本园区）' : '企业画像'}、联系方式、全部订阅和推送记录。此操作无法撤销。</p>
        ${errorSummary(deleteErrors)}
        <form method="post" action="/account/security/delete" novalidate data-confirm="确定永久删除账号和全部数据？">
          ${csrfField(ctx)}
          ${textField({ name: 'deletePassword', label: '输入密码以确认', type: 'password', errors, required: true, autocomplete: 'current-password' })}
          <fieldset id="f-confirmDelete"${errors.some((e) => e.field === 'confirmDelete') ? html` class="has-error"` : ''}>
            <legend>确认</legend>
            <label class="choice" for="f-confirmDelete-box"><input type="checkbox" id="f-confirmDelete-box" name="confirmDelete" value="1"><span>我了解删除后无法恢复</span></label>
          </fieldset>
          <div class="actions"><button class="btn btn-danger" type="submit">永久删除</button></div>
        </form>
      </section>`,
  });
}

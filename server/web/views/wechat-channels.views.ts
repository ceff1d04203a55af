import type { Contact, Subscriber } from '../../../schemas/subscriber.schema.js';
import type { ChannelTestResult, OfficialAccountView, WecomRobotView } from '../../../schemas/wechat-channels.schema.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { accountTabs } from './account-nav.js';
import { csrfField, definitionList, errorSummary, notice, selectField, textField, type FieldError } from './components.js';
import { formatInstant } from './format.js';
import { layout } from './layout.js';

export interface OfficialAccountFormValues {
  appId: string;
  templateId: string;
  title: string;
  issuer: string;
  date: string;
  kind: string;
  number: string;
}

export interface RobotFormValues {
  parkId: string;
  groupName: string;
}

type RobotRow = WecomRobotView & { statusLabel: string };

function testResult(result: ChannelTestResult | null): SafeHtml | null {
  if (!result) return null;
  return html`<div class="test-result">${notice({ text: result.message, tone: result.ok ? 'ok' : 'warn' })}</div>`;
}

function robotStatus(robot: RobotRow): SafeHtml {
  const tone = robot.status === 'ok' ? 'badge-effective' : robot.status === 'invalid' ? 'badge-repealed' : 'badge-revised';
  return html`<span class="badge ${tone}">${robot.statusLabel}</span>`;
}

export function wechatChannelsAdminPage({
  ctx,
  account,
  accountValues,
  accountErrors,
  robots,
  parks,
  robotValues,
  robotErrors,
  result,
  testOpenid,
}: {
  ctx: WebContext;
  account: OfficialAccountView | null;
  accountValues: OfficialAccountFormValues;
  accountErrors: FieldError[];
  robots: RobotRow[];
  parks: Subscriber[];
  robotValues: RobotFormValues;
  robotErrors: FieldError[];
  result: ChannelTestResult | null;
  testOpenid: string;
}): SafeHtml {
  const parkName = new Map(parks.map((p) => [p.id, p.name]));
  return layout({
    ctx,
    title: '微信渠道',
    crumbs: [{ label: '政策工作台', href: '/staff' }, { label: '微信渠道' }],
    body: html`<h1>微信渠道</h1>
      <p class="lead">机关服务号的订阅通知发给已绑定的企业联系人；园区群通过企业微信群机器人接收汇总。个人微信号机器人（Wechaty）仍可作为备用渠道。</p>
      ${testResult(result)}
      <section aria-labelledby="oa-heading">
        <h2 id="oa-heading">服务号订阅通知</h2>
        ${
          account
            ? definitionList([
                ['AppID', account.appId],
                ['AppSecret', `${account.secretHint}（已保存，不再显示）`],
                ['模板 ID', account.templateId],
                ['最近修改', `${formatInstant(account.updatedAt)}（${account.updatedBy}）`],
              ])
            : notice({ text: '尚未配置服务号：企业联系人暂不能绑定，服务号通知渠道暂停。', tone: 'warn' })
        }
        ${errorSummary(accountErrors)}
        <form method="post" action="/staff/wechat-channels/official-account" novalidate>
          ${csrfField(ctx)}
          ${textField({ name: 'appId', label: 'AppID', value: accountValues.appId, errors: accountErrors, required: true, hint: '公众平台“设置与开发 → 基本配置”中的开发者 ID' })}
          ${textField({ name: 'appSecret', label: 'AppSecret', type: 'password', value: '', errors: accountErrors, autocomplete: 'off', hint: account ? '已保存的密钥不会显示；留空则保持不变' : '仅保存在服务器上，保存后不再显示' })}
          ${textField({ name: 'templateId', label: '订阅通知模板 ID', value: accountValues.templateId, errors: accountErrors, required: true })}
          <fieldset><legend>模板字段（填写模板详情中的关键词，如 thing1、time2）</legend>
            ${textField({ name: 'fields.title', label: '政策名称', value: accountValues.title, errors: accountErrors, required: true, hint: 'thing 类字段最多 20 个字，超出部分以“…”截断' })}
            ${textField({ name: 'fields.issuer', label: '发文机关', value: accountValues.issuer, errors: accountErrors })}
            ${textField({ name: 'fields.date', label: '发布时间', value: accountValues.date, errors: accountErrors })}
            ${textField({ name: 'fields.kind', label: '通知类型', value: accountValues.kind, errors: accountErrors, hint: 'phrase 类字段最多 5 个字' })}
            ${textField({ name: 'fields.number', label: '文号或条数', value: accountValues.number, errors: accountErrors })}
          </fieldset>
          <div class="actions"><button class="btn" type="submit">保存服务号配置</button></div>
        </form>
        <form method="post" action="/staff/wechat-channels/official-account/test" novalidate>
          ${csrfField(ctx)}
          ${textField({ name: 'openid', label: '测试接收人 openid', value: testOpenid, required: true, hint: '已关注服务号并同意接收通知的微信用户' })}
          <div class="actions"><button class="btn btn-secondary" type="submit">发送测试消息</button></div>
        </form>
      </section>
      <section aria-labelledby="robot-heading">
        <h2 id="robot-heading">园区群机器人（企业微信）</h2>
        ${
          robots.length === 0
            ? notice({ text: '还没有园区群机器人。' })
            : html`<ul class="cards robots">${robots.map(
                (r) => html`<li class="card">
                  <h3>${r.groupName}</h3>
                  <p class="meta">${parkName.get(r.parkId) ?? r.parkId} · Webhook ${r.keyHint} · 最近发送：${r.lastCheckedAt ? formatInstant(r.lastCheckedAt) : '尚无'}</p>
                  <p>${robotStatus(r)}</p>
                  ${r.lastError && html`<p class="meta">${r.lastError}</p>`}
                  <form method="post" action="/staff/wechat-channels/robots/${r.contactId}/test">${csrfField(ctx)}<button class="btn btn-secondary" type="submit">发送测试消息<span class="visually-hidden">到 ${r.groupName}</span></button></form>
                </li>`,
              )}</ul>`
        }
        <h3>添加或更新群机器人</h3>
        ${errorSummary(robotErrors)}
        ${
          parks.length === 0
            ? notice({ text: '还没有园区账号。', tone: 'warn' })
            : html`<form method="post" action="/staff/wechat-channels/robots" novalidate>
                ${csrfField(ctx)}
                ${selectField({ name: 'parkId', label: '园区', options: parks.map((p) => ({ value: p.id, label: p.name })), value: robotValues.parkId || (parks[0]?.id ?? null), errors: robotErrors })}
                ${textField({ name: 'groupName', label: '群名称', value: robotValues.groupName, errors: robotErrors, required: true, hint: '同一园区同名的群会更新其 Webhook' })}
                ${textField({ name: 'webhook', label: 'Webhook 地址', type: 'password', value: '', errors: robotErrors, required: true, autocomplete: 'off', hint: '群设置 → 群机器人 → 复制 Webhook 地址（含 key=…）；保存后只显示末四位' })}
                <div class="actions"><button class="btn" type="submit">保存群机器人</button></div>
              </form>`
        }
      </section>`,
  });
}

export function accountWechatPage({ ctx, subscriber, configured, bindLink }: { ctx: WebContext; subscriber: Subscriber; configured: boolean; bindLink: string }): SafeHtml {
  const bound = subscriber.contacts.filter((c) => c.channel === 'wechat_oa');
  const state = (c: Contact) => (c.invalidAt ? `已停止（${formatInstant(c.invalidAt)} 拒收或取消关注，重新绑定即可恢复）` : `已绑定 ${formatInstant(c.confirmedAt)}`);
  return layout({
    ctx,
    title: '服务号通知',
    crumbs: [{ label: '首页', href: '/' }, { label: '我的账号', href: '/account' }, { label: '服务号通知' }],
    body: html`<h1>服务号通知</h1>${accountTabs({ subscriber, current: '/account/wechat' })}
      <p class="lead">关注本机关服务号并绑定后，可在订阅中选择“服务号通知”渠道，新政策以微信订阅通知送达。</p>
      ${
        bound.length > 0
          ? html`<ul class="cards">${bound.map((c) => html`<li class="card"><h2>微信（${c.address.slice(0, 4)}…${c.address.slice(-4)}）</h2><p class="meta">${state(c)}</p></li>`)}</ul>`
          : notice({ text: '尚未绑定服务号。' })
      }
      ${
        configured
          ? html`<h2>绑定步骤</h2>
              <ol><li>在微信中关注本机关服务号；</li><li>在微信中打开下面的链接（可发给“文件传输助手”后点开），按提示授权；</li><li>回到订阅页面勾选“服务号通知”。</li></ol>
              <p><a class="btn" href="${bindLink}">在微信中打开绑定链接</a></p>
              <p class="meta">链接 7 天内有效：<code class="break">${bindLink}</code></p>`
          : notice({ text: '本机关尚未开通服务号通知。', tone: 'warn' })
      }`,
  });
}

export function bindResultPage({ ctx, ok, message }: { ctx: WebContext; ok: boolean; message: string }): SafeHtml {
  return layout({
    ctx,
    title: ok ? '绑定成功' : '绑定未完成',
    body: html`<h1>${ok ? '绑定成功' : '绑定未完成'}</h1>${notice({ text: message, tone: ok ? 'ok' : 'warn' })}<p><a href="/account/subscriptions">前往订阅设置</a></p>`,
  });
}

export function parkRobotsPage({ ctx, park, robots }: { ctx: WebContext; park: Subscriber; robots: RobotRow[] }): SafeHtml {
  return layout({
    ctx,
    title: '群机器人',
    crumbs: [{ label: '首页', href: '/' }, { label: '我的账号', href: '/account' }, { label: '群机器人' }],
    body: html`<h1>群机器人</h1>${accountTabs({ subscriber: park, current: '/account/park/robots' })}
      <p class="lead">企业微信群机器人把园区政策汇总发到园区群。Webhook 由管理员登记；失效时请在群里重新添加机器人，并把新地址交给管理员。</p>
      ${
        robots.length === 0
          ? notice({ text: '管理员尚未为本园区登记群机器人。' })
          : html`<ul class="cards">${robots.map(
              (r) => html`<li class="card"><h2>${r.groupName}</h2><p>${robotStatus(r)}</p>
                ${r.lastError && html`<p class="meta">${r.lastError}</p>`}
                <p class="meta">最近发送：${r.lastCheckedAt ? formatInstant(r.lastCheckedAt) : '尚无'} · Webhook ${r.keyHint}</p></li>`,
            )}</ul>`
      }`,
  });
}

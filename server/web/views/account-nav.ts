import type { Subscriber } from '../../../schemas/subscriber.schema.js';
import { html, type SafeHtml } from '../html.js';

export function accountTabs({ subscriber, current }: { subscriber: Subscriber; current: string }): SafeHtml {
  const items: [string, string][] = [
    ['/account', '我的推送'],
    ['/account/subscriptions', '订阅'],
    ['/account/profile', subscriber.kind === 'park' ? '园区资料' : '企业画像'],
    ['/account/contacts', '联系方式'],
    ...(subscriber.kind === 'park'
      ? ([
          ['/account/park/members', '成员企业'],
          ['/account/park/groups', '微信群'],
          ['/account/park/pushes', '推送记录'],
          ['/account/park/robots', '群机器人'],
        ] as [string, string][])
      : ([['/account/wechat', '服务号通知']] as [string, string][])),
    ['/account/consultation-notices', '征求意见通知'],
    ['/account/security', '账号与安全'],
  ];
  return html`<nav class="subnav" aria-label="账号功能"><ul class="tabs">${items.map(
    ([href, label]) => html`<li><a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav>`;
}

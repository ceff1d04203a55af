import { ROLE_LABELS } from '../../../schemas/user.schema.js';
import { DISCLOSURE_ROLES } from '../../open-government/requests/request.routes.js';
import { ASSETS } from '../assets/assets.js';
import type { WebContext } from '../context.js';
import { html, type Interpolation, type SafeHtml } from '../html.js';
import { csrfField, notice } from './components.js';

export const SITE_NAME = '政策解读与标签推送平台';

export interface Crumb {
  label: string;
  href?: string;
}

type NavItem = { href: string; label: string; match: (path: string) => boolean };

function navItems(ctx: WebContext): NavItem[] {
  const starts = (prefix: string) => (path: string) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`);
  const items: NavItem[] = [
    { href: '/', label: '首页', match: (p) => p === '/' },
    { href: '/search', label: '政策检索', match: starts('/search') },
    { href: '/faq', label: '常见问题', match: starts('/faq') },
    { href: '/consultations', label: '征求意见', match: starts('/consultations') },
    { href: '/disclosure', label: '依申请公开', match: starts('/disclosure') },
  ];
  if (ctx.viewer.kind === 'account') {
    items.push({ href: '/account', label: '我的推送', match: (p) => p === '/account' || starts('/account/feed')(p) });
    items.push({ href: '/account/subscriptions', label: '我的订阅', match: starts('/account/subscriptions') });
    items.push({ href: '/account/profile', label: ctx.viewer.subscriber.kind === 'park' ? '园区资料' : '企业画像', match: starts('/account/profile') });
    if (ctx.viewer.subscriber.kind === 'park') items.push({ href: '/account/park/members', label: '成员企业', match: starts('/account/park') });
  } else if (ctx.viewer.kind === 'staff') {
    items.push({ href: '/staff', label: '政策工作台', match: (p) => p === '/staff' || starts('/staff/policies')(p) });
    items.push({ href: '/staff/questions', label: '留言答复', match: starts('/staff/questions') });
    items.push({ href: '/staff/push/statistics', label: '推送成效', match: starts('/staff/push') });
    items.push({ href: '/staff/consultations', label: '征求意见', match: starts('/staff/consultations') });
    items.push({ href: '/staff/annual-report', label: '年度报告', match: starts('/staff/annual-report') });
    if (DISCLOSURE_ROLES.includes(ctx.viewer.actor.role)) items.push({ href: '/staff/disclosure', label: '依申请公开', match: starts('/staff/disclosure') });
    if (ctx.viewer.actor.role === 'admin') {
      items.push({ href: '/staff/taxonomy', label: '标签体系', match: starts('/staff/taxonomy') });
      items.push({ href: '/staff/users', label: '用户与角色', match: starts('/staff/users') });
      items.push({ href: '/staff/audit', label: '审计记录', match: starts('/staff/audit') });
      items.push({ href: '/staff/wechat-channels', label: '微信渠道', match: starts('/staff/wechat-channels') });
      items.push({ href: '/staff/text-recheck', label: '文本复查', match: starts('/staff/text-recheck') });
      items.push({ href: '/staff/calendar', label: '工作日历', match: starts('/staff/calendar') });
    }
  } else {
    items.push({ href: '/account/sign-in', label: '企业登录', match: starts('/account/sign-in') });
    items.push({ href: '/account/sign-up', label: '注册', match: starts('/account/sign-up') });
    items.push({ href: '/staff/sign-in', label: '工作人员入口', match: starts('/staff/sign-in') });
  }
  return items;
}

function whoAmI(ctx: WebContext): Interpolation {
  if (ctx.viewer.kind === 'account') return html`<span class="who">${ctx.viewer.subscriber.name}</span>`;
  if (ctx.viewer.kind === 'staff') return html`<span class="who">${ctx.viewer.actor.name}（${ROLE_LABELS[ctx.viewer.actor.role]}）</span>`;
  return null;
}

export function layout({
  ctx,
  title,
  body,
  crumbs = [],
  head,
  status,
}: {
  ctx: WebContext;
  title: string;
  body: SafeHtml;
  crumbs?: readonly Crumb[];
  /** Extra `<head>` elements (feed links, canonical URLs). */
  head?: SafeHtml;
  /** Errors put the state first in the title, as screen reader users hear it first. */
  status?: 'error';
}): SafeHtml {
  const path = ctx.here.split('?')[0] ?? '/';
  const signOutAction = ctx.viewer.kind === 'staff' ? '/staff/sign-out' : '/account/sign-out';
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status === 'error' ? '错误：' : ''}${title} - ${SITE_NAME}</title>
<meta name="description" content="知识产权政策文件库：统一入口、分类展示、一键查询，按企业需求精准推送。">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS.css.path}">
<script src="${ASSETS.js.path}" defer></script>
${head ?? ''}
</head>
<body>
<a class="skip-link" href="#main">跳到主要内容</a>
<header class="site-header">
  <div class="wrap">
    <a class="site-title" href="/">${SITE_NAME}<small>知识产权政策 · 一个入口 · 精准推送</small></a>
    <nav class="site-nav" aria-label="主导航">
      <ul>
        ${navItems(ctx).map((item) => html`<li><a href="${item.href}"${item.match(path) ? html` aria-current="page"` : ''}>${item.label}</a></li>`)}
        ${
          ctx.viewer.kind === 'anonymous'
            ? ''
            : html`<li>${whoAmI(ctx)}</li><li><form method="post" action="${signOutAction}">${csrfField(ctx)}<button type="submit">退出</button></form></li>`
        }
      </ul>
    </nav>
  </div>
</header>
${
  crumbs.length > 0 &&
  html`<div class="wrap"><nav class="breadcrumbs" aria-label="当前位置"><ol>
    ${crumbs.map((c, i) => html`<li>${c.href && i < crumbs.length - 1 ? html`<a href="${c.href}">${c.label}</a>` : html`<span aria-current="page">${c.label}</span>`}</li>`)}
  </ol></nav></div>`
}
<main id="main" tabindex="-1">
  <div class="wrap">
    ${ctx.flash && notice({ text: ctx.flash, tone: 'ok' })}
    ${body}
  </div>
</main>
<footer class="site-footer">
  <div class="wrap">
    <p>${SITE_NAME}：政策文件统一入口、需求侧标签分类展示、按需精准推送。每一次推送都说明推送原因。</p>
    <p><a href="/search">政策检索</a> · <a href="/api/openapi.json">开放接口（OpenAPI）</a> · <a href="/staff/sign-in">工作人员入口</a> · <a href="/privacy">隐私说明</a></p>
  </div>
</footer>
</body>
</html>`;
}

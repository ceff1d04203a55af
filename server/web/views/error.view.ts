import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';

const TITLES: Record<number, string> = {
  400: '提交的内容有误',
  401: '需要登录',
  403: '无法完成此操作',
  404: '页面不存在',
  409: '操作与当前状态冲突',
  413: '内容过大',
  429: '操作过于频繁',
  500: '服务暂时出现问题',
  503: '服务暂不可用',
};

export function errorPage({ ctx, status, message }: { ctx: WebContext; status: number; message: string }): SafeHtml {
  const title = TITLES[status] ?? '出现问题';
  return layout({
    ctx,
    title,
    status: 'error',
    body: html`<h1>${title}</h1>
      <p class="lead">${message}</p>
      ${status === 500 && ctx.requestId && html`<p class="meta">如需联系我们，请提供请求编号：<code>${ctx.requestId}</code></p>`}
      <div class="actions">
        <a class="btn btn-secondary" href="/">返回首页</a>
        <a class="btn btn-secondary" href="/search">政策检索</a>
      </div>`,
  });
}

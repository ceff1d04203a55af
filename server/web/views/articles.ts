import type { Article } from '../../../schemas/article.schema.js';
import { html, joinHtml, type SafeHtml } from '../html.js';

function paragraphs(text: string): SafeHtml {
  return joinHtml(
    text.split(/\n+/).filter((line) => line.trim().length > 0),
    html`<br>`,
  );
}

/**
 * Markup rendered from a frozen article list. Frozen lists come from stored documents the store
 * decoded and deep-froze (DecodedRows): they cannot change, and a changed stored text is decoded
 * into a new list, so this is the same rendering done once, never a copy that could go stale. The
 * entry goes when the store lets go of the document. Lists still being edited are never frozen.
 */
const renderedBodies = new WeakMap<readonly Article[], SafeHtml>();
const renderedTocs = new WeakMap<readonly Article[], { toc: SafeHtml | null }>();

function once<T>({ memo, articles, render }: { memo: WeakMap<readonly Article[], T>; articles: readonly Article[]; render: () => T }): T {
  if (!Object.isFrozen(articles)) return render();
  const known = memo.get(articles);
  if (known !== undefined) return known;
  const rendered = render();
  memo.set(articles, rendered);
  return rendered;
}

/** The body as nested, linkable units: every 章/节/条/项 has an id, so `#a5` points at 第五条. */
export function articleBody(articles: readonly Article[]): SafeHtml {
  return once({ memo: renderedBodies, articles, render: () => html`${articles.map((article) => articleNode(article))}` });
}

function articleNode(article: Article): SafeHtml {
  const heading = article.kind === 'chapter' || article.kind === 'section' || article.kind === 'attachment';
  const name = article.label || '序言';
  const link = html`<a class="anchor" href="#${article.anchor}" aria-label="${name}的链接">#</a>`;
  if (heading) {
    return html`<section class="article article-${article.kind}" id="${article.anchor}" aria-labelledby="${article.anchor}-h">
      <h3 class="heading" id="${article.anchor}-h">${article.label}${article.title ? html`　${article.title}` : ''}${link}</h3>
      ${article.text && html`<p>${paragraphs(article.text)}</p>`}
      ${articleBody(article.children)}
    </section>`;
  }
  return html`<div class="article article-${article.kind}" id="${article.anchor}">
    <p>${article.label && html`<span class="label">${article.label}</span>`}${article.title && html`<strong>${article.title}</strong> `}${paragraphs(article.text)}${article.label ? link : ''}</p>
    ${article.children.length > 0 && html`<div class="children">${articleBody(article.children)}</div>`}
  </div>`;
}

/** Table of contents: chapters, sections and articles (items are too fine-grained to list). */
export function articleToc(articles: readonly Article[]): SafeHtml | null {
  return once({ memo: renderedTocs, articles, render: () => ({ toc: tocOf(articles) }) }).toc;
}

function tocOf(articles: readonly Article[]): SafeHtml | null {
  // Notices are structured by 一、二、 rather than 第X条; their top-level items are the outline then.
  const structural = articles.filter((a) => ['chapter', 'section', 'article'].includes(a.kind));
  const outline = structural.length > 0 ? structural : articles.filter((a) => a.kind === 'item');
  // Attachments close the outline whatever the body is structured by.
  const entries = [...outline, ...articles.filter((a) => a.kind === 'attachment')];
  if (entries.length === 0) return null;
  return html`<ol>${entries.map(
    (a) => html`<li><a href="#${a.anchor}">${a.label}${a.title ? html` ${a.title}` : a.kind === 'item' ? ` ${a.text.slice(0, 24)}` : ''}</a>${
      a.kind !== 'article' && a.children.some((c) => ['section', 'article'].includes(c.kind)) ? articleToc(a.children) : ''
    }</li>`,
  )}</ol>`;
}

export function countArticles(articles: readonly Article[]): number {
  return articles.reduce((n, a) => n + (a.kind === 'article' ? 1 : 0) + countArticles(a.children), 0);
}

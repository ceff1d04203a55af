import type { PublicPolicy } from '../../../schemas/policy.schema.js';
import { VALIDITY_LABELS } from '../../../schemas/policy.schema.js';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { POLICY_SLOT_TITLES, type PolicySlot } from '../extensions.js';
import { html, type SafeHtml } from '../html.js';
import { articleBody, articleToc } from './articles.js';
import { definitionList, validityBadge } from './components.js';
import { formatDate, formatInstant } from './format.js';
import { BROWSE_ORDER } from './home.view.js';
import { layout } from './layout.js';
import { searchHref } from './search-url.js';

export interface LinkedPolicy {
  id: string;
  title: string;
}

function windowState({ window, today }: { window: { opensAt: string; closesAt: string }; today: string }): string {
  if (today < window.opensAt) return '尚未开始';
  if (today > window.closesAt) return '已截止';
  return '申报中';
}

function tagLinks({ ids, taxonomy }: { ids: readonly string[]; taxonomy: Taxonomy }): SafeHtml {
  return html`${ids.map((id) => html`<a class="tag" href="${searchHref({ tags: [id] })}">${taxonomy.label(id)}</a>`)}`;
}

export function policyPage({
  ctx,
  policy,
  taxonomy,
  successor,
  predecessor,
  slots,
  today,
  viewingOldVersion,
}: {
  ctx: WebContext;
  policy: PublicPolicy;
  taxonomy: Taxonomy;
  successor: LinkedPolicy | null;
  predecessor: LinkedPolicy | null;
  slots: readonly { slot: PolicySlot; body: SafeHtml }[];
  today: string;
  viewingOldVersion: boolean;
}): SafeHtml {
  const criteria = (Object.entries(policy.criteria) as [DimensionId, string[] | undefined][])
    .filter(([, ids]) => ids && ids.length > 0)
    .sort(([a], [b]) => BROWSE_ORDER.indexOf(a) - BROWSE_ORDER.indexOf(b));
  const descriptive = policy.tags;
  const feedTags = [...new Set([...descriptive, ...criteria.flatMap(([, ids]) => ids ?? [])])];
  const toc = articleToc(policy.articles);
  const latestVersion = policy.versions.at(-1)?.version ?? policy.version;

  const validityNote =
    policy.validity === 'revised' || policy.validity === 'repealed'
      ? html`<div class="notice notice-warn" role="note">
          本文件${VALIDITY_LABELS[policy.validity]}${policy.repeal ? html`（${formatDate(policy.repeal.repealedAt)}，${policy.repeal.reason}）` : ''}。
          ${successor ? html`现行文件：<a href="/policies/${successor.id}">${successor.title}</a>` : ''}
        </div>`
      : policy.validity === 'expired'
        ? html`<div class="notice notice-warn" role="note">本文件已于 ${formatDate(policy.expiresAt)} 失效。</div>`
        : '';

  const body = html`<article aria-labelledby="policy-title">
      <header class="policy-head">
        <h1 id="policy-title">${policy.title}</h1>
        <p>${validityBadge(policy.validity)} ${policy.docNumber && html`<span class="meta">${policy.docNumber}</span>`}</p>
        ${definitionList([
          ['发文机关', policy.issuer],
          ['文号', policy.docNumber ?? '无'],
          ['成文日期', formatDate(policy.issuedAt)],
          ['施行日期', formatDate(policy.effectiveAt)],
          ...(policy.expiresAt ? ([['失效日期', formatDate(policy.expiresAt)]] as [string, string][]) : []),
          ['效力状态', VALIDITY_LABELS[policy.validity]],
          ...(policy.applicationWindow
            ? ([['申报期', `${formatDate(policy.applicationWindow.opensAt)} 至 ${formatDate(policy.applicationWindow.closesAt)}（${windowState({ window: policy.applicationWindow, today })}）`]] as [string, string][])
            : []),
          ['发布时间', html`${formatInstant(policy.publishedAt)}（第 ${policy.version} 版）`],
          ...(predecessor ? ([['替代文件', html`<a href="/policies/${predecessor.id}">${predecessor.title}</a>`]] as [string, SafeHtml][]) : []),
        ])}
        ${viewingOldVersion && html`<div class="notice notice-warn" role="note">您正在查看第 ${policy.version} 版（历史版本）。<a href="/policies/${policy.id}">查看最新版本</a></div>`}
        ${validityNote}
      </header>

      <div class="layout-policy">
        <div>
          <section aria-labelledby="body-title">
            <h2 id="body-title">正文</h2>
            <div class="articles">${policy.articles.length > 0 ? articleBody(policy.articles) : html`<p>${policy.body}</p>`}</div>
          </section>
          ${slots.map(
            ({ slot, body: slotBody }) => html`<section class="slot" id="${slot}" aria-labelledby="${slot}-title">
              <h2 id="${slot}-title">${POLICY_SLOT_TITLES[slot]}</h2>
              ${slotBody}
            </section>`,
          )}
        </div>

        <div class="aside">
          ${
            toc &&
            html`<nav class="toc" aria-label="条款目录">
              <details open data-collapse-narrow><summary>条款目录</summary>${toc}</details>
              ${slots.length > 0 && html`<p>${slots.map((s) => html`<a href="#${s.slot}">${POLICY_SLOT_TITLES[s.slot]}</a> `)}</p>`}
            </nav>`
          }
          <section class="side-box" aria-labelledby="subscribe-title">
            <h2 id="subscribe-title">订阅与推送</h2>
            <p><a class="btn" href="/account/subscriptions/new?like=${policy.id}">订阅类似政策</a></p>
            <p class="meta">按本文件的标签新建订阅，今后同类政策发布时第一时间推送给您。</p>
            ${
              feedTags.length > 0 &&
              html`<h3>标签订阅源（Atom）</h3><ul>${feedTags.map((id) => html`<li><a href="/feeds/tags/${id}.atom" type="application/atom+xml">${taxonomy.label(id)}</a></li>`)}</ul>`
            }
          </section>
          ${
            criteria.length > 0 &&
            html`<section class="side-box" aria-labelledby="criteria-title">
              <h2 id="criteria-title">适用对象</h2>
              ${definitionList(criteria.map(([dimension, ids]) => [taxonomy.dimensionLabel(dimension), tagLinks({ ids: ids ?? [], taxonomy })]))}
            </section>`
          }
          ${
            descriptive.length > 0 &&
            html`<section class="side-box" aria-labelledby="tags-title">
              <h2 id="tags-title">标签</h2>
              <p>${tagLinks({ ids: descriptive, taxonomy })}</p>
            </section>`
          }
          ${
            policy.versions.length > 1 &&
            html`<section class="side-box" aria-labelledby="versions-title">
              <h2 id="versions-title">版本</h2>
              <ol>${policy.versions.map(
                (v) =>
                  html`<li>${v.version === policy.version ? html`<strong aria-current="true">第 ${v.version} 版</strong>` : html`<a href="/policies/${policy.id}${v.version === latestVersion ? '' : `?version=${v.version}`}">第 ${v.version} 版</a>`}<br><span class="meta">${formatInstant(v.publishedAt)}</span></li>`,
              )}</ol>
            </section>`
          }
        </div>
      </div>
    </article>`;

  return layout({
    ctx,
    title: policy.title,
    crumbs: [{ label: '首页', href: '/' }, { label: '政策检索', href: '/search' }, { label: policy.title }],
    head: html`${feedTags.slice(0, 5).map((id) => html`<link rel="alternate" type="application/atom+xml" title="${taxonomy.label(id)} 政策订阅源" href="/feeds/tags/${id}.atom">`)}`,
    body,
  });
}

import type { PolicySearchResponse } from '../../../schemas/policy.schema.js';
import { VALIDITY_LABELS } from '../../../schemas/policy.schema.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { notice, pagination } from './components.js';
import { formatCount } from './format.js';
import { BROWSE_ORDER } from './home.view.js';
import { layout } from './layout.js';
import { policyCard } from './policy-card.js';
import { searchHref, toggleTag, type SearchState, type ValidityFilter } from './search-url.js';

const SORTS = [
  { value: '', label: '默认（有关键词时按相关度）' },
  { value: 'relevance', label: '相关度' },
  { value: 'issued_desc', label: '发布日期（新→旧）' },
  { value: 'issued_asc', label: '发布日期（旧→新）' },
] as const;

const VALIDITY_FILTERS: readonly ValidityFilter[] = ['effective', 'revised', 'repealed', 'expired', 'all'];

export function searchPage({
  ctx,
  state,
  result,
  taxonomy,
  pageSize,
  ignoredTags,
}: {
  ctx: WebContext;
  state: SearchState;
  result: PolicySearchResponse;
  taxonomy: Taxonomy;
  pageSize: number;
  ignoredTags: string[];
}): SafeHtml {
  const validityCounts = new Map((result.facets?.validity ?? []).map((v) => [v.validity, v.count]));
  const facetDimensions = [...(result.facets?.dimensions ?? [])].sort((a, b) => BROWSE_ORDER.indexOf(a.dimension) - BROWSE_ORDER.indexOf(b.dimension));
  const title = state.q ? `“${state.q}”的检索结果` : '政策检索';
  const from = result.total === 0 ? 0 : (state.page - 1) * pageSize + 1;
  const to = Math.min(result.total, state.page * pageSize);
  const filters = html`<details class="filters" open data-collapse-narrow>
      <summary>筛选条件${state.tags.length > 0 && html`（已选 ${state.tags.length} 项）`}</summary>
      <div class="facets">
        <details open>
          <summary>效力状态</summary>
          <ul>
            ${VALIDITY_FILTERS.map((v) => {
              const label = v === 'all' ? '全部' : VALIDITY_LABELS[v];
              const count = v === 'all' ? [...validityCounts.values()].reduce((a, b) => a + b, 0) : (validityCounts.get(v) ?? 0);
              return html`<li><a href="${searchHref({ ...state, validity: v, page: 1 })}"${state.validity === v ? html` aria-current="true"` : ''}><span>${label}</span><span class="count">${formatCount(count)}</span></a></li>`;
            })}
          </ul>
        </details>
        ${facetDimensions.map((dimension) => {
          const selectedHere = dimension.buckets.some((b) => state.tags.includes(b.tagId));
          return html`<details${selectedHere || dimension.dimension === 'need' ? html` open` : ''}>
            <summary>${dimension.label}</summary>
            <ul>${dimension.buckets.slice(0, 30).map((bucket) => {
              const on = state.tags.includes(bucket.tagId);
              return html`<li><a href="${toggleTag(state, bucket.tagId)}"${on ? html` aria-current="true"` : ''}><span>${on ? html`<span aria-hidden="true">√ </span><span class="visually-hidden">已选：</span>` : ''}${bucket.label}</span><span class="count">${formatCount(bucket.count)}</span></a></li>`;
            })}</ul>
          </details>`;
        })}
      </div>
    </details>`;

  return layout({
    ctx,
    title,
    crumbs: [{ label: '首页', href: '/' }, { label: '政策检索' }],
    body: html`<h1>${title}</h1>
      <form class="stack" method="get" action="/search" role="search" aria-label="政策检索">
        <div class="searchbar">
          <label class="visually-hidden" for="search-q">关键词</label>
          <input id="search-q" type="search" name="q" value="${state.q}" placeholder="标题、文号、正文或标签" autocomplete="off">
          ${state.tags.map((t) => html`<input type="hidden" name="tags" value="${t}">`)}
          ${state.validity !== 'effective' && html`<input type="hidden" name="validity" value="${state.validity}">`}
          <button class="btn" type="submit">搜索</button>
        </div>
        <div class="toolbar">
          <div class="field">
            <label for="search-sort">排序</label>
            <select id="search-sort" name="sort" data-autosubmit>
              ${SORTS.map((s) => html`<option value="${s.value}"${(state.sort ?? '') === s.value ? html` selected` : ''}>${s.label}</option>`)}
            </select>
          </div>
          <button class="btn btn-secondary" type="submit" data-autosubmit-button>应用排序</button>
        </div>
      </form>
      ${ignoredTags.length > 0 && notice({ text: `以下标签不存在，已忽略：${ignoredTags.join('、')}`, tone: 'warn' })}
      <div class="layout-sidebar">
        <aside aria-label="筛选">${filters}</aside>
        <section aria-labelledby="results-title">
          <h2 id="results-title" class="visually-hidden">检索结果</h2>
          ${
            state.tags.length > 0 &&
            html`<ul class="chips" aria-label="已选标签">${state.tags.map(
              (t) => html`<li><a href="${toggleTag(state, t)}">${taxonomy.label(t)} <span aria-hidden="true">×</span><span class="visually-hidden">（移除此条件）</span></a></li>`,
            )}<li><a href="${searchHref({ q: state.q, validity: state.validity, sort: state.sort })}">清除全部标签</a></li></ul>`
          }
          <p role="status">${
            result.total === 0
              ? '没有找到符合条件的政策。可以减少标签、换个关键词，或把效力状态改为“全部”。'
              : `共 ${formatCount(result.total)} 件，当前显示第 ${from}–${to} 件（${state.validity === 'all' ? '全部效力状态' : VALIDITY_LABELS[state.validity]}）`
          }</p>
          <ul class="cards">${result.hits.map((hit) => policyCard({ hit }))}</ul>
          ${pagination({ page: state.page, pageSize, total: result.total, hrefFor: (page) => searchHref({ ...state, page }), label: '检索结果分页' })}
        </section>
      </div>`,
  });
}

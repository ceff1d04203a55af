import type { PolicySearchResponse } from '../../../schemas/policy.schema.js';
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';
import { policyCard } from './policy-card.js';
import { formatCount } from './format.js';
import { searchHref } from './search-url.js';

/** Demand first: people arrive with a need (“我想找资金扶持”), not with a document number. */
export const BROWSE_ORDER: readonly DimensionId[] = ['need', 'subject_type', 'industry', 'region', 'qualification', 'size', 'stage', 'policy_type', 'ip_type', 'issuer_level'];

export function homePage({
  ctx,
  latest,
  taxonomy,
  faqSearchPath,
}: {
  ctx: WebContext;
  latest: PolicySearchResponse;
  taxonomy: Taxonomy;
  faqSearchPath: string | null;
}): SafeHtml {
  const counts = new Map<string, number>();
  for (const dimension of latest.facets?.dimensions ?? []) for (const bucket of dimension.buckets) counts.set(bucket.tagId, bucket.count);
  const roots = (dimension: DimensionId) => taxonomy.tags.filter((t) => t.dimension === dimension && !t.deprecated && !t.parent);
  const needs = roots('need');
  return layout({
    ctx,
    title: '首页',
    body: html`<section class="hero" aria-labelledby="home-title">
        <h1 id="home-title">知识产权政策，一个入口查到底</h1>
        <p class="lead">现行有效的知识产权政策文件统一检索；按需求、行业、地区和资质分类浏览；订阅后新政策发布即推送，并告诉您为什么推送给您。</p>
        <form class="searchbar" method="get" action="/search" role="search" aria-label="政策检索">
          <label class="visually-hidden" for="home-q">搜索政策文件</label>
          <input id="home-q" type="search" name="q" placeholder="例如：专利质押融资贴息、高新技术企业" autocomplete="off">
          <button class="btn" type="submit">搜索政策</button>
        </form>
        ${
          faqSearchPath &&
          html`<form class="searchbar" method="get" action="${faqSearchPath}" role="search" aria-label="常见问题检索">
            <label class="visually-hidden" for="home-faq">搜索常见问题</label>
            <input id="home-faq" type="search" name="q" placeholder="搜索常见问题，例如：贴息怎么申请" autocomplete="off">
            <button class="btn btn-secondary" type="submit">搜索常见问题</button>
          </form>`
        }
      </section>

      <section aria-labelledby="needs-title">
        <h2 id="needs-title">我想找……</h2>
        <ul class="need-grid">
          ${needs.map(
            (tag) => html`<li><a href="${searchHref({ tags: [tag.id] })}">${tag.label}<br><span class="count">${formatCount(counts.get(tag.id) ?? 0)} 件现行有效</span></a></li>`,
          )}
        </ul>
      </section>

      <section aria-labelledby="latest-title">
        <h2 id="latest-title">最新政策</h2>
        <ul class="cards">${latest.hits.map((hit) => policyCard({ hit }))}</ul>
        <p><a href="${searchHref({ sort: 'issued_desc' })}">查看全部现行有效政策（${formatCount(latest.total)} 件）</a></p>
      </section>

      <section aria-labelledby="browse-title">
        <h2 id="browse-title">分类浏览</h2>
        <div class="dimension-list">
          ${BROWSE_ORDER.filter((d) => d !== 'need').map((dimension) => {
            // A dimension with a single root (上海市) is browsed one level down (its districts).
            const top = roots(dimension);
            const level = top.length === 1 && top[0] ? taxonomy.children(top[0].id).flatMap((id) => taxonomy.get(id) ?? []) : top;
            const tags = level.filter((t) => !t.deprecated && (counts.get(t.id) ?? 0) > 0);
            if (tags.length === 0) return '';
            return html`<section aria-labelledby="browse-${dimension}">
              <h3 id="browse-${dimension}">${taxonomy.dimensionLabel(dimension)}</h3>
              <ul>${tags.map((t) => html`<li><a href="${searchHref({ tags: [t.id] })}">${t.label}</a> <span class="muted">${formatCount(counts.get(t.id) ?? 0)}</span></li>`)}</ul>
            </section>`;
          })}
        </div>
      </section>`,
  });
}

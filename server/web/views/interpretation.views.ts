import type {
  AskedQuestion,
  Comparison,
  FaqSearchResponse,
  Guide,
  PublicFaq,
  PublicImage,
  PublicInterpretation,
  Sections,
} from '../../../schemas/interpretation.schema.js';
import { SECTION_LABELS } from '../../../schemas/interpretation.schema.js';
import type { PublicPolicy } from '../../../schemas/policy.schema.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, joinHtml, markedSnippet, safeUrl, type SafeHtml } from '../html.js';
import { comparisonTable } from './comparison.views.js';
import { csrfField, definitionList, errorSummary, pagination, textArea, textField, validityBadge, type FieldError } from './components.js';
import { formatCount, formatInstant } from './format.js';
import { layout } from './layout.js';

/** Text as written: paragraphs where the author broke lines. */
export function paragraphsOf(text: string): SafeHtml {
  return html`${text
    .split(/\n+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => html`<p>${line}</p>`)}`;
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/**
 * A responsive image: WebP for browsers that take it, JPEG otherwise, each with every width the
 * server made, so a phone downloads the 320 or 960 px variant and a wide screen the 1920.
 */
export function responsiveImage({ image, alt, sizes = '(max-width: 56rem) 100vw, 46rem' }: { image: PublicImage; alt: string; sizes?: string }): SafeHtml {
  const set = (format: 'webp' | 'jpeg') =>
    image.variants
      .filter((v) => v.format === format)
      .sort((a, b) => a.width - b.width)
      .map((v) => `${v.url} ${v.width}w`)
      .join(', ');
  const webp = set('webp');
  return html`<picture>${webp && html`<source type="image/webp" srcset="${webp}" sizes="${sizes}">`}<img src="${image.src}" srcset="${set('jpeg')}" sizes="${sizes}" alt="${alt}" width="${image.width}" height="${image.height}" loading="lazy" decoding="async"></picture>`;
}

function guideBlock(guide: Guide): SafeHtml {
  return html`${
    guide.steps.length > 0 &&
    html`<h4>办理步骤</h4><ol class="steps">${guide.steps.map((step) => html`<li><strong>${step.title}</strong>${step.detail && html`<br>${step.detail}`}</li>`)}</ol>`
  }
    ${
      guide.materials.length > 0 &&
      html`<h4>申请材料</h4><ul>${guide.materials.map(
        (m) => html`<li>${m.name}<span class="meta">（${m.required ? '必需' : '视情况提供'}${m.note ? `；${m.note}` : ''}）</span></li>`,
      )}</ul>`
    }
    ${definitionList([
      ...(guide.address ? ([['办理地点', guide.address]] as [string, string][]) : []),
      ...(guide.phone ? ([['咨询电话', guide.phone]] as [string, string][]) : []),
      ...(guide.hours ? ([['办理时间', guide.hours]] as [string, string][]) : []),
      ...(guide.onlineUrl ? ([['网上办理', html`<a href="${safeUrl(guide.onlineUrl)}" rel="noopener noreferrer external">${guide.onlineUrl}</a>`]] as [string, SafeHtml][]) : []),
    ])}`;
}

/** Sections in reading order: what it is and whom it is for, then how to apply, then the fine print. */
export function sectionBlocks(sections: Sections): SafeHtml {
  const order = ['background', 'mainContent', 'scope', 'eligibility', 'benefits', 'guide', 'enforcement', 'keywords', 'notes'] as const;
  return joinHtml(
    order.map((key) => {
      if (key === 'guide') return sections.guide ? html`<section class="interp-section" aria-labelledby="interp-guide"><h3 id="interp-guide">${SECTION_LABELS.guide}</h3>${guideBlock(sections.guide)}</section>` : '';
      if (key === 'keywords') {
        return sections.keywords.length > 0
          ? html`<section class="interp-section" aria-labelledby="interp-keywords"><h3 id="interp-keywords">${SECTION_LABELS.keywords}</h3>${definitionList(sections.keywords.map((k) => [k.term, k.explanation]))}</section>`
          : '';
      }
      const text = sections[key];
      return text ? html`<section class="interp-section" aria-labelledby="interp-${key}"><h3 id="interp-${key}">${SECTION_LABELS[key]}</h3>${paragraphsOf(text)}</section>` : '';
    }),
  );
}

export function interpretationSlot({ view, title }: { view: PublicInterpretation; title: string }): SafeHtml {
  const cardAlt = `政策一图读懂：${title}。${view.keyPoints.length > 0 ? `要点：${view.keyPoints.join('；')}。` : ''}`;
  return html`<div class="interp">
    <div class="interp-summary">
      <figure class="summary-card">
        <a href="${view.card.png}"><img src="${view.card.png}" alt="${cardAlt}" loading="lazy" decoding="async"></a>
        <figcaption>政策一图读懂（<a href="${view.card.png}" download>下载图片</a>）</figcaption>
      </figure>
      ${
        view.keyPoints.length > 0 &&
        html`<div><h3 id="interp-points">要点速览</h3><ol class="key-points">${view.keyPoints.map((point) => html`<li>${point}</li>`)}</ol></div>`
      }
    </div>
    ${sectionBlocks(view.sections)}
    ${
      view.graphics.length > 0 &&
      html`<section class="interp-section" aria-labelledby="interp-graphics"><h3 id="interp-graphics">图解</h3>
        ${view.graphics.map(
          (g) => html`<figure class="graphic">${responsiveImage({ image: g.image, alt: g.alt })}${g.caption && html`<figcaption>${g.caption}</figcaption>`}</figure>`,
        )}
      </section>`
    }
    ${
      view.videos.length > 0 &&
      html`<section class="interp-section" aria-labelledby="interp-videos"><h3 id="interp-videos">视频解读</h3>
        <ul class="videos">${view.videos.map(
          (v) => html`<li>
            ${v.poster && html`<img class="poster" src="${v.poster.src}" alt="" width="${v.poster.width}" height="${v.poster.height}" loading="lazy">`}
            <a href="${safeUrl(v.url)}" rel="noopener noreferrer external">${v.title}</a>
            <span class="meta">时长 ${formatDuration(v.durationSeconds)} · 外部网站播放</span>
          </li>`,
        )}</ul>
      </section>`
    }
    <p class="meta">解读材料随第 ${view.version} 版政策一并审查发布（${formatInstant(view.publishedAt)}）。</p>
  </div>`;
}

/** 三同步 on the public page: a version without a package says why, rather than leaving a gap. */
export function noPackageSlot({ reason }: { reason: string }): SafeHtml {
  return html`<div class="notice no-package">
    <p><strong>本文件没有发布解读材料。</strong></p>
    <p>原因：${reason}</p>
  </div>`;
}

export function faqSlot({ faqs, policyId }: { faqs: readonly PublicFaq[]; policyId: string }): SafeHtml {
  return html`<div class="faq-list">
    ${faqs.map(
      (faq) => html`<details class="faq" id="faq-${faq.id}">
        <summary><span class="q-mark" aria-hidden="true">问</span>${faq.question}</summary>
        <div class="answer">${paragraphsOf(faq.answer)}
          <p class="meta">${faq.category && html`${faq.category} · `}${faq.source === 'public_question' ? '来自网民留言 · ' : ''}更新于 ${formatInstant(faq.updatedAt)}</p>
        </div>
      </details>`,
    )}
    <p><a href="/faq?policy=${policyId}">在常见问题库中检索本政策的问答</a></p>
  </div>`;
}

export function comparisonSlot({ comparison }: { comparison: Comparison }): SafeHtml {
  return comparisonTable({ comparison, caption: '新旧条文对照（仅列出有变化的条款）' });
}

export interface QuestionFormValues {
  question: string;
  nickname: string;
}

function questionForm({ ctx, policyId, values, errors }: { ctx: WebContext; policyId: string; values: QuestionFormValues; errors: FieldError[] }): SafeHtml {
  return html`${errorSummary(errors)}
    <form method="post" action="/policies/${policyId}/questions" novalidate class="question-form">
      ${csrfField(ctx)}
      ${textArea({ name: 'question', label: '您的问题', value: values.question, errors, required: true, hint: '5–500 字。请勿填写身份证号、电话等个人信息。相同的问题会合并答复，答复后公开在本页。' })}
      ${textField({ name: 'nickname', label: '称呼', value: values.nickname, errors, hint: '公开答复时不显示', attrs: html`maxlength="30" autocomplete="nickname"` })}
      <div class="actions"><button class="btn" type="submit">提交问题</button></div>
    </form>`;
}

export function questionSlot({
  ctx,
  policyId,
  replies,
  open,
}: {
  ctx: WebContext;
  policyId: string;
  replies: readonly { question: string; askedCount: number; answer: string; answeredAt: string }[];
  open: boolean;
}): SafeHtml {
  return html`${
    replies.length > 0 &&
    html`<h3 id="replies-title">已答复的留言</h3>
      <ul class="replies" aria-labelledby="replies-title">${replies.map(
        (r) => html`<li class="card"><p class="reply-q"><strong>问：</strong>${r.question}${r.askedCount > 1 && html` <span class="meta">（${r.askedCount} 人问过）</span>`}</p>
          <div class="reply-a"><strong>答：</strong>${paragraphsOf(r.answer)}</div>
          <p class="meta">答复于 ${formatInstant(r.answeredAt)}</p></li>`,
      )}</ul>`
  }
    ${
      open
        ? html`<h3>留言提问</h3><p>对本政策有疑问？请留言，工作人员一般在 3 个工作日内答复。</p>${questionForm({ ctx, policyId, values: { question: '', nickname: '' }, errors: [] })}`
        : html`<p>本页为历史版本或已废止的政策，不接受留言。</p>`
    }`;
}

/** The question form alone, for answers with errors (and the rate limit) without losing what was typed. */
export function askPage({ ctx, policy, values, errors }: { ctx: WebContext; policy: Pick<PublicPolicy, 'id' | 'title'>; values: QuestionFormValues; errors: FieldError[] }): SafeHtml {
  return layout({
    ctx,
    title: `我要提问：${policy.title}`,
    crumbs: [{ label: '首页', href: '/' }, { label: policy.title, href: `/policies/${policy.id}` }, { label: '我要提问' }],
    body: html`<h1>我要提问</h1><p class="lead">关于<a href="/policies/${policy.id}">${policy.title}</a></p>${questionForm({ ctx, policyId: policy.id, values, errors })}`,
  });
}

function faqHitList(hits: FaqSearchResponse['hits']): SafeHtml {
  return html`<ul class="cards">${hits.map(
    (hit) => html`<li class="card">
      <h3><a href="/policies/${hit.policy.id}#faq-${hit.faqId}">${markedSnippet(hit.questionHtml)}</a></h3>
      <p class="snippet">${markedSnippet(hit.answerSnippet)}</p>
      <p class="meta">${validityBadge(hit.policy.validity)} 出自<a href="/policies/${hit.policy.id}">${hit.policy.title}</a>${hit.category && html` · ${hit.category}`}</p>
    </li>`,
  )}</ul>`;
}

export function questionStatusPage({
  ctx,
  question,
  policyTitle,
  suggested,
}: {
  ctx: WebContext;
  question: AskedQuestion;
  policyTitle: string;
  suggested: FaqSearchResponse['hits'];
}): SafeHtml {
  return layout({
    ctx,
    title: '我的留言',
    crumbs: [{ label: '首页', href: '/' }, { label: policyTitle, href: `/policies/${question.policyId}` }, { label: '我的留言' }],
    body: html`<h1>我的留言</h1>
      <section class="panel" aria-labelledby="my-question">
        <h2 id="my-question">问题</h2>
        ${paragraphsOf(question.question)}
        ${definitionList([
          ['政策', html`<a href="/policies/${question.policyId}">${policyTitle}</a>`],
          ['提交时间', formatInstant(question.askedAt)],
          ['状态', html`<strong>${question.statusLabel}</strong>${question.age && html`（${question.age.label}${question.age.overdue ? '，已超过 3 个工作日的答复期限' : ''}）`}`],
          ['相同问题', `${formatCount(question.similarCount)} 人问过`],
        ])}
      </section>
      ${
        question.reply &&
        html`<section class="panel" aria-labelledby="reply-title"><h2 id="reply-title">答复</h2>${paragraphsOf(question.reply.answer)}<p class="meta">答复于 ${formatInstant(question.reply.answeredAt)}</p></section>`
      }
      ${
        suggested.length > 0 &&
        html`<section aria-labelledby="suggested-title"><h2 id="suggested-title">这些常见问题或许已经回答了您的问题</h2>${faqHitList(suggested)}</section>`
      }`,
  });
}

/** A question no FAQ answers well enough: say so, and send the person to ask it instead. */
function noRelevantAnswer({ state, policyTitle }: { state: FaqSearchState; policyTitle: string | null }): SafeHtml {
  const policyId = state.policyId;
  return html`<div class="notice no-answer" role="status">
    <p><strong>没有找到与您的问题足够相关的解答。</strong>常见问题里没有回答“${state.q}”的内容，我们没有用不相关的问答充数。</p>
    ${
      policyId && policyTitle
        ? html`<p>您可以就<a href="/policies/${policyId}">${policyTitle}</a>留言提问，工作人员一般在 3 个工作日内答复。</p>
          <p class="actions"><a class="btn" href="/policies/${policyId}/questions">我要提问</a> <a class="btn btn-secondary" href="${faqSearchHref({ ...state, policyId: null, page: 1 })}">在全部政策的问答中检索</a></p>`
        : html`<p>您可以换个说法再搜，或先找到相关政策，在政策页面底部“留言提问”，工作人员一般在 3 个工作日内答复。</p>
          <p class="actions"><a class="btn" href="/search?${new URLSearchParams({ q: state.q }).toString()}">检索相关政策并留言提问</a></p>`
    }
  </div>`;
}

export interface FaqSearchState {
  q: string;
  tags: string[];
  policyId: string | null;
  page: number;
}

export function faqSearchHref(state: Partial<FaqSearchState>): string {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const tag of state.tags ?? []) params.append('tags', tag);
  if (state.policyId) params.set('policy', state.policyId);
  if (state.page && state.page > 1) params.set('page', String(state.page));
  const query = params.toString();
  return query ? `/faq?${query}` : '/faq';
}

export function faqSearchPage({
  ctx,
  state,
  result,
  taxonomy,
  policyTitle,
}: {
  ctx: WebContext;
  state: FaqSearchState;
  result: FaqSearchResponse;
  taxonomy: Taxonomy;
  policyTitle: string | null;
}): SafeHtml {
  const needs = taxonomy.tags.filter((t) => t.dimension === 'need' && !t.parent && !t.deprecated);
  const toggle = (id: string) => faqSearchHref({ ...state, tags: state.tags.includes(id) ? state.tags.filter((t) => t !== id) : [...state.tags, id], page: 1 });
  return layout({
    ctx,
    title: state.q ? `“${state.q}”的常见问题` : '常见问题',
    crumbs: [{ label: '首页', href: '/' }, { label: '常见问题' }],
    body: html`<h1>常见问题</h1>
      <p class="lead">用平常的话提问即可，例如“我们公司能申请专利资助吗”。答案来自各政策的解读材料和已答复的留言。</p>
      <form class="searchbar" method="get" action="/faq" role="search" aria-label="常见问题检索">
        <label class="visually-hidden" for="faq-q">搜索常见问题</label>
        <input id="faq-q" type="search" name="q" value="${state.q}" placeholder="例如：贴息怎么申请" autocomplete="off">
        ${state.tags.map((t) => html`<input type="hidden" name="tags" value="${t}">`)}
        ${state.policyId && html`<input type="hidden" name="policy" value="${state.policyId}">`}
        <button class="btn" type="submit">搜索</button>
      </form>
      ${
        policyTitle &&
        html`<p>只看<a href="/policies/${state.policyId ?? ''}">${policyTitle}</a>的问答。<a href="${faqSearchHref({ ...state, policyId: null, page: 1 })}">查看全部政策</a></p>`
      }
      <nav aria-label="按需求筛选"><ul class="chips">${needs.map(
        (tag) => html`<li><a href="${toggle(tag.id)}"${state.tags.includes(tag.id) ? html` aria-current="true" class="on"` : ''}>${state.tags.includes(tag.id) ? '√ ' : ''}${tag.label}</a></li>`,
      )}</ul></nav>
      ${
        result.noRelevantAnswer
          ? noRelevantAnswer({ state, policyTitle })
          : html`<p role="status">${result.total === 0 ? '没有找到相关的常见问题。' : `共 ${formatCount(result.total)} 条相关问答。`}</p>${faqHitList(result.hits)}`
      }
      ${pagination({ page: state.page, pageSize: result.pageSize, total: result.total, hrefFor: (page) => faqSearchHref({ ...state, page }), label: '常见问题分页' })}`,
  });
}

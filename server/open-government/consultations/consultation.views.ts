import {
  ADOPTION_LABELS,
  CONSULTATION_STATUS_LABELS,
  type AdoptionCounts,
  type AdoptionReport,
  type Consultation,
  type PublicConsultation,
  type StaffConsultation,
} from '../../../schemas/consultation.schema.js';
import type { WebContext } from '../../web/context.js';
import { html, type SafeHtml } from '../../web/html.js';
import { articleBody } from '../../web/views/articles.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, selectField, textArea, textField, type FieldError } from '../../web/views/components.js';
import { formatInstant } from '../../web/views/format.js';
import { layout } from '../../web/views/layout.js';
import { accountTabs } from '../../web/views/account-nav.js';
import type { Subscriber } from '../../../schemas/subscriber.schema.js';
import { staffLayout } from '../../web/views/staff.views.js';
import { flattenArticles } from './consultation.service.js';

function paragraphs(text: string): SafeHtml {
  return html`${text
    .split(/\n+/)
    .filter((l) => l.trim())
    .map((l) => html`<p>${l}</p>`)}`;
}

export function countsList(counts: AdoptionCounts): SafeHtml {
  return definitionList([
    ['收到意见', `${counts.received} 条`],
    ['公开意见', `${counts.published} 条`],
    ['采纳', `${counts.adopted} 条`],
    ['部分采纳', `${counts.partlyAdopted} 条`],
    ['未采纳', `${counts.notAdopted} 条`],
  ]);
}

export function adoptionReportSection({ report }: { report: AdoptionReport }): SafeHtml {
  return html`<section class="panel" id="adoption-report" aria-labelledby="adoption-report-title">
    <h2 id="adoption-report-title">意见采纳情况反馈</h2>
    <p class="meta">公布于 ${formatInstant(report.publishedAt)}${report.finalPolicyId ? html` · 正式政策：<a href="/policies/${report.finalPolicyId}">查看正式政策</a>` : ''}</p>
    ${countsList(report.counts)}
    ${report.summary ? paragraphs(report.summary) : ''}
    <div class="table-wrap"><table>
      <caption>逐条（或按同类意见）说明采纳情况</caption>
      <thead><tr><th scope="col">意见概要</th><th scope="col">涉及条款</th><th scope="col">条数</th><th scope="col">处理</th><th scope="col">理由</th></tr></thead>
      <tbody>${report.decisions.map(
        (d) => html`<tr><td>${d.summary}</td><td>${d.articleLabels.join('、')}</td><td>${d.commentCount}</td><td><strong>${d.outcomeLabel}</strong></td><td>${d.reason}</td></tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

export function consultationListPage({ ctx, items }: { ctx: WebContext; items: { id: string; title: string; startDate: string; endDate: string; statusLabel: string; major: boolean }[] }): SafeHtml {
  return layout({
    ctx,
    title: '征求意见',
    head: html`<link rel="alternate" type="application/atom+xml" title="征求意见" href="/feeds/consultations.atom">`,
    body: html`<h1>征求意见</h1>
      <p class="lead">政策草案在出台前公开征求意见。您可以对全文或具体条款提出意见，意见经审核后公开；草案定稿后公布意见采纳情况。</p>
      <p><a href="/feeds/consultations.atom">订阅征求意见（Atom）</a></p>
      ${items.length === 0 ? notice({ text: '目前没有征求意见的草案。' }) : ''}
      <ul class="cards">${items.map(
        (c) => html`<li class="card"><h2><a href="/consultations/${c.id}">${c.title}</a></h2>
          <p class="meta"><span class="badge badge-neutral">${c.statusLabel}</span> 征求意见期限：${c.startDate} 至 ${c.endDate}${c.major ? ' · 重大行政决策' : ''}</p></li>`,
      )}</ul>`,
  });
}

export interface CommentFormValues {
  text: string;
  articleAnchor: string;
  name: string;
  anonymous: boolean;
}

export function consultationPage({
  ctx,
  view,
  values,
  errors,
  received,
}: {
  ctx: WebContext;
  view: PublicConsultation;
  values: CommentFormValues;
  errors: FieldError[];
  received: boolean;
}): SafeHtml {
  const articles = flattenArticles(view.articles).filter((a) => a.label);
  return layout({
    ctx,
    title: view.title,
    crumbs: [{ label: '征求意见', href: '/consultations' }, { label: view.title.slice(0, 30) }],
    body: html`<article>
      <h1>${view.title}</h1>
      <p class="meta"><span class="badge badge-neutral" id="consultation-status">${view.statusLabel}</span> 征求意见期限：${view.startDate} 至 ${view.endDate}${view.major ? ' · 重大行政决策' : ''}</p>
      ${received ? notice({ text: '已收到您的意见，审核通过后将在本页公开。', tone: 'ok' }) : ''}
      ${view.report ? adoptionReportSection({ report: view.report }) : ''}
      <section aria-labelledby="explanation-title"><h2 id="explanation-title">起草说明</h2>${paragraphs(view.explanation)}</section>
      <section aria-labelledby="draft-title"><h2 id="draft-title">征求意见稿</h2>
        <div class="policy-body">${articleBody(view.articles)}</div>
      </section>
      <section aria-labelledby="comments-title"><h2 id="comments-title">已公开的意见（${view.comments.length} 条）</h2>
        ${view.comments.length === 0 ? html`<p class="muted">暂无公开的意见。</p>` : ''}
        <ol class="question-list">${view.comments.map(
          (c) => html`<li><p class="meta">${c.articleLabel ? html`针对<a href="#${c.articleAnchor ?? ''}">${c.articleLabel}</a>` : '针对全文'} · ${c.displayName} · ${formatInstant(c.submittedAt)}</p>${paragraphs(c.text)}</li>`,
        )}</ol>
      </section>
      ${
        view.acceptingComments
          ? html`<section id="comment" aria-labelledby="comment-title"><h2 id="comment-title">提出意见</h2>
          ${errorSummary(errors)}
          <form method="post" action="/consultations/${view.id}/comments" novalidate>
            ${csrfField(ctx)}
            ${selectField({ name: 'articleAnchor', label: '针对', options: [{ value: '', label: '全文' }, ...articles.map((a) => ({ value: a.anchor, label: `${a.label} ${a.text.slice(0, 20)}` }))], value: values.articleAnchor, errors })}
            ${textArea({ name: 'text', label: '意见内容', value: values.text, errors, required: true, hint: '5–2000 字。意见经审核后公开。' })}
            ${textField({ name: 'name', label: '姓名或单位', value: values.name, errors, hint: '便于我们联系核实；可不填。' })}
            ${choiceGroup({ name: 'anonymous', legend: '公开时', type: 'checkbox', options: [{ value: '1', label: '对公众匿名（不显示姓名或单位）' }], selected: values.anonymous ? ['1'] : [], errors })}
            <button type="submit">提交意见</button>
          </form></section>`
          : html`<p class="notice" role="status">${view.status === 'open' && view.statusLabel === '即将开始' ? `征求意见将于 ${view.startDate} 开始。` : '征求意见已截止，不再接收意见。'}</p>`
      }
    </article>`,
  });
}

export function staffConsultationListPage({ ctx, items }: { ctx: WebContext; items: Consultation[] }): SafeHtml {
  return staffLayout({
    ctx,
    title: '征求意见',
    body: html`<h1>征求意见</h1>
      <p><a class="button" href="/staff/consultations/new">新建征求意见</a> · <a href="/staff/annual-report">年度报告</a></p>
      <ul class="cards">${items.map(
        (c) => html`<li class="card"><h2><a href="/staff/consultations/${c.id}">${c.title}</a></h2><p class="meta">${CONSULTATION_STATUS_LABELS[c.status]} · ${c.startDate} 至 ${c.endDate}</p></li>`,
      )}</ul>`,
  });
}

export interface NewConsultationValues {
  title: string;
  draftText: string;
  explanation: string;
  tags: string;
  major: boolean;
  startDate: string;
  endDate: string;
  shortWindowReason: string;
}

export function newConsultationPage({ ctx, values, errors, minDays }: { ctx: WebContext; values: NewConsultationValues; errors: FieldError[]; minDays: number }): SafeHtml {
  return staffLayout({
    ctx,
    title: '新建征求意见',
    crumbs: [{ label: '征求意见', href: '/staff/consultations' }, { label: '新建' }],
    body: html`<h1>新建征求意见</h1>
      ${errorSummary(errors)}
      <form method="post" action="/staff/consultations" novalidate>
        ${csrfField(ctx)}
        ${textField({ name: 'title', label: '草案标题', value: values.title, errors, required: true })}
        ${textArea({ name: 'draftText', label: '征求意见稿正文', value: values.draftText, errors, required: true, tall: true, hint: '按“第一条”“一、”等分条书写，系统自动分条，公众可针对某一条提意见。' })}
        ${textArea({ name: 'explanation', label: '起草说明', value: values.explanation, errors, required: true })}
        ${textField({ name: 'tags', label: '涉及的标签（标签编号，逗号分隔）', value: values.tags, errors, hint: '关注这些标签并开启征求意见通知的订阅用户会收到通知。' })}
        ${choiceGroup({ name: 'major', legend: '决策类型', type: 'checkbox', options: [{ value: '1', label: '重大行政决策', hint: `征求意见期限一般不少于 ${minDays} 日` }], selected: values.major ? ['1'] : [], errors })}
        ${textField({ name: 'startDate', label: '开始日期', type: 'date', value: values.startDate, errors, required: true })}
        ${textField({ name: 'endDate', label: '截止日期', type: 'date', value: values.endDate, errors, required: true })}
        ${textArea({ name: 'shortWindowReason', label: '期限少于规定天数的理由', value: values.shortWindowReason, errors, hint: '仅在重大行政决策的征求意见期限不足规定天数时填写。' })}
        <button type="submit">保存草稿</button>
      </form>`,
  });
}

const DONE_MESSAGES: Record<string, string> = {
  created: '征求意见草稿已保存。',
  opened: '已发布征求意见，相关订阅用户的通知已排队发送。',
  closed: '征求意见已截止。',
  moderated: '审核结果已记录。',
  adopted: '采纳情况已记录。',
  published: '意见采纳情况反馈已公布，并已在正式政策页面链接。',
};

export function staffConsultationPage({
  ctx,
  view,
  notices,
  errors,
  done,
  canDraft,
}: {
  ctx: WebContext;
  view: StaffConsultation;
  notices: number;
  errors: FieldError[];
  done: string | null;
  canDraft: boolean;
}): SafeHtml {
  const c = view.consultation;
  const decided = new Set(view.decisions.flatMap((d) => d.commentIds));
  const undecided = view.comments.filter((x) => x.status === 'approved' && !decided.has(x.id));
  const pending = view.comments.filter((x) => x.status === 'pending');
  return staffLayout({
    ctx,
    title: c.title,
    crumbs: [{ label: '征求意见', href: '/staff/consultations' }, { label: c.title.slice(0, 30) }],
    body: html`<h1>${c.title}</h1>
      ${done && DONE_MESSAGES[done] ? notice({ text: DONE_MESSAGES[done], tone: 'ok' }) : ''}
      ${errorSummary(errors)}
      ${definitionList([
        ['状态', html`<span id="staff-status">${CONSULTATION_STATUS_LABELS[c.status]}</span>`],
        ['期限', `${c.startDate} 至 ${c.endDate}${c.shortWindowReason ? `（缩短理由：${c.shortWindowReason}）` : ''}`],
        ['公开页面', c.status === 'draft' ? '发布后可见' : html`<a href="/consultations/${c.id}">/consultations/${c.id}</a>`],
        ['通知', `${notices} 条已排队`],
        ['正式政策', c.finalPolicyId ? html`<a href="/policies/${c.finalPolicyId}">${c.finalPolicyId}</a>` : '—'],
      ])}
      ${countsList(view.counts)}
      ${
        canDraft && c.status === 'draft'
          ? html`<form method="post" action="/staff/consultations/${c.id}/open">${csrfField(ctx)}<button type="submit">发布征求意见</button></form>`
          : ''
      }
      ${canDraft && c.status === 'open' ? html`<form method="post" action="/staff/consultations/${c.id}/close">${csrfField(ctx)}<button type="submit">截止征求意见</button></form>` : ''}
      <section aria-labelledby="moderation-title"><h2 id="moderation-title">待审核意见（${pending.length} 条）</h2>
        <ol class="question-list">${pending.map(
          (x) => html`<li data-comment="${x.id}"><p class="meta">${x.articleLabel ?? '全文'} · ${x.name ?? '未署名'}${x.anonymous ? '（对公众匿名）' : ''} · ${formatInstant(x.submittedAt)}</p>${paragraphs(x.text)}
            <form method="post" action="/staff/consultations/${c.id}/comments/${x.id}/moderation">${csrfField(ctx)}<input type="hidden" name="decision" value="approve"><button type="submit">公开</button></form>
            <form method="post" action="/staff/consultations/${c.id}/comments/${x.id}/moderation">${csrfField(ctx)}<input type="hidden" name="decision" value="reject">
              <div class="field"><label for="reject-${x.id}">不予公开的理由</label><input id="reject-${x.id}" name="reason" type="text" maxlength="500"></div><button type="submit">不予公开</button></form></li>`,
        )}</ol>
      </section>
      <section aria-labelledby="all-title"><h2 id="all-title">全部意见</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">意见</th><th scope="col">条款</th><th scope="col">审核</th><th scope="col">采纳</th></tr></thead>
        <tbody>${view.comments.map((x) => {
          const decision = view.decisions.find((d) => d.commentIds.includes(x.id));
          return html`<tr><td>${x.text}</td><td>${x.articleLabel ?? '全文'}</td><td>${x.status === 'approved' ? '已公开' : x.status === 'rejected' ? `不予公开：${x.rejectReason ?? ''}` : '待审核'}</td><td>${decision ? ADOPTION_LABELS[decision.outcome] : '—'}</td></tr>`;
        })}</tbody></table></div>
      </section>
      ${
        canDraft && c.status === 'closed'
          ? html`<section aria-labelledby="adopt-title"><h2 id="adopt-title">记录采纳情况</h2>
        ${
          undecided.length === 0
            ? html`<p class="muted">已公开的意见都已记录采纳情况。</p>`
            : html`<form method="post" action="/staff/consultations/${c.id}/adoptions" novalidate>${csrfField(ctx)}
          ${choiceGroup({ name: 'commentIds', legend: '选择一条或一组相似的意见', type: 'checkbox', inline: false, options: undecided.map((x) => ({ value: x.id, label: `${x.articleLabel ?? '全文'}：${x.text.slice(0, 60)}` })), selected: [], errors })}
          ${textArea({ name: 'summary', label: '意见概要', value: '', errors, required: true })}
          ${choiceGroup({ name: 'outcome', legend: '处理', type: 'radio', options: (['adopted', 'partly_adopted', 'not_adopted'] as const).map((o) => ({ value: o, label: ADOPTION_LABELS[o] })), selected: [], errors })}
          ${textArea({ name: 'reason', label: '理由', value: '', errors, required: true })}
          <button type="submit">记录</button></form>`
        }
        <h2>公布意见采纳情况反馈</h2>
        <form method="post" action="/staff/consultations/${c.id}/feedback" novalidate>${csrfField(ctx)}
          ${textField({ name: 'finalPolicyId', label: '正式政策编号', value: '', errors, required: true, hint: '采纳情况随正式政策公布，并在政策页面链接。' })}
          ${textArea({ name: 'feedbackSummary', label: '总体说明', value: '', errors, required: true })}
          <button type="submit">公布采纳情况</button></form>
      </section>`
          : ''
      }`,
  });
}

export function noticePreferencePage({ ctx, subscriber, wanted, saved }: { ctx: WebContext; subscriber: Subscriber; wanted: boolean; saved: boolean }): SafeHtml {
  return layout({
    ctx,
    title: '征求意见通知',
    body: html`<h1>征求意见通知</h1>
      ${accountTabs({ subscriber, current: '/account/consultation-notices' })}
      ${saved ? notice({ text: wanted ? '已开启征求意见通知。' : '已关闭征求意见通知。', tone: 'ok' }) : ''}
      <p>开启后，涉及您订阅标签的政策草案公开征求意见时，我们会按您订阅的渠道通知您，并说明为什么通知您。默认不开启。</p>
      <p>当前：<strong id="notice-state">${wanted ? '已开启' : '未开启'}</strong></p>
      <form method="post" action="/account/consultation-notices">${csrfField(ctx)}
        <input type="hidden" name="wanted" value="${wanted ? '0' : '1'}">
        <button type="submit">${wanted ? '关闭征求意见通知' : '开启征求意见通知'}</button>
      </form>`,
  });
}

/** The policy page's slot: adoption reports published with this policy. */
export function adoptionSlot({ reports }: { reports: { id: string; title: string; counts: AdoptionCounts }[] }): SafeHtml {
  return html`<ul>${reports.map(
    (r) => html`<li><a href="/consultations/${r.id}#adoption-report">《${r.title}》意见采纳情况反馈</a>：收到意见 ${r.counts.received} 条，采纳 ${r.counts.adopted} 条，部分采纳 ${r.counts.partlyAdopted} 条，未采纳 ${r.counts.notAdopted} 条</li>`,
  )}</ul>`;
}

import type { QuestionStatus, StaffQuestionGroup } from '../../../schemas/interpretation.schema.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { choiceGroup, csrfField, definitionList, errorSummary, notice, pagination, textArea, textField, type FieldError } from './components.js';
import { formatCount, formatInstant } from './format.js';
import { paragraphsOf } from './interpretation.views.js';
import { staffLayout } from './staff.views.js';

const STATUS_TABS: [QuestionStatus, string][] = [
  ['open', '待答复'],
  ['answered', '已答复'],
  ['dismissed', '不予答复'],
];

export interface QueueState {
  status: QuestionStatus;
  sort: 'age' | 'demand';
  policyId: string | null;
  page: number;
}

export function queueHref(state: Partial<QueueState>): string {
  const params = new URLSearchParams();
  if (state.status && state.status !== 'open') params.set('status', state.status);
  if (state.sort && state.sort !== 'age') params.set('sort', state.sort);
  if (state.policyId) params.set('policy', state.policyId);
  if (state.page && state.page > 1) params.set('page', String(state.page));
  const query = params.toString();
  return query ? `/staff/questions?${query}` : '/staff/questions';
}

function ageBadge(group: StaffQuestionGroup): SafeHtml {
  if (!group.age) return html``;
  return group.age.overdue
    ? html`<span class="badge badge-repealed">已超期</span> <span class="meta">${group.age.label}，答复期限 ${formatInstant(group.age.dueAt)}</span>`
    : html`<span class="badge badge-neutral">${group.age.label}</span> <span class="meta">答复期限 ${formatInstant(group.age.dueAt)}</span>`;
}

export function questionQueuePage({
  ctx,
  state,
  queue,
  policyTitle,
}: {
  ctx: WebContext;
  state: QueueState;
  queue: { total: number; page: number; pageSize: number; items: StaffQuestionGroup[] };
  policyTitle: string | null;
}): SafeHtml {
  return staffLayout({
    ctx,
    title: '留言答复',
    body: html`<h1>留言答复</h1>
      <p class="lead">相同的问题自动归为一组，答复一次即答复组内所有留言。答复期限为提问后第 3 个工作日结束。</p>
      ${policyTitle && html`<p>只看：${policyTitle}（<a href="${queueHref({ ...state, policyId: null, page: 1 })}">查看全部政策</a>）</p>`}
      <nav aria-label="按状态筛选"><ul class="tabs">${STATUS_TABS.map(
        ([status, label]) => html`<li><a href="${queueHref({ ...state, status, page: 1 })}"${status === state.status ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}</ul></nav>
      <p>排序：${
        state.sort === 'age'
          ? html`<strong>等待最久的在前</strong> · <a href="${queueHref({ ...state, sort: 'demand', page: 1 })}">问的人最多的在前</a>`
          : html`<a href="${queueHref({ ...state, sort: 'age', page: 1 })}">等待最久的在前</a> · <strong>问的人最多的在前</strong>`
      }</p>
      <p role="status">共 ${formatCount(queue.total)} 组</p>
      <ul class="cards">${queue.items.map(
        (group) => html`<li class="card">
          <h2><a href="/staff/questions/${group.id}">${group.question}</a></h2>
          <p class="meta">${formatCount(group.askedCount)} 人问过 · <a href="/staff/policies/${group.policyId}">${group.policyTitle}</a> · 首次提问 ${formatInstant(group.firstAskedAt)}</p>
          <p>${ageBadge(group)}${group.status === 'answered' ? html`${group.replyPublished ? '答复已公开' : '答复未公开'}${group.faqId ? '，已收入常见问题' : ''}` : ''}${group.status === 'dismissed' ? html`理由：${group.dismissReason ?? ''}` : ''}</p>
        </li>`,
      )}</ul>
      ${pagination({ page: queue.page, pageSize: queue.pageSize, total: queue.total, hrefFor: (page) => queueHref({ ...state, page }), label: '留言分页' })}`,
  });
}

export interface AnswerFormValues {
  answer: string;
  publishReply: boolean;
  promoteToFaq: boolean;
  faqQuestion: string;
  category: string;
}

export function questionGroupPage({
  ctx,
  group,
  canAnswer,
  values,
  errors,
  dismissReason,
}: {
  ctx: WebContext;
  group: StaffQuestionGroup;
  canAnswer: boolean;
  values: AnswerFormValues;
  errors: FieldError[];
  dismissReason: string;
}): SafeHtml {
  const answerErrors = errors.filter((e) => e.field !== 'reason');
  const dismissErrors = errors.filter((e) => e.field === 'reason');
  const options = [
    { value: 'publishReply', label: '公开答复', hint: '显示在政策页面的“已答复的留言”中，提问者也能在自己的留言页看到' },
    ...(group.faqId ? [] : [{ value: 'promoteToFaq', label: '收入常见问题', hint: '立即出现在政策页面的常见问题清单和常见问题检索中' }]),
  ];
  return staffLayout({
    ctx,
    title: '答复留言',
    crumbs: [{ label: '留言答复', href: '/staff/questions' }, { label: group.question.slice(0, 30) }],
    body: html`<h1>答复留言</h1>
      <section class="panel" aria-labelledby="group-title">
        <h2 id="group-title">${group.question}</h2>
        ${definitionList([
          ['政策', html`<a href="/staff/policies/${group.policyId}">${group.policyTitle}</a>（<a href="/policies/${group.policyId}#question">公开页面</a>）`],
          ['状态', html`${group.status === 'open' ? '待答复' : group.status === 'answered' ? '已答复' : '不予答复'} ${ageBadge(group)}`],
          ['提问人数', `${formatCount(group.askedCount)} 人`],
          ...(group.answeredAt ? ([['答复', `${formatInstant(group.answeredAt)}，${group.answeredBy ?? ''}${group.replyPublished ? '，已公开' : '，未公开'}${group.faqId ? '，已收入常见问题' : ''}`]] as [string, string][]) : []),
        ])}
        <h3>本组留言（${group.questions.length} 条）</h3>
        <ol class="question-list">${group.questions.map(
          (q) => html`<li><div>${paragraphsOf(q.text)}</div><p class="meta">${q.nickname ? `${q.nickname} · ` : ''}${formatInstant(q.askedAt)}</p>
            ${
              canAnswer &&
              group.questions.length > 1 &&
              html`<form method="post" action="/staff/questions/${group.id}/questions/${q.id}/separate">${csrfField(ctx)}<button class="btn-link" type="submit">不是同一个问题：单独成组</button></form>`
            }</li>`,
        )}</ol>
      </section>
      ${group.answer && html`<section class="panel" aria-labelledby="current-answer"><h2 id="current-answer">当前答复</h2>${paragraphsOf(group.answer)}</section>`}
      ${
        canAnswer && group.status !== 'dismissed'
          ? html`<section aria-labelledby="answer-title"><h2 id="answer-title">${group.status === 'answered' ? '修改答复' : '答复'}</h2>
            ${errorSummary(answerErrors)}
            <form method="post" action="/staff/questions/${group.id}/answer" novalidate>
              ${csrfField(ctx)}
              ${textArea({ name: 'answer', label: '答复内容', value: values.answer, errors: answerErrors, required: true, hint: '答复同时适用于本组所有留言，请写清依据的条款。' })}
              ${choiceGroup({
                name: 'options',
                legend: '答复后',
                type: 'checkbox',
                inline: false,
                options,
                selected: [...(values.publishReply ? ['publishReply'] : []), ...(values.promoteToFaq ? ['promoteToFaq'] : [])],
                errors: answerErrors,
              })}
              ${
                !group.faqId &&
                html`${textField({ name: 'faqQuestion', label: '收入常见问题时的问题表述', value: values.faqQuestion, errors: answerErrors, hint: '可改写得更通用；不收入常见问题时不使用' })}
                  ${textField({ name: 'category', label: '常见问题分类', value: values.category, errors: answerErrors, hint: '例如：申报条件' })}`
              }
              <div class="actions"><button class="btn" type="submit">提交答复</button></div>
            </form></section>
            ${
              group.status === 'open' &&
              html`<details class="dimension"${dismissErrors.length > 0 ? html` open` : ''}><summary>不予答复（与政策无关、广告等）</summary><div class="body">
                ${errorSummary(dismissErrors)}
                <form method="post" action="/staff/questions/${group.id}/dismiss" novalidate>
                  ${csrfField(ctx)}
                  ${textField({ name: 'reason', label: '理由', value: dismissReason, errors: dismissErrors, required: true })}
                  <div class="actions"><button class="btn btn-secondary" type="submit">不予答复</button></div>
                </form></div></details>`
            }`
          : !canAnswer
            ? notice({ text: '只有起草人员可以答复留言。' })
            : ''
      }
      ${group.faqId && html`<p><a href="/staff/policies/${group.policyId}/faqs#faq-${group.faqId}">在常见问题清单中修改</a></p>`}`,
  });
}

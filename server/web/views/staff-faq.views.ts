import type { Comparison, FaqItem } from '../../../schemas/interpretation.schema.js';
import type { StaffPolicy } from '../../../schemas/policy.schema.js';
import type { WebContext } from '../context.js';
import { html, type SafeHtml } from '../html.js';
import { comparisonTable } from './comparison.views.js';
import { csrfField, errorFor, errorSummary, fieldId, notice, textArea, textField, type FieldError } from './components.js';
import { formatInstant } from './format.js';
import { policyWorkspace } from './staff.views.js';

export interface ComparisonPageState {
  errors: FieldError[];
  /** Notes as typed, by change index, when a save is shown again with errors. */
  notes: Map<number, string> | null;
}

export function staffComparisonPage({
  ctx,
  policy,
  comparison,
  editable,
  revision,
  released,
  state,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  comparison: Comparison | null;
  editable: boolean;
  revision: number;
  /** The comparison frozen with the current version (published policies), rather than the working copy's. */
  released: boolean;
  state: ComparisonPageState;
}): SafeHtml {
  const noteField = (change: Comparison['changes'][number], index: number): SafeHtml => {
    const name = `note_${index}`;
    const unit = change.new?.label || change.old[0]?.label || '序言';
    const value = state.notes?.get(index) ?? change.note ?? '';
    const error = errorFor(state.errors, name);
    return html`<input type="hidden" name="key_${index}" value="${change.key}">
      <div class="field${error ? ' has-error' : ''}">
        <label for="${fieldId(name)}"><span class="visually-hidden">${unit}（${change.kindLabel}）的</span>起草说明</label>
        ${error && html`<span class="field-error">${error}</span>`}
        <textarea id="${fieldId(name)}" name="${name}" class="note-input">${value}</textarea>
      </div>`;
  };
  const body = !comparison
    ? notice({ text: '该政策既没有已发布的旧版本，也没有填写被替代的前序政策，没有新旧对照。在“内容与审查”中填写前序政策后，这里会列出逐条变化。' })
    : editable
      ? html`<p class="lead">逐条说明修改的理由和影响：说明随解读材料一并审查，发布后显示在公开页面的新旧对照表中。没有说明的变化会在完整性检查中提示。</p>
        ${errorSummary(state.errors)}
        <form method="post" action="/staff/policies/${policy.id}/comparison" novalidate>
          ${csrfField(ctx)}
          <input type="hidden" name="revision" value="${revision}">
          ${comparisonTable({ comparison, caption: '工作稿与旧文本对照', noteField })}
          ${comparison.orphanNotes.length > 0 && notice({ text: `有 ${comparison.orphanNotes.length} 条说明对应的变化已不存在（条文又改过），保存时将删除。`, tone: 'warn' })}
          <div class="actions"><button class="btn" type="submit">保存起草说明</button></div>
        </form>`
      : html`${
          released
            ? html`<p class="lead">第 ${policy.currentVersion ?? ''} 版发布时冻结的对照与起草说明。发起修订后，这里显示修订稿与现行版本的对照。</p>`
            : notice({ text: policy.status === 'draft' ? '只有起草人员可以填写起草说明。' : '送审后起草说明不能修改。' })
        }${comparisonTable({ comparison, caption: released ? '发布版本的新旧对照' : '工作稿与旧文本对照' })}`;
  return policyWorkspace({ ctx, policy, title: '新旧对照', tab: 'comparison', body });
}

export interface FaqFormValues {
  question: string;
  answer: string;
  category: string;
}

export interface FaqPageState {
  /** `add`, or the id of the FAQ whose edit form the errors belong to. */
  form: string | null;
  errors: FieldError[];
  values: FaqFormValues;
}

function faqFields({ prefix, values, errors }: { prefix: string; values: FaqFormValues; errors: FieldError[] }): SafeHtml {
  return html`${textField({ name: `${prefix}question`, label: '问题', value: values.question, errors, required: true, hint: '用提问者的口吻，4–300 字' })}
    ${textArea({ name: `${prefix}answer`, label: '答案', value: values.answer, errors, required: true })}
    ${textField({ name: `${prefix}category`, label: '分类', value: values.category, errors, hint: '例如：申报条件、办理流程（不超过 20 字）' })}`;
}

export function staffFaqPage({
  ctx,
  policy,
  faqs,
  writable,
  state,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  faqs: readonly FaqItem[];
  /** Drafters may write while the policy is a draft, and at any time once it is published (a live list). */
  writable: boolean;
  state: FaqPageState;
}): SafeHtml {
  const live = policy.currentVersion !== null;
  const base = `/staff/policies/${policy.id}/faqs`;
  return policyWorkspace({
    ctx,
    policy,
    title: '常见问题',
    tab: 'faqs',
    body: html`<p class="lead">${
      live
        ? '本政策已发布：新增或修改的常见问题保存后立即公开（已发布版本各自保留发布时的清单）。'
        : '本政策尚未发布：常见问题作为解读材料的一部分随政策审查，发布时一并公开。'
    }</p>
      ${!writable && notice({ text: live ? '只有起草人员可以修改常见问题。' : '送审后常见问题不能修改；退回修改后可以再次编辑。' })}
      ${faqs.length === 0 ? html`<p>还没有常见问题。</p>` : ''}
      <ol class="faq-admin">${faqs.map((faq, i) => {
        const editing = state.form === faq.id;
        const values = editing ? state.values : { question: faq.question, answer: faq.answer, category: faq.category ?? '' };
        const errors = editing ? state.errors : [];
        return html`<li class="panel" id="faq-${faq.id}">
          <h2 class="faq-q">${faq.question}</h2>
          <p class="meta"><span class="badge ${faq.status === 'published' ? 'badge-effective' : 'badge-neutral'}">${faq.status === 'published' ? '已公开' : '草稿（随政策发布）'}</span>
            ${faq.source === 'public_question' ? '来自网民留言 · ' : ''}${faq.category && html`${faq.category} · `}修改于 ${formatInstant(faq.updatedAt)}</p>
          <div class="answer">${faq.answer}</div>
          ${
            writable &&
            html`<details class="dimension"${editing ? html` open` : ''}><summary>修改<span class="visually-hidden">“${faq.question}”</span></summary><div class="body">
              ${errorSummary(errors)}
              <form method="post" action="${base}/${faq.id}" novalidate>
                ${csrfField(ctx)}<input type="hidden" name="revision" value="${faq.revision}">
                ${faqFields({ prefix: `${faq.id}-`, values, errors })}
                <div class="actions"><button class="btn" type="submit">保存<span class="visually-hidden">“${faq.question}”</span></button></div>
              </form></div></details>
            <div class="actions">
              ${i > 0 && html`<form method="post" action="${base}/${faq.id}/move">${csrfField(ctx)}<input type="hidden" name="direction" value="up"><button class="btn-link" type="submit">上移<span class="visually-hidden">“${faq.question}”</span></button></form>`}
              ${i < faqs.length - 1 && html`<form method="post" action="${base}/${faq.id}/move">${csrfField(ctx)}<input type="hidden" name="direction" value="down"><button class="btn-link" type="submit">下移<span class="visually-hidden">“${faq.question}”</span></button></form>`}
              <form method="post" action="${base}/${faq.id}/withdraw" data-confirm="确定撤下这条常见问题？">${csrfField(ctx)}<button class="btn-link" type="submit">撤下<span class="visually-hidden">“${faq.question}”</span></button></form>
            </div>`
          }
        </li>`;
      })}</ol>
      ${
        writable &&
        html`<section aria-labelledby="add-faq-title"><h2 id="add-faq-title">新增常见问题</h2>
          ${errorSummary(state.form === 'add' ? state.errors : [])}
          <form method="post" action="${base}" novalidate>
            ${csrfField(ctx)}
            ${faqFields({ prefix: '', values: state.form === 'add' ? state.values : { question: '', answer: '', category: '' }, errors: state.form === 'add' ? state.errors : [] })}
            <div class="actions"><button class="btn" type="submit">添加</button></div>
          </form></section>`
      }
      <p><a href="/staff/questions?policy=${policy.id}">查看本政策的网民留言</a></p>`,
  });
}

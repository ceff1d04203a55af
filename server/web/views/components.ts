import type { Validity } from '../../../schemas/policy.schema.js';
import { VALIDITY_LABELS } from '../../../schemas/policy.schema.js';
import type { DimensionId, Tag } from '../../../schemas/taxonomy.schema.js';
import type { Taxonomy } from '../../services/taxonomy.js';
import type { WebContext } from '../context.js';
import { html, type Interpolation, type SafeHtml } from '../html.js';

/** One problem with a submitted form: `field` is the input's name (and id), or null for the form as a whole. */
export interface FieldError {
  field: string | null;
  message: string;
}

export function errorFor(errors: readonly FieldError[], field: string): string | null {
  return errors.find((e) => e.field === field)?.message ?? null;
}

export function csrfField(ctx: WebContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;
}

/** GOV.UK-style summary at the top of a form: focusable, each message a link to its field. */
export function errorSummary(errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title" data-error-summary>
    <h2 id="error-summary-title">提交的内容有问题</h2>
    <ul>${errors.map((e) => html`<li>${e.field ? html`<a href="#${fieldId(e.field)}">${e.message}</a>` : e.message}</li>`)}</ul>
  </div>`;
}

export function fieldId(name: string): string {
  return `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

export function textField({
  name,
  label,
  value,
  errors = [],
  type = 'text',
  hint,
  autocomplete,
  required = false,
  attrs,
}: {
  name: string;
  label: string;
  value?: string | null;
  errors?: readonly FieldError[];
  type?: 'text' | 'email' | 'password' | 'search' | 'date' | 'url';
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  /** Extra trusted attributes (inputmode, maxlength, list), written as given. */
  attrs?: SafeHtml;
}): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, name);
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${error ? ' has-error' : ''}">
    <label for="${id}">${label}${required ? '' : html` <span class="muted">（选填）</span>`}</label>
    ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}
    ${error && html`<span class="field-error" id="${id}-error">${error}</span>`}
    <input id="${id}" name="${name}" type="${type}" value="${type === 'password' ? '' : (value ?? '')}"${autocomplete ? html` autocomplete="${autocomplete}"` : ''}${required ? html` required` : ''}${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}${attrs ? html` ${attrs}` : ''}>
  </div>`;
}

export function textArea({
  name,
  label,
  value,
  errors = [],
  hint,
  tall = false,
  required = false,
}: {
  name: string;
  label: string;
  value?: string | null;
  errors?: readonly FieldError[];
  hint?: string;
  tall?: boolean;
  required?: boolean;
}): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, name);
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${error ? ' has-error' : ''}">
    <label for="${id}">${label}${required ? '' : html` <span class="muted">（选填）</span>`}</label>
    ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}
    ${error && html`<span class="field-error" id="${id}-error">${error}</span>`}
    <textarea id="${id}" name="${name}"${tall ? html` class="tall"` : ''}${required ? html` required` : ''}${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}>${value ?? ''}</textarea>
  </div>`;
}

export function choiceGroup({
  name,
  legend,
  type,
  options,
  selected,
  errors = [],
  hint,
  inline = true,
}: {
  name: string;
  legend: string;
  type: 'radio' | 'checkbox';
  options: readonly { value: string; label: string; hint?: string }[];
  selected: readonly string[];
  errors?: readonly FieldError[];
  hint?: string;
  inline?: boolean;
}): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, name);
  return html`<fieldset id="${id}" class="${error ? 'has-error' : ''}"${hint ? html` aria-describedby="${id}-hint"` : ''}>
    <legend>${legend}</legend>
    ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}
    ${error && html`<span class="field-error">${error}</span>`}
    <div class="${inline ? 'choices' : ''}">
      ${options.map(
        (o, i) => html`<label class="choice" for="${id}-${i}"><input type="${type}" id="${id}-${i}" name="${name}" value="${o.value}"${selected.includes(o.value) ? html` checked` : ''}><span>${o.label}${o.hint && html` <span class="hint">${o.hint}</span>`}</span></label>`,
      )}
    </div>
  </fieldset>`;
}

export function selectField({
  name,
  label,
  options,
  value,
  errors = [],
  hint,
  autosubmit = false,
}: {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  value: string | null;
  errors?: readonly FieldError[];
  hint?: string;
  autosubmit?: boolean;
}): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, name);
  return html`<div class="field${error ? ' has-error' : ''}">
    <label for="${id}">${label}</label>
    ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}
    ${error && html`<span class="field-error">${error}</span>`}
    <select id="${id}" name="${name}"${autosubmit ? html` data-autosubmit` : ''}${hint ? html` aria-describedby="${id}-hint"` : ''}>
      ${options.map((o) => html`<option value="${o.value}"${o.value === value ? html` selected` : ''}>${o.label}</option>`)}
    </select>
  </div>`;
}

const VALIDITY_CLASS: Record<Validity, string> = { effective: 'badge-effective', revised: 'badge-revised', repealed: 'badge-repealed', expired: 'badge-expired' };

export function validityBadge(validity: Validity): SafeHtml {
  return html`<span class="badge ${VALIDITY_CLASS[validity]}">${VALIDITY_LABELS[validity]}</span>`;
}

export function pagination({ page, pageSize, total, hrefFor, label = '分页' }: { page: number; pageSize: number; total: number; hrefFor: (page: number) => string; label?: string }): SafeHtml {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return html``;
  const shown = new Set<number>([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 1 && p <= pages));
  const ordered = [...shown].sort((a, b) => a - b);
  const items: Interpolation[] = [];
  if (page > 1) items.push(html`<li><a href="${hrefFor(page - 1)}" rel="prev">上一页</a></li>`);
  ordered.forEach((p, i) => {
    const previous = ordered[i - 1];
    if (previous !== undefined && p - previous > 1) items.push(html`<li><span aria-hidden="true">…</span></li>`);
    items.push(
      p === page
        ? html`<li><span aria-current="page"><span class="visually-hidden">第 </span>${p}<span class="visually-hidden"> 页（当前）</span></span></li>`
        : html`<li><a href="${hrefFor(p)}"><span class="visually-hidden">第 </span>${p}<span class="visually-hidden"> 页</span></a></li>`,
    );
  });
  if (page < pages) items.push(html`<li><a href="${hrefFor(page + 1)}" rel="next">下一页</a></li>`);
  return html`<nav class="pagination" aria-label="${label}"><ul>${items}</ul></nav>`;
}

/** Tags of a dimension in tree order with their depth, live ones only unless a deprecated one is selected. */
export function tagTree({ taxonomy, dimension, keep = [] }: { taxonomy: Taxonomy; dimension: DimensionId; keep?: readonly string[] }): { tag: Tag; depth: number }[] {
  const inDimension = taxonomy.tags.filter((t) => t.dimension === dimension && (!t.deprecated || keep.includes(t.id)));
  const ids = new Set(inDimension.map((t) => t.id));
  const out: { tag: Tag; depth: number }[] = [];
  const visit = (tag: Tag, depth: number) => {
    out.push({ tag, depth });
    for (const child of inDimension.filter((t) => t.parent === tag.id)) visit(child, depth + 1);
  };
  for (const root of inDimension.filter((t) => !t.parent || !ids.has(t.parent))) visit(root, 0);
  return out;
}

/** A checkbox list of one dimension's tags, indented by hierarchy; filterable when the script runs. */
export function tagPicker({
  name,
  legend,
  taxonomy,
  dimension,
  selected,
  hint,
  errors = [],
  showLegend = true,
}: {
  name: string;
  legend: string;
  taxonomy: Taxonomy;
  dimension: DimensionId;
  selected: readonly string[];
  hint?: string;
  errors?: readonly FieldError[];
  showLegend?: boolean;
}): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, name);
  const deprecated = selected.filter((tagId) => taxonomy.get(tagId)?.deprecated);
  return html`<fieldset id="${id}"${error ? html` class="has-error"` : ''}>
    <legend${showLegend ? '' : html` class="visually-hidden"`}>${legend}</legend>
    ${hint && html`<span class="hint">${hint}</span>`}
    ${error && html`<span class="field-error">${error}</span>`}
    ${deprecated.length > 0 && html`<p class="notice notice-warn">已停用的标签将在保存时移除：${deprecated.map((t) => taxonomy.label(t)).join('、')}</p>`}
    <div class="picker" data-picker>
      ${tagTree({ taxonomy, dimension }).map(
        ({ tag, depth }) =>
          html`<label class="choice depth-${Math.min(depth, 3)}" data-synonyms="${tag.synonyms.join(' ')}"><input type="checkbox" name="${name}" value="${tag.id}"${selected.includes(tag.id) ? html` checked` : ''}><span>${tag.label}</span></label>`,
      )}
    </div>
  </fieldset>`;
}

export function definitionList(rows: readonly [string, Interpolation][]): SafeHtml {
  return html`<dl class="facts">${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}

export function notice({ text, tone = 'info' }: { text: Interpolation; tone?: 'info' | 'ok' | 'warn' }): SafeHtml {
  return html`<div class="notice${tone === 'info' ? '' : ` notice-${tone}`}" role="status">${text}</div>`;
}

import type { PackageContent, SectionKey, StaffInterpretation } from '../../../schemas/interpretation.schema.js';
import { SECTION_LABELS } from '../../../schemas/interpretation.schema.js';
import type { StaffPolicy } from '../../../schemas/policy.schema.js';
import { emptyContent } from '../../interpretation/interpretation.service.js';
import type { WebContext } from '../context.js';
import { html, safeUrl, type SafeHtml } from '../html.js';
import { csrfField, errorFor, errorSummary, fieldId, notice, textArea, textField, type FieldError } from './components.js';
import { formatInstant } from './format.js';
import { formatDuration, responsiveImage, sectionBlocks } from './interpretation.views.js';
import { policyWorkspace, syncState } from './staff.views.js';

export const TEXT_SECTIONS = ['mainContent', 'scope', 'background', 'eligibility', 'benefits', 'enforcement', 'notes'] as const;
export type TextSection = (typeof TEXT_SECTIONS)[number];
export const KEY_POINT_SLOTS = 5;
/** Empty rows under the filled ones: more can be added after saving, without any script. */
const BLANK_ROWS = 2;

const SECTION_HINTS: Record<TextSection, string> = {
  mainContent: '用通俗的话说明政策讲了什么、有哪些主要措施。',
  scope: '哪些企业、机构或个人可以享受；地域、行业、规模等范围。',
  background: '为什么出台：依据的上位政策、要解决的问题。',
  eligibility: '申报需要满足的条件，逐条写清。',
  benefits: '支持方式和标准：补贴比例、金额上限、奖励等。',
  enforcement: '执行中的口径和尺度：怎么认定、怎么计算、例外情形。',
  notes: '容易出错的地方、时间节点、不予支持的情形等。',
};

export interface ContentFormValues {
  text: Record<TextSection, string>;
  keyPoints: string[];
  steps: { title: string; detail: string }[];
  materials: { name: string; note: string; required: boolean }[];
  keywords: { term: string; explanation: string }[];
  guide: { address: string; phone: string; onlineUrl: string; hours: string };
}

export function contentValuesOf(content: PackageContent): ContentFormValues {
  const { sections } = content;
  const text = Object.fromEntries(TEXT_SECTIONS.map((key) => [key, sections[key] ?? ''])) as Record<TextSection, string>;
  return {
    text,
    keyPoints: [...content.keyPoints],
    steps: (sections.guide?.steps ?? []).map((s) => ({ title: s.title, detail: s.detail })),
    materials: (sections.guide?.materials ?? []).map((m) => ({ name: m.name, note: m.note, required: m.required })),
    keywords: sections.keywords.map((k) => ({ term: k.term, explanation: k.explanation })),
    guide: {
      address: sections.guide?.address ?? '',
      phone: sections.guide?.phone ?? '',
      onlineUrl: sections.guide?.onlineUrl ?? '',
      hours: sections.guide?.hours ?? '',
    },
  };
}

export interface UploadFormValues {
  alt: string;
  caption: string;
}

export interface VideoFormValues {
  title: string;
  url: string;
  minutes: string;
  seconds: string;
}

/** Which form of the page a set of errors belongs to, so they show next to it. */
export type PackageForm = 'content' | 'graphics' | 'upload' | 'videos' | 'video' | 'exemption';

export interface PackagePageState {
  form: PackageForm | null;
  errors: FieldError[];
  content: ContentFormValues;
  upload: UploadFormValues;
  video: VideoFormValues;
  exemption: string;
}

function padRows<T>(rows: readonly T[], blank: () => T, minimum = 0): T[] {
  const out = [...rows];
  while (out.length < Math.max(minimum, rows.length + BLANK_ROWS)) out.push(blank());
  return out;
}

function checkbox({ name, label, checked }: { name: string; label: string; checked: boolean }): SafeHtml {
  const id = fieldId(name);
  return html`<label class="choice" for="${id}"><input type="checkbox" id="${id}" name="${name}" value="1"${checked ? html` checked` : ''}><span>${label}</span></label>`;
}

function statusPanel({ policy, interpretation }: { policy: StaffPolicy; interpretation: StaffInterpretation }): SafeHtml {
  const { completeness } = interpretation;
  const state = syncState({ policy, interpretation });
  return html`<section class="panel" aria-labelledby="status-title">
    <h2 id="status-title">三同步状态</h2>
    <p><span class="badge ${state.ok ? 'badge-effective' : 'badge-revised'}">${state.label}</span> ${state.message}</p>
    <p>本政策类型${completeness.policyTypes.length > 0 ? `（${completeness.policyTypes.map((t) => t.label).join('、')}）` : ''}必须填写：${completeness.required.map((r) => r.label).join('、')}。</p>
    ${
      completeness.missing.length > 0 &&
      html`<ul class="checklist">${completeness.missing.map((m) => html`<li class="todo"><span aria-hidden="true">×</span> <a href="#${sectionAnchor(m.section)}">${m.label}</a>：${m.reason}</li>`)}</ul>`
    }
    ${completeness.warnings.length > 0 && html`<ul class="meta">${completeness.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}
    <p><a href="/staff/policies/${policy.id}/card.png">预览“政策一图读懂”</a>（按当前工作稿生成） · <a href="/staff/policies/${policy.id}/comparison">新旧对照与起草说明</a> · <a href="/staff/policies/${policy.id}/faqs">常见问题（${interpretation.faqs.length}）</a></p>
    ${interpretation.draft && html`<p class="meta">最后修改 ${formatInstant(interpretation.draft.updatedAt)}（修订号 ${interpretation.draft.revision}）</p>`}
  </section>`;
}

function sectionAnchor(section: SectionKey): string {
  if (section === 'guide') return 'f-guide';
  if (section === 'keywords') return 'f-keywords';
  return fieldId(`s_${section}`);
}

function contentForm({
  ctx,
  policy,
  revision,
  values,
  errors,
  required,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  revision: number;
  values: ContentFormValues;
  errors: FieldError[];
  required: ReadonlySet<SectionKey>;
}): SafeHtml {
  const keyPoints = Array.from({ length: KEY_POINT_SLOTS }, (_, i) => values.keyPoints[i] ?? '');
  const steps = padRows(values.steps, () => ({ title: '', detail: '' }), 3);
  const materials = padRows(values.materials, () => ({ name: '', note: '', required: true }), 3);
  const keywords = padRows(values.keywords, () => ({ term: '', explanation: '' }));
  const guideRequired = required.has('guide');
  return html`<section aria-labelledby="content-title">
    <h2 id="content-title">文字解读</h2>
    ${errorSummary(errors)}
    <form method="post" action="/staff/policies/${policy.id}/interpretation/content" novalidate>
      ${csrfField(ctx)}
      <input type="hidden" name="revision" value="${revision}">
      <fieldset id="f-keyPoints">
        <legend>要点（政策一图读懂）</legend>
        <span class="hint">3–5 条，每条不超过 80 字，印在“政策一图读懂”上；不足 3 条时从惠企举措和主要内容中补足。</span>
        ${keyPoints.map((point, i) => textField({ name: `kp_${i}`, label: `要点 ${i + 1}`, value: point, errors, required: i < 3 }))}
      </fieldset>
      ${TEXT_SECTIONS.map((key) =>
        textArea({ name: `s_${key}`, label: SECTION_LABELS[key], value: values.text[key], errors, hint: SECTION_HINTS[key], required: required.has(key) }),
      )}
      <fieldset id="f-guide">
        <legend>${SECTION_LABELS.guide}${guideRequired ? '' : html` <span class="muted">（选填）</span>`}</legend>
        <span class="hint">至少一个办理步骤、一项申请材料，以及咨询电话、办理地点或网上办理链接中的一项。空行不保存；保存后会再出现空行，可继续添加。</span>
        <h3>办理步骤</h3>
        ${steps.map(
          (step, i) => html`<div class="row-group">
            ${textField({ name: `step_title_${i}`, label: `第 ${i + 1} 步`, value: step.title, errors, required: true })}
            ${textField({ name: `step_detail_${i}`, label: `第 ${i + 1} 步说明`, value: step.detail, errors })}
          </div>`,
        )}
        <h3>申请材料</h3>
        ${materials.map(
          (m, i) => html`<div class="row-group">
            ${textField({ name: `mat_name_${i}`, label: `材料 ${i + 1}`, value: m.name, errors, required: true })}
            ${textField({ name: `mat_note_${i}`, label: `材料 ${i + 1} 说明`, value: m.note, errors, hint: '例如：复印件加盖公章' })}
            ${checkbox({ name: `mat_optional_${i}`, label: `材料 ${i + 1} 视情况提供（非必需）`, checked: !m.required })}
          </div>`,
        )}
        <div class="grid-2">
          ${textField({ name: 'g_phone', label: '咨询电话', value: values.guide.phone, errors, attrs: html`autocomplete="off" inputmode="tel"` })}
          ${textField({ name: 'g_hours', label: '办理时间', value: values.guide.hours, errors, hint: '例如：工作日 9:00–17:00' })}
        </div>
        ${textField({ name: 'g_address', label: '办理地点', value: values.guide.address, errors })}
        ${textField({ name: 'g_onlineUrl', label: '网上办理链接', type: 'url', value: values.guide.onlineUrl, errors, hint: '以 https:// 开头' })}
      </fieldset>
      <fieldset id="f-keywords">
        <legend>${SECTION_LABELS.keywords}${required.has('keywords') ? '' : html` <span class="muted">（选填）</span>`}</legend>
        <span class="hint">解释政策中的专门用语。空行不保存。</span>
        ${keywords.map(
          (k, i) => html`<div class="row-group">
            ${textField({ name: `kw_term_${i}`, label: `词语 ${i + 1}`, value: k.term, errors, required: true })}
            ${textArea({ name: `kw_text_${i}`, label: `词语 ${i + 1} 的解释`, value: k.explanation, errors, required: true })}
          </div>`,
        )}
      </fieldset>
      <div class="actions"><button class="btn" type="submit">保存文字解读</button></div>
    </form>
  </section>`;
}

function graphicsSection({
  ctx,
  policy,
  interpretation,
  revision,
  state,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  interpretation: StaffInterpretation;
  revision: number;
  state: PackagePageState;
}): SafeHtml {
  const graphics = interpretation.graphics;
  const listErrors = state.form === 'graphics' ? state.errors : [];
  const uploadErrors = state.form === 'upload' ? state.errors : [];
  const fileError = errorFor(uploadErrors, 'file');
  return html`<section aria-labelledby="graphics-title">
    <h2 id="graphics-title">图解</h2>
    ${
      graphics.length === 0
        ? html`<p>还没有图解。</p>`
        : html`${errorSummary(listErrors)}
          <form method="post" action="/staff/policies/${policy.id}/interpretation/graphics/update" novalidate>
            ${csrfField(ctx)}
            <input type="hidden" name="revision" value="${revision}">
            <ol class="graphic-list">${graphics.map(
              (g, i) => html`<li class="panel">
                <figure class="graphic-thumb">${responsiveImage({ image: g.image, alt: g.alt, sizes: '20rem' })}</figure>
                ${textField({ name: `alt_${i}`, label: `图 ${i + 1} 替代文本`, value: g.alt, errors: listErrors, required: true, hint: '读屏软件朗读的图片内容，2–200 字' })}
                ${textField({ name: `caption_${i}`, label: `图 ${i + 1} 图注`, value: g.caption ?? '', errors: listErrors })}
                <div class="actions">
                  ${checkbox({ name: `graphic_remove_${i}`, label: `移除图 ${i + 1}`, checked: false })}
                  ${i > 0 && html`<button class="btn btn-secondary" type="submit" name="move" value="${i}">上移图 ${i + 1}</button>`}
                </div>
              </li>`,
            )}</ol>
            <div class="actions"><button class="btn" type="submit">保存图解</button></div>
          </form>`
    }
    <h3 id="upload-title">上传图解</h3>
    ${errorSummary(uploadErrors)}
    <form method="post" action="/staff/policies/${policy.id}/interpretation/graphics" enctype="multipart/form-data" novalidate aria-labelledby="upload-title">
      ${csrfField(ctx)}
      <input type="hidden" name="revision" value="${revision}">
      <div class="field${fileError ? ' has-error' : ''}">
        <label for="f-file">图片文件</label>
        <span class="hint" id="f-file-hint">PNG、JPEG、WebP 或 GIF，不超过 10 MB。上传后自动去除拍摄位置等元数据，并生成适合手机和电脑的尺寸。</span>
        ${fileError && html`<span class="field-error" id="f-file-error">${fileError}</span>`}
        <input id="f-file" type="file" name="file" accept="image/png,image/jpeg,image/webp,image/gif" aria-describedby="f-file-hint${fileError ? ' f-file-error' : ''}">
      </div>
      ${textField({ name: 'alt', label: '替代文本', value: state.upload.alt, errors: uploadErrors, required: true, hint: '说明图片表达的内容，供看不到图片的读者使用，例如：申报流程图，共四步：在线填报、区局初审、专家评审、公示拨付。' })}
      ${textField({ name: 'caption', label: '图注', value: state.upload.caption, errors: uploadErrors })}
      <div class="actions"><button class="btn" type="submit">上传图解</button></div>
    </form>
  </section>`;
}

function videosSection({
  ctx,
  policy,
  content,
  revision,
  state,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  content: PackageContent;
  revision: number;
  state: PackagePageState;
}): SafeHtml {
  const listErrors = state.form === 'videos' ? state.errors : [];
  const addErrors = state.form === 'video' ? state.errors : [];
  const posterError = errorFor(addErrors, 'file');
  return html`<section aria-labelledby="videos-title">
    <h2 id="videos-title">视频解读</h2>
    <p class="hint">平台不存放视频，只链接到政务网站或视频号上已发布的视频。</p>
    ${
      content.videos.length === 0
        ? html`<p>还没有视频。</p>`
        : html`${errorSummary(listErrors)}
          <form method="post" action="/staff/policies/${policy.id}/interpretation/videos/update" novalidate>
            ${csrfField(ctx)}
            <input type="hidden" name="revision" value="${revision}">
            <ol class="video-list">${content.videos.map(
              (v, i) => html`<li><a href="${safeUrl(v.url)}" rel="noopener noreferrer external">${v.title}</a> <span class="meta">时长 ${formatDuration(v.durationSeconds)}${v.posterImageId ? ' · 有封面' : ''}</span>
                ${checkbox({ name: `video_remove_${i}`, label: `移除视频“${v.title}”`, checked: false })}</li>`,
            )}</ol>
            <div class="actions"><button class="btn btn-secondary" type="submit">移除选中的视频</button></div>
          </form>`
    }
    <h3 id="video-title">添加视频</h3>
    ${errorSummary(addErrors)}
    <form method="post" action="/staff/policies/${policy.id}/interpretation/videos" enctype="multipart/form-data" novalidate aria-labelledby="video-title">
      ${csrfField(ctx)}
      <input type="hidden" name="revision" value="${revision}">
      ${textField({ name: 'title', label: '视频标题', value: state.video.title, errors: addErrors, required: true })}
      ${textField({ name: 'url', label: '视频链接', type: 'url', value: state.video.url, errors: addErrors, required: true, hint: '以 https:// 开头' })}
      <fieldset id="f-duration">
        <legend>时长</legend>
        <div class="grid-2">
          ${textField({ name: 'minutes', label: '分钟', value: state.video.minutes, errors: addErrors, required: true, attrs: html`inputmode="numeric"` })}
          ${textField({ name: 'seconds', label: '秒', value: state.video.seconds, errors: addErrors, required: true, attrs: html`inputmode="numeric"` })}
        </div>
      </fieldset>
      <div class="field${posterError ? ' has-error' : ''}">
        <label for="f-poster">封面图片 <span class="muted">（选填）</span></label>
        ${posterError && html`<span class="field-error">${posterError}</span>`}
        <input id="f-poster" type="file" name="file" accept="image/png,image/jpeg,image/webp,image/gif">
      </div>
      <div class="actions"><button class="btn" type="submit">添加视频</button></div>
    </form>
  </section>`;
}

function exemptionSection({
  ctx,
  policy,
  interpretation,
  revision,
  state,
  userNames,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  interpretation: StaffInterpretation;
  revision: number;
  state: PackagePageState;
  userNames: ReadonlyMap<string, string>;
}): SafeHtml {
  const exemption = interpretation.draft?.exemption ?? null;
  const errors = state.form === 'exemption' ? state.errors : [];
  return html`<section aria-labelledby="exemption-title" id="exemption">
    <h2 id="exemption-title">免予解读</h2>
    ${
      exemption
        ? html`<p>已记录免予解读：${exemption.reason}<br><span class="meta">${formatInstant(exemption.recordedAt)} 由 ${userNames.get(exemption.recordedBy) ?? exemption.recordedBy} 记录。审查人员会看到这一理由。</span></p>
          <form method="post" action="/staff/policies/${policy.id}/interpretation/exemption/clear">
            ${csrfField(ctx)}<input type="hidden" name="revision" value="${revision}">
            <button class="btn btn-secondary" type="submit">撤销免予解读</button>
          </form>`
        : html`<p>内部管理类文件、仅作个别文字调整的修订等无需解读时，记录理由即可送审；理由随政策一并审查。</p>
          ${errorSummary(errors)}
          <form method="post" action="/staff/policies/${policy.id}/interpretation/exemption" novalidate>
            ${csrfField(ctx)}<input type="hidden" name="revision" value="${revision}">
            ${textArea({ name: 'reason', label: '免予解读的理由', value: state.exemption, errors, required: true, hint: '5–500 字' })}
            <div class="actions"><button class="btn btn-secondary" type="submit">记录免予解读</button></div>
          </form>`
    }
  </section>`;
}

function readOnlyPackage({ interpretation }: { interpretation: StaffInterpretation }): SafeHtml {
  const content = interpretation.draft?.content;
  if (!content) return html`<p>还没有解读材料。</p>`;
  return html`<section class="panel" aria-labelledby="preview-title">
    <h2 id="preview-title">解读材料（只读）</h2>
    ${content.keyPoints.length > 0 && html`<h3>要点</h3><ol>${content.keyPoints.map((p) => html`<li>${p}</li>`)}</ol>`}
    ${sectionBlocks(content.sections)}
    ${
      interpretation.graphics.length > 0 &&
      html`<h3>图解</h3>${interpretation.graphics.map((g) => html`<figure class="graphic">${responsiveImage({ image: g.image, alt: g.alt })}${g.caption && html`<figcaption>${g.caption}</figcaption>`}</figure>`)}`
    }
    ${content.videos.length > 0 && html`<h3>视频</h3><ul>${content.videos.map((v) => html`<li><a href="${safeUrl(v.url)}" rel="noopener noreferrer external">${v.title}</a></li>`)}</ul>`}
    ${interpretation.draft?.exemption && html`<p>免予解读：${interpretation.draft.exemption.reason}</p>`}
  </section>`;
}

export function packagePage({
  ctx,
  policy,
  interpretation,
  canEdit,
  state,
  userNames,
}: {
  ctx: WebContext;
  policy: StaffPolicy;
  interpretation: StaffInterpretation;
  /** The viewer drafts; the package itself is editable only while the policy is a draft. */
  canEdit: boolean;
  state: PackagePageState;
  /** Staff names by user id, so the page names people rather than accounts. */
  userNames: ReadonlyMap<string, string>;
}): SafeHtml {
  const editable = canEdit && policy.status === 'draft';
  const revision = interpretation.draft?.revision ?? 0;
  const content = interpretation.draft?.content;
  const required = new Set(interpretation.completeness.required.map((r) => r.section));
  return policyWorkspace({
    ctx,
    policy,
    title: '解读材料',
    tab: 'interpretation',
    body: html`${statusPanel({ policy, interpretation })}
      ${
        editable
          ? html`${contentForm({ ctx, policy, revision, values: state.content, errors: state.form === 'content' ? state.errors : [], required })}
            ${graphicsSection({ ctx, policy, interpretation, revision, state })}
            ${videosSection({ ctx, policy, content: content ?? emptyContent(), revision, state })}
            ${exemptionSection({ ctx, policy, interpretation, revision, state, userNames })}`
          : html`${errorSummary(state.errors)}${notice({
              text:
                policy.status === 'draft'
                  ? '只有起草人员可以修改解读材料。'
                  : '解读材料随政策一并审查和发布：送审后不能修改。退回修改、或对已发布的政策发起修订后，可以再次编辑。',
            })}${readOnlyPackage({ interpretation })}`
      }`,
  });
}

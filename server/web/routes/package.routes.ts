import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import {
  attachGraphicFieldsSchema,
  createFaqBodySchema,
  updateFaqBodySchema,
  updateInterpretationBodySchema,
  videoEntrySchema,
  type Comparison,
  type GraphicRef,
  type StaffInterpretation,
  type UpdateInterpretationBody,
} from '../../../schemas/interpretation.schema.js';
import type { StaffPolicy } from '../../../schemas/policy.schema.js';
import { DomainError } from '../../errors.js';
import { emptyContent } from '../../interpretation/interpretation.service.js';
import type { Actor } from '../../services/actor.js';
import { webContext } from '../context.js';
import { attempt, domainErrors, formOf, str, zodErrors, type FormBody } from '../forms.js';
import { requireStaff, type FlashCode, type PortalKit, type PortalServices } from '../kit.js';
import { uploadedFile } from '../uploads.js';
import type { FieldError } from '../views/components.js';
import {
  KEY_POINT_SLOTS,
  TEXT_SECTIONS,
  contentValuesOf,
  packagePage,
  type ContentFormValues,
  type PackageForm,
  type PackagePageState,
} from '../views/package.views.js';
import { staffComparisonPage, staffFaqPage, type FaqFormValues, type FaqPageState } from '../views/staff-faq.views.js';

const DRAFTING = ['admin', 'drafter'] as const;
const POLICY_ID = /^[a-z0-9][a-z0-9-]{1,63}$/;
const MAX_ROWS = 60;

/** Text as typed: line breaks kept (they are paragraphs), outer whitespace dropped. */
function text(form: FormBody, name: string): string {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.replace(/\r\n?/g, '\n').trim() : '';
}

/** Row numbers present in the form for the given field prefixes (`step_title_3` → 3), in order. */
function rows(form: FormBody, prefixes: readonly string[], max = MAX_ROWS): number[] {
  const found = new Set<number>();
  for (const key of Object.keys(form)) {
    for (const prefix of prefixes) {
      const match = new RegExp(`^${prefix}(\\d{1,3})$`).exec(key);
      if (match) found.add(Number(match[1]));
    }
  }
  return [...found].filter((n) => n < max).sort((a, b) => a - b);
}

function revisionOf(form: FormBody): number {
  const n = Number.parseInt(str(form, 'revision'), 10);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * The text form as the service's body. Empty rows are dropped and the kept ones renumbered, and
 * the form is shown again with exactly the kept rows, so an error on row n names field n.
 */
function parseContent(form: FormBody): { values: ContentFormValues; body: Pick<UpdateInterpretationBody, 'sections' | 'keyPoints'> } {
  const keyPoints = Array.from({ length: KEY_POINT_SLOTS }, (_, i) => text(form, `kp_${i}`)).filter(Boolean);
  const steps = rows(form, ['step_title_', 'step_detail_'])
    .map((i) => ({ title: text(form, `step_title_${i}`), detail: text(form, `step_detail_${i}`) }))
    .filter((s) => s.title || s.detail);
  const materials = rows(form, ['mat_name_', 'mat_note_'])
    .map((i) => ({ name: text(form, `mat_name_${i}`), note: text(form, `mat_note_${i}`), required: str(form, `mat_optional_${i}`) !== '1' }))
    .filter((m) => m.name || m.note);
  const keywords = rows(form, ['kw_term_', 'kw_text_'])
    .map((i) => ({ term: text(form, `kw_term_${i}`), explanation: text(form, `kw_text_${i}`) }))
    .filter((k) => k.term || k.explanation);
  const guide = { address: text(form, 'g_address'), phone: text(form, 'g_phone'), onlineUrl: text(form, 'g_onlineUrl'), hours: text(form, 'g_hours') };
  const textValues = Object.fromEntries(TEXT_SECTIONS.map((key) => [key, text(form, `s_${key}`)])) as ContentFormValues['text'];
  const anyGuide = steps.length > 0 || materials.length > 0 || Object.values(guide).some(Boolean);
  const sections = {
    ...Object.fromEntries(TEXT_SECTIONS.map((key) => [key, textValues[key] || null])),
    guide: anyGuide
      ? { steps, materials, address: guide.address || null, phone: guide.phone || null, onlineUrl: guide.onlineUrl || null, hours: guide.hours || null }
      : null,
    keywords,
  };
  return {
    values: { text: textValues, keyPoints, steps, materials, keywords, guide },
    // Checked by the schema below; typed as the body it will be once parsed.
    body: { sections: sections as UpdateInterpretationBody['sections'], keyPoints },
  };
}

/** Schema paths of the text form to its input names. */
function contentField(path: string): string {
  const section = /^sections\.([a-zA-Z]+)$/.exec(path);
  if (section && (TEXT_SECTIONS as readonly string[]).includes(section[1] ?? '')) return `s_${section[1]}`;
  const row = /^sections\.guide\.(steps|materials)\.(\d+)\.(\w+)/.exec(path);
  if (row) {
    const [, list, n, key] = row;
    if (list === 'steps') return `step_${key === 'detail' ? 'detail' : 'title'}_${n}`;
    return `mat_${key === 'note' ? 'note' : 'name'}_${n}`;
  }
  const guide = /^sections\.guide\.(address|phone|onlineUrl|hours)/.exec(path);
  if (guide) return `g_${guide[1]}`;
  if (path.startsWith('sections.guide')) return 'guide';
  const keyword = /^sections\.keywords\.(\d+)\.(\w+)/.exec(path);
  if (keyword) return `kw_${keyword[2] === 'explanation' ? 'text' : 'term'}_${keyword[1]}`;
  if (path.startsWith('sections.keywords')) return 'keywords';
  const point = /^keyPoints\.(\d+)/.exec(path);
  if (point) return `kp_${point[1]}`;
  if (path.startsWith('keyPoints')) return 'keyPoints';
  return path;
}

/** Upload refusals a drafter can fix (wrong format, too large, pixel bomb) belong to the file field. */
function uploadErrors(error: DomainError, rename: (path: string) => string = (p) => p): FieldError[] {
  const fileCodes = ['file_required', 'not_an_image', 'image_format_unsupported', 'image_too_many_pixels', 'image_unreadable', 'upload_too_large'];
  if (fileCodes.includes(error.code) || error.type === 'unsupported_media_type' || error.type === 'too_large') return [{ field: 'file', message: error.message }];
  return domainErrors(error, rename);
}

/** The services these pages call. */
export type PackagePageServices = Pick<PortalServices, 'interpretation' | 'policies'>;

export function packageRoutes({ kit }: { kit: PortalKit<PackagePageServices> }): express.Router {
  const router = express.Router();
  const { services } = kit;
  const { packages, faqs } = services.interpretation;

  const loadPolicy = async (req: Request): Promise<StaffPolicy> => {
    const id = String(req.params.id);
    if (!POLICY_ID.test(id)) throw new DomainError({ type: 'not_found', code: 'policy_not_found', message: '未找到该政策' });
    return services.policies.getStaffView({ id });
  };
  const drafts = (actor: Actor) => actor.role === 'admin' || actor.role === 'drafter';

  const freshState = (interpretation: StaffInterpretation): PackagePageState => ({
    form: null,
    errors: [],
    content: contentValuesOf(interpretation.draft?.content ?? emptyContent()),
    upload: { alt: '', caption: '' },
    video: { title: '', url: '', minutes: '', seconds: '' },
    exemption: '',
  });

  const showPackage = async ({
    res,
    actor,
    policy,
    form = null,
    errors = [],
    patch = {},
    status = 200,
  }: {
    res: Response;
    actor: Actor;
    policy: StaffPolicy;
    form?: PackageForm | null;
    errors?: FieldError[];
    patch?: Partial<PackagePageState>;
    status?: number;
  }) => {
    const interpretation = await packages.getStaffView({ policyId: policy.id });
    const state = { ...freshState(interpretation), ...patch, form, errors };
    kit.render(res, packagePage({ ctx: webContext(res), policy, interpretation, canEdit: drafts(actor), state }), status);
  };

  const saved = (res: Response, policy: StaffPolicy, flash: FlashCode, anchor: string) => {
    kit.flash(res, flash);
    res.redirect(303, `/staff/policies/${policy.id}/interpretation#${anchor}`);
  };

  /** Saves one part of the package, or shows the page again with the refusal next to that part's form. */
  const savePart = async ({
    req,
    res,
    form,
    body,
    rename = (p: string) => p,
    patch = {},
    flash,
    anchor,
  }: {
    req: Request;
    res: Response;
    form: PackageForm;
    body: unknown;
    rename?: (path: string) => string;
    patch?: Partial<PackagePageState>;
    flash: FlashCode;
    anchor: string;
  }) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const parsed = updateInterpretationBodySchema.safeParse(body);
    if (!parsed.success) return showPackage({ res, actor, policy, form, errors: zodErrors(parsed.error, rename), patch, status: 400 });
    const result = await attempt(() => packages.update({ actor, policyId: policy.id, body: parsed.data }), rename);
    if (!result.ok) return showPackage({ res, actor, policy, form, errors: result.errors, patch, status: 409 });
    saved(res, policy, flash, anchor);
  };

  router.get('/staff/policies/:id/interpretation', async (req, res) => {
    const actor = requireStaff(res);
    await showPackage({ res, actor, policy: await loadPolicy(req) });
  });

  router.post('/staff/policies/:id/interpretation/content', async (req, res) => {
    const form = formOf(req);
    const { values, body } = parseContent(form);
    await savePart({ req, res, form: 'content', body: { revision: revisionOf(form), ...body }, rename: contentField, patch: { content: values }, flash: 'interpretation_saved', anchor: 'content-title' });
  });

  router.post('/staff/policies/:id/interpretation/graphics', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const upload = { alt: str(form, 'alt'), caption: str(form, 'caption') };
    const show = (errors: FieldError[], status: number) => showPackage({ res, actor, policy, form: 'upload', errors, patch: { upload }, status });
    const file = uploadedFile(res);
    const fields = attachGraphicFieldsSchema.safeParse({ alt: upload.alt, revision: str(form, 'revision'), ...(upload.caption ? { caption: upload.caption } : {}) });
    const errors = [
      ...(file ? [] : [{ field: 'file', message: '请选择图片文件' }]),
      // Alt text is what a screen reader says instead of the image: ask for it by name.
      ...(upload.alt ? [] : [{ field: 'alt', message: '请填写替代文本：用一两句话说明图片表达的内容' }]),
      ...(fields.success || !upload.alt ? [] : zodErrors(fields.error)),
    ];
    if (!file || !fields.success) return show(errors, 400);
    try {
      await packages.attachGraphic({ actor, policyId: policy.id, file, alt: fields.data.alt, caption: fields.data.caption?.trim() || null, revision: fields.data.revision });
    } catch (error) {
      if (!(error instanceof DomainError) || ['not_found', 'forbidden', 'unauthenticated'].includes(error.type)) throw error;
      return show(uploadErrors(error), error.type === 'conflict' || error.type === 'invalid_state' ? 409 : 400);
    }
    saved(res, policy, 'graphic_added', 'graphics-title');
  });

  router.post('/staff/policies/:id/interpretation/graphics/update', async (req, res) => {
    requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const current = (await packages.getStaffView({ policyId: policy.id })).draft?.content.graphics ?? [];
    const edited: { graphic: GraphicRef; index: number }[] = current.map((graphic, index) => ({
      graphic: { ...graphic, alt: form[`alt_${index}`] === undefined ? graphic.alt : text(form, `alt_${index}`), caption: text(form, `caption_${index}`) || null },
      index,
    }));
    const move = Number.parseInt(str(form, 'move'), 10);
    if (Number.isInteger(move) && move > 0 && move < edited.length) {
      const [moved] = edited.splice(move, 1);
      if (moved) edited.splice(move - 1, 0, moved);
    }
    const kept = edited.filter(({ index }) => str(form, `graphic_remove_${index}`) !== '1');
    const rename = (path: string) => {
      const match = /^graphics\.(\d+)\.(alt|caption)/.exec(path);
      return match ? `${match[2]}_${kept[Number(match[1])]?.index ?? 0}` : path;
    };
    await savePart({ req, res, form: 'graphics', body: { revision: revisionOf(form), graphics: kept.map((k) => k.graphic) }, rename, flash: 'graphics_saved', anchor: 'graphics-title' });
  });

  router.post('/staff/policies/:id/interpretation/videos', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const video = { title: str(form, 'title'), url: str(form, 'url'), minutes: str(form, 'minutes'), seconds: str(form, 'seconds') };
    const show = (errors: FieldError[], status: number) => showPackage({ res, actor, policy, form: 'video', errors, patch: { video }, status });
    const minutes = Number(video.minutes || '0');
    const seconds = Number(video.seconds || '0');
    const timeErrors: FieldError[] = [
      ...(Number.isInteger(minutes) && minutes >= 0 ? [] : [{ field: 'minutes', message: '分钟应为整数' }]),
      ...(Number.isInteger(seconds) && seconds >= 0 && seconds < 60 ? [] : [{ field: 'seconds', message: '秒应为 0–59 的整数' }]),
    ];
    const entry = videoEntrySchema.safeParse({ title: video.title, url: video.url, durationSeconds: minutes * 60 + seconds, posterImageId: null });
    const rename = (path: string) => (path.startsWith('durationSeconds') ? 'minutes' : path);
    if (timeErrors.length > 0 || !entry.success) return show([...timeErrors, ...(entry.success ? [] : zodErrors(entry.error, rename))], 400);
    try {
      const file = uploadedFile(res);
      const poster = file ? await packages.uploadImage({ actor, file }) : null;
      const current = (await packages.getStaffView({ policyId: policy.id })).draft?.content.videos ?? [];
      await packages.update({ actor, policyId: policy.id, body: { revision: revisionOf(form), videos: [...current, { ...entry.data, posterImageId: poster?.id ?? null }] } });
    } catch (error) {
      if (!(error instanceof DomainError) || ['not_found', 'forbidden', 'unauthenticated'].includes(error.type)) throw error;
      return show(uploadErrors(error), 400);
    }
    saved(res, policy, 'video_added', 'videos-title');
  });

  router.post('/staff/policies/:id/interpretation/videos/update', async (req, res) => {
    requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const current = (await packages.getStaffView({ policyId: policy.id })).draft?.content.videos ?? [];
    const videos = current.filter((_v, index) => str(form, `video_remove_${index}`) !== '1');
    await savePart({ req, res, form: 'videos', body: { revision: revisionOf(form), videos }, flash: 'videos_saved', anchor: 'videos-title' });
  });

  router.post('/staff/policies/:id/interpretation/exemption', async (req, res) => {
    const form = formOf(req);
    const reason = text(form, 'reason');
    await savePart({
      req,
      res,
      form: 'exemption',
      body: { revision: revisionOf(form), exemption: { reason } },
      rename: (path) => (path.startsWith('exemption') ? 'reason' : path),
      patch: { exemption: reason },
      flash: 'exemption_recorded',
      anchor: 'exemption-title',
    });
  });

  router.post('/staff/policies/:id/interpretation/exemption/clear', async (req, res) => {
    const form = formOf(req);
    await savePart({ req, res, form: 'exemption', body: { revision: revisionOf(form), exemption: null }, flash: 'exemption_cleared', anchor: 'exemption-title' });
  });

  // ---- new vs old with the drafter's notes ------------------------------------------------

  /** The working copy against the old text; a published policy's frozen comparison when it is not being revised. */
  const comparisonFor = async (policy: StaffPolicy): Promise<{ comparison: Comparison | null; released: boolean }> => {
    const missing = (error: unknown) => {
      if (error instanceof DomainError && error.type === 'not_found') return null;
      throw error;
    };
    if ((policy.status === 'published' || policy.status === 'repealed') && policy.currentVersion) {
      return { comparison: await packages.getPublicComparison({ policyId: policy.id }).catch(missing), released: true };
    }
    return { comparison: await packages.getStaffComparison({ policyId: policy.id }).catch(missing), released: false };
  };

  const showComparison = async ({ res, actor, policy, errors = [], notes = null, status = 200 }: { res: Response; actor: Actor; policy: StaffPolicy; errors?: FieldError[]; notes?: Map<number, string> | null; status?: number }) => {
    const { comparison, released } = await comparisonFor(policy);
    const interpretation = await packages.getStaffView({ policyId: policy.id });
    kit.render(
      res,
      staffComparisonPage({
        ctx: webContext(res),
        policy,
        comparison,
        editable: !released && drafts(actor) && policy.status === 'draft',
        revision: interpretation.draft?.revision ?? 0,
        released,
        state: { errors, notes },
      }),
      status,
    );
  };

  router.get('/staff/policies/:id/comparison', async (req, res) => {
    const actor = requireStaff(res);
    await showComparison({ res, actor, policy: await loadPolicy(req) });
  });

  router.post('/staff/policies/:id/comparison', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    // A comparison has at most as many changes as the package keeps notes (300).
    const indices = rows(form, ['key_'], 300);
    const typed = new Map(indices.map((i) => [i, text(form, `note_${i}`)]));
    const noted = indices.filter((i) => (typed.get(i) ?? '') !== '' && str(form, `key_${i}`) !== '');
    const comparisonNotes = noted.map((i) => ({ key: str(form, `key_${i}`), note: typed.get(i) ?? '' }));
    const rename = (path: string) => {
      const match = /^comparisonNotes\.(\d+)/.exec(path);
      return match ? `note_${noted[Number(match[1])] ?? 0}` : path;
    };
    const parsed = updateInterpretationBodySchema.safeParse({ revision: revisionOf(form), comparisonNotes });
    if (!parsed.success) return showComparison({ res, actor, policy, errors: zodErrors(parsed.error, rename), notes: typed, status: 400 });
    const result = await attempt(() => packages.update({ actor, policyId: policy.id, body: parsed.data }), rename);
    if (!result.ok) return showComparison({ res, actor, policy, errors: result.errors, notes: typed, status: 409 });
    kit.flash(res, 'notes_saved');
    res.redirect(303, `/staff/policies/${policy.id}/comparison`);
  });

  // ---- FAQ list ---------------------------------------------------------------------------

  const showFaqs = async ({ res, actor, policy, state = { form: null, errors: [], values: { question: '', answer: '', category: '' } }, status = 200 }: { res: Response; actor: Actor; policy: StaffPolicy; state?: FaqPageState; status?: number }) => {
    const list = (await faqs.listStaff({ policyId: policy.id })).sort((a, b) => a.position - b.position);
    const writable = drafts(actor) && (policy.currentVersion !== null || policy.status === 'draft');
    kit.render(res, staffFaqPage({ ctx: webContext(res), policy, faqs: list, writable, state }), status);
  };

  const faqValues = (form: FormBody, prefix: string): FaqFormValues => ({ question: str(form, `${prefix}question`), answer: text(form, `${prefix}answer`), category: str(form, `${prefix}category`) });
  const faqsSaved = (res: Response, policy: StaffPolicy, flash: FlashCode, anchor = '') => {
    kit.flash(res, flash);
    res.redirect(303, `/staff/policies/${policy.id}/faqs${anchor}`);
  };

  router.get('/staff/policies/:id/faqs', async (req, res) => {
    const actor = requireStaff(res);
    await showFaqs({ res, actor, policy: await loadPolicy(req) });
  });

  router.post('/staff/policies/:id/faqs', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const values = faqValues(formOf(req), '');
    const show = (errors: FieldError[], status: number) => showFaqs({ res, actor, policy, state: { form: 'add', errors, values }, status });
    const parsed = createFaqBodySchema.safeParse({ ...values, category: values.category || null });
    if (!parsed.success) return show(zodErrors(parsed.error), 400);
    const result = await attempt(() => faqs.create({ actor, policyId: policy.id, body: parsed.data }));
    if (!result.ok) return show(result.errors, 409);
    faqsSaved(res, policy, 'faq_added', `#faq-${result.value.id}`);
  });

  const faqId = (req: Request) => z.string().regex(/^faq-[0-9a-f]{16}$/).safeParse(String(req.params.faqId)).data ?? '';

  router.post('/staff/policies/:id/faqs/:faqId', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const id = faqId(req);
    const form = formOf(req);
    const prefix = `${id}-`;
    const values = faqValues(form, prefix);
    const rename = (path: string) => `${prefix}${path}`;
    const show = (errors: FieldError[], status: number) => showFaqs({ res, actor, policy, state: { form: id, errors, values }, status });
    const parsed = updateFaqBodySchema.safeParse({ revision: Number.parseInt(str(form, 'revision'), 10) || 1, ...values, category: values.category || null });
    if (!parsed.success) return show(zodErrors(parsed.error, rename), 400);
    const result = await attempt(() => faqs.update({ actor, policyId: policy.id, faqId: id, body: parsed.data }), rename);
    if (!result.ok) return show(result.errors, 409);
    faqsSaved(res, policy, 'faq_saved', `#faq-${id}`);
  });

  router.post('/staff/policies/:id/faqs/:faqId/withdraw', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const result = await attempt(() => faqs.withdraw({ actor, policyId: policy.id, faqId: faqId(req) }));
    if (!result.ok) return showFaqs({ res, actor, policy, state: { form: 'add', errors: result.errors.map((e) => ({ ...e, field: null })), values: { question: '', answer: '', category: '' } }, status: 409 });
    faqsSaved(res, policy, 'faq_withdrawn');
  });

  router.post('/staff/policies/:id/faqs/:faqId/move', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const id = faqId(req);
    const ids = (await faqs.listStaff({ policyId: policy.id })).sort((a, b) => a.position - b.position).map((f) => f.id);
    const at = ids.indexOf(id);
    const to = str(formOf(req), 'direction') === 'down' ? at + 1 : at - 1;
    if (at !== -1 && to >= 0 && to < ids.length) {
      [ids[at], ids[to]] = [ids[to] ?? id, id];
      const result = await attempt(() => faqs.reorder({ actor, policyId: policy.id, ids }));
      if (!result.ok) return showFaqs({ res, actor, policy, state: { form: 'add', errors: result.errors.map((e) => ({ ...e, field: null })), values: { question: '', answer: '', category: '' } }, status: 409 });
    }
    faqsSaved(res, policy, 'faq_moved', `#faq-${id}`);
  });

  return router;
}

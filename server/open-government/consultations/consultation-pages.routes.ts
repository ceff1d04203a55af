import express, { type Request, type Response } from 'express';
import {
  adoptionBodySchema,
  commentBodySchema,
  commentIdSchema,
  consultationIdSchema,
  createConsultationBodySchema,
  moderateBodySchema,
  publishFeedbackBodySchema,
} from '../../../schemas/consultation.schema.js';
import { DomainError } from '../../errors.js';
import { clientAddress } from '../../security/client-address.js';
import type { Actor } from '../../services/actor.js';
import { webContext } from '../../web/context.js';
import { attempt, formOf, queryStr, str, strs, zodErrors } from '../../web/forms.js';
import { requireAccount, requireStaff, type PortalKit } from '../../web/kit.js';
import type { FieldError } from '../../web/views/components.js';
import type { OpenGovernmentServices } from '../open-government-platform.js';
import {
  consultationListPage,
  consultationPage,
  newConsultationPage,
  noticePreferencePage,
  staffConsultationListPage,
  staffConsultationPage,
  type CommentFormValues,
  type NewConsultationValues,
} from './consultation.views.js';

const DRAFTING = ['admin', 'drafter'] as const;

export type ConsultationPageServices = { openGovernment: OpenGovernmentServices };

function idOf(req: Request): string {
  const parsed = consultationIdSchema.safeParse(String(req.params.id));
  if (!parsed.success) throw new DomainError({ type: 'not_found', code: 'consultation_not_found', message: '未找到该征求意见' });
  return parsed.data;
}

/** Public consultation pages, the comment form, the subscriber's notice opt-in and the staff workspace. */
export function consultationPageRoutes({ kit }: { kit: PortalKit<ConsultationPageServices> }): express.Router {
  const router = express.Router();
  const { consultations } = kit.services.openGovernment;
  const drafts = (actor: Actor) => actor.role === 'admin' || actor.role === 'drafter';
  const emptyComment: CommentFormValues = { text: '', articleAnchor: '', name: '', anonymous: true };

  router.get('/consultations', async (_req, res) => {
    kit.render(res, consultationListPage({ ctx: webContext(res), items: (await consultations.publicList()).items }));
  });

  router.get('/consultations/:id', async (req, res) => {
    const view = await consultations.publicView({ id: idOf(req) });
    const article = queryStr(req, 'article');
    kit.render(res, consultationPage({ ctx: webContext(res), view, values: { ...emptyComment, articleAnchor: article }, errors: [], received: queryStr(req, 'received') === '1' }));
  });

  router.post('/consultations/:id/comments', async (req, res) => {
    const id = idOf(req);
    const form = formOf(req);
    const values: CommentFormValues = { text: str(form, 'text'), articleAnchor: str(form, 'articleAnchor'), name: str(form, 'name'), anonymous: strs(form, 'anonymous').includes('1') };
    const show = async (errors: FieldError[], status: number) =>
      kit.render(res, consultationPage({ ctx: webContext(res), view: await consultations.publicView({ id }), values, errors, received: false }), status);
    const parsed = commentBodySchema.safeParse({ text: values.text, articleAnchor: values.articleAnchor || null, name: values.name || null, anonymous: values.anonymous });
    if (!parsed.success) return show(zodErrors(parsed.error), 400);
    try {
      await consultations.comment({ consultationId: id, body: parsed.data, clientKey: clientAddress(req) });
    } catch (error) {
      // A closed window or a used-up limit is an error page, not a form to fix: nothing was stored.
      if (error instanceof DomainError && error.type === 'invalid') return show([{ field: error.code === 'article_unknown' ? 'articleAnchor' : null, message: error.message }], 400);
      throw error;
    }
    res.redirect(303, `/consultations/${id}?received=1`);
  });

  router.get('/account/consultation-notices', async (req, res) => {
    const { subscriber } = requireAccount(res);
    kit.render(res, noticePreferencePage({ ctx: webContext(res), subscriber, wanted: await consultations.wantsNotices(subscriber.id), saved: queryStr(req, 'saved') === '1' }));
  });

  router.post('/account/consultation-notices', async (req, res) => {
    const { subscriber } = requireAccount(res);
    await consultations.setNoticePreference({ subscriberId: subscriber.id, wanted: str(formOf(req), 'wanted') === '1' });
    res.redirect(303, '/account/consultation-notices?saved=1');
  });

  router.get('/staff/consultations', async (_req, res) => {
    requireStaff(res);
    kit.render(res, staffConsultationListPage({ ctx: webContext(res), items: await consultations.staffList() }));
  });

  const emptyNew: NewConsultationValues = { title: '', draftText: '', explanation: '', tags: '', major: true, startDate: '', endDate: '', shortWindowReason: '' };
  router.get('/staff/consultations/new', async (_req, res) => {
    requireStaff(res, DRAFTING);
    kit.render(res, newConsultationPage({ ctx: webContext(res), values: emptyNew, errors: [], minDays: kit.config.CONSULTATION_MIN_DAYS }));
  });

  router.post('/staff/consultations', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const form = formOf(req);
    const values: NewConsultationValues = {
      title: str(form, 'title'),
      draftText: typeof form.draftText === 'string' ? form.draftText : '',
      explanation: typeof form.explanation === 'string' ? form.explanation : '',
      tags: str(form, 'tags'),
      major: strs(form, 'major').includes('1'),
      startDate: str(form, 'startDate'),
      endDate: str(form, 'endDate'),
      shortWindowReason: str(form, 'shortWindowReason'),
    };
    const show = (errors: FieldError[], status: number) => kit.render(res, newConsultationPage({ ctx: webContext(res), values, errors, minDays: kit.config.CONSULTATION_MIN_DAYS }), status);
    const parsed = createConsultationBodySchema.safeParse({
      ...values,
      tags: values.tags
        .split(/[,，\s]+/)
        .map((t) => t.trim())
        .filter(Boolean),
      shortWindowReason: values.shortWindowReason || null,
    });
    if (!parsed.success) return show(zodErrors(parsed.error), 400);
    const result = await attempt(() => consultations.create({ actor, body: parsed.data }));
    if (!result.ok) return show(result.errors, 400);
    res.redirect(303, `/staff/consultations/${result.value.id}?done=created`);
  });

  const showStaff = async ({ res, actor, id, errors = [], status = 200, done = null }: { res: Response; actor: Actor; id: string; errors?: FieldError[]; status?: number; done?: string | null }) => {
    const view = await consultations.staffView({ id });
    kit.render(res, staffConsultationPage({ ctx: webContext(res), view, notices: await consultations.noticeCount({ id }), errors, done, canDraft: drafts(actor) }), status);
  };

  router.get('/staff/consultations/:id', async (req, res) => {
    const actor = requireStaff(res);
    await showStaff({ res, actor, id: idOf(req), done: queryStr(req, 'done') || null });
  });

  /** Runs a staff action; a refusal the user can act on is shown on the workspace with nothing changed. */
  const act = async ({ req, res, roles, run, done }: { req: Request; res: Response; roles?: readonly Actor['role'][]; run: (actor: Actor, id: string) => Promise<unknown>; done: string }) => {
    const actor = requireStaff(res, roles);
    const id = idOf(req);
    const result = await attempt(() => run(actor, id));
    if (!result.ok) return showStaff({ res, actor, id, errors: result.errors, status: 400 });
    res.redirect(303, `/staff/consultations/${id}?done=${done}`);
  };

  router.post('/staff/consultations/:id/open', (req, res) => act({ req, res, roles: DRAFTING, done: 'opened', run: (actor, id) => consultations.open({ actor, id }) }));
  router.post('/staff/consultations/:id/close', (req, res) => act({ req, res, roles: DRAFTING, done: 'closed', run: (actor, id) => consultations.close({ actor, id }) }));

  router.post('/staff/consultations/:id/comments/:commentId/moderation', async (req, res) => {
    const form = formOf(req);
    const commentId = commentIdSchema.safeParse(String(req.params.commentId));
    if (!commentId.success) throw new DomainError({ type: 'not_found', code: 'comment_not_found', message: '未找到该意见' });
    const parsed = moderateBodySchema.safeParse(str(form, 'decision') === 'reject' ? { decision: 'reject', reason: str(form, 'reason') } : { decision: 'approve' });
    if (!parsed.success) {
      const actor = requireStaff(res);
      return showStaff({ res, actor, id: idOf(req), errors: zodErrors(parsed.error), status: 400 });
    }
    return act({ req, res, done: 'moderated', run: (actor, id) => consultations.moderate({ actor, consultationId: id, commentId: commentId.data, body: parsed.data }) });
  });

  router.post('/staff/consultations/:id/adoptions', async (req, res) => {
    const form = formOf(req);
    const parsed = adoptionBodySchema.safeParse({ commentIds: strs(form, 'commentIds'), summary: str(form, 'summary'), outcome: str(form, 'outcome'), reason: str(form, 'reason') });
    if (!parsed.success) {
      const actor = requireStaff(res, DRAFTING);
      return showStaff({ res, actor, id: idOf(req), errors: zodErrors(parsed.error), status: 400 });
    }
    return act({ req, res, roles: DRAFTING, done: 'adopted', run: (actor, id) => consultations.recordAdoption({ actor, consultationId: id, body: parsed.data }) });
  });

  router.post('/staff/consultations/:id/feedback', async (req, res) => {
    const form = formOf(req);
    const parsed = publishFeedbackBodySchema.safeParse({ finalPolicyId: str(form, 'finalPolicyId'), summary: str(form, 'feedbackSummary') });
    if (!parsed.success) {
      const actor = requireStaff(res, DRAFTING);
      return showStaff({ res, actor, id: idOf(req), errors: zodErrors(parsed.error, (p) => (p === 'summary' ? 'feedbackSummary' : p)), status: 400 });
    }
    return act({ req, res, roles: DRAFTING, done: 'published', run: (actor, id) => consultations.publishFeedback({ actor, id, body: parsed.data }) });
  });

  return router;
}

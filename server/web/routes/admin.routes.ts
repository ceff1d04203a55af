import express, { type Request, type Response } from 'express';
import { createTagBodySchema, updateTagBodySchema, type Tag } from '../../../schemas/taxonomy.schema.js';
import { createUserBodySchema } from '../../../schemas/user.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../context.js';
import { attempt, formOf, queryStr, str, zodErrors } from '../forms.js';
import { requireStaff, type PortalKit, type PortalServices } from '../kit.js';
import { mergePreviewPage, tagPage, taxonomyPage, usersPage } from '../views/admin.views.js';
import { auditPage, policyAuditPage } from '../views/audit.views.js';
import { auditQuerySchema } from '../../../schemas/audit.schema.js';
import { auditCsv, auditJsonLines } from '../../services/audit.service.js';

const ADMIN = ['admin'] as const;
const splitSynonyms = (value: string) => [...new Set(value.split(/[,，、;；]+/).map((s) => s.trim()).filter(Boolean))];

/** The services these pages call. */
export type AdminPageServices = Pick<PortalServices, 'taxonomy' | 'users' | 'tagUsage' | 'policies' | 'audit'>;

export function adminRoutes({ kit }: { kit: PortalKit<AdminPageServices> }): express.Router {
  const router = express.Router();
  const { services } = kit;
  const taxonomy = () => services.taxonomy.current();

  const loadTag = (req: Request): Tag => {
    const tag = taxonomy().get(String(req.params.tagId));
    if (!tag) throw new DomainError({ type: 'not_found', code: 'tag_not_found', message: '标签不存在' });
    return tag;
  };
  const tagValues = (tag: Tag) => ({ label: tag.label, synonyms: tag.synonyms.join('，'), parent: tag.parent ?? '' });

  router.get('/staff/taxonomy', (_req, res) => {
    requireStaff(res, ADMIN);
    kit.render(res, taxonomyPage({ ctx: webContext(res), taxonomy: taxonomy(), values: { id: '', dimension: 'need', label: '', synonyms: '', parent: '' }, errors: [] }));
  });

  router.post('/staff/taxonomy', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const form = formOf(req);
    const values = { id: str(form, 'id'), dimension: str(form, 'dimension'), label: str(form, 'label'), synonyms: str(form, 'synonyms'), parent: str(form, 'parent') };
    const parsed = createTagBodySchema.safeParse({ ...values, synonyms: splitSynonyms(values.synonyms), parent: values.parent || null });
    const result = parsed.success ? await attempt(() => services.taxonomy.createTag({ actor, body: parsed.data })) : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      kit.render(res, taxonomyPage({ ctx: webContext(res), taxonomy: taxonomy(), values, errors: result.errors }), 400);
      return;
    }
    kit.flash(res, 'tag_created');
    res.redirect(303, `/staff/taxonomy/${result.value.id}`);
  });

  router.get('/staff/taxonomy/:tagId', (req, res) => {
    requireStaff(res, ADMIN);
    const tag = loadTag(req);
    kit.render(res, tagPage({ ctx: webContext(res), taxonomy: taxonomy(), tag, errors: [], values: tagValues(tag) }));
  });

  router.post('/staff/taxonomy/:tagId', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const tag = loadTag(req);
    const form = formOf(req);
    const values = { label: str(form, 'label'), synonyms: str(form, 'synonyms'), parent: str(form, 'parent') };
    const parsed = updateTagBodySchema.safeParse({ label: values.label, synonyms: splitSynonyms(values.synonyms), parent: values.parent || null });
    const result = parsed.success ? await attempt(() => services.taxonomy.updateTag({ actor, tagId: tag.id, body: parsed.data })) : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      kit.render(res, tagPage({ ctx: webContext(res), taxonomy: taxonomy(), tag, errors: result.errors, values }), 400);
      return;
    }
    kit.flash(res, 'tag_saved');
    res.redirect(303, `/staff/taxonomy/${tag.id}`);
  });

  router.post('/staff/taxonomy/:tagId/deprecate', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const tag = loadTag(req);
    const result = await attempt(() => services.taxonomy.deprecateTag({ actor, tagId: tag.id }));
    if (!result.ok) {
      kit.render(res, tagPage({ ctx: webContext(res), taxonomy: taxonomy(), tag, errors: result.errors, values: tagValues(tag) }), 409);
      return;
    }
    kit.flash(res, 'tag_deprecated');
    res.redirect(303, `/staff/taxonomy/${tag.id}`);
  });

  router.get('/staff/taxonomy/:tagId/merge', async (req, res) => {
    requireStaff(res, ADMIN);
    const tag = loadTag(req);
    const into = taxonomy().get(queryStr(req, 'into'));
    if (!into || into.id === tag.id) {
      kit.render(res, tagPage({ ctx: webContext(res), taxonomy: taxonomy(), tag, errors: [{ field: 'into', message: '请选择另一个目标标签' }], values: tagValues(tag) }), 400);
      return;
    }
    const usage = await services.tagUsage.usage({ tagId: tag.id });
    kit.render(res, mergePreviewPage({ ctx: webContext(res), taxonomy: taxonomy(), tag, into, usage }));
  });

  router.post('/staff/taxonomy/:tagId/merge', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const tag = loadTag(req);
    const into = str(formOf(req), 'into');
    const result = await attempt(() => services.taxonomy.mergeTag({ actor, tagId: tag.id, into }));
    if (!result.ok) {
      kit.render(res, tagPage({ ctx: webContext(res), taxonomy: taxonomy(), tag, errors: result.errors.map((e) => ({ ...e, field: null })), values: tagValues(tag) }), 409);
      return;
    }
    kit.flash(res, 'tag_merged');
    res.redirect(303, `/staff/taxonomy/${into}`);
  });

  router.get('/staff/users', async (_req, res) => {
    requireStaff(res, ADMIN);
    kit.render(res, usersPage({ ctx: webContext(res), users: await services.users.list(), values: { id: '', name: '', role: 'drafter' }, errors: [], created: null }));
  });

  router.post('/staff/users', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const form = formOf(req);
    const values = { id: str(form, 'id'), name: str(form, 'name'), role: str(form, 'role') };
    const parsed = createUserBodySchema.safeParse(values);
    const result = parsed.success ? await attempt(() => services.users.create({ actor, body: parsed.data })) : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      kit.render(res, usersPage({ ctx: webContext(res), users: await services.users.list(), values, errors: result.errors, created: null }), 400);
      return;
    }
    // Rendered, not redirected: the token exists only in this response and must not sit in a URL or cookie.
    kit.render(
      res,
      usersPage({ ctx: webContext(res), users: await services.users.list(), values: { id: '', name: '', role: 'drafter' }, errors: [], created: { id: result.value.id, token: result.value.token } }),
      201,
    );
  });

  const showUsers = async (res: Response, created: { id: string; token: string; rotated?: boolean } | null = null, status = 200) =>
    kit.render(res, usersPage({ ctx: webContext(res), users: await services.users.list(), values: { id: '', name: '', role: 'drafter' }, errors: [], created }), status);

  for (const [path, disabled] of [['disable', true], ['enable', false]] as const) {
    router.post(`/staff/users/:userId/${path}`, async (req, res) => {
      const actor = requireStaff(res, ADMIN);
      await services.users.setDisabled({ actor, id: String(req.params.userId), disabled });
      kit.flash(res, disabled ? 'user_disabled' : 'user_enabled');
      res.redirect(303, '/staff/users');
    });
  }

  router.post('/staff/users/:userId/token', async (req, res) => {
    const actor = requireStaff(res, ADMIN);
    const rotated = await services.users.rotateToken({ actor, id: String(req.params.userId) });
    // Rendered, not redirected, like a new user's token: it exists only in this response.
    await showUsers(res, { id: rotated.id, token: rotated.token, rotated: true });
  });

  router.get('/staff/policies/:id/audit', async (req, res) => {
    requireStaff(res);
    const id = String(req.params.id);
    const [policy, entries] = await Promise.all([services.policies.getStaffView({ id }), services.policies.auditTrail({ id })]);
    kit.render(res, policyAuditPage({ ctx: webContext(res), policy, entries }));
  });

  const auditFilter = (req: Request) => {
    const parsed = auditQuerySchema.omit({ format: true }).safeParse(req.query);
    if (!parsed.success) throw new DomainError({ type: 'invalid', code: 'validation_failed', message: '筛选条件有误' });
    const exportQuery = new URLSearchParams(Object.entries(req.query).flatMap(([k, v]) => (typeof v === 'string' && k !== 'format' ? [[k, v] as [string, string]] : []))).toString();
    return { filter: parsed.data, exportQuery };
  };

  router.get('/staff/audit', async (req, res) => {
    requireStaff(res, ADMIN);
    const { filter, exportQuery } = auditFilter(req);
    const page = await services.audit.query(filter);
    kit.render(res, auditPage({ ctx: webContext(res), entries: page.items, exportQuery }));
  });

  for (const format of ['csv', 'jsonl'] as const) {
    router.get(`/staff/audit/export.${format}`, async (req, res) => {
      requireStaff(res, ADMIN);
      const { filter } = auditFilter(req);
      const page = await services.audit.query({ ...filter, limit: Math.max(filter.limit, 10_000) });
      res.setHeader('Content-Disposition', `attachment; filename="audit.${format}"`);
      res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.send(format === 'csv' ? auditCsv(page.items) : auditJsonLines(page.items));
    });
  }

  return router;
}

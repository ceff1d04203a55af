import express, { type Request } from 'express';
import { createTagBodySchema, updateTagBodySchema, type Tag } from '../../../schemas/taxonomy.schema.js';
import { createUserBodySchema } from '../../../schemas/user.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../context.js';
import { attempt, formOf, queryStr, str, zodErrors } from '../forms.js';
import { requireStaff, type PortalKit } from '../kit.js';
import { tagUsage } from '../tag-usage.js';
import { mergePreviewPage, tagPage, taxonomyPage, usersPage } from '../views/admin.views.js';

const ADMIN = ['admin'] as const;
const splitSynonyms = (value: string) => [...new Set(value.split(/[,，、;；]+/).map((s) => s.trim()).filter(Boolean))];

export function adminRoutes({ kit }: { kit: PortalKit }): express.Router {
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
    const usage = await tagUsage({ store: services.store, tagId: tag.id });
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

  return router;
}

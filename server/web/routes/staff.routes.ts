import express, { type Request, type Response } from 'express';
import type { Article } from '../../../schemas/article.schema.js';
import {
  createPolicyBodySchema,
  policyStatusSchema,
  repealBodySchema,
  reviewBodySchema,
  updatePolicyBodySchema,
  type StaffPolicy,
} from '../../../schemas/policy.schema.js';
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import { DomainError } from '../../errors.js';
import type { Actor } from '../../services/actor.js';
import { parseArticles } from '../../text/article-parser.js';
import { webContext } from '../context.js';
import { suggestTags, type TagSuggestion } from '../tag-suggestions.js';
import { decodeTextFile, uploadedFile } from '../uploads.js';
import { attempt, formOf, nullable, queryStr, str, strs, zodErrors, type FormBody } from '../forms.js';
import { retryMessage } from '../security/sign-in-throttle.js';
import { clientAddress, Redirect, requireStaff, safeReturnPath, type FlashCode, type PortalKit, type PortalServices } from '../kit.js';
import { staffSignInPage } from '../views/auth.views.js';
import type { FieldError } from '../views/components.js';
import { audiencePage, editPolicyPage, newPolicyPage, policyListPage, type PolicyFormValues } from '../views/staff.views.js';

const DRAFTING = ['admin', 'drafter'] as const;
const REVIEWING = ['admin', 'reviewer'] as const;

function policyValues(form: FormBody): PolicyFormValues {
  const criteria: PolicyFormValues['criteria'] = {};
  const tags: PolicyFormValues['tags'] = {};
  for (const dimension of DIMENSION_IDS) {
    const k = strs(form, `k_${dimension}`);
    if (k.length > 0) criteria[dimension] = k;
    const t = strs(form, `t_${dimension}`);
    if (t.length > 0) tags[dimension] = t;
  }
  return {
    title: str(form, 'title'),
    docNumber: str(form, 'docNumber'),
    issuer: str(form, 'issuer'),
    level: str(form, 'level'),
    issuedAt: str(form, 'issuedAt'),
    effectiveAt: str(form, 'effectiveAt'),
    expiresAt: str(form, 'expiresAt'),
    disclosure: str(form, 'disclosure') || 'public',
    disclosureReason: str(form, 'disclosureReason'),
    // The body keeps its own line breaks and spacing: they carry the article structure.
    body: typeof form.body === 'string' ? form.body.replace(/\r\n?/g, '\n') : '',
    criteria,
    tags,
    opensAt: str(form, 'opensAt'),
    closesAt: str(form, 'closesAt'),
    predecessorId: str(form, 'predecessorId'),
  };
}

function policyPayload(values: PolicyFormValues): { payload: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (Boolean(values.opensAt) !== Boolean(values.closesAt)) errors.push({ field: values.opensAt ? 'closesAt' : 'opensAt', message: '申报期需要同时填写开始和截止日期' });
  return {
    errors,
    payload: {
      title: values.title,
      docNumber: nullable(values.docNumber),
      issuer: values.issuer,
      level: nullable(values.level),
      issuedAt: nullable(values.issuedAt),
      effectiveAt: nullable(values.effectiveAt),
      expiresAt: nullable(values.expiresAt),
      disclosure: values.disclosure,
      disclosureReason: values.disclosure === 'public' ? null : nullable(values.disclosureReason),
      body: values.body,
      criteria: values.criteria,
      tags: [...new Set(Object.values(values.tags).flat())],
      applicationWindow: values.opensAt && values.closesAt ? { opensAt: values.opensAt, closesAt: values.closesAt } : null,
      predecessorId: nullable(values.predecessorId),
    },
  };
}

function valuesOf(policy: StaffPolicy, taxonomy: { groupByDimension(input: { ids: readonly string[]; expand: boolean }): Partial<Record<DimensionId, string[]>> }): PolicyFormValues {
  return {
    title: policy.title,
    docNumber: policy.docNumber ?? '',
    issuer: policy.issuer,
    level: policy.level ?? '',
    issuedAt: policy.issuedAt ?? '',
    effectiveAt: policy.effectiveAt ?? '',
    expiresAt: policy.expiresAt ?? '',
    disclosure: policy.disclosure,
    disclosureReason: policy.disclosureReason ?? '',
    body: policy.body,
    criteria: policy.criteria,
    tags: taxonomy.groupByDimension({ ids: policy.tags, expand: false }),
    opensAt: policy.applicationWindow?.opensAt ?? '',
    closesAt: policy.applicationWindow?.closesAt ?? '',
    predecessorId: policy.predecessorId ?? '',
  };
}

/** Service and schema paths to the editor's input names. */
const policyField = (path: string) => {
  const criteria = /^criteria\.([a-z_]+)/.exec(path);
  if (criteria) return `k_${criteria[1]}`;
  if (path.startsWith('tags')) return 't_need';
  if (path.startsWith('applicationWindow')) return path.endsWith('opensAt') ? 'opensAt' : 'closesAt';
  return path;
};

/** Adds the suggested tags to what the drafter has chosen; nothing already chosen is removed. */
function withSuggestions({ values, suggestions }: { values: PolicyFormValues; suggestions: readonly TagSuggestion[] }): PolicyFormValues {
  const criteria = { ...values.criteria };
  const tags = { ...values.tags };
  for (const s of suggestions) {
    const into = s.target === 'criteria' ? criteria : tags;
    into[s.dimension] = [...new Set([...(into[s.dimension] ?? []), s.tagId])];
  }
  return { ...values, criteria, tags };
}

/** A text file's body; a first line that is not an article (a heading) becomes the title when there is none. */
function bodyFromFile({ buffer, values }: { buffer: Buffer; values: PolicyFormValues }): { values: PolicyFormValues; error: string | null } {
  let text: string;
  try {
    text = decodeTextFile(buffer).replace(/\r\n?/g, '\n');
  } catch (error) {
    // An undecodable or binary file is the drafter's to fix: said next to the file field, with its line.
    if (error instanceof DomainError) return { values, error: error.message };
    throw error;
  }
  if (text.includes('\u0000')) return { values, error: '这不是文本文件。请另存为 .txt（纯文本）后再上传。' };
  const body = text.trim();
  if (!body) return { values, error: '文件是空的。' };
  if (values.title) return { values: { ...values, body }, error: null };
  const [first = '', ...rest] = body.split('\n');
  const heading = first.trim();
  const looksLikeTitle = heading.length >= 4 && heading.length <= 120 && !/^第[一二三四五六七八九十百零〇\d]+[章节条]/.test(heading) && !/[。；;]$/.test(heading);
  return looksLikeTitle ? { values: { ...values, title: heading, body: rest.join('\n').trim() }, error: null } : { values: { ...values, body }, error: null };
}

/** The services these pages call. */
export type StaffPageServices = Pick<PortalServices, 'taxonomy' | 'policies' | 'interpretation' | 'matching' | 'users'>;

export function staffRoutes({ kit }: { kit: PortalKit<StaffPageServices> }): express.Router {
  const router = express.Router();
  const { services, accounts, limits } = kit;
  const taxonomy = () => services.taxonomy.current();
  const publishedPolicies = async () =>
    (await services.policies.listStaff({ status: 'published', page: 1, pageSize: 100 })).items.map((p) => ({ id: p.id, title: p.title }));

  router.get('/staff/sign-in', (req, res) => {
    const next = safeReturnPath(queryStr(req, 'next'), '/staff');
    if (webContext(res).viewer.kind === 'staff') throw new Redirect(next);
    kit.render(res, staffSignInPage({ ctx: webContext(res), errors: [], next }));
  });

  router.post('/staff/sign-in', async (req, res) => {
    const form = formOf(req);
    const next = safeReturnPath(str(form, 'next'), '/staff');
    // The token is always checked: failures from this address (a shared NAT or proxy) never lock out
    // someone who holds a valid token, and successes never count.
    const token = str(form, 'token').slice(0, 200);
    const signedIn = token ? await accounts.staffSignIn({ token }) : null;
    if (!signedIn) {
      const verdict = limits.staffSignIn.failed({ address: clientAddress(req), account: null });
      if (verdict.limited) {
        throw new DomainError({ type: 'rate_limited', code: 'too_many_attempts', message: retryMessage(verdict.retryAfterSeconds), details: { retryAfterSeconds: verdict.retryAfterSeconds } });
      }
      kit.render(res, staffSignInPage({ ctx: webContext(res), next, errors: [{ field: 'token', message: '令牌无效或已停用' }] }), 400);
      return;
    }
    await kit.beginSession(req, res, signedIn.principal);
    kit.flash(res, 'signed_in');
    res.redirect(303, next);
  });

  router.post('/staff/sign-out', async (req, res) => {
    await kit.endSession(req, res);
    kit.flash(res, 'signed_out');
    res.redirect(303, '/');
  });

  router.get('/staff', async (req, res) => {
    const actor = requireStaff(res);
    const status = policyStatusSchema.safeParse(queryStr(req, 'status')).data ?? null;
    const page = Math.max(1, Math.min(1000, Number.parseInt(queryStr(req, 'page'), 10) || 1));
    const list = await services.policies.listStaff({ ...(status ? { status } : {}), page, pageSize: 20 });
    const queue = await services.interpretation.questions.queue({ status: 'open', sort: 'age', page: 1, pageSize: 100 });
    const openQuestions = { total: queue.total, overdue: queue.items.filter((g) => g.age?.overdue).length };
    kit.render(res, policyListPage({ ctx: webContext(res), actor, status, list, openQuestions }));
  });

  router.get('/staff/policies/new', async (_req, res) => {
    requireStaff(res, DRAFTING);
    const values = policyValues({});
    kit.render(res, newPolicyPage({ ctx: webContext(res), taxonomy: taxonomy(), values, errors: [], published: await publishedPolicies(), preview: null, suggestions: [] }));
  });

  const suggestionsFor = (values: PolicyFormValues) => suggestTags({ title: values.title, body: values.body, taxonomy: taxonomy() });

  const showNew = async ({ res, values, errors, preview, status }: { res: Response; values: PolicyFormValues; errors: FieldError[]; preview: Article[] | null; status: number }) =>
    kit.render(res, newPolicyPage({ ctx: webContext(res), taxonomy: taxonomy(), values, errors, published: await publishedPolicies(), preview, suggestions: suggestionsFor(values) }), status);

  router.post('/staff/policies/new/body-file', async (_req, res) => {
    requireStaff(res, DRAFTING);
    const file = uploadedFile(res);
    if (!file) return showNew({ res, values: policyValues({}), errors: [{ field: 'bodyFile', message: '请选择要读取的文本文件' }], preview: null, status: 400 });
    const read = bodyFromFile({ buffer: file.buffer, values: policyValues({}) });
    if (read.error) return showNew({ res, values: read.values, errors: [{ field: 'bodyFile', message: read.error }], preview: null, status: 400 });
    return showNew({ res, values: read.values, errors: [], preview: parseArticles({ body: read.values.body }), status: 200 });
  });

  router.post('/staff/policies', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const form = formOf(req);
    const values = policyValues(form);
    const show = (errors: FieldError[], preview: Article[] | null, status = 400) => showNew({ res, values, errors, preview, status });
    if (str(form, 'intent') === 'preview') return show([], parseArticles({ body: values.body }), 200);
    if (str(form, 'intent') === 'suggest') return showNew({ res, values: withSuggestions({ values, suggestions: suggestionsFor(values) }), errors: [], preview: null, status: 200 });
    const { payload, errors } = policyPayload(values);
    const parsed = createPolicyBodySchema.safeParse(payload);
    if (errors.length > 0 || !parsed.success) return show([...errors, ...(parsed.success ? [] : zodErrors(parsed.error, policyField))], null);
    const result = await attempt(() => services.policies.create({ actor, body: parsed.data }), policyField);
    if (!result.ok) return show(result.errors, null);
    kit.flash(res, 'policy_created');
    res.redirect(303, `/staff/policies/${result.value.id}`);
  });

  const loadPolicy = async (req: Request) => {
    const id = String(req.params.id);
    if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(id)) throw new DomainError({ type: 'not_found', code: 'policy_not_found', message: '未找到该政策' });
    return services.policies.getStaffView({ id });
  };

  const showEditor = async ({
    res,
    actor,
    policy,
    values,
    errors,
    preview,
    status = 200,
  }: {
    res: Response;
    actor: Actor;
    policy: StaffPolicy;
    values?: PolicyFormValues;
    errors: FieldError[];
    preview: Article[] | null;
    status?: number;
  }) => {
    const shown = values ?? valuesOf(policy, taxonomy());
    kit.render(
      res,
      editPolicyPage({
        ctx: webContext(res),
        actor,
        policy,
        taxonomy: taxonomy(),
        values: shown,
        errors,
        published: (await publishedPolicies()).filter((p) => p.id !== policy.id),
        preview,
        interpretation: await services.interpretation.packages.getStaffView({ policyId: policy.id }),
        suggestions: suggestionsFor(shown),
        drafterName: (await services.users.list()).find((user) => user.id === policy.createdBy)?.name ?? policy.createdBy,
      }),
      status,
    );
  };

  router.get('/staff/policies/:id', async (req, res) => {
    const actor = requireStaff(res);
    await showEditor({ res, actor, policy: await loadPolicy(req), errors: [], preview: null });
  });

  router.post('/staff/policies/:id', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const values = policyValues(form);
    if (str(form, 'intent') === 'preview') return showEditor({ res, actor, policy, values, errors: [], preview: parseArticles({ body: values.body }) });
    if (str(form, 'intent') === 'suggest') return showEditor({ res, actor, policy, values: withSuggestions({ values, suggestions: suggestionsFor(values) }), errors: [], preview: null });
    const { payload, errors } = policyPayload(values);
    const parsed = updatePolicyBodySchema.safeParse(payload);
    if (errors.length > 0 || !parsed.success) {
      return showEditor({ res, actor, policy, values, errors: [...errors, ...(parsed.success ? [] : zodErrors(parsed.error, policyField))], preview: null, status: 400 });
    }
    const result = await attempt(() => services.policies.update({ actor, id: policy.id, body: parsed.data }), policyField);
    if (!result.ok) return showEditor({ res, actor, policy, values, errors: result.errors, preview: null, status: 400 });
    kit.flash(res, 'policy_saved');
    res.redirect(303, `/staff/policies/${policy.id}`);
  });

  router.post('/staff/policies/:id/body-file', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const file = uploadedFile(res);
    const current = valuesOf(policy, taxonomy());
    if (!file) return showEditor({ res, actor, policy, errors: [{ field: 'bodyFile', message: '请选择要读取的文本文件' }], preview: null, status: 400 });
    // The title is the stored one: a file never renames a policy that has a title already.
    const read = bodyFromFile({ buffer: file.buffer, values: current });
    if (read.error) return showEditor({ res, actor, policy, errors: [{ field: 'bodyFile', message: read.error }], preview: null, status: 400 });
    return showEditor({ res, actor, policy, values: read.values, errors: [], preview: parseArticles({ body: read.values.body }) });
  });

  /** The 政策一图读懂 card of the working copy, as the package stands now (the API's preview needs a token). */
  router.get('/staff/policies/:id/card.png', async (req, res) => {
    requireStaff(res);
    const policy = await loadPolicy(req);
    const { body, etag } = await services.interpretation.packages.summaryCard({ policyId: policy.id, format: 'png', staff: true });
    res.setHeader('ETag', `"${etag}"`);
    res.type('image/png').send(body);
  });

  const transition = (step: 'submit' | 'publish' | 'revise', flash: FlashCode) =>
    router.post(`/staff/policies/:id/${step}`, async (req, res) => {
      const actor = requireStaff(res, DRAFTING);
      const policy = await loadPolicy(req);
      const result = await attempt(() => services.policies[step]({ actor, id: policy.id }), () => '');
      if (!result.ok) {
        return showEditor({ res, actor, policy, errors: result.errors.map((e) => ({ ...e, field: null })), preview: null, status: 409 });
      }
      kit.flash(res, flash);
      res.redirect(303, `/staff/policies/${policy.id}`);
    });
  transition('submit', 'policy_submitted');
  transition('publish', 'policy_published');
  transition('revise', 'policy_revised');

  router.post('/staff/policies/:id/review', async (req, res) => {
    const actor = requireStaff(res, REVIEWING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const parsed = reviewBodySchema.safeParse({ kind: str(form, 'kind') || undefined, decision: str(form, 'decision') || undefined, comment: str(form, 'comment') });
    const result = parsed.success
      ? await attempt(() => services.policies.review({ actor, id: policy.id, body: parsed.data }), () => 'comment')
      : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      // A refusal of the step itself (reviewing one's own policy) concerns the whole form.
      const errors = result.errors.map((e) => (parsed.success ? { ...e, field: null } : e));
      return showEditor({ res, actor, policy, errors, preview: null, status: 400 });
    }
    kit.flash(res, 'policy_reviewed');
    res.redirect(303, `/staff/policies/${policy.id}`);
  });

  router.post('/staff/policies/:id/repeal', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const policy = await loadPolicy(req);
    const form = formOf(req);
    const parsed = repealBodySchema.safeParse({ repealedAt: str(form, 'repealedAt'), reason: str(form, 'reason') });
    const result = parsed.success
      ? await attempt(() => services.policies.repeal({ actor, id: policy.id, body: parsed.data }), () => 'reason')
      : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) return showEditor({ res, actor, policy, errors: result.errors, preview: null, status: 400 });
    kit.flash(res, 'policy_repealed');
    res.redirect(303, `/staff/policies/${policy.id}`);
  });

  router.get('/staff/policies/:id/audience', async (req, res) => {
    requireStaff(res);
    const policy = await loadPolicy(req);
    const preview = await services.matching.preview({ policyId: policy.id, sampleSize: 20 });
    kit.render(res, audiencePage({ ctx: webContext(res), policy, preview }));
  });

  return router;
}

import express from 'express';
import { askQuestionBodySchema } from '../../../schemas/interpretation.schema.js';
import type { PublicPolicy } from '../../../schemas/policy.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../context.js';
import { domainErrors, formOf, queryStr, queryStrs, str, zodErrors } from '../forms.js';
import { clientAddress, type PortalKit, type PortalServices } from '../kit.js';
import type { FieldError } from '../views/components.js';
import { askPage, faqSearchPage, questionStatusPage, type FaqSearchState, type QuestionFormValues } from '../views/interpretation.views.js';

const POLICY_ID = /^[a-z0-9][a-z0-9-]{1,63}$/;
const QUESTION_ID = /^q-[A-Za-z0-9_-]{6,40}$/;
const FAQ_PAGE_SIZE = 10;

/** The services these pages call. */
export type InterpretationPageServices = Pick<PortalServices, 'interpretation' | 'policies' | 'taxonomy'>;

/** The public side of the interpretation module: FAQ search, the question form and "my question". */
export function interpretationRoutes({ kit }: { kit: PortalKit<InterpretationPageServices> }): express.Router {
  const router = express.Router();
  const { services, limits } = kit;
  const { faqs, questions } = services.interpretation;

  const publicPolicy = async (id: string): Promise<PublicPolicy | null> => {
    if (!POLICY_ID.test(id)) return null;
    try {
      return await services.policies.getPublicView({ id });
    } catch (error) {
      if (error instanceof DomainError && error.type === 'not_found') return null;
      throw error;
    }
  };
  const requirePolicy = async (id: string): Promise<PublicPolicy> => {
    const policy = await publicPolicy(id);
    if (!policy) throw new DomainError({ type: 'not_found', code: 'policy_not_found', message: '未找到该政策文件' });
    return policy;
  };

  router.get('/faq', async (req, res) => {
    const taxonomy = services.taxonomy.current();
    const policy = queryStr(req, 'policy') ? await publicPolicy(queryStr(req, 'policy')) : null;
    const state: FaqSearchState = {
      q: queryStr(req, 'q').slice(0, 200),
      // A tag that no longer exists in an old bookmark narrows nothing.
      tags: queryStrs(req, 'tags')
        .slice(0, 20)
        .filter((id) => taxonomy.get(id)),
      policyId: policy?.id ?? null,
      page: Math.min(100, Math.max(1, Number.parseInt(queryStr(req, 'page'), 10) || 1)),
    };
    const result = await faqs.search({
      page: state.page,
      pageSize: FAQ_PAGE_SIZE,
      tags: state.tags,
      ...(state.q ? { q: state.q } : {}),
      ...(state.policyId ? { policyId: state.policyId } : {}),
    });
    kit.render(res, faqSearchPage({ ctx: webContext(res), state, result, taxonomy, policyTitle: policy?.title ?? null }));
  });

  router.get('/policies/:id/questions', async (req, res) => {
    const policy = await requirePolicy(String(req.params.id));
    kit.render(res, askPage({ ctx: webContext(res), policy, values: { question: '', nickname: '' }, errors: [] }));
  });

  router.post('/policies/:id/questions', async (req, res) => {
    const policy = await requirePolicy(String(req.params.id));
    const form = formOf(req);
    const values: QuestionFormValues = { question: typeof form.question === 'string' ? form.question : '', nickname: str(form, 'nickname') };
    const show = (errors: FieldError[], status: number) => kit.render(res, askPage({ ctx: webContext(res), policy, values, errors }), status);
    // Per web process, before the store's own per-client count: a flood is turned away cheaply.
    const limit = limits.questionByAddress.hit(clientAddress(req));
    if (!limit.allowed) {
      res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      return show([{ field: 'question', message: `留言过于频繁，请 ${Math.ceil(limit.retryAfterSeconds / 60)} 分钟后再试。` }], 429);
    }
    const parsed = askQuestionBodySchema.safeParse({ question: values.question, ...(values.nickname ? { nickname: values.nickname } : {}) });
    if (!parsed.success) return show(zodErrors(parsed.error), 400);
    try {
      const { question } = await questions.ask({ policyId: policy.id, body: parsed.data, clientKey: clientAddress(req) });
      kit.flash(res, 'question_received');
      res.redirect(303, `/questions/${question.id}`);
    } catch (error) {
      if (!(error instanceof DomainError) || !['invalid', 'invalid_state', 'rate_limited'].includes(error.type)) throw error;
      const retry = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (typeof retry === 'number') res.setHeader('Retry-After', String(retry));
      const errors = domainErrors(error).map((e) => ({ ...e, field: e.field ?? 'question' }));
      return show(errors, error.type === 'rate_limited' ? 429 : 400);
    }
  });

  router.get('/questions/:questionId', async (req, res) => {
    const id = String(req.params.questionId);
    if (!QUESTION_ID.test(id)) throw new DomainError({ type: 'not_found', code: 'question_not_found', message: '未找到该留言' });
    const question = await questions.status({ questionId: id });
    const policy = await publicPolicy(question.policyId);
    const suggested = policy ? (await faqs.search({ q: question.question, policyId: policy.id, page: 1, pageSize: 3, tags: [] })).hits : [];
    // The address is the only key to the question: keep it out of shared caches and referrers.
    res.setHeader('Referrer-Policy', 'no-referrer');
    kit.render(res, questionStatusPage({ ctx: webContext(res), question, policyTitle: policy?.title ?? question.policyId, suggested }));
  });

  return router;
}

import express, { type Request, type Response } from 'express';
import { answerGroupBodySchema, dismissGroupBodySchema, questionStatusSchema, type StaffQuestionGroup } from '../../../schemas/interpretation.schema.js';
import { DomainError } from '../../errors.js';
import type { Actor } from '../../services/actor.js';
import { webContext } from '../context.js';
import { attempt, formOf, queryStr, str, strs, zodErrors } from '../forms.js';
import { requireStaff, type PortalKit, type PortalServices } from '../kit.js';
import type { FieldError } from '../views/components.js';
import { questionGroupPage, questionQueuePage, type AnswerFormValues, type QueueState } from '../views/questions.views.js';

const DRAFTING = ['admin', 'drafter'] as const;
const GROUP_ID = /^qg-[A-Za-z0-9_-]{6,40}$/;
const QUESTION_ID = /^q-[A-Za-z0-9_-]{6,40}$/;
const POLICY_ID = /^[a-z0-9][a-z0-9-]{1,63}$/;
const PAGE_SIZE = 20;

/** The services these pages call. */
export type QuestionsPageServices = Pick<PortalServices, 'interpretation' | 'policies'>;

/** The drafters' queue of public questions: oldest first, answer once per group, publish, promote to FAQ. */
export function questionRoutes({ kit }: { kit: PortalKit<QuestionsPageServices> }): express.Router {
  const router = express.Router();
  const { questions } = kit.services.interpretation;
  const drafts = (actor: Actor) => actor.role === 'admin' || actor.role === 'drafter';

  router.get('/staff/questions', async (req, res) => {
    requireStaff(res);
    const policy = queryStr(req, 'policy');
    const state: QueueState = {
      status: questionStatusSchema.safeParse(queryStr(req, 'status')).data ?? 'open',
      sort: queryStr(req, 'sort') === 'demand' ? 'demand' : 'age',
      policyId: POLICY_ID.test(policy) ? policy : null,
      page: Math.min(1000, Math.max(1, Number.parseInt(queryStr(req, 'page'), 10) || 1)),
    };
    const queue = await questions.queue({ status: state.status, sort: state.sort, page: state.page, pageSize: PAGE_SIZE, ...(state.policyId ? { policyId: state.policyId } : {}) });
    const policyTitle = state.policyId ? ((await kit.services.policies.titleOf({ id: state.policyId })) ?? state.policyId) : null;
    kit.render(res, questionQueuePage({ ctx: webContext(res), state, queue, policyTitle }));
  });

  const loadGroup = async (req: Request): Promise<StaffQuestionGroup> => {
    const id = String(req.params.groupId);
    if (!GROUP_ID.test(id)) throw new DomainError({ type: 'not_found', code: 'question_group_not_found', message: '未找到该问题' });
    return questions.getGroup({ groupId: id });
  };

  const defaults = (group: StaffQuestionGroup): AnswerFormValues => ({
    answer: group.answer ?? '',
    publishReply: group.status === 'answered' ? group.replyPublished : true,
    promoteToFaq: false,
    faqQuestion: group.question.slice(0, 300),
    category: '',
  });

  const showGroup = async ({
    res,
    actor,
    group,
    values,
    errors = [],
    dismissReason = '',
    status = 200,
  }: {
    res: Response;
    actor: Actor;
    group: StaffQuestionGroup;
    values?: AnswerFormValues;
    errors?: FieldError[];
    dismissReason?: string;
    status?: number;
  }) => {
    kit.render(res, questionGroupPage({ ctx: webContext(res), group, canAnswer: drafts(actor), values: values ?? defaults(group), errors, dismissReason }), status);
  };

  router.get('/staff/questions/:groupId', async (req, res) => {
    const actor = requireStaff(res);
    await showGroup({ res, actor, group: await loadGroup(req) });
  });

  router.post('/staff/questions/:groupId/answer', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const group = await loadGroup(req);
    const form = formOf(req);
    const options = strs(form, 'options');
    const values: AnswerFormValues = {
      answer: typeof form.answer === 'string' ? form.answer.replace(/\r\n?/g, '\n').trim() : '',
      publishReply: options.includes('publishReply'),
      promoteToFaq: options.includes('promoteToFaq'),
      faqQuestion: str(form, 'faqQuestion'),
      category: str(form, 'category'),
    };
    const rename = (path: string) => (path === 'publishReply' || path === 'promoteToFaq' ? 'options' : path);
    const errors: FieldError[] =
      !values.publishReply && !values.promoteToFaq ? [{ field: 'options', message: '请至少选择“公开答复”或“收入常见问题”中的一项：否则提问者和其他人都看不到答复' }] : [];
    const parsed = answerGroupBodySchema.safeParse({
      answer: values.answer,
      publishReply: values.publishReply,
      promoteToFaq: values.promoteToFaq,
      category: values.category || null,
      // The rewritten question matters only when the answer joins the FAQ list.
      ...(values.promoteToFaq && values.faqQuestion ? { faqQuestion: values.faqQuestion } : {}),
    });
    if (errors.length > 0 || !parsed.success) return showGroup({ res, actor, group, values, errors: [...errors, ...(parsed.success ? [] : zodErrors(parsed.error, rename))], status: 400 });
    const result = await attempt(() => questions.answer({ actor, groupId: group.id, body: parsed.data }), rename);
    if (!result.ok) return showGroup({ res, actor, group, values, errors: result.errors, status: 409 });
    kit.flash(res, 'question_answered');
    res.redirect(303, `/staff/questions/${group.id}`);
  });

  router.post('/staff/questions/:groupId/dismiss', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const group = await loadGroup(req);
    const reason = str(formOf(req), 'reason');
    const parsed = dismissGroupBodySchema.safeParse({ reason });
    if (!parsed.success) return showGroup({ res, actor, group, errors: zodErrors(parsed.error), dismissReason: reason, status: 400 });
    await questions.dismiss({ actor, groupId: group.id, reason: parsed.data.reason });
    kit.flash(res, 'question_dismissed');
    res.redirect(303, `/staff/questions/${group.id}`);
  });

  router.post('/staff/questions/:groupId/questions/:questionId/separate', async (req, res) => {
    const actor = requireStaff(res, DRAFTING);
    const group = await loadGroup(req);
    const questionId = String(req.params.questionId);
    if (!QUESTION_ID.test(questionId) || !group.questions.some((q) => q.id === questionId)) {
      throw new DomainError({ type: 'not_found', code: 'question_not_found', message: '未找到该留言' });
    }
    const moved = await questions.move({ actor, questionId, groupId: null });
    kit.flash(res, 'question_moved');
    res.redirect(303, `/staff/questions/${moved.id}`);
  });

  return router;
}

import crypto from 'node:crypto';
import type {
  AnswerGroupBody,
  AskQuestionBody,
  AskedQuestion,
  FaqItem,
  FaqSearchResponse,
  QuestionGroup,
  QuestionStatus,
  StaffQuestionGroup,
  StoredQuestion,
} from '../../schemas/interpretation.schema.js';
import { DomainError, invalid, invalidState, notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import type { Actor } from '../services/actor.js';
import type { FaqService } from './faq.service.js';
import { newFaqId } from './faq.service.js';
import type { InterpretationService } from './interpretation.service.js';
import type { PublicVersion } from '../services/public-versions.js';
import { chooseGroup, questionTerms, topicTerms } from './question-grouping.js';
import { ageOf } from './working-days.js';
import { OFFICIAL_CALENDAR, type WorkingDayCalendar } from '../calendar/working-day-calendar.js';

export const QUESTION_MIN_CHARS = 5;
export const QUESTION_MAX_CHARS = 500;
const SUGGESTED_FAQS = 3;

const STATUS_LABELS: Record<QuestionStatus, string> = { open: '待答复', answered: '已答复', dismissed: '不予答复' };

/** Control, zero-width and bidirectional-override characters: invisible, and used to disguise text. */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu;

/**
 * A question is stored as plain text exactly as meant, never as markup: invisible characters are
 * removed and whitespace runs become one space. Nothing is unescaped or interpreted; pages escape it
 * when they show it.
 */
export function cleanQuestionText(raw: string): string {
  return raw.normalize('NFC').replace(INVISIBLE, '').replace(/[\s\u3000]+/gu, ' ').trim();
}

export interface QuestionLimits {
  /** Questions one client may leave within `windowMinutes`. */
  perWindow: number;
  windowMinutes: number;
  perDay: number;
}

function newId(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(9).toString('base64url')}`;
}

type QuestionWritten = (policyId: string) => Promise<void>;

/**
 * Public questions (网民留言): anyone may ask on a published policy; questions that ask the same thing
 * are grouped so the most-asked surface first; drafters answer a group once, publish the answer as a
 * reply and/or promote it to the FAQ list; the queue shows each group's age against the three-working-
 * day target.
 */
export class QuestionService {
  private readonly listeners: QuestionWritten[] = [];

  constructor(
    private readonly deps: {
      store: Store;
      interpretation: InterpretationService;
      faqs: FaqService;
      now: () => Date;
      limits: QuestionLimits;
      /** One-way hash of the client address (keyed), so rate limits work without storing addresses. */
      hashClient: (clientKey: string) => string;
      /** The working-day calendar with the administrator's local adjustments (official schedule only when absent). */
      calendar?: () => Promise<WorkingDayCalendar>;
    },
  ) {}

  private async workingDays(): Promise<WorkingDayCalendar> {
    return this.deps.calendar ? this.deps.calendar() : OFFICIAL_CALENDAR;
  }

  onWrite(listener: QuestionWritten): void {
    this.listeners.push(listener);
  }

  private async written(policyId: string): Promise<void> {
    for (const listener of this.listeners) await listener(policyId);
  }

  private get repo() {
    return this.deps.store.interpretation;
  }

  async ask({ policyId, body, clientKey }: { policyId: string; body: AskQuestionBody; clientKey: string }): Promise<{ question: AskedQuestion; suggestedFaqs: FaqSearchResponse['hits'] }> {
    const { policy } = await this.deps.interpretation.requirePublicVersion({ policyId });
    if (policy.validity === 'repealed') {
      throw invalidState({ code: 'questions_closed', message: '该政策已废止，不再接受留言' });
    }
    const text = cleanQuestionText(body.question);
    const length = [...text].length;
    if (!/[\p{L}\p{N}]/u.test(text)) throw invalid({ code: 'question_empty', message: '请填写问题内容', details: { field: 'question' } });
    if (length < QUESTION_MIN_CHARS) {
      throw invalid({ code: 'question_too_short', message: `问题太短，请至少写 ${QUESTION_MIN_CHARS} 个字`, details: { field: 'question', length } });
    }
    if (length > QUESTION_MAX_CHARS) {
      throw invalid({ code: 'question_too_long', message: `问题不能超过 ${QUESTION_MAX_CHARS} 字（现有 ${length} 字）`, details: { field: 'question', length } });
    }
    const now = this.deps.now();
    const clientHash = this.deps.hashClient(clientKey);
    await this.assertWithinLimits({ clientHash, now });

    const terms = questionTerms(text);
    const topic = topicTerms(policy.title);
    // Join an open group, or an answered one whose reply the asker can read at once.
    const candidates = (await this.repo.listGroupsOfPolicy({ policyId, statuses: ['open', 'answered'] })).filter(
      (group) => group.status === 'open' || group.replyPublished,
    );
    const match = chooseGroup({ terms, groups: candidates, topic });
    const at = now.toISOString();
    const group: QuestionGroup = match ?? {
      id: newId('qg'),
      policyId,
      question: text,
      terms,
      askedCount: 1,
      firstAskedAt: at,
      lastAskedAt: at,
      status: 'open',
      answer: null,
      answeredAt: null,
      answeredBy: null,
      replyPublished: false,
      faqId: null,
      dismissReason: null,
      revision: 1,
    };
    const question: StoredQuestion = {
      id: newId('q'),
      policyId,
      groupId: group.id,
      text,
      nickname: body.nickname ? cleanQuestionText(body.nickname) || null : null,
      terms,
      askedAt: at,
    };
    await this.repo.addQuestion({ question, clientHash, group: match ? { join: match } : { open: group } });
    const suggested = await this.deps.faqs.search({ q: text, policyId, page: 1, pageSize: SUGGESTED_FAQS });
    return { question: await this.status({ questionId: question.id }), suggestedFaqs: suggested.hits };
  }

  private async assertWithinLimits({ clientHash, now }: { clientHash: string; now: Date }): Promise<void> {
    const { perWindow, windowMinutes, perDay } = this.deps.limits;
    const windowStart = new Date(now.getTime() - windowMinutes * 60_000).toISOString();
    const dayStart = new Date(now.getTime() - 24 * 3600_000).toISOString();
    const [recent, daily] = await Promise.all([
      this.repo.countQuestionsSince({ clientHash, since: windowStart }),
      this.repo.countQuestionsSince({ clientHash, since: dayStart }),
    ]);
    if (recent >= perWindow || daily >= perDay) {
      const minutes = recent >= perWindow ? windowMinutes : 24 * 60;
      throw new DomainError({
        type: 'rate_limited',
        code: 'question_rate_limited',
        message: recent >= perWindow ? `留言过于频繁，请 ${windowMinutes} 分钟后再试` : '今天的留言次数已达上限，请明天再试',
        details: { retryAfterSeconds: minutes * 60 },
      });
    }
  }

  /** What the asker sees, by the question's unguessable id. */
  async status({ questionId }: { questionId: string }): Promise<AskedQuestion> {
    const question = await this.repo.getQuestion(questionId);
    const group = question ? await this.repo.getGroup(question.groupId) : null;
    if (!question || !group) throw notFound({ code: 'question_not_found', message: '未找到该留言' });
    return {
      id: question.id,
      policyId: question.policyId,
      question: question.text,
      askedAt: question.askedAt,
      status: group.status,
      statusLabel: STATUS_LABELS[group.status],
      age: group.status === 'open' ? ageOf({ askedAt: question.askedAt, now: this.deps.now(), calendar: await this.workingDays() }) : null,
      similarCount: group.askedCount,
      reply: group.status === 'answered' && group.replyPublished && group.answer && group.answeredAt ? { answer: group.answer, answeredAt: group.answeredAt } : null,
    };
  }

  /** Published replies on a policy's page, most asked first. */
  /** `resolved`: what the policy page already found for this policy (see PublicVersions.find). */
  async publicReplies({ policyId, resolved }: { policyId: string; resolved?: PublicVersion }) {
    await this.deps.interpretation.requirePublicVersion({ policyId, ...(resolved ? { resolved } : {}) });
    return (await this.repo.listPublishedReplies(policyId)).flatMap((group) =>
      group.answer && group.answeredAt
        ? [{ groupId: group.id, question: group.question, askedCount: group.askedCount, answer: group.answer, answeredAt: group.answeredAt }]
        : [],
    );
  }

  private async staffViews(groups: QuestionGroup[]): Promise<StaffQuestionGroup[]> {
    const questions = await this.repo.listQuestions(groups.map((g) => g.id));
    const titles = new Map<string, string>();
    for (const policyId of new Set(groups.map((g) => g.policyId))) titles.set(policyId, (await this.deps.store.policies.get(policyId))?.title ?? policyId);
    const now = this.deps.now();
    const calendar = await this.workingDays();
    return groups.map(({ terms: _terms, ...group }) => ({
      ...group,
      policyTitle: titles.get(group.policyId) ?? group.policyId,
      age: group.status === 'open' ? ageOf({ askedAt: group.firstAskedAt, now, calendar }) : null,
      questions: questions
        .filter((q) => q.groupId === group.id)
        .map((q) => ({ id: q.id, text: q.text, nickname: q.nickname, askedAt: q.askedAt })),
    }));
  }

  /** The drafter queue: oldest first by default (the reply target is three working days). */
  async queue({ policyId, status, sort, page, pageSize }: { policyId?: string; status: QuestionStatus; sort: 'age' | 'demand'; page: number; pageSize: number }) {
    const { total, items } = await this.repo.listGroups({ ...(policyId ? { policyId } : {}), status, sort, limit: pageSize, offset: (page - 1) * pageSize });
    return { total, page, pageSize, items: await this.staffViews(items) };
  }

  private async requireGroup(groupId: string): Promise<QuestionGroup> {
    const group = await this.repo.getGroup(groupId);
    if (!group) throw notFound({ code: 'question_group_not_found', message: '未找到该问题' });
    return group;
  }

  async getGroup({ groupId }: { groupId: string }): Promise<StaffQuestionGroup> {
    const [view] = await this.staffViews([await this.requireGroup(groupId)]);
    if (!view) throw notFound({ code: 'question_group_not_found', message: '未找到该问题' });
    return view;
  }

  async answer({ actor, groupId, body }: { actor: Actor; groupId: string; body: AnswerGroupBody }): Promise<StaffQuestionGroup> {
    const group = await this.requireGroup(groupId);
    if (group.status === 'dismissed') throw invalidState({ code: 'question_dismissed', message: '该问题已标记为不予答复' });
    if (body.promoteToFaq && group.faqId) {
      throw invalidState({ code: 'faq_exists', message: '该问题已收入常见问题清单，请在清单中修改', details: { faqId: group.faqId } });
    }
    const at = this.deps.now().toISOString();
    let faq: FaqItem | undefined;
    if (body.promoteToFaq) {
      const existing = await this.repo.listFaqs({ policyId: group.policyId, statuses: ['draft', 'published'] });
      faq = {
        id: newFaqId(),
        policyId: group.policyId,
        position: existing.reduce((max, item) => Math.max(max, item.position + 1), 0),
        question: body.faqQuestion ?? group.question,
        answer: body.answer,
        category: body.category,
        source: 'public_question',
        questionGroupId: group.id,
        // Questions are asked only on published policies, so the list is live.
        status: 'published',
        publishedAt: at,
        createdAt: at,
        updatedAt: at,
        updatedBy: actor.id,
        revision: 1,
      };
    }
    const updated: QuestionGroup = {
      ...group,
      status: 'answered',
      answer: body.answer,
      answeredAt: at,
      answeredBy: actor.name,
      replyPublished: body.publishReply,
      faqId: faq?.id ?? group.faqId,
      revision: group.revision + 1,
    };
    await this.repo.updateGroup({ group: updated, expectedRevision: group.revision, ...(faq ? { faq } : {}) });
    await this.written(group.policyId);
    return this.getGroup({ groupId });
  }

  async dismiss({ groupId, reason }: { actor: Actor; groupId: string; reason: string }): Promise<StaffQuestionGroup> {
    const group = await this.requireGroup(groupId);
    const updated: QuestionGroup = { ...group, status: 'dismissed', dismissReason: reason, replyPublished: false, revision: group.revision + 1 };
    await this.repo.updateGroup({ group: updated, expectedRevision: group.revision });
    await this.written(group.policyId);
    return this.getGroup({ groupId });
  }

  /** Corrects the grouping: moves one question into another group of the same policy, or alone. */
  async move({ questionId, groupId }: { actor: Actor; questionId: string; groupId: string | null }): Promise<StaffQuestionGroup> {
    const question = await this.repo.getQuestion(questionId);
    if (!question) throw notFound({ code: 'question_not_found', message: '未找到该留言' });
    const from = await this.requireGroup(question.groupId);
    if (groupId === from.id) return this.getGroup({ groupId });
    const remaining = (await this.repo.listQuestions([from.id])).filter((q) => q.id !== question.id);
    const first = remaining[0];
    const source: QuestionGroup = first
      ? { ...from, question: first.text, terms: first.terms, firstAskedAt: first.askedAt, askedCount: remaining.length, revision: from.revision + 1 }
      : { ...from, askedCount: 0 };
    let to: { join: QuestionGroup; expectedRevision: number } | { open: QuestionGroup };
    let targetId: string;
    if (groupId === null) {
      targetId = newId('qg');
      to = {
        open: {
          id: targetId,
          policyId: question.policyId,
          question: question.text,
          terms: question.terms,
          askedCount: 1,
          firstAskedAt: question.askedAt,
          lastAskedAt: question.askedAt,
          status: 'open',
          answer: null,
          answeredAt: null,
          answeredBy: null,
          replyPublished: false,
          faqId: null,
          dismissReason: null,
          revision: 1,
        },
      };
    } else {
      const target = await this.requireGroup(groupId);
      if (target.policyId !== question.policyId) throw invalid({ code: 'question_group_mismatch', message: '只能并入同一政策下的问题' });
      targetId = target.id;
      to = {
        join: {
          ...target,
          askedCount: target.askedCount + 1,
          firstAskedAt: question.askedAt < target.firstAskedAt ? question.askedAt : target.firstAskedAt,
          lastAskedAt: question.askedAt > target.lastAskedAt ? question.askedAt : target.lastAskedAt,
          revision: target.revision + 1,
        },
        expectedRevision: target.revision,
      };
    }
    await this.repo.moveQuestion({ question, from: { group: source, expectedRevision: from.revision }, to });
    await this.written(question.policyId);
    return this.getGroup({ groupId: targetId });
  }
}

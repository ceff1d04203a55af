import crypto from 'node:crypto';
import type { Article } from '../../../schemas/article.schema.js';
import {
  ADOPTION_LABELS,
  CONSULTATION_STATUS_LABELS,
  type AdoptionBody,
  type AdoptionCounts,
  type AdoptionDecision,
  type AdoptionReport,
  type CommentBody,
  type Consultation,
  type ConsultationComment,
  type CreateConsultationBody,
  type ModerateBody,
  type PublicComment,
  type PublicConsultation,
  type PublishFeedbackBody,
  type StaffConsultation,
} from '../../../schemas/consultation.schema.js';
import { shanghaiDate } from '../../calendar/working-day-calendar.js';
import { DomainError, invalid, invalidState, notFound } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { explanationOf } from '../../matching/explain.js';
import type { AudienceMatch } from '../../ports/audience-index.port.js';
import type { NewConsultationNotice } from '../../ports/consultation.port.js';
import type { SearchIndex } from '../../ports/search-index.port.js';
import type { Store } from '../../ports/store.port.js';
import type { Actor } from '../../services/actor.js';
import type { AudienceSyncService } from '../../services/audience-sync.service.js';
import type { MatchingService } from '../../services/matching.service.js';
import type { TaxonomyService } from '../../services/taxonomy.service.js';
import { parseArticles } from '../../text/article-parser.js';
import type { RateLimiter } from '../../web/security/rate-limit.js';

/** Whether a subscriber who never chose gets consultation notices: no — a notice is sent only to those who asked for them. */
export const CONSULTATION_NOTICES_DEFAULT = false;

const DAY_MS = 24 * 3600 * 1000;
const NOTICE_BATCH = 1000;

/** Calendar days of a window, both ends included (征求意见期限 counts calendar days, not working days). */
export function windowDays({ startDate, endDate }: { startDate: string; endDate: string }): number {
  return Math.round((Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / DAY_MS) + 1;
}

/** Every article, chapter and item of a draft, depth first (a comment may concern any of them). */
export function flattenArticles(articles: readonly Article[]): Article[] {
  return articles.flatMap((a) => [a, ...flattenArticles(a.children)]);
}

function newId(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(8).toString('base64url')}`;
}

/**
 * 征求意见: a drafter puts a draft out for comment, the public comments on the whole draft or an
 * article, staff moderate before anything is public, and after the window closes record for each
 * comment (or group of similar comments) whether it was adopted, then publish the adoption report
 * with the final policy.
 */
export class ConsultationService {
  constructor(
    private readonly deps: {
      store: Store;
      index: SearchIndex;
      taxonomy: TaxonomyService;
      matching: MatchingService;
      audienceSync: AudienceSyncService;
      now: () => Date;
      logger: Logger;
      /** Minimum window in calendar days for major decisions (CONSULTATION_MIN_DAYS). */
      minDays: number;
      /** Comments per client address and window, shared by the API and the portal form. */
      commentLimiter: RateLimiter;
    },
  ) {}

  private today(): string {
    return shanghaiDate(this.deps.now());
  }

  private async load(id: string): Promise<Consultation> {
    const consultation = await this.deps.store.consultations.get(id);
    if (!consultation) throw notFound({ code: 'consultation_not_found', message: `未找到征求意见：${id}` });
    return consultation;
  }

  async create({ actor, body }: { actor: Actor; body: CreateConsultationBody }): Promise<Consultation> {
    this.deps.taxonomy.current().assertUsable({ ids: body.tags, field: 'tags' });
    this.assertWindow(body);
    const at = this.deps.now().toISOString();
    const consultation: Consultation = {
      id: newId('c'),
      title: body.title,
      draftText: body.draftText,
      articles: parseArticles({ body: body.draftText }),
      explanation: body.explanation,
      tags: [...new Set(body.tags)],
      major: body.major,
      startDate: body.startDate,
      endDate: body.endDate,
      shortWindowReason: body.shortWindowReason && body.shortWindowReason.length > 0 ? body.shortWindowReason : null,
      status: 'draft',
      finalPolicyId: null,
      feedbackSummary: null,
      createdBy: actor.id,
      createdAt: at,
      updatedAt: at,
      openedAt: null,
      closedAt: null,
      feedbackPublishedAt: null,
      revision: 1,
    };
    await this.deps.store.consultations.insert(consultation);
    return consultation;
  }

  private assertWindow({ startDate, endDate, major, shortWindowReason }: Pick<CreateConsultationBody, 'startDate' | 'endDate' | 'major' | 'shortWindowReason'>): void {
    if (endDate < startDate) throw invalid({ code: 'window_reversed', message: '截止日期不能早于开始日期', details: { field: 'endDate' } });
    if (endDate < this.today()) throw invalid({ code: 'window_in_past', message: '截止日期已过，请重新设定征求意见期限', details: { field: 'endDate' } });
    const days = windowDays({ startDate, endDate });
    if (major && days < this.deps.minDays && !(shortWindowReason && shortWindowReason.length >= 2)) {
      throw invalid({
        code: 'window_too_short',
        message: `重大行政决策征求意见期限一般不少于 ${this.deps.minDays} 日（当前 ${days} 日）；缩短期限须说明理由`,
        details: { field: 'shortWindowReason', days, minDays: this.deps.minDays },
      });
    }
  }

  /** Publishes the draft for comment and queues the notices for subscribers who asked for them. */
  async open({ actor, id }: { actor: Actor; id: string }): Promise<{ consultation: Consultation; noticesQueued: number }> {
    const current = await this.load(id);
    if (current.status !== 'draft') throw invalidState({ code: 'consultation_not_draft', message: '只有草稿状态的征求意见可以发布' });
    this.assertWindow(current);
    const at = this.deps.now().toISOString();
    const consultation: Consultation = { ...current, status: 'open', openedAt: at, updatedAt: at, revision: current.revision + 1 };
    await this.deps.store.consultations.update({ consultation, expectedRevision: current.revision });
    const noticesQueued = await this.queueNotices({ consultation });
    this.deps.logger.info('consultation opened', { consultationId: id, by: actor.id, noticesQueued });
    return { consultation, noticesQueued };
  }

  /**
   * Matches the consultation's tags (and its text, for keyword subscriptions) against every
   * subscription, like a policy, and queues one notice per subscriber and channel for those who
   * opted in. Safe to repeat: the outbox key keeps one notice per consultation, subscriber, channel.
   */
  async queueNotices({ consultation }: { consultation: Consultation }): Promise<number> {
    await this.deps.audienceSync.catchUp();
    const audience = this.deps.matching.audienceOf({ criteria: {}, tags: consultation.tags, level: null, title: consultation.title, body: consultation.draftText });
    let inserted = 0;
    for await (const batch of this.deps.index.audienceBatches({ policy: audience, batchSize: NOTICE_BATCH })) {
      const notices: NewConsultationNotice[] = [];
      for (const match of batch) {
        if (!(await this.wantsNotices(match.subscriberId))) continue;
        notices.push(...noticesFor({ match, consultationId: consultation.id }));
      }
      inserted += (await this.deps.store.consultations.enqueueNotices({ notices, at: this.deps.now().toISOString() })).inserted;
    }
    return inserted;
  }

  async wantsNotices(subscriberId: string): Promise<boolean> {
    return (await this.deps.store.consultations.getNoticePreference(subscriberId)) ?? CONSULTATION_NOTICES_DEFAULT;
  }

  async setNoticePreference({ subscriberId, wanted }: { subscriberId: string; wanted: boolean }): Promise<{ consultationNotices: boolean }> {
    await this.deps.store.consultations.setNoticePreference({ subscriberId, wanted, at: this.deps.now().toISOString() });
    return { consultationNotices: wanted };
  }

  async close({ actor, id }: { actor: Actor; id: string }): Promise<Consultation> {
    const current = await this.load(id);
    if (current.status !== 'open') throw invalidState({ code: 'consultation_not_open', message: '只有征求意见中的草案可以截止' });
    const at = this.deps.now().toISOString();
    const consultation: Consultation = { ...current, status: 'closed', closedAt: at, updatedAt: at, revision: current.revision + 1 };
    await this.deps.store.consultations.update({ consultation, expectedRevision: current.revision });
    this.deps.logger.info('consultation closed', { consultationId: id, by: actor.id });
    return consultation;
  }

  /** Whether comments are taken now: open, and today inside the window. */
  acceptingComments(consultation: Consultation): boolean {
    const today = this.today();
    return consultation.status === 'open' && today >= consultation.startDate && today <= consultation.endDate;
  }

  async comment({ consultationId, body, clientKey }: { consultationId: string; body: CommentBody; clientKey: string }): Promise<ConsultationComment> {
    const verdict = this.deps.commentLimiter.hit(clientKey);
    if (!verdict.allowed) {
      throw new DomainError({
        type: 'rate_limited',
        code: 'too_many_comments',
        message: `提交意见过于频繁，请 ${Math.ceil(verdict.retryAfterSeconds / 60)} 分钟后再试`,
        details: { retryAfterSeconds: verdict.retryAfterSeconds },
      });
    }
    const consultation = await this.load(consultationId);
    if (consultation.status === 'draft') throw notFound({ code: 'consultation_not_found', message: `未找到征求意见：${consultationId}` });
    if (!this.acceptingComments(consultation)) {
      const before = this.today() < consultation.startDate;
      throw invalidState({
        code: before ? 'consultation_not_started' : 'consultation_closed',
        message: before ? `征求意见将于 ${consultation.startDate} 开始，届时再提交意见` : `征求意见已于 ${consultation.endDate} 截止，不再接收意见`,
      });
    }
    const article = body.articleAnchor ? flattenArticles(consultation.articles).find((a) => a.anchor === body.articleAnchor) : null;
    if (body.articleAnchor && !article) throw invalid({ code: 'article_unknown', message: '所选条款不在本草案中', details: { field: 'articleAnchor' } });
    const name = body.name && body.name.length > 0 ? body.name : null;
    const comment: ConsultationComment = {
      id: newId('cc'),
      consultationId,
      articleAnchor: article?.anchor ?? null,
      articleLabel: article ? articleLabel(article) : null,
      text: body.text.replace(/\r\n?/g, '\n'),
      name,
      // Without a name there is nothing to show; with one, the commenter decides.
      anonymous: name === null ? true : body.anonymous,
      status: 'pending',
      rejectReason: null,
      moderatedBy: null,
      moderatedAt: null,
      submittedAt: this.deps.now().toISOString(),
    };
    await this.deps.store.consultations.insertComment(comment);
    return comment;
  }

  async moderate({ actor, consultationId, commentId, body }: { actor: Actor; consultationId: string; commentId: string; body: ModerateBody }): Promise<ConsultationComment> {
    await this.load(consultationId);
    const comment = await this.deps.store.consultations.getComment(commentId);
    if (!comment || comment.consultationId !== consultationId) throw notFound({ code: 'comment_not_found', message: '本征求意见下没有这条意见' });
    if (comment.status !== 'pending') throw invalidState({ code: 'comment_already_moderated', message: '这条意见已审核过' });
    const updated = await this.deps.store.consultations.moderateComment({
      commentId,
      status: body.decision === 'approve' ? 'approved' : 'rejected',
      reason: body.decision === 'reject' ? body.reason : null,
      by: actor.id,
      at: this.deps.now().toISOString(),
    });
    if (!updated) throw invalidState({ code: 'comment_already_moderated', message: '这条意见已审核过' });
    return updated;
  }

  async recordAdoption({ actor, consultationId, body }: { actor: Actor; consultationId: string; body: AdoptionBody }): Promise<AdoptionDecision> {
    const consultation = await this.load(consultationId);
    if (consultation.status !== 'closed') throw invalidState({ code: 'consultation_not_closed', message: '征求意见截止后（且采纳情况公布前）才能记录采纳情况' });
    const ids = [...new Set(body.commentIds)];
    for (const id of ids) {
      const comment = await this.deps.store.consultations.getComment(id);
      if (!comment || comment.consultationId !== consultationId) {
        throw invalid({ code: 'comment_not_in_consultation', message: `意见 ${id} 不属于本征求意见`, details: { field: 'commentIds', commentId: id } });
      }
      if (comment.status !== 'approved') {
        throw invalid({ code: 'comment_not_approved', message: '只能对已审核通过的意见记录采纳情况，请先审核', details: { field: 'commentIds', commentId: id } });
      }
    }
    const decision: AdoptionDecision = {
      id: newId('ad'),
      consultationId,
      commentIds: ids,
      summary: body.summary,
      outcome: body.outcome,
      reason: body.reason,
      decidedBy: actor.id,
      decidedAt: this.deps.now().toISOString(),
    };
    await this.deps.store.consultations.insertDecision(decision);
    return decision;
  }

  /** Publishes the adoption report with the final policy; every approved comment must have its decision. */
  async publishFeedback({ actor, id, body }: { actor: Actor; id: string; body: PublishFeedbackBody }): Promise<Consultation> {
    const current = await this.load(id);
    if (current.status !== 'closed') throw invalidState({ code: 'consultation_not_closed', message: '征求意见截止后才能公布采纳情况' });
    const policy = await this.deps.store.policies.get(body.finalPolicyId);
    if (!policy || policy.currentVersion === null) {
      throw invalid({ code: 'final_policy_not_published', message: '请填写已发布的正式政策编号：采纳情况随正式政策一并公布', details: { field: 'finalPolicyId' } });
    }
    const counts = countsOf({ comments: await this.deps.store.consultations.listComments({ consultationId: id }), decisions: await this.deps.store.consultations.listDecisions(id) });
    if (counts.undecided > 0) {
      throw invalidState({ code: 'comments_undecided', message: `还有 ${counts.undecided} 条已公开的意见没有记录采纳情况`, details: { undecided: counts.undecided } });
    }
    const at = this.deps.now().toISOString();
    const consultation: Consultation = {
      ...current,
      status: 'feedback_published',
      finalPolicyId: body.finalPolicyId,
      feedbackSummary: body.summary,
      feedbackPublishedAt: at,
      updatedAt: at,
      revision: current.revision + 1,
    };
    await this.deps.store.consultations.update({ consultation, expectedRevision: current.revision });
    this.deps.logger.info('consultation feedback published', { consultationId: id, by: actor.id, finalPolicyId: body.finalPolicyId });
    return consultation;
  }

  async publicList() {
    const items = await this.deps.store.consultations.list({ statuses: ['open', 'closed', 'feedback_published'] });
    return { items: items.map((c) => ({ id: c.id, title: c.title, startDate: c.startDate, endDate: c.endDate, status: c.status, tags: c.tags, major: c.major, statusLabel: this.statusLabel(c) })) };
  }

  statusLabel(consultation: Consultation): string {
    if (consultation.status === 'open' && this.today() > consultation.endDate) return '已截止';
    if (consultation.status === 'open' && this.today() < consultation.startDate) return '即将开始';
    return CONSULTATION_STATUS_LABELS[consultation.status];
  }

  async publicView({ id }: { id: string }): Promise<PublicConsultation> {
    const consultation = await this.load(id);
    if (consultation.status === 'draft') throw notFound({ code: 'consultation_not_found', message: `未找到征求意见：${id}` });
    const approved = await this.deps.store.consultations.listComments({ consultationId: id, status: 'approved' });
    return {
      id: consultation.id,
      title: consultation.title,
      draftText: consultation.draftText,
      articles: consultation.articles,
      explanation: consultation.explanation,
      tags: consultation.tags,
      major: consultation.major,
      startDate: consultation.startDate,
      endDate: consultation.endDate,
      status: consultation.status,
      finalPolicyId: consultation.finalPolicyId,
      openedAt: consultation.openedAt,
      statusLabel: this.statusLabel(consultation),
      acceptingComments: this.acceptingComments(consultation),
      comments: approved.map(publicComment),
      report: consultation.status === 'feedback_published' ? await this.reportOf(consultation) : null,
    };
  }

  async adoptionReport({ id }: { id: string }): Promise<AdoptionReport> {
    const consultation = await this.load(id);
    if (consultation.status !== 'feedback_published') throw notFound({ code: 'adoption_report_not_published', message: '该征求意见的采纳情况尚未公布' });
    return this.reportOf(consultation);
  }

  /** Adoption reports published with a policy (linked from its page). */
  async reportsForPolicy({ policyId }: { policyId: string }): Promise<{ id: string; title: string; counts: AdoptionCounts }[]> {
    const consultations = (await this.deps.store.consultations.listByFinalPolicy(policyId)).filter((c) => c.status === 'feedback_published');
    const out: { id: string; title: string; counts: AdoptionCounts }[] = [];
    for (const c of consultations) out.push({ id: c.id, title: c.title, counts: (await this.reportOf(c)).counts });
    return out;
  }

  private async reportOf(consultation: Consultation): Promise<AdoptionReport> {
    const comments = await this.deps.store.consultations.listComments({ consultationId: consultation.id });
    const decisions = await this.deps.store.consultations.listDecisions(consultation.id);
    const byId = new Map(comments.map((c) => [c.id, c]));
    return {
      consultationId: consultation.id,
      title: consultation.title,
      finalPolicyId: consultation.finalPolicyId,
      summary: consultation.feedbackSummary,
      publishedAt: consultation.feedbackPublishedAt,
      counts: countsOf({ comments, decisions }),
      decisions: decisions.map((d) => ({
        summary: d.summary,
        outcome: d.outcome,
        outcomeLabel: ADOPTION_LABELS[d.outcome],
        reason: d.reason,
        commentCount: d.commentIds.length,
        articleLabels: [...new Set(d.commentIds.map((cid) => byId.get(cid)?.articleLabel ?? '全文'))],
      })),
    };
  }

  async staffList(): Promise<Consultation[]> {
    return this.deps.store.consultations.list({});
  }

  async staffView({ id }: { id: string }): Promise<StaffConsultation> {
    const consultation = await this.load(id);
    const comments = await this.deps.store.consultations.listComments({ consultationId: id });
    const decisions = await this.deps.store.consultations.listDecisions(id);
    return { consultation, comments, decisions, counts: countsOf({ comments, decisions }) };
  }

  async noticeCount({ id }: { id: string }): Promise<number> {
    return (await this.deps.store.consultations.listNotices(id)).length;
  }
}

function articleLabel(article: Article): string {
  return article.label || (article.title ?? '') || article.text.slice(0, 12);
}

function publicComment(comment: ConsultationComment): PublicComment {
  return {
    id: comment.id,
    articleAnchor: comment.articleAnchor,
    articleLabel: comment.articleLabel,
    text: comment.text,
    displayName: comment.anonymous || !comment.name ? '匿名' : comment.name,
    submittedAt: comment.submittedAt,
  };
}

/** Counts over comments: received (all), published (approved) and, per approved comment, its decision. */
export function countsOf({ comments, decisions }: { comments: readonly ConsultationComment[]; decisions: readonly AdoptionDecision[] }): AdoptionCounts {
  const outcomeOf = new Map<string, AdoptionDecision['outcome']>();
  for (const d of decisions) for (const id of d.commentIds) outcomeOf.set(id, d.outcome);
  const approved = comments.filter((c) => c.status === 'approved');
  const count = (outcome: AdoptionDecision['outcome']) => approved.filter((c) => outcomeOf.get(c.id) === outcome).length;
  return {
    received: comments.length,
    published: approved.length,
    adopted: count('adopted'),
    partlyAdopted: count('partly_adopted'),
    notAdopted: count('not_adopted'),
    undecided: approved.filter((c) => !outcomeOf.has(c.id)).length,
  };
}

/** One notice per reachable channel, naming the subscriptions that matched on that channel. */
function noticesFor({ match, consultationId }: { match: AudienceMatch; consultationId: string }): NewConsultationNotice[] {
  const explanation = explanationOf(match);
  return match.channels.map((channel) => ({
    consultationId,
    subscriberId: match.subscriberId,
    channel,
    subscriptionIds: match.subscriptions.filter((s) => s.channels.includes(channel)).map((s) => s.subscriptionId),
    explanation,
  }));
}

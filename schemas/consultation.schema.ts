import { z } from 'zod';
import { articleSchema } from './article.schema.js';
import { isoDateSchema, isoDateTimeSchema, slugSchema } from './common.schema.js';

/** 征求意见: draft → open → closed → feedback published (意见采纳情况反馈 with the final policy). */
export const consultationStatusSchema = z.enum(['draft', 'open', 'closed', 'feedback_published']);
export type ConsultationStatus = z.infer<typeof consultationStatusSchema>;

export const CONSULTATION_STATUS_LABELS: Record<ConsultationStatus, string> = {
  draft: '草稿',
  open: '征求意见中',
  closed: '已截止',
  feedback_published: '已公布采纳情况',
};

export const consultationIdSchema = z.string().regex(/^c-[A-Za-z0-9_-]{6,40}$/, '征求意见编号格式不正确');
export const commentIdSchema = z.string().regex(/^cc-[A-Za-z0-9_-]{6,40}$/, '意见编号格式不正确');

export const consultationSchema = z
  .object({
    id: consultationIdSchema,
    title: z.string().min(1).max(200),
    /** The draft as published for comment; `articles` is parsed from it and never edited by hand. */
    draftText: z.string().min(1),
    articles: z.array(articleSchema),
    /** 起草说明. */
    explanation: z.string(),
    tags: z.array(z.string()),
    /** 重大行政决策: the minimum window applies. */
    major: z.boolean(),
    startDate: isoDateSchema,
    endDate: isoDateSchema,
    /** Why a major decision is consulted for less than the minimum window (required then, recorded). */
    shortWindowReason: z.string().nullable(),
    status: consultationStatusSchema,
    /** The final policy the adoption report is published with. */
    finalPolicyId: z.string().nullable(),
    /** The drafter's overall account of the feedback (shown above the per-comment table). */
    feedbackSummary: z.string().nullable(),
    createdBy: z.string(),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
    openedAt: isoDateTimeSchema.nullable(),
    closedAt: isoDateTimeSchema.nullable(),
    feedbackPublishedAt: isoDateTimeSchema.nullable(),
    revision: z.number().int().min(1),
  })
  .meta({ id: 'Consultation' });
export type Consultation = z.infer<typeof consultationSchema>;

export const commentStatusSchema = z.enum(['pending', 'approved', 'rejected']);
export type CommentStatus = z.infer<typeof commentStatusSchema>;

export const consultationCommentSchema = z
  .object({
    id: commentIdSchema,
    consultationId: consultationIdSchema,
    /** The article commented on; null for the whole draft. */
    articleAnchor: z.string().nullable(),
    articleLabel: z.string().nullable(),
    text: z.string(),
    /** Given by the commenter; never shown publicly when `anonymous`. */
    name: z.string().nullable(),
    anonymous: z.boolean(),
    status: commentStatusSchema,
    rejectReason: z.string().nullable(),
    moderatedBy: z.string().nullable(),
    moderatedAt: isoDateTimeSchema.nullable(),
    submittedAt: isoDateTimeSchema,
  })
  .meta({ id: 'ConsultationComment' });
export type ConsultationComment = z.infer<typeof consultationCommentSchema>;

export const adoptionOutcomeSchema = z.enum(['adopted', 'partly_adopted', 'not_adopted']);
export type AdoptionOutcome = z.infer<typeof adoptionOutcomeSchema>;
export const ADOPTION_LABELS: Record<AdoptionOutcome, string> = { adopted: '采纳', partly_adopted: '部分采纳', not_adopted: '未采纳' };

/** One decision for one comment or a group of similar comments. */
export const adoptionDecisionSchema = z
  .object({
    id: z.string(),
    consultationId: consultationIdSchema,
    commentIds: z.array(commentIdSchema).min(1),
    /** The gist of the grouped comments, as published. */
    summary: z.string(),
    outcome: adoptionOutcomeSchema,
    reason: z.string(),
    decidedBy: z.string(),
    decidedAt: isoDateTimeSchema,
  })
  .meta({ id: 'AdoptionDecision' });
export type AdoptionDecision = z.infer<typeof adoptionDecisionSchema>;

// ---- API bodies ----

const text = (max: number) => z.string().trim().max(max);

export const createConsultationBodySchema = z
  .strictObject({
    title: text(200).min(1, '请填写标题'),
    draftText: z.string().trim().min(1, '请填写征求意见稿正文').max(200_000),
    explanation: text(20_000).min(1, '请填写起草说明'),
    tags: z.array(slugSchema).max(50).default([]),
    major: z.boolean().default(true),
    startDate: isoDateSchema,
    endDate: isoDateSchema,
    shortWindowReason: text(500).nullable().default(null),
  })
  .meta({ id: 'CreateConsultationBody' });
export type CreateConsultationBody = z.infer<typeof createConsultationBodySchema>;

export const commentBodySchema = z
  .strictObject({
    text: text(2000).min(5, '意见至少 5 个字'),
    articleAnchor: z.string().trim().max(80).nullable().default(null),
    name: text(40).nullable().default(null),
    anonymous: z.boolean().default(true),
  })
  .meta({ id: 'ConsultationCommentBody' });
export type CommentBody = z.infer<typeof commentBodySchema>;

export const moderateBodySchema = z
  .discriminatedUnion('decision', [
    z.strictObject({ decision: z.literal('approve') }),
    z.strictObject({ decision: z.literal('reject'), reason: text(500).min(2, '请说明不予公开的理由') }),
  ])
  .meta({ id: 'ModerateCommentBody' });
export type ModerateBody = z.infer<typeof moderateBodySchema>;

export const adoptionBodySchema = z
  .strictObject({
    commentIds: z.array(commentIdSchema).min(1, '请至少选择一条意见').max(500),
    summary: text(2000).min(2, '请概括意见内容'),
    outcome: adoptionOutcomeSchema,
    reason: text(2000).min(2, '请说明采纳或不采纳的理由'),
  })
  .meta({ id: 'AdoptionBody' });
export type AdoptionBody = z.infer<typeof adoptionBodySchema>;

export const publishFeedbackBodySchema = z
  .strictObject({
    finalPolicyId: slugSchema,
    summary: text(20_000).min(2, '请填写采纳情况总体说明'),
  })
  .meta({ id: 'PublishFeedbackBody' });
export type PublishFeedbackBody = z.infer<typeof publishFeedbackBodySchema>;

export const consultationParamsSchema = z.strictObject({ id: consultationIdSchema });
export const commentParamsSchema = z.strictObject({ id: consultationIdSchema, commentId: commentIdSchema });

export const noticePreferenceBodySchema = z.strictObject({ consultationNotices: z.boolean() }).meta({ id: 'ConsultationNoticePreference' });

// ---- Public views ----

export const publicCommentSchema = z
  .object({
    id: z.string(),
    articleAnchor: z.string().nullable(),
    articleLabel: z.string().nullable(),
    text: z.string(),
    /** The commenter's name, or 匿名 when they chose to stay anonymous to the public. */
    displayName: z.string(),
    submittedAt: isoDateTimeSchema,
  })
  .meta({ id: 'PublicConsultationComment' });
export type PublicComment = z.infer<typeof publicCommentSchema>;

export const adoptionCountsSchema = z.object({
  received: z.number().int(),
  published: z.number().int(),
  adopted: z.number().int(),
  partlyAdopted: z.number().int(),
  notAdopted: z.number().int(),
  undecided: z.number().int(),
});
export type AdoptionCounts = z.infer<typeof adoptionCountsSchema>;

export const adoptionReportSchema = z
  .object({
    consultationId: z.string(),
    title: z.string(),
    finalPolicyId: z.string().nullable(),
    summary: z.string().nullable(),
    publishedAt: isoDateTimeSchema.nullable(),
    counts: adoptionCountsSchema,
    decisions: z.array(
      z.object({ summary: z.string(), outcome: adoptionOutcomeSchema, outcomeLabel: z.string(), reason: z.string(), commentCount: z.number().int(), articleLabels: z.array(z.string()) }),
    ),
  })
  .meta({ id: 'AdoptionReport' });
export type AdoptionReport = z.infer<typeof adoptionReportSchema>;

export const publicConsultationSchema = consultationSchema
  .pick({ id: true, title: true, draftText: true, articles: true, explanation: true, tags: true, major: true, startDate: true, endDate: true, status: true, finalPolicyId: true, openedAt: true })
  .extend({ statusLabel: z.string(), acceptingComments: z.boolean(), comments: z.array(publicCommentSchema), report: adoptionReportSchema.nullable() })
  .meta({ id: 'PublicConsultation' });
export type PublicConsultation = z.infer<typeof publicConsultationSchema>;

export const consultationListSchema = z
  .object({
    items: z.array(consultationSchema.pick({ id: true, title: true, startDate: true, endDate: true, status: true, tags: true, major: true }).extend({ statusLabel: z.string() })),
  })
  .meta({ id: 'ConsultationList' });

export const staffConsultationSchema = z
  .object({ consultation: consultationSchema, comments: z.array(consultationCommentSchema), decisions: z.array(adoptionDecisionSchema), counts: adoptionCountsSchema })
  .meta({ id: 'StaffConsultation' });
export type StaffConsultation = z.infer<typeof staffConsultationSchema>;

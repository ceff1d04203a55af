import { z } from 'zod';
import { isoDateTimeSchema } from './common.schema.js';

/** Why a recipient says a push was not for them (与我无关), as the feedback form offers it. */
export const IRRELEVANT_REASONS = ['industry', 'region', 'size', 'not_needed', 'other'] as const;
export const irrelevantReasonSchema = z.enum(IRRELEVANT_REASONS);
export type IrrelevantReason = z.infer<typeof irrelevantReasonSchema>;

export const IRRELEVANT_REASON_LABELS: Record<IrrelevantReason, string> = {
  industry: '行业不符',
  region: '地区不符',
  size: '规模不符',
  not_needed: '已不需要',
  other: '其他',
};

/** The 与我无关 record of one push: tied to the push, never to an address or a browser. */
export const pushFeedbackSchema = z.object({
  reasons: z.array(irrelevantReasonSchema),
  note: z.string().nullable(),
  recordedAt: isoDateTimeSchema,
});
export type PushFeedback = z.infer<typeof pushFeedbackSchema>;

export const STATISTICS_GROUPS = ['policy', 'channel', 'tag', 'park'] as const;
export const statisticsGroupSchema = z.enum(STATISTICS_GROUPS);
export type StatisticsGroup = z.infer<typeof statisticsGroupSchema>;

const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');

export const pushStatisticsQuerySchema = z.object({
  groupBy: statisticsGroupSchema.default('policy'),
  /** First day (Asia/Shanghai) of the pushes counted; default 90 days back. */
  from: dateSchema.optional(),
  /** Last day counted, inclusive; default today. */
  to: dateSchema.optional(),
  /** An unsubscribe within this many days after a push counts as following it. */
  followDays: z.coerce.number().int().min(1).max(90).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type PushStatisticsQuery = z.infer<typeof pushStatisticsQuerySchema>;

/** Counts of one group as the store computes them (keys are ids). */
export const statisticsCountsSchema = z.object({
  key: z.string(),
  delivered: z.number().int(),
  opened: z.number().int(),
  irrelevant: z.number().int(),
  unsubscribedAfter: z.number().int(),
  /** Median seconds from sending to the first open; null when nothing was opened. */
  medianOpenSeconds: z.number().nullable(),
});
export type StatisticsCounts = z.infer<typeof statisticsCountsSchema>;

export const pushStatisticsRowSchema = statisticsCountsSchema.extend({
  label: z.string(),
  openRate: z.number(),
  irrelevantRate: z.number(),
});
export type PushStatisticsRow = z.infer<typeof pushStatisticsRowSchema>;

export const pushStatisticsSchema = z
  .object({
    groupBy: statisticsGroupSchema,
    from: dateSchema,
    to: dateSchema,
    followDays: z.number().int(),
    totals: pushStatisticsRowSchema,
    rows: z.array(pushStatisticsRowSchema),
  })
  .meta({ id: 'PushStatistics' });
export type PushStatistics = z.infer<typeof pushStatisticsSchema>;

/** How often one tag rule or one unknown profile dimension came with 与我无关. */
export const precisionCountsSchema = z.object({ key: z.string(), delivered: z.number().int(), irrelevant: z.number().int() });
export type PrecisionCounts = z.infer<typeof precisionCountsSchema>;

export const precisionRowSchema = precisionCountsSchema.extend({ label: z.string(), irrelevantRate: z.number() });
export type PrecisionRow = z.infer<typeof precisionRowSchema>;

export const pushPrecisionSchema = z
  .object({
    from: dateSchema,
    to: dateSchema,
    /** Tags that matched a subscription rule, most 与我无关 first. */
    tags: z.array(precisionRowSchema),
    /** Profile dimensions left 待确认 when the push went out, most 与我无关 first. */
    gaps: z.array(precisionRowSchema),
    reasons: z.array(z.object({ reason: irrelevantReasonSchema, label: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'PushPrecision' });
export type PushPrecision = z.infer<typeof pushPrecisionSchema>;

export const pushPrecisionQuerySchema = pushStatisticsQuerySchema.pick({ from: true, to: true, limit: true });
export type PushPrecisionQuery = z.infer<typeof pushPrecisionQuerySchema>;

/** The 与我无关 form: reasons are optional, the note is free text. */
export const irrelevantFormSchema = z.object({
  reasons: z.array(irrelevantReasonSchema).max(IRRELEVANT_REASONS.length).default([]),
  note: z.string().trim().max(200, '补充说明最多 200 字').default(''),
  /** A digest: which of its policies were not relevant (delivery ids). */
  deliveryIds: z.array(z.coerce.number().int().positive()).max(200).default([]),
});
export type IrrelevantForm = z.infer<typeof irrelevantFormSchema>;

/** Stored records, as the store transfer moves them between engines. */
export const pushOpenRecordSchema = z.object({ source: z.enum(['delivery', 'message']), refId: z.number().int(), openedAt: isoDateTimeSchema });
export type PushOpenRecord = z.infer<typeof pushOpenRecordSchema>;
export const pushFeedbackRecordSchema = pushFeedbackSchema.extend({ source: z.enum(['delivery', 'message']), refId: z.number().int() });
export type PushFeedbackRecord = z.infer<typeof pushFeedbackRecordSchema>;

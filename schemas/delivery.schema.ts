import { z } from 'zod';
import { isoDateTimeSchema } from './common.schema.js';
import { dimensionIdSchema } from './taxonomy.schema.js';
import { channelSchema, profileDimensionSchema } from './subscriber.schema.js';
import { frequencySchema } from './subscription.schema.js';

export const deliveryStatusSchema = z.enum(['pending', 'sending', 'sent', 'delivered', 'failed_temporary', 'failed_permanent', 'skipped']);
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

const tagsByDimension = z.partialRecord(dimensionIdSchema, z.array(z.string()));

/** Why a subscriber was reached: stored with each delivery so every push can say why it was sent. */
export const explanationSchema = z
  .object({
    eligible: z.boolean(),
    eligibility: z.partialRecord(profileDimensionSchema, z.array(z.string())),
    unknown: z.array(profileDimensionSchema),
    subscriptions: z.array(
      z.object({
        subscriptionId: z.string(),
        matchedTags: tagsByDimension,
        matchedKeywords: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'MatchExplanation' });
export type Explanation = z.infer<typeof explanationSchema>;

/** One row of the outbox: unique per (policy version, subscriber, channel). */
export const deliverySchema = z
  .object({
    id: z.number().int(),
    policyId: z.string(),
    version: z.number().int(),
    subscriberId: z.string(),
    channel: channelSchema,
    frequency: frequencySchema,
    subscriptionIds: z.array(z.string()),
    explanation: explanationSchema,
    status: deliveryStatusSchema,
    urgent: z.boolean(),
    attempts: z.number().int(),
    nextAttemptAt: isoDateTimeSchema.nullable(),
    leaseUntil: isoDateTimeSchema.nullable(),
    lastError: z.string().nullable(),
    errorClass: z.string().nullable(),
    sentAt: isoDateTimeSchema.nullable(),
    deliveredAt: isoDateTimeSchema.nullable(),
    /** The digest message that carried this delivery (daily / weekly subscribers). */
    messageId: z.number().int().nullable(),
    /** Rendered and recorded, but not handed to the provider (WeChat dry-run). */
    dryRun: z.boolean(),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'Delivery' });
export type Delivery = z.infer<typeof deliverySchema>;

export type NewDelivery = Pick<Delivery, 'policyId' | 'version' | 'subscriberId' | 'channel' | 'frequency' | 'subscriptionIds' | 'explanation' | 'urgent'>;

export const matchingJobStatusSchema = z.enum(['running', 'done', 'skipped']);
export type MatchingJobStatus = z.infer<typeof matchingJobStatusSchema>;

export const matchingJobSchema = z.object({
  policyId: z.string(),
  version: z.number().int(),
  status: matchingJobStatusSchema,
  reason: z.string().nullable(),
  leaseUntil: isoDateTimeSchema.nullable(),
  attempts: z.number().int(),
  matched: z.number().int(),
  written: z.number().int(),
  startedAt: isoDateTimeSchema.nullable(),
  finishedAt: isoDateTimeSchema.nullable(),
});
export type MatchingJob = z.infer<typeof matchingJobSchema>;

/**
 * Why a send did not succeed, as a small closed set so failures can be counted and alerted on.
 * Permanent classes are never retried; temporary ones back off and retry up to the attempt limit.
 */
export const ERROR_CLASSES = {
  recipient_rejected: { permanent: true, label: '收件地址被拒收（永久失败，已标记为无效）' },
  message_rejected: { permanent: true, label: '邮件被服务器拒收' },
  recipient_not_found: { permanent: true, label: '机器人通讯录中找不到该联系人或群' },
  no_contact: { permanent: true, label: '没有可用的联系方式（未确认或已失效）' },
  unsubscribed: { permanent: true, label: '相关订阅已取消' },
  superseded: { permanent: true, label: '已有更新的版本' },
  render_failed: { permanent: true, label: '消息生成失败' },
  attempts_exhausted: { permanent: true, label: '重试次数已用完' },
  window_closed: { permanent: true, label: '申报已截止，提醒不再发送' },
  already_confirmed: { permanent: true, label: '邮箱已确认，无需再发确认邮件' },
  recipient_refused: { permanent: true, label: '对方已拒收服务号通知或 openid 无效（已停止向该联系人发送）' },
  webhook_invalid: { permanent: true, label: '群机器人 Webhook 无效（已标记，等待更新）' },
  rate_limited: { permanent: false, label: '平台限流，稍后重试' },
  mailbox_temporary: { permanent: false, label: '收件服务器暂时拒收' },
  connection: { permanent: false, label: '连接失败' },
  timeout: { permanent: false, label: '发送超时' },
  logged_out: { permanent: false, label: '微信机器人未登录' },
  provider_error: { permanent: false, label: '发送服务返回错误' },
  lease_expired: { permanent: false, label: '工作进程中断，租约过期后重新排队' },
} as const;
export type ErrorClass = keyof typeof ERROR_CLASSES;

export const attemptOutcomeSchema = z.enum(['sent', 'failed_temporary', 'failed_permanent', 'skipped', 'lease_expired', 'released']);
export type AttemptOutcome = z.infer<typeof attemptOutcomeSchema>;

export const deliveryAttemptSchema = z
  .object({
    id: z.number().int(),
    deliveryId: z.number().int().nullable(),
    messageId: z.number().int().nullable(),
    channel: channelSchema,
    account: z.string().nullable(),
    /** The worker (host:pid:random) that made the attempt. */
    worker: z.string().nullable(),
    attempt: z.number().int(),
    at: isoDateTimeSchema,
    outcome: attemptOutcomeSchema,
    errorClass: z.string().nullable(),
    response: z.string().nullable(),
    dryRun: z.boolean(),
    durationMs: z.number().int().nullable(),
  })
  .meta({ id: 'DeliveryAttempt' });
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export const pushMessageKindSchema = z.enum(['digest', 'reminder', 'confirmation', 'consultation']);
export type PushMessageKind = z.infer<typeof pushMessageKindSchema>;

const parkItemSchema = z.object({ policyId: z.string(), version: z.number().int(), memberIds: z.array(z.string()) });
export type ParkDigestItem = z.infer<typeof parkItemSchema>;

export const pushMessagePayloadSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('digest'),
    frequency: frequencySchema,
    runKey: z.string(),
    /** Policies new for the park's member enterprises (park group digests only). */
    parkItems: z.array(parkItemSchema),
    /** The last outbox row a park digest looked at: the next one starts after it. */
    parkCoveredThrough: z.number().int().nullable(),
  }),
  z.object({
    kind: z.literal('reminder'),
    daysBefore: z.number().int(),
    closesAt: z.string(),
    subscriptionIds: z.array(z.string()),
    deliveryId: z.number().int(),
  }),
  z.object({ kind: z.literal('confirmation'), contactId: z.string(), address: z.string() }),
  // 征求意见 notice: a consultation open on tags the subscriber follows (server/open-government/consultations/).
  z.object({ kind: z.literal('consultation'), consultationId: z.string(), subscriptionIds: z.array(z.string()), explanation: explanationSchema }),
]);
export type PushMessagePayload = z.infer<typeof pushMessagePayloadSchema>;

/** What the dispatcher sends besides single immediate pushes: digests, reminders, confirmations. */
export const pushMessageSchema = z
  .object({
    id: z.number().int(),
    kind: pushMessageKindSchema,
    dedupeKey: z.string(),
    subscriberId: z.string(),
    channel: channelSchema,
    contactId: z.string().nullable(),
    policyId: z.string().nullable(),
    version: z.number().int().nullable(),
    payload: pushMessagePayloadSchema,
    status: deliveryStatusSchema,
    urgent: z.boolean(),
    attempts: z.number().int(),
    nextAttemptAt: isoDateTimeSchema.nullable(),
    leaseUntil: isoDateTimeSchema.nullable(),
    lastError: z.string().nullable(),
    errorClass: z.string().nullable(),
    sentAt: isoDateTimeSchema.nullable(),
    dryRun: z.boolean(),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'PushMessage' });
export type PushMessage = z.infer<typeof pushMessageSchema>;

/** A unit of work the dispatcher holds a lease on. */
export type ClaimedWork = { source: 'delivery'; delivery: Delivery } | { source: 'message'; message: PushMessage };
export type WorkRef = { source: 'delivery' | 'message'; id: number };

/** The result of one send, written back in batches. */
export interface SendOutcome {
  ref: WorkRef;
  channel: z.infer<typeof channelSchema>;
  outcome: 'sent' | 'failed_temporary' | 'failed_permanent' | 'skipped';
  attempt: number;
  errorClass: ErrorClass | null;
  response: string | null;
  account: string | null;
  dryRun: boolean;
  durationMs: number;
  /** For temporary failures: when to try again. */
  nextAttemptAt: string | null;
}

export const channelControlSchema = z
  .object({ channel: channelSchema, paused: z.boolean(), reason: z.string().nullable(), updatedBy: z.string().nullable(), updatedAt: isoDateTimeSchema.nullable() })
  .meta({ id: 'ChannelControl' });
export type ChannelControl = z.infer<typeof channelControlSchema>;

export const pushPreferencesSchema = z.object({ deadlineReminders: z.boolean() }).meta({ id: 'PushPreferences' });
export type PushPreferences = z.infer<typeof pushPreferencesSchema>;
export const updatePushPreferencesBodySchema = z.strictObject({ deadlineReminders: z.boolean() }).meta({ id: 'UpdatePushPreferencesBody' });

export const unsubscribeScopeSchema = z.enum(['subscription', 'frequency', 'all', 'reminders']);
export type UnsubscribeScope = z.infer<typeof unsubscribeScopeSchema>;

export const unsubscribeResultSchema = z
  .object({
    scope: unsubscribeScopeSchema,
    subscriberId: z.string(),
    endedSubscriptionIds: z.array(z.string()),
    alreadyDone: z.boolean(),
    message: z.string(),
  })
  .meta({ id: 'UnsubscribeResult' });
export type UnsubscribeResult = z.infer<typeof unsubscribeResultSchema>;

export const deliveryLogQuerySchema = z.strictObject({
  version: z.coerce.number().int().min(1).optional(),
  subscriberId: z.string().min(1).max(64).optional(),
});

const deliveryHistorySchema = deliverySchema.extend({
  reasons: z.array(z.string()),
  attemptLog: z.array(deliveryAttemptSchema),
  /** For a delivery not settled yet: why it is still waiting (digest time, pause, backoff, pacing). */
  queuedReason: z.string().nullable(),
});

export const deliveryLogSchema = z
  .object({
    policyId: z.string(),
    version: z.number().int().nullable(),
    matching: z.object({ status: z.string().nullable(), reason: z.string().nullable(), matched: z.number().int(), written: z.number().int() }),
    total: z.number().int(),
    counts: z.array(z.object({ channel: channelSchema, status: deliveryStatusSchema, count: z.number().int(), dryRun: z.number().int() })),
    reminders: z.array(z.object({ channel: channelSchema, status: deliveryStatusSchema, count: z.number().int() })),
    failures: z.array(
      z.object({
        deliveryId: z.number().int(),
        subscriberId: z.string(),
        subscriberName: z.string(),
        channel: channelSchema,
        status: deliveryStatusSchema,
        errorClass: z.string().nullable(),
        reason: z.string(),
        attempts: z.number().int(),
        updatedAt: isoDateTimeSchema,
      }),
    ),
    byErrorClass: z.array(z.object({ errorClass: z.string(), label: z.string(), count: z.number().int() })),
    unsubscribes: z.object({ total: z.number().int(), byScope: z.partialRecord(unsubscribeScopeSchema, z.number().int()) }),
    channels: z.array(
      z.object({ channel: channelSchema, paused: z.boolean(), reason: z.string().nullable(), dryRun: z.boolean(), state: z.string() }),
    ),
    subscriber: z
      .object({
        subscriberId: z.string(),
        name: z.string(),
        deliveries: z.array(deliveryHistorySchema),
        messages: z.array(pushMessageSchema.extend({ attemptLog: z.array(deliveryAttemptSchema) })),
        /** When nothing was written for this subscriber: why not. */
        whyNot: z.array(z.string()),
      })
      .nullable(),
  })
  .meta({ id: 'DeliveryLog' });
export type DeliveryLog = z.infer<typeof deliveryLogSchema>;

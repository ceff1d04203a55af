import { z } from 'zod';
import { isoDateTimeSchema } from '../../schemas/common.schema.js';
import {
  channelControlSchema,
  deliveryAttemptSchema,
  deliverySchema,
  matchingJobSchema,
  pushMessageSchema,
  unsubscribeScopeSchema,
} from '../../schemas/delivery.schema.js';
import {
  faqItemSchema,
  interpretationDraftSchema,
  interpretationReleaseSchema,
  questionGroupSchema,
  storedImageSchema,
  storedQuestionSchema,
} from '../../schemas/interpretation.schema.js';
import { auditEntrySchema } from '../../schemas/audit.schema.js';
import { adoptionDecisionSchema, consultationCommentSchema, consultationSchema } from '../../schemas/consultation.schema.js';
import { reviewFiguresSchema } from '../../schemas/annual-report.schema.js';
import { policyRecordSchema, policyVersionSchema, reviewRecordSchema } from '../../schemas/policy.schema.js';
import { channelSchema, contactSchema, subscriberSchema } from '../../schemas/subscriber.schema.js';
import { subscriptionSchema } from '../../schemas/subscription.schema.js';
import { dimensionSchema, tagSchema } from '../../schemas/taxonomy.schema.js';
import { userSchema } from '../../schemas/user.schema.js';
import { pushFeedbackRecordSchema, pushOpenRecordSchema } from '../../schemas/push-tracking.schema.js';
import { officialAccountSettingsSchema, platformTokenSchema, wecomRobotSchema } from '../../schemas/wechat-channels.schema.js';
import { textFindingsSchema } from '../../schemas/text-findings.schema.js';
import { calendarAdjustmentSchema } from '../../schemas/calendar.schema.js';
import { disclosureMailSchema, disclosureRequestSchema } from '../../schemas/disclosure-request.schema.js';

/**
 * Everything a store holds, entity by entity, for moving an installation from one engine to
 * another (`npm run migrate:mongo`). A record is the domain object plus the bookkeeping the
 * domain port does not expose (change sequence numbers, sort positions, lease owners, token
 * hashes), so that the target continues exactly where the source stopped. Each engine maps its
 * own rows or documents to these records; the migration command maps nothing.
 */
export const STORE_RECORD_SCHEMAS = {
  dimensions: z.object({ dimension: dimensionSchema, sort: z.number().int() }),
  tags: z.object({ tag: tagSchema, sort: z.number().int() }),
  policies: z.object({ policy: policyRecordSchema, changeSeq: z.number().int() }),
  policyVersions: policyVersionSchema,
  policyReviews: z.object({ policyId: z.string(), review: reviewRecordSchema }),
  users: z.object({ user: userSchema, tokenHash: z.string() }),
  /** Contacts travel as their own entity, in their order: `subscriber.contacts` is empty here. */
  subscribers: z.object({ subscriber: subscriberSchema, changeSeq: z.number().int() }),
  contacts: z.object({ subscriberId: z.string(), contact: contactSchema, sort: z.number().int() }),
  subscriberTokens: z.object({ tokenHash: z.string(), subscriberId: z.string(), createdAt: z.string() }),
  subscriberTombstones: z.object({ id: z.string(), changeSeq: z.number().int(), deletedAt: z.string() }),
  subscriptions: subscriptionSchema,
  matchingJobs: matchingJobSchema,
  deliveries: z.object({ delivery: deliverySchema, leaseOwner: z.string().nullable() }),
  pushMessages: z.object({ message: pushMessageSchema, leaseOwner: z.string().nullable() }),
  deliveryAttempts: deliveryAttemptSchema,
  digestRuns: z.object({
    runKey: z.string(),
    frequency: z.enum(['daily', 'weekly']),
    slotAt: z.string(),
    status: z.enum(['running', 'done']),
    leaseUntil: isoDateTimeSchema.nullable(),
    messages: z.number().int(),
    startedAt: isoDateTimeSchema,
    finishedAt: isoDateTimeSchema.nullable(),
  }),
  pushPreferences: z.object({ subscriberId: z.string(), deadlineReminders: z.boolean(), updatedAt: isoDateTimeSchema }),
  pushControls: channelControlSchema,
  pushLanes: z.object({
    owner: z.string(),
    channel: channelSchema,
    state: z.enum(['running', 'paused', 'stopped']),
    reason: z.string().nullable(),
    account: z.string().nullable(),
    dryRun: z.boolean(),
    updatedAt: isoDateTimeSchema,
  }),
  unsubscribeEvents: z.object({
    subscriberId: z.string(),
    scope: unsubscribeScopeSchema,
    subscriptionIds: z.array(z.string()),
    deliveryId: z.number().int().nullable(),
    messageId: z.number().int().nullable(),
    policyId: z.string().nullable(),
    version: z.number().int().nullable(),
    source: z.enum(['header', 'link', 'api']),
    at: isoDateTimeSchema,
  }),
  interpretationDrafts: interpretationDraftSchema,
  interpretationReleases: interpretationReleaseSchema,
  interpretationReviews: z.object({ reviewId: z.number().int(), policyId: z.string(), round: z.number().int(), digest: z.string().nullable() }),
  images: storedImageSchema,
  faqs: faqItemSchema,
  questionGroups: questionGroupSchema,
  questions: z.object({ question: storedQuestionSchema, clientHash: z.string() }),
  webAccounts: z.object({
    account: z.object({
      id: z.string(),
      email: z.string(),
      passwordHash: z.string(),
      subscriberId: z.string(),
      createdAt: isoDateTimeSchema,
      lastSignInAt: isoDateTimeSchema.nullable(),
    }),
    /** Password changes; the domain port does not expose it. */
    updatedAt: z.string(),
  }),
  auditEntries: auditEntrySchema,
  policyTextFindings: textFindingsSchema,
  webSessions: z.object({
    idHash: z.string(),
    principal: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('account'), accountId: z.string() }),
      z.object({ kind: z.literal('staff'), userId: z.string(), credential: z.string() }),
    ]),
    createdAt: isoDateTimeSchema,
    lastSeenAt: isoDateTimeSchema,
    expiresAt: isoDateTimeSchema,
  }),
  pushOpens: pushOpenRecordSchema,
  pushFeedback: pushFeedbackRecordSchema,
  wechatOfficialAccounts: officialAccountSettingsSchema,
  wecomRobots: wecomRobotSchema,
  platformTokens: platformTokenSchema,
  calendarAdjustments: calendarAdjustmentSchema,
  disclosureRequests: disclosureRequestSchema,
  disclosureMail: disclosureMailSchema,
  consultations: consultationSchema,
  consultationComments: consultationCommentSchema,
  consultationAdoptions: adoptionDecisionSchema,
  /** Which decision each comment belongs to (one per comment, by the key). */
  consultationAdoptionClaims: z.object({ commentId: z.string(), adoptionId: z.string() }),
  consultationNoticePreferences: z.object({ subscriberId: z.string(), wanted: z.boolean(), updatedAt: z.string() }),
  reportFigures: z.object({ year: z.number().int(), figures: reviewFiguresSchema, updatedBy: z.string(), updatedAt: z.string() }),
};

export type StoreEntity = keyof typeof STORE_RECORD_SCHEMAS;
export type StoreRecords = { [K in StoreEntity]: z.infer<(typeof STORE_RECORD_SCHEMAS)[K]> };

/** Every entity, in an order where nothing refers to a later one. */
export const STORE_ENTITIES: readonly StoreEntity[] = [
  'dimensions',
  'tags',
  'policies',
  'policyVersions',
  'policyReviews',
  'users',
  'subscribers',
  'contacts',
  'subscriberTokens',
  'subscriberTombstones',
  'subscriptions',
  'matchingJobs',
  'deliveries',
  'pushMessages',
  'deliveryAttempts',
  'digestRuns',
  'pushPreferences',
  'pushControls',
  'pushLanes',
  'unsubscribeEvents',
  'interpretationDrafts',
  'interpretationReleases',
  'interpretationReviews',
  'images',
  'faqs',
  'questionGroups',
  'questions',
  'webAccounts',
  'webSessions',
  'auditEntries',
  'pushOpens',
  'pushFeedback',
  'wechatOfficialAccounts',
  'wecomRobots',
  'platformTokens',
  'policyTextFindings',
  'calendarAdjustments',
  'disclosureRequests',
  'disclosureMail',
  'consultations',
  'consultationComments',
  'consultationAdoptions',
  'consultationAdoptionClaims',
  'consultationNoticePreferences',
  'reportFigures',
];

/** Where the target's sequences and generated ids continue (never moved backwards). */
export interface StoreCounters {
  policyChangeSeq: number;
  subscriberChangeSeq: number;
  reviewId: number;
  tagSort: number;
  /** Outbox and push message ids appear in links and Message-IDs: the target continues from them. */
  deliveryId: number;
  pushMessageId: number;
  deliveryAttemptId: number;
  /** Audit entries are numbered in write order; the target appends after the last one. */
  auditId: number;
}

/** What a store reads out, from one consistent snapshot. */
export interface StoreExportReader {
  count(entity: StoreEntity): Promise<number>;
  /** Every record of one entity in a stable order, `batchSize` at a time. */
  records<K extends StoreEntity>(input: { entity: K; batchSize: number }): AsyncIterable<StoreRecords[K][]>;
  counters(): Promise<StoreCounters>;
}

export interface StoreExport {
  /**
   * Runs `read` over one snapshot: every entity comes from the same moment even while a running
   * platform goes on writing (those later writes are not part of it).
   */
  snapshot<T>(read: (reader: StoreExportReader) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreImport {
  /** Creates or upgrades the target's schema. */
  prepare(): Promise<void>;
  count(entity: StoreEntity): Promise<number>;
  /** Writes records as upserts on their keys: importing the same records again converges. */
  write<K extends StoreEntity>(input: { entity: K; records: StoreRecords[K][] }): Promise<void>;
  /** Raises each counter to at least the given value. */
  raiseCounters(counters: StoreCounters): Promise<void>;
  close(): Promise<void>;
}

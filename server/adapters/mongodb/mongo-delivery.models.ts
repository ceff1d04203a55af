import type { AnyBulkWriteOperation, Sort } from 'mongodb';
import { z } from 'zod';
import {
  channelControlSchema,
  deliveryAttemptSchema,
  deliverySchema,
  deliveryStatusSchema,
  pushMessagePayloadSchema,
  pushMessageSchema,
  unsubscribeScopeSchema,
  type ChannelControl,
  type Delivery,
  type DeliveryAttempt,
  type NewDelivery,
  type PushMessage,
  type PushMessagePayload,
} from '../../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import { isoDateTimeSchema } from '../../../schemas/common.schema.js';
import type { ContactDoc, SubscriberDoc } from './mongo-subscriber.repository.js';
import { COLLECTIONS, mongoose, nextSeq, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

/** Collections owned by the push repositories (the web account repository deletes a subscriber's outbox rows and preferences). */
export const PUSH_COLLECTIONS = {
  deliveries: 'deliveries',
  pushMessages: 'push_messages',
  deliveryAttempts: 'delivery_attempts',
  digestRuns: 'digest_runs',
  pushPreferences: 'push_preferences',
  pushControls: 'push_controls',
  pushLanes: 'push_lanes',
  unsubscribeEvents: 'unsubscribe_events',
} as const;

/** Integer ids keep the API's numeric ids (`delivery:123` in Message-IDs and unsubscribe tokens). */
export const PUSH_ID_SEQ = { delivery: 'delivery_id', message: 'push_message_id', attempt: 'delivery_attempt_id' } as const;

// ---------------------------------------------------------------------------------------------
// Stored shapes

export type DeliveryDoc = Omit<Delivery, 'id'> & { _id: number; leaseOwner: string | null };
export type PushMessageDoc = Omit<PushMessage, 'id'> & { _id: number; leaseOwner: string | null };
export type DeliveryAttemptDoc = Omit<DeliveryAttempt, 'id'> & { _id: number };

/** Stored shapes that have no API schema of their own. */
export const digestRunRecordSchema = z.object({
  runKey: z.string(),
  frequency: z.enum(['daily', 'weekly']),
  slotAt: z.string(),
  status: z.enum(['running', 'done']),
  /** A run is planned in several transactions; a worker that dies mid-run leaves it to whoever comes after the lease. */
  leaseUntil: isoDateTimeSchema.nullable(),
  /** The newest outbox row when the run started: rows written later wait for the next run. */
  maxId: z.number().int(),
  messages: z.number().int(),
  startedAt: isoDateTimeSchema,
  finishedAt: isoDateTimeSchema.nullable(),
});
export type DigestRunDoc = Omit<z.infer<typeof digestRunRecordSchema>, 'runKey'> & { _id: string };

export const pushPreferenceRecordSchema = z.object({ subscriberId: z.string(), deadlineReminders: z.boolean(), updatedAt: isoDateTimeSchema });
export type PushPreferenceDoc = Omit<z.infer<typeof pushPreferenceRecordSchema>, 'subscriberId'> & { _id: string };

export type PushControlDoc = Omit<ChannelControl, 'channel'> & { _id: Channel };

export const laneReportRecordSchema = z.object({
  owner: z.string(),
  channel: channelSchema,
  state: z.enum(['running', 'paused', 'stopped']),
  reason: z.string().nullable(),
  account: z.string().nullable(),
  dryRun: z.boolean(),
  updatedAt: isoDateTimeSchema,
});
export type LaneDoc = z.infer<typeof laneReportRecordSchema>;

export const unsubscribeEventRecordSchema = z.object({
  subscriberId: z.string(),
  scope: unsubscribeScopeSchema,
  subscriptionIds: z.array(z.string()),
  deliveryId: z.number().int().nullable(),
  messageId: z.number().int().nullable(),
  policyId: z.string().nullable(),
  version: z.number().int().nullable(),
  source: z.enum(['header', 'link', 'api']),
  at: isoDateTimeSchema,
});
export type UnsubscribeEventDoc = z.infer<typeof unsubscribeEventRecordSchema>;


// ---------------------------------------------------------------------------------------------
// Models: explicit collections and index names; indexes are created by MongoStore.migrate().

const { Mixed } = mongoose.Schema.Types;

/** Fields deliveries and messages share: the dispatcher treats both as one queue. */
const queuePaths = {
  subscriberId: String,
  channel: String,
  status: String,
  urgent: Boolean,
  attempts: Number,
  nextAttemptAt: String,
  leaseUntil: String,
  leaseOwner: String,
  lastError: String,
  errorClass: String,
  sentAt: String,
  dryRun: Boolean,
  createdAt: String,
  updatedAt: String,
};

const deliveryModelSchema = storedSchema(
  {
    _id: Number,
    ...queuePaths,
    policyId: String,
    version: Number,
    frequency: String,
    subscriptionIds: [String],
    explanation: Mixed,
    deliveredAt: String,
    messageId: Number,
  },
  { collection: PUSH_COLLECTIONS.deliveries },
);
// The outbox invariant: one delivery per policy version, subscriber and channel (enqueue upserts on it).
deliveryModelSchema.index({ policyId: 1, version: 1, subscriberId: 1, channel: 1 }, { name: 'deliveries_unique', unique: true });
// The dispatcher's claim: equality on channel and frequency, two statuses merged in index order, due first.
deliveryModelSchema.index({ channel: 1, frequency: 1, status: 1, urgent: -1, nextAttemptAt: 1, _id: 1 }, { name: 'deliveries_queue' });
// The sweeper (status 'sending', expired lease) and queue depth per channel and status.
deliveryModelSchema.index({ status: 1, channel: 1, leaseUntil: 1 }, { name: 'deliveries_status' });
// Deliveries waiting for a digest, walked subscriber by subscriber; `_id` lets the run's bound be checked in the index.
deliveryModelSchema.index({ frequency: 1, status: 1, messageId: 1, subscriberId: 1, channel: 1, _id: 1 }, { name: 'deliveries_digest_wait' });
deliveryModelSchema.index({ messageId: 1 }, { name: 'deliveries_message' });
// The delivery log and reminders page through one policy's rows in id order.
deliveryModelSchema.index({ policyId: 1, _id: 1 }, { name: 'deliveries_policy' });
// A subscriber's feed (newest first), park members' rows for park digests, account deletion.
deliveryModelSchema.index({ subscriberId: 1, _id: -1 }, { name: 'deliveries_subscriber' });
// Push statistics read sent deliveries by sending time.
deliveryModelSchema.index({ sentAt: 1 }, { name: 'deliveries_sent_at', partialFilterExpression: { sentAt: { $type: 'string' } } });

const messageModelSchema = storedSchema(
  {
    _id: Number,
    ...queuePaths,
    kind: String,
    dedupeKey: String,
    contactId: String,
    policyId: String,
    version: Number,
    payload: Mixed,
  },
  { collection: PUSH_COLLECTIONS.pushMessages },
);
// Digest: run × subscriber × channel; reminder: policy × subscriber × channel × days; confirmation: contact.
messageModelSchema.index({ dedupeKey: 1 }, { name: 'push_messages_dedupe', unique: true });
messageModelSchema.index({ channel: 1, status: 1, urgent: -1, nextAttemptAt: 1, _id: 1 }, { name: 'push_messages_queue' });
messageModelSchema.index({ status: 1, channel: 1, leaseUntil: 1 }, { name: 'push_messages_status' });
messageModelSchema.index({ policyId: 1, version: 1, kind: 1 }, { name: 'push_messages_policy' });
// Double opt-in looks up whether a contact was asked already.
messageModelSchema.index({ contactId: 1 }, { name: 'push_messages_contact' });
// The previous park digest of a park, and a subscriber's messages in the delivery log.
messageModelSchema.index({ subscriberId: 1, kind: 1, channel: 1, _id: -1 }, { name: 'push_messages_subscriber' });
// Park digests naming a member enterprise (a deleted member is taken out of them).
messageModelSchema.index({ 'payload.parkItems.memberIds': 1 }, { name: 'push_messages_park_members', partialFilterExpression: { kind: 'digest' } });

const attemptModelSchema = storedSchema(
  {
    _id: Number,
    deliveryId: Number,
    messageId: Number,
    channel: String,
    account: String,
    worker: String,
    attempt: Number,
    at: String,
    outcome: String,
    errorClass: String,
    response: String,
    dryRun: Boolean,
    durationMs: Number,
  },
  { collection: PUSH_COLLECTIONS.deliveryAttempts },
);
attemptModelSchema.index({ deliveryId: 1 }, { name: 'delivery_attempts_delivery' });
attemptModelSchema.index({ messageId: 1 }, { name: 'delivery_attempts_message' });
// Attempt totals are read on every metrics scrape: a covered scan of this index, not of the documents.
attemptModelSchema.index({ channel: 1, outcome: 1, errorClass: 1 }, { name: 'delivery_attempts_outcome' });
// Daily WeChat budgets count one account's sends since Shanghai midnight.
attemptModelSchema.index({ account: 1, outcome: 1, at: 1 }, { name: 'delivery_attempts_account_day' });

const digestRunModelSchema = storedSchema(
  {
    _id: String,
    frequency: String,
    slotAt: String,
    status: String,
    leaseUntil: String,
    maxId: Number,
    messages: Number,
    startedAt: String,
    finishedAt: String,
  },
  { collection: PUSH_COLLECTIONS.digestRuns },
);

const preferenceModelSchema = storedSchema({ _id: String, deadlineReminders: Boolean, updatedAt: String }, { collection: PUSH_COLLECTIONS.pushPreferences });

const controlModelSchema = storedSchema(
  { _id: String, paused: Boolean, reason: String, updatedBy: String, updatedAt: String },
  { collection: PUSH_COLLECTIONS.pushControls },
);

const laneModelSchema = storedSchema(
  { owner: String, channel: String, state: String, reason: String, account: String, dryRun: Boolean, updatedAt: String },
  { collection: PUSH_COLLECTIONS.pushLanes },
);
laneModelSchema.index({ owner: 1, channel: 1 }, { name: 'push_lanes_owner_channel', unique: true });
laneModelSchema.index({ updatedAt: 1 }, { name: 'push_lanes_updated' });

const unsubscribeModelSchema = storedSchema(
  {
    subscriberId: String,
    scope: String,
    subscriptionIds: [String],
    deliveryId: Number,
    messageId: Number,
    policyId: String,
    version: Number,
    source: String,
    at: String,
  },
  { collection: PUSH_COLLECTIONS.unsubscribeEvents },
);
unsubscribeModelSchema.index({ policyId: 1, version: 1, scope: 1 }, { name: 'unsubscribe_events_policy' });
unsubscribeModelSchema.index({ subscriberId: 1 }, { name: 'unsubscribe_events_subscriber' });

export const deliveryModels: ModelBinding[] = [
  { name: 'Delivery', schema: deliveryModelSchema, shape: deliverySchema.shape, idField: 'id', storageOnly: ['leaseOwner'] },
  { name: 'PushMessage', schema: messageModelSchema, shape: pushMessageSchema.shape, idField: 'id', storageOnly: ['leaseOwner'] },
  { name: 'DeliveryAttempt', schema: attemptModelSchema, shape: deliveryAttemptSchema.shape, idField: 'id' },
  { name: 'DigestRun', schema: digestRunModelSchema, shape: digestRunRecordSchema.shape, idField: 'runKey' },
  { name: 'PushPreference', schema: preferenceModelSchema, shape: pushPreferenceRecordSchema.shape, idField: 'subscriberId' },
  { name: 'PushControl', schema: controlModelSchema, shape: channelControlSchema.shape, idField: 'channel' },
  { name: 'PushLane', schema: laneModelSchema, shape: laneReportRecordSchema.shape, storageOnly: ['_id'] },
  { name: 'UnsubscribeEvent', schema: unsubscribeModelSchema, shape: unsubscribeEventRecordSchema.shape, storageOnly: ['_id'] },
];

// ---------------------------------------------------------------------------------------------


/** Bounded batches keep every transaction well inside MongoDB's time and cache limits. */
export const BULK = 1000;

/** The dispatcher's queue order (see `compareQueueKeys`), as a sort both queue indexes serve. */
export const QUEUE_ORDER: Sort = { urgent: -1, nextAttemptAt: 1, _id: 1 };

export function deliveryFromDoc(doc: DeliveryDoc): Delivery {
  const { _id, leaseOwner: _leaseOwner, ...rest } = doc;
  return deliverySchema.parse({ ...rest, id: _id });
}

export function messageFromDoc(doc: PushMessageDoc): PushMessage {
  const { _id, leaseOwner: _leaseOwner, ...rest } = doc;
  return pushMessageSchema.parse({ ...rest, id: _id });
}

export function attemptFromDoc(doc: DeliveryAttemptDoc): DeliveryAttempt {
  const { _id, ...rest } = doc;
  return deliveryAttemptSchema.parse({ ...rest, id: _id });
}

export function newDeliveryDoc(row: NewDelivery, id: number, at: string): DeliveryDoc {
  return {
    _id: id,
    policyId: row.policyId,
    version: row.version,
    subscriberId: row.subscriberId,
    channel: row.channel,
    frequency: row.frequency,
    subscriptionIds: row.subscriptionIds,
    explanation: row.explanation,
    status: 'pending',
    urgent: row.urgent,
    attempts: 0,
    nextAttemptAt: at,
    leaseUntil: null,
    leaseOwner: null,
    lastError: null,
    errorClass: null,
    sentAt: null,
    deliveredAt: null,
    messageId: null,
    dryRun: false,
    createdAt: at,
    updatedAt: at,
  };
}

export function newMessageDoc(input: {
  id: number;
  kind: PushMessage['kind'];
  dedupeKey: string;
  subscriberId: string;
  channel: Channel;
  payload: PushMessagePayload;
  at: string;
  urgent: boolean;
  contactId?: string | null;
  policyId?: string | null;
  version?: number | null;
}): PushMessageDoc {
  return {
    _id: input.id,
    kind: input.kind,
    dedupeKey: input.dedupeKey,
    subscriberId: input.subscriberId,
    channel: input.channel,
    contactId: input.contactId ?? null,
    policyId: input.policyId ?? null,
    version: input.version ?? null,
    payload: pushMessagePayloadSchema.parse(input.payload),
    status: 'pending',
    urgent: input.urgent,
    attempts: 0,
    nextAttemptAt: input.at,
    leaseUntil: null,
    leaseOwner: null,
    lastError: null,
    errorClass: null,
    sentAt: null,
    dryRun: false,
    createdAt: input.at,
    updatedAt: input.at,
  };
}

/**
 * An idempotent insert keyed by the dedupe key: matching an existing message writes nothing. The
 * key comes from the filter, so `$setOnInsert` must not repeat it.
 */
export function insertMessageIfAbsent(doc: PushMessageDoc): AnyBulkWriteOperation<PushMessageDoc> {
  const { dedupeKey, ...rest } = doc;
  return { updateOne: { filter: { dedupeKey }, update: { $setOnInsert: rest }, upsert: true } };
}

export const countRowSchema = z.object({ _id: z.object({ channel: channelSchema, status: deliveryStatusSchema }), count: z.number(), dryRun: z.number() });
export const statusCountSchema = z.object({ _id: z.object({ channel: channelSchema, status: deliveryStatusSchema }), count: z.number() });

/** The push collections, typed; each repository reads the ones it needs. */
export function pushCollections(ctx: MongoContext) {
  const c = ctx.connection;
  return {
    deliveries: c.collection<DeliveryDoc>(PUSH_COLLECTIONS.deliveries),
    messages: c.collection<PushMessageDoc>(PUSH_COLLECTIONS.pushMessages),
    attempts: c.collection<DeliveryAttemptDoc>(PUSH_COLLECTIONS.deliveryAttempts),
    digestRuns: c.collection<DigestRunDoc>(PUSH_COLLECTIONS.digestRuns),
    preferences: c.collection<PushPreferenceDoc>(PUSH_COLLECTIONS.pushPreferences),
    controls: c.collection<PushControlDoc>(PUSH_COLLECTIONS.pushControls),
    lanes: c.collection<LaneDoc>(PUSH_COLLECTIONS.pushLanes),
    unsubscribes: c.collection<UnsubscribeEventDoc>(PUSH_COLLECTIONS.unsubscribeEvents),
    subscribers: c.collection<SubscriberDoc>(COLLECTIONS.subscribers),
    contacts: c.collection<ContactDoc>(COLLECTIONS.contacts),
  };
}

/**
 * Attempt ids are taken outside any transaction: attempts are only ever listed, never followed by
 * a watermark, so they need not become visible in id order, and the counter is not held for the
 * length of a transaction by every worker recording results.
 */
export async function attemptIds(ctx: MongoContext, count: number): Promise<number> {
  return nextSeq({ ctx, key: PUSH_ID_SEQ.attempt, count });
}

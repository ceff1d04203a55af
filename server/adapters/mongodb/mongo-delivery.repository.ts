import type { ClientSession } from 'mongoose';
import type { AnyBulkWriteOperation, Filter, Sort } from 'mongodb';
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
  type ClaimedWork,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type NewDelivery,
  type ParkDigestItem,
  type PushMessage,
  type PushMessagePayload,
  type PushPreferences,
  type SendOutcome,
  type UnsubscribeScope,
  type WorkRef,
} from '../../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import type { Frequency } from '../../../schemas/subscription.schema.js';
import { isoDateTimeSchema } from '../../../schemas/common.schema.js';
import type { LaneReport } from '../../ports/push-queue.port.js';
import type { DeliveryRepository } from '../../ports/store.port.js';
import type { ContactDoc, SubscriberDoc } from './mongo-subscriber.repository.js';
import { chunks, COLLECTIONS, inTransaction, mongoose, nextSeq, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

/** Collections owned by this repository (the web account repository deletes a subscriber's outbox rows and preferences). */
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
type LaneDoc = z.infer<typeof laneReportRecordSchema>;

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

const CLAIMABLE: DeliveryStatus[] = ['pending', 'failed_temporary'];
const FINAL: DeliveryStatus[] = ['sent', 'delivered', 'failed_permanent', 'skipped'];
const QUEUE_ORDER: Sort = { urgent: -1, nextAttemptAt: 1, _id: 1 };
const LEASE_EXPIRED_TEXT = '租约过期：工作进程中断或超时，已重新排队';
const SUPERSEDED_TEXT = '同一政策已有更新的版本，汇总中只列最新版本';
const RESPONSE_MAX = 1000;

/** Bounded batches keep every transaction well inside MongoDB's time and cache limits. */
const BULK = 1000;
const SWEEP_CHUNK = 500;
const DIGEST_SCAN_ROWS = 2000;
const REMINDER_PAGE = 1000;
const DIGEST_LEASE_MS = 5 * 60_000;

export function deliveryFromDoc(doc: DeliveryDoc): Delivery {
  const { _id, leaseOwner: _leaseOwner, ...rest } = doc;
  return deliverySchema.parse({ ...rest, id: _id });
}

export function messageFromDoc(doc: PushMessageDoc): PushMessage {
  const { _id, leaseOwner: _leaseOwner, ...rest } = doc;
  return pushMessageSchema.parse({ ...rest, id: _id });
}

function attemptFromDoc(doc: DeliveryAttemptDoc): DeliveryAttempt {
  const { _id, ...rest } = doc;
  return deliveryAttemptSchema.parse({ ...rest, id: _id });
}

function newDeliveryDoc(row: NewDelivery, id: number, at: string): DeliveryDoc {
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

function newMessageDoc(input: {
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
function insertMessageIfAbsent(doc: PushMessageDoc): AnyBulkWriteOperation<PushMessageDoc> {
  const { dedupeKey, ...rest } = doc;
  return { updateOne: { filter: { dedupeKey }, update: { $setOnInsert: rest }, upsert: true } };
}

function compareQueueKeys(a: { urgent: boolean; due: string; id: number }, b: { urgent: boolean; due: string; id: number }): number {
  return Number(b.urgent) - Number(a.urgent) || a.due.localeCompare(b.due) || a.id - b.id;
}

const countRowSchema = z.object({ _id: z.object({ channel: channelSchema, status: deliveryStatusSchema }), count: z.number(), dryRun: z.number() });
const statusCountSchema = z.object({ _id: z.object({ channel: channelSchema, status: deliveryStatusSchema }), count: z.number() });

/**
 * The outbox on MongoDB. The dispatcher's claim is one atomic `findOneAndUpdate` per item, so any
 * number of workers on any number of machines share the queue without sharing an item; writes that
 * touch several documents run in transactions (replica set required).
 */
export class MongoDeliveryRepository implements DeliveryRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get deliveries() {
    return this.ctx.connection.collection<DeliveryDoc>(PUSH_COLLECTIONS.deliveries);
  }

  private get messages() {
    return this.ctx.connection.collection<PushMessageDoc>(PUSH_COLLECTIONS.pushMessages);
  }

  private get attempts() {
    return this.ctx.connection.collection<DeliveryAttemptDoc>(PUSH_COLLECTIONS.deliveryAttempts);
  }

  private get digestRuns() {
    return this.ctx.connection.collection<DigestRunDoc>(PUSH_COLLECTIONS.digestRuns);
  }

  private get preferences() {
    return this.ctx.connection.collection<PushPreferenceDoc>(PUSH_COLLECTIONS.pushPreferences);
  }

  private get controls() {
    return this.ctx.connection.collection<PushControlDoc>(PUSH_COLLECTIONS.pushControls);
  }

  private get lanes() {
    return this.ctx.connection.collection<LaneDoc>(PUSH_COLLECTIONS.pushLanes);
  }

  private get unsubscribes() {
    return this.ctx.connection.collection<UnsubscribeEventDoc>(PUSH_COLLECTIONS.unsubscribeEvents);
  }

  private get subscribers() {
    return this.ctx.connection.collection<SubscriberDoc>(COLLECTIONS.subscribers);
  }

  private get contacts() {
    return this.ctx.connection.collection<ContactDoc>(COLLECTIONS.contacts);
  }

  /**
   * Attempt ids are taken outside any transaction: attempts are only ever listed, never followed by
   * a watermark, so they need not become visible in id order, and the counter is not held for the
   * length of a transaction by every worker recording results.
   */
  private async attemptIds(count: number): Promise<number> {
    return nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.attempt, count });
  }

  // -------------------------------------------------------------------------------------------
  // Outbox

  async enqueue(rows: NewDelivery[], at: string): Promise<{ inserted: number }> {
    if (rows.length === 0) return { inserted: 0 };
    return inTransaction(this.ctx, async (session) => {
      // Reserved inside the transaction: the counter stays locked until commit, so ids become visible
      // in increasing order and a digest run's `maxId` bound or a park digest's watermark never skips
      // a row that commits late.
      const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.delivery, count: rows.length, session });
      let inserted = 0;
      for (const [b, batch] of chunks(rows, BULK).entries()) {
        const ops: AnyBulkWriteOperation<DeliveryDoc>[] = batch.map((row, i) => {
          const { policyId, version, subscriberId, channel, ...rest } = newDeliveryDoc(row, first + b * BULK + i, at);
          return { updateOne: { filter: { policyId, version, subscriberId, channel }, update: { $setOnInsert: rest }, upsert: true } };
        });
        inserted += (await this.deliveries.bulkWrite(ops, { session, ordered: true })).upsertedCount;
      }
      return { inserted };
    });
  }

  async listForPolicy({ policyId, version, limit, offset }: { policyId: string; version?: number; limit: number; offset: number }) {
    const filter: Filter<DeliveryDoc> = version === undefined ? { policyId } : { policyId, version };
    const total = await this.deliveries.countDocuments(filter);
    const items = (await this.deliveries.find(filter).sort({ policyId: 1, _id: 1 }).skip(offset).limit(limit).toArray()).map(deliveryFromDoc);
    return { total, items };
  }

  async listForSubscriber({ subscriberId, limit }: { subscriberId: string; limit: number }): Promise<Delivery[]> {
    return (await this.deliveries.find({ subscriberId }).sort({ subscriberId: 1, _id: -1 }).limit(limit).toArray()).map(deliveryFromDoc);
  }

  async countForPolicy({ policyId, version }: { policyId: string; version: number }): Promise<number> {
    return this.deliveries.countDocuments({ policyId, version });
  }

  // -------------------------------------------------------------------------------------------
  // Dispatcher queue

  async claim({ channel, now, leaseUntil, owner, limit }: { channel: Channel; now: string; leaseUntil: string; owner: string; limit: number }): Promise<ClaimedWork[]> {
    if (limit <= 0) return [];
    const deliveryFilter: Filter<DeliveryDoc> = { channel, frequency: 'immediate', status: { $in: CLAIMABLE }, nextAttemptAt: { $lte: now } };
    const messageFilter: Filter<PushMessageDoc> = { channel, status: { $in: CLAIMABLE }, nextAttemptAt: { $lte: now } };
    // A look at both queues' heads decides how many items the batch takes from each, so urgent
    // messages are not starved by a long run of ordinary deliveries (and the other way round).
    type Head = { _id: number; urgent: boolean; nextAttemptAt: string | null };
    const [deliveryHeads, messageHeads] = await Promise.all([
      this.deliveries.find(deliveryFilter).sort(QUEUE_ORDER).limit(limit).project<Head>({ urgent: 1, nextAttemptAt: 1 }).toArray(),
      this.messages.find(messageFilter).sort(QUEUE_ORDER).limit(limit).project<Head>({ urgent: 1, nextAttemptAt: 1 }).toArray(),
    ]);
    const plan = [
      ...deliveryHeads.map((h) => ({ source: 'delivery' as const, urgent: h.urgent, due: h.nextAttemptAt ?? '', id: h._id })),
      ...messageHeads.map((h) => ({ source: 'message' as const, urgent: h.urgent, due: h.nextAttemptAt ?? '', id: h._id })),
    ]
      .sort(compareQueueKeys)
      .slice(0, limit);
    const quota = { delivery: plan.filter((p) => p.source === 'delivery').length, message: plan.filter((p) => p.source === 'message').length };

    const lease = { $set: { status: 'sending' as const, leaseUntil, leaseOwner: owner, updatedAt: now }, $inc: { attempts: 1 } };
    const claimed: { work: ClaimedWork; key: { urgent: boolean; due: string; id: number } }[] = [];
    // One document per call: the server picks and leases the best due item atomically, so two workers
    // never get the same one. The heads above may already be gone; each call takes the next best.
    for (let i = 0; i < quota.message; i += 1) {
      const doc = await this.messages.findOneAndUpdate(messageFilter, lease, { sort: QUEUE_ORDER, returnDocument: 'after' });
      if (!doc) break;
      const message = messageFromDoc(doc);
      claimed.push({ work: { source: 'message', message }, key: { urgent: message.urgent, due: message.nextAttemptAt ?? '', id: message.id } });
    }
    for (let i = 0; i < quota.delivery; i += 1) {
      const doc = await this.deliveries.findOneAndUpdate(deliveryFilter, lease, { sort: QUEUE_ORDER, returnDocument: 'after' });
      if (!doc) break;
      const delivery = deliveryFromDoc(doc);
      claimed.push({ work: { source: 'delivery', delivery }, key: { urgent: delivery.urgent, due: delivery.nextAttemptAt ?? '', id: delivery.id } });
    }
    return claimed.sort((a, b) => compareQueueKeys(a.key, b.key)).map((c) => c.work);
  }

  async recordOutcomes({ outcomes, owner, at }: { outcomes: SendOutcome[]; owner: string; at: string }): Promise<void> {
    if (outcomes.length === 0) return;
    const firstAttemptId = await this.attemptIds(outcomes.length);
    await inTransaction(this.ctx, async (session) => {
      const deliveryOps: AnyBulkWriteOperation<DeliveryDoc>[] = [];
      for (const o of outcomes) {
        const sent = o.outcome === 'sent';
        // A row another worker holds is left alone; a `sent` result is written whoever holds it, so a
        // message known to be sent is never sent again.
        const guard = sent ? {} : { $or: [{ status: { $ne: 'sending' as const } }, { leaseOwner: owner }] };
        const set = {
          status: o.outcome,
          leaseUntil: null,
          leaseOwner: null,
          lastError: sent ? null : o.response,
          errorClass: o.errorClass,
          nextAttemptAt: o.nextAttemptAt,
          dryRun: o.dryRun,
          updatedAt: at,
          ...(sent ? { sentAt: at } : {}),
        };
        if (o.ref.source === 'delivery') {
          deliveryOps.push({ updateOne: { filter: { _id: o.ref.id, status: { $nin: FINAL }, ...guard }, update: { $set: set } } });
          continue;
        }
        const result = await this.messages.updateOne({ _id: o.ref.id, status: { $nin: FINAL }, ...guard }, { $set: set }, { session });
        // A digest settles the deliveries it carried.
        if (result.matchedCount === 1 && (o.outcome === 'sent' || o.outcome === 'failed_permanent')) {
          await this.deliveries.updateMany(
            { messageId: o.ref.id, status: { $nin: FINAL } },
            { $set: { status: o.outcome, errorClass: o.errorClass, lastError: sent ? null : o.response, dryRun: o.dryRun, updatedAt: at, ...(sent ? { sentAt: at } : {}) } },
            { session },
          );
        }
      }
      for (const batch of chunks(deliveryOps, BULK)) await this.deliveries.bulkWrite(batch, { session, ordered: true });
      const attempts: DeliveryAttemptDoc[] = outcomes.map((o, i) => ({
        _id: firstAttemptId + i,
        deliveryId: o.ref.source === 'delivery' ? o.ref.id : null,
        messageId: o.ref.source === 'message' ? o.ref.id : null,
        channel: o.channel,
        account: o.account,
        worker: owner,
        attempt: o.attempt,
        at,
        outcome: o.outcome,
        errorClass: o.errorClass,
        response: o.response === null ? null : o.response.slice(0, RESPONSE_MAX),
        dryRun: o.dryRun,
        durationMs: Math.round(o.durationMs),
      }));
      await this.attempts.insertMany(attempts, { session, ordered: true });
    });
  }

  async release({ refs, owner, at }: { refs: WorkRef[]; owner: string; at: string }): Promise<number> {
    if (refs.length === 0) return 0;
    const deliveryIds = refs.filter((r) => r.source === 'delivery').map((r) => r.id);
    const messageIds = refs.filter((r) => r.source === 'message').map((r) => r.id);
    // The claim counted an attempt that never happened: give it back.
    const back = [{ $set: { status: 'pending', attempts: { $max: [{ $subtract: ['$attempts', 1] }, 0] }, leaseUntil: null, leaseOwner: null, updatedAt: { $literal: at } } }];
    return inTransaction(this.ctx, async (session) => {
      let released = 0;
      if (deliveryIds.length > 0) {
        released += (await this.deliveries.updateMany({ _id: { $in: deliveryIds }, status: 'sending', leaseOwner: owner }, back, { session })).matchedCount;
      }
      if (messageIds.length > 0) {
        released += (await this.messages.updateMany({ _id: { $in: messageIds }, status: 'sending', leaseOwner: owner }, back, { session })).matchedCount;
      }
      return released;
    });
  }

  async extendLeases({ refs, owner, leaseUntil }: { refs: WorkRef[]; owner: string; leaseUntil: string }): Promise<void> {
    const deliveryIds = refs.filter((r) => r.source === 'delivery').map((r) => r.id);
    const messageIds = refs.filter((r) => r.source === 'message').map((r) => r.id);
    if (deliveryIds.length > 0) await this.deliveries.updateMany({ _id: { $in: deliveryIds }, status: 'sending', leaseOwner: owner }, { $set: { leaseUntil } });
    if (messageIds.length > 0) await this.messages.updateMany({ _id: { $in: messageIds }, status: 'sending', leaseOwner: owner }, { $set: { leaseUntil } });
  }

  async sweepExpiredLeases({ now, maxAttempts }: { now: string; maxAttempts: number }): Promise<{ requeued: number; failed: number }> {
    let requeued = 0;
    let failed = 0;
    for (const source of ['delivery', 'message'] as const) {
      for (;;) {
        const swept = await inTransaction(this.ctx, (session) => this.sweepChunk({ source, now, maxAttempts, session }));
        requeued += swept.requeued;
        failed += swept.failed;
        if (swept.requeued + swept.failed < SWEEP_CHUNK) break;
      }
    }
    return { requeued, failed };
  }

  /**
   * One bounded batch of expired leases. The rows are read and updated in one transaction: a
   * concurrent sweeper or a late result touching the same rows makes it retry, so each expiry is
   * counted and logged once.
   */
  private async sweepChunk({ source, now, maxAttempts, session }: { source: 'delivery' | 'message'; now: string; maxAttempts: number; session: ClientSession }) {
    const expired = { status: 'sending' as const, leaseUntil: { $lt: now } };
    type Row = { _id: number; attempts: number; channel: Channel };
    const rows =
      source === 'delivery'
        ? await this.deliveries.find(expired, { session }).sort({ _id: 1 }).limit(SWEEP_CHUNK).project<Row>({ attempts: 1, channel: 1 }).toArray()
        : await this.messages.find(expired, { session }).sort({ _id: 1 }).limit(SWEEP_CHUNK).project<Row>({ attempts: 1, channel: 1 }).toArray();
    if (rows.length === 0) return { requeued: 0, failed: 0 };
    const exhausted = rows.filter((r) => r.attempts >= maxAttempts);
    const retry = rows.filter((r) => r.attempts < maxAttempts);
    const common = { lastError: LEASE_EXPIRED_TEXT, nextAttemptAt: now, leaseUntil: null, leaseOwner: null, updatedAt: now };
    if (retry.length > 0) {
      const filter = { _id: { $in: retry.map((r) => r._id) }, ...expired };
      const update = { $set: { ...common, status: 'pending' as const, errorClass: 'lease_expired' } };
      if (source === 'delivery') await this.deliveries.updateMany(filter, update, { session });
      else await this.messages.updateMany(filter, update, { session });
    }
    if (exhausted.length > 0) {
      const filter = { _id: { $in: exhausted.map((r) => r._id) }, ...expired };
      const update = { $set: { ...common, status: 'failed_permanent' as const, errorClass: 'attempts_exhausted' } };
      if (source === 'delivery') await this.deliveries.updateMany(filter, update, { session });
      else await this.messages.updateMany(filter, update, { session });
    }
    const first = await this.attemptIds(rows.length);
    const attempts: DeliveryAttemptDoc[] = rows.map((row, i) => {
      const requeued = row.attempts < maxAttempts;
      return {
        _id: first + i,
        deliveryId: source === 'delivery' ? row._id : null,
        messageId: source === 'message' ? row._id : null,
        channel: row.channel,
        account: null,
        worker: null,
        attempt: row.attempts,
        at: now,
        outcome: 'lease_expired',
        errorClass: requeued ? 'lease_expired' : 'attempts_exhausted',
        response: LEASE_EXPIRED_TEXT,
        dryRun: false,
        durationMs: null,
      };
    });
    await this.attempts.insertMany(attempts, { session, ordered: true });
    if (source === 'message' && exhausted.length > 0) {
      // A digest that cannot be sent fails the deliveries it carried.
      await this.deliveries.updateMany(
        { messageId: { $in: exhausted.map((r) => r._id) }, status: { $nin: FINAL } },
        { $set: { status: 'failed_permanent', errorClass: 'attempts_exhausted', lastError: LEASE_EXPIRED_TEXT, updatedAt: now } },
        { session },
      );
    }
    return { requeued: retry.length, failed: exhausted.length };
  }

  async getMessage(id: number): Promise<PushMessage | null> {
    const doc = await this.messages.findOne({ _id: id });
    return doc ? messageFromDoc(doc) : null;
  }

  async listByMessage(messageId: number): Promise<Delivery[]> {
    return (await this.deliveries.find({ messageId }).sort({ _id: 1 }).toArray()).map(deliveryFromDoc);
  }

  // -------------------------------------------------------------------------------------------
  // Digests

  /**
   * A run is planned in bounded transactions rather than one: a province's daily digest can carry
   * more writes than one MongoDB transaction should hold. It stays exactly-once per subscriber and
   * channel: the run document (unique by key) is taken with a lease, each chunk writes its messages
   * (unique by dedupe key) and assigns their deliveries atomically, and a worker that dies mid-run
   * leaves the rest to the next call after the lease, which continues where it stopped. A second
   * call while the run is live, or after it finished, writes nothing.
   */
  async planDigest({
    runKey,
    frequency,
    slotAt,
    at,
    parkFirstWindowStart,
  }: {
    runKey: string;
    frequency: Exclude<Frequency, 'immediate'>;
    slotAt: string;
    at: string;
    parkFirstWindowStart: string;
  }): Promise<{ created: number; alreadyRan: boolean }> {
    // Leases are on the caller's clock (`at`), moved forward by the time this call has taken.
    const startedMs = Date.now();
    const leaseUntil = () => new Date(Date.parse(at) + (Date.now() - startedMs) + DIGEST_LEASE_MS).toISOString();

    const run = await inTransaction(this.ctx, async (session): Promise<{ maxId: number } | null> => {
      const existing = await this.digestRuns.findOne({ _id: runKey }, { session });
      if (existing) {
        if (existing.status === 'done' || (existing.leaseUntil !== null && existing.leaseUntil >= at)) return null;
        await this.digestRuns.updateOne({ _id: runKey, status: 'running' }, { $set: { leaseUntil: leaseUntil() } }, { session });
        return { maxId: existing.maxId };
      }
      const newest = await this.deliveries.find({}, { session }).sort({ _id: -1 }).limit(1).project<{ _id: number }>({ _id: 1 }).toArray();
      const maxId = newest[0]?._id ?? 0;
      const { upsertedCount } = await this.digestRuns.updateOne(
        { _id: runKey },
        { $setOnInsert: { frequency, slotAt, status: 'running', leaseUntil: leaseUntil(), maxId, messages: 0, startedAt: at, finishedAt: null } },
        { upsert: true, session },
      );
      return upsertedCount === 1 ? { maxId } : null;
    });
    if (!run) return { created: 0, alreadyRan: true };

    let created = 0;
    let after: string | null = null;
    for (;;) {
      const subscriberIds = await this.nextDigestSubscribers({ frequency, maxId: run.maxId, after });
      if (subscriberIds.length === 0) break;
      created += await inTransaction(this.ctx, (session) =>
        this.planDigestChunk({ runKey, frequency, maxId: run.maxId, subscriberIds, at, leaseUntil: leaseUntil(), session }),
      );
      after = subscriberIds[subscriberIds.length - 1] ?? after;
    }
    if (frequency === 'daily') {
      for (const parkId of await this.parksWithWechatGroup()) {
        created += await inTransaction(this.ctx, (session) =>
          this.planParkDigest({ runKey, parkId, maxId: run.maxId, at, parkFirstWindowStart, leaseUntil: leaseUntil(), session }),
        );
      }
    }
    await this.digestRuns.updateOne({ _id: runKey }, { $set: { status: 'done', leaseUntil: null, finishedAt: at } });
    return { created, alreadyRan: false };
  }

  /**
   * The next subscribers (in id order, after `after`) with deliveries waiting for this run. A scan
   * that fills its limit may end inside one subscriber's rows, so that subscriber is left to the
   * next chunk, unless it is the only one.
   */
  private async nextDigestSubscribers({ frequency, maxId, after }: { frequency: Frequency; maxId: number; after: string | null }): Promise<string[]> {
    const rows = await this.deliveries
      .find({ frequency, status: 'pending', messageId: null, _id: { $lte: maxId }, ...(after === null ? {} : { subscriberId: { $gt: after } }) })
      .sort({ subscriberId: 1 })
      .limit(DIGEST_SCAN_ROWS)
      .project<{ _id: number; subscriberId: string }>({ _id: 1, subscriberId: 1 })
      .toArray();
    const ids = [...new Set(rows.map((r) => r.subscriberId))];
    if (rows.length === DIGEST_SCAN_ROWS && ids.length > 1) ids.pop();
    return ids;
  }

  private async planDigestChunk({
    runKey,
    frequency,
    maxId,
    subscriberIds,
    at,
    leaseUntil,
    session,
  }: {
    runKey: string;
    frequency: Exclude<Frequency, 'immediate'>;
    maxId: number;
    subscriberIds: string[];
    at: string;
    leaseUntil: string;
    session: ClientSession;
  }): Promise<number> {
    type Row = { _id: number; subscriberId: string; channel: Channel; policyId: string; version: number };
    const waiting = await this.deliveries
      .find({ frequency, status: 'pending', messageId: null, _id: { $lte: maxId }, subscriberId: { $in: subscriberIds } }, { session })
      .sort({ subscriberId: 1, channel: 1, policyId: 1, version: -1, _id: 1 })
      .project<Row>({ subscriberId: 1, channel: 1, policyId: 1, version: 1 })
      .toArray();
    const groups = new Map<string, { subscriberId: string; channel: Channel; keep: number[]; superseded: number[]; seen: Set<string> }>();
    for (const row of waiting) {
      const key = `${row.subscriberId}\u0000${row.channel}`;
      let group = groups.get(key);
      if (!group) {
        group = { subscriberId: row.subscriberId, channel: row.channel, keep: [], superseded: [], seen: new Set() };
        groups.set(key, group);
      }
      // Rows come newest version first per policy: the first one stays, older ones are superseded.
      if (group.seen.has(row.policyId)) group.superseded.push(row._id);
      else {
        group.seen.add(row.policyId);
        group.keep.push(row._id);
      }
    }
    const list = [...groups.values()];
    let created = 0;
    if (list.length > 0) {
      // Message ids need no commit order (nothing follows them by watermark), so the counter is not
      // held for the length of the transaction; a retried chunk only leaves gaps.
      const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message, count: list.length });
      const payload: PushMessagePayload = { kind: 'digest', frequency, runKey, parkItems: [], parkCoveredThrough: null };
      const result = await this.messages.bulkWrite(
        list.map((group, i) =>
          insertMessageIfAbsent(
            newMessageDoc({ id: first + i, kind: 'digest', dedupeKey: `digest:${runKey}:${group.subscriberId}:${group.channel}`, subscriberId: group.subscriberId, channel: group.channel, payload, at, urgent: false }),
          ),
        ),
        { session, ordered: true },
      );
      const deliveryOps: AnyBulkWriteOperation<DeliveryDoc>[] = [];
      list.forEach((group, i) => {
        // A message that existed already carries its own deliveries; these wait for the next run.
        if (result.upsertedIds[i] === undefined) return;
        created += 1;
        deliveryOps.push({ updateMany: { filter: { _id: { $in: group.keep } }, update: { $set: { messageId: first + i, updatedAt: at } } } });
        if (group.superseded.length > 0) {
          deliveryOps.push({
            updateMany: { filter: { _id: { $in: group.superseded } }, update: { $set: { status: 'skipped', errorClass: 'superseded', lastError: SUPERSEDED_TEXT, updatedAt: at } } },
          });
        }
      });
      for (const batch of chunks(deliveryOps, BULK)) await this.deliveries.bulkWrite(batch, { session, ordered: true });
    }
    await this.digestRuns.updateOne({ _id: runKey }, { $set: { leaseUntil }, $inc: { messages: created } }, { session });
    return created;
  }

  private async parksWithWechatGroup(): Promise<string[]> {
    const parks = (await this.subscribers.find({ kind: 'park' }).sort({ _id: 1 }).project<{ _id: string }>({ _id: 1 }).toArray()).map((p) => p._id);
    const reachable = new Set<string>();
    for (const batch of chunks(parks, BULK)) {
      const rows = await this.contacts.find({ subscriberId: { $in: batch }, channel: 'wechat', invalidAt: null }).project<{ subscriberId: string }>({ _id: 0, subscriberId: 1 }).toArray();
      for (const row of rows) reachable.add(row.subscriberId);
    }
    return parks.filter((id) => reachable.has(id));
  }

  /**
   * A park's group gets one message listing what its member enterprises were newly matched to,
   * folded into the park's own digest when it has one this run. One transaction per park; a park
   * whose digest of this run already carries a watermark was done by an earlier attempt.
   */
  private async planParkDigest({
    runKey,
    parkId,
    maxId,
    at,
    parkFirstWindowStart,
    leaseUntil,
    session,
  }: {
    runKey: string;
    parkId: string;
    maxId: number;
    at: string;
    parkFirstWindowStart: string;
    leaseUntil: string;
    session: ClientSession;
  }): Promise<number> {
    const dedupeKey = `digest:${runKey}:${parkId}:wechat`;
    const own = await this.messages.findOne({ dedupeKey }, { session });
    if (own && own.payload.kind === 'digest' && own.payload.parkCoveredThrough !== null) return 0;
    const previous = await this.messages
      .find({ subscriberId: parkId, kind: 'digest', channel: 'wechat', 'payload.parkCoveredThrough': { $ne: null } }, { session })
      .sort({ subscriberId: 1, kind: 1, channel: 1, _id: -1 })
      .limit(1)
      .toArray();
    const previousPayload = previous[0]?.payload;
    const after = previousPayload?.kind === 'digest' ? previousPayload.parkCoveredThrough : null;

    // `$type` repeats the partial filter of the subscribers' park index, so the planner can use it.
    const memberIds = (await this.subscribers.find({ parkId: { $eq: parkId, $type: 'string' } }, { session }).project<{ _id: string }>({ _id: 1 }).toArray()).map((m) => m._id);
    type Row = { _id: number; policyId: string; version: number; subscriberId: string };
    const rows: Row[] = [];
    for (const batch of chunks(memberIds, BULK)) {
      const filter: Filter<DeliveryDoc> = {
        subscriberId: { $in: batch },
        _id: { $gt: after ?? 0, $lte: maxId },
        status: { $ne: 'skipped' },
        ...(after === null ? { createdAt: { $gte: parkFirstWindowStart } } : {}),
      };
      rows.push(...(await this.deliveries.find(filter, { session }).project<Row>({ policyId: 1, version: 1, subscriberId: 1 }).toArray()));
    }
    rows.sort((a, b) => a.policyId.localeCompare(b.policyId) || b.version - a.version || a._id - b._id);
    const items = new Map<string, ParkDigestItem>();
    for (const row of rows) {
      const item = items.get(row.policyId);
      if (!item) items.set(row.policyId, { policyId: row.policyId, version: row.version, memberIds: [row.subscriberId] });
      else if (!item.memberIds.includes(row.subscriberId)) item.memberIds.push(row.subscriberId);
    }
    const payload: PushMessagePayload = { kind: 'digest', frequency: 'daily', runKey, parkItems: [...items.values()], parkCoveredThrough: maxId };
    let created = 0;
    if (own) {
      await this.messages.updateOne({ _id: own._id }, { $set: { payload: pushMessagePayloadSchema.parse(payload), updatedAt: at } }, { session });
    } else if (items.size > 0) {
      const id = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message });
      const result = await this.messages.bulkWrite(
        [insertMessageIfAbsent(newMessageDoc({ id, kind: 'digest', dedupeKey, subscriberId: parkId, channel: 'wechat', payload, at, urgent: false }))],
        { session, ordered: true },
      );
      created = result.upsertedCount;
    }
    await this.digestRuns.updateOne({ _id: runKey }, { $set: { leaseUntil }, $inc: { messages: created } }, { session });
    return created;
  }

  // -------------------------------------------------------------------------------------------
  // Reminders and confirmations

  /**
   * Paged by outbox id, one transaction per page: each reminder is unique by its dedupe key, so a
   * crash between pages leaves nothing a rerun would write twice, only the rest to write.
   */
  async enqueueReminders({ policyId, version, daysBefore, closesAt, at }: { policyId: string; version: number; daysBefore: number; closesAt: string; at: string }) {
    let inserted = 0;
    let after = 0;
    for (;;) {
      const page = await inTransaction(this.ctx, async (session) => {
        type Row = { _id: number; subscriberId: string; channel: Channel; subscriptionIds: string[] };
        const rows = await this.deliveries
          .find({ policyId, version, status: { $nin: ['skipped', 'failed_permanent'] }, _id: { $gt: after } }, { session })
          .sort({ policyId: 1, _id: 1 })
          .limit(REMINDER_PAGE)
          .project<Row>({ subscriberId: 1, channel: 1, subscriptionIds: 1 })
          .toArray();
        if (rows.length === 0) return { rows: 0, last: after, inserted: 0 };
        const subscriberIds = [...new Set(rows.map((r) => r.subscriberId))];
        const optedOut = new Set(
          (await this.preferences.find({ _id: { $in: subscriberIds }, deadlineReminders: false }, { session }).project<{ _id: string }>({ _id: 1 }).toArray()).map((p) => p._id),
        );
        const wanted = rows.filter((r) => !optedOut.has(r.subscriberId));
        let written = 0;
        if (wanted.length > 0) {
          const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message, count: wanted.length });
          const ops = wanted.map((r, i) =>
            insertMessageIfAbsent(
              newMessageDoc({
                id: first + i,
                kind: 'reminder',
                dedupeKey: `reminder:${policyId}:${r.subscriberId}:${r.channel}:${daysBefore}`,
                subscriberId: r.subscriberId,
                channel: r.channel,
                policyId,
                version,
                payload: { kind: 'reminder', daysBefore, closesAt, subscriptionIds: r.subscriptionIds, deliveryId: r._id },
                at,
                urgent: true,
              }),
            ),
          );
          written = (await this.messages.bulkWrite(ops, { session, ordered: true })).upsertedCount;
        }
        return { rows: rows.length, last: rows[rows.length - 1]?._id ?? after, inserted: written };
      });
      inserted += page.inserted;
      after = page.last;
      if (page.rows < REMINDER_PAGE) break;
    }
    return { inserted };
  }

  async enqueueConfirmations({ at, limit }: { at: string; limit: number }) {
    if (limit <= 0) return { inserted: 0 };
    // The anti-join runs in the server, as SQLite's NOT EXISTS does: contacts that were asked already
    // (and may never confirm) are not shipped to this process on every tick.
    const candidateSchema = z.object({ _id: z.string(), subscriberId: z.string(), address: z.string() });
    const candidates = (
      await this.contacts
        .aggregate([
          { $match: { channel: 'email', confirmedAt: null, invalidAt: null } },
          { $lookup: { from: PUSH_COLLECTIONS.pushMessages, localField: '_id', foreignField: 'contactId', as: 'asked' } },
          { $match: { asked: { $size: 0 } } },
          { $limit: limit },
          { $project: { _id: 1, subscriberId: 1, address: 1 } },
        ])
        .toArray()
    ).map((doc) => candidateSchema.parse(doc));
    if (candidates.length === 0) return { inserted: 0 };
    const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message, count: candidates.length });
    const ops = candidates.map((c, i) =>
      insertMessageIfAbsent(
        newMessageDoc({
          id: first + i,
          kind: 'confirmation',
          dedupeKey: `confirm:${c._id}`,
          subscriberId: c.subscriberId,
          channel: 'email',
          contactId: c._id,
          payload: { kind: 'confirmation', contactId: c._id, address: c.address },
          at,
          urgent: true,
        }),
      ),
    );
    // A second worker asking at the same moment meets the dedupe key and writes nothing.
    const inserted = await inTransaction(this.ctx, async (session) => (await this.messages.bulkWrite(ops, { session, ordered: true })).upsertedCount);
    return { inserted };
  }

  async countSent({ channel, account, since }: { channel: Channel; account: string; since: string }): Promise<number> {
    return this.attempts.countDocuments({ account, outcome: 'sent', at: { $gte: since }, channel, dryRun: false });
  }

  // -------------------------------------------------------------------------------------------
  // Preferences, controls, unsubscribes, lanes

  async getPreferences(subscriberId: string): Promise<PushPreferences> {
    const doc = await this.preferences.findOne({ _id: subscriberId });
    return { deadlineReminders: doc ? doc.deadlineReminders : true };
  }

  async setPreferences({ subscriberId, preferences, at }: { subscriberId: string; preferences: PushPreferences; at: string }): Promise<void> {
    await this.preferences.updateOne({ _id: subscriberId }, { $set: { deadlineReminders: preferences.deadlineReminders, updatedAt: at } }, { upsert: true });
  }

  async listControls(): Promise<ChannelControl[]> {
    return (await this.controls.find({}).sort({ _id: 1 }).toArray()).map((doc) => {
      const { _id, ...rest } = doc;
      return channelControlSchema.parse({ ...rest, channel: _id });
    });
  }

  async setControl({ channel, paused, reason, by, at }: { channel: Channel; paused: boolean; reason: string | null; by: string; at: string }): Promise<void> {
    await this.controls.updateOne({ _id: channel }, { $set: { paused, reason, updatedBy: by, updatedAt: at } }, { upsert: true });
  }

  async recordUnsubscribe({
    subscriberId,
    scope,
    subscriptionIds,
    origin,
    source,
    at,
  }: {
    subscriberId: string;
    scope: UnsubscribeScope;
    subscriptionIds: string[];
    origin: WorkRef | null;
    source: 'header' | 'link' | 'api';
    at: string;
  }): Promise<void> {
    // The push that carried the link names the policy the unsubscribe is counted against.
    type Origin = { policyId: string | null; version: number | null };
    let policy: Origin | null = null;
    if (origin?.source === 'delivery') policy = await this.deliveries.find({ _id: origin.id }).limit(1).project<Origin>({ _id: 0, policyId: 1, version: 1 }).next();
    else if (origin?.source === 'message') policy = await this.messages.find({ _id: origin.id }).limit(1).project<Origin>({ _id: 0, policyId: 1, version: 1 }).next();
    await this.unsubscribes.insertOne({
      subscriberId,
      scope,
      subscriptionIds,
      deliveryId: origin?.source === 'delivery' ? origin.id : null,
      messageId: origin?.source === 'message' ? origin.id : null,
      policyId: policy?.policyId ?? null,
      version: policy?.version ?? null,
      source,
      at,
    });
  }

  async reportLane(report: LaneReport): Promise<void> {
    const { owner, channel, ...rest } = laneReportRecordSchema.parse(report);
    await this.lanes.updateOne({ owner, channel }, { $set: rest }, { upsert: true });
  }

  async listLanes({ since }: { since: string }): Promise<LaneReport[]> {
    const docs = await this.lanes.find({ updatedAt: { $gte: since } }).sort({ channel: 1, owner: 1 }).toArray();
    return docs.map(({ _id: _ignored, ...doc }) => laneReportRecordSchema.parse(doc));
  }

  // -------------------------------------------------------------------------------------------
  // Delivery log and metrics

  async policyLog({ policyId, version }: { policyId: string; version: number }) {
    const counts = (
      await this.deliveries
        .aggregate([
          { $match: { policyId, version } },
          { $group: { _id: { channel: '$channel', status: '$status' }, count: { $sum: 1 }, dryRun: { $sum: { $cond: ['$dryRun', 1, 0] } } } },
          { $sort: { '_id.channel': 1, '_id.status': 1 } },
        ])
        .toArray()
    )
      .map((row) => countRowSchema.parse(row))
      .map((r) => ({ channel: r._id.channel, status: r._id.status, count: r.count, dryRun: r.dryRun }));
    const reminders = (
      await this.messages
        .aggregate([
          { $match: { policyId, version, kind: 'reminder' } },
          { $group: { _id: { channel: '$channel', status: '$status' }, count: { $sum: 1 } } },
          { $sort: { '_id.channel': 1, '_id.status': 1 } },
        ])
        .toArray()
    )
      .map((row) => statusCountSchema.parse(row))
      .map((r) => ({ channel: r._id.channel, status: r._id.status, count: r.count }));
    const failures = (
      await this.deliveries
        .find({ policyId, version, $or: [{ status: { $in: ['failed_permanent', 'failed_temporary'] } }, { errorClass: { $ne: null } }] })
        .sort({ updatedAt: -1, _id: -1 })
        .limit(200)
        .toArray()
    ).map(deliveryFromDoc);
    const byErrorClass = (
      await this.deliveries
        .aggregate([
          { $match: { policyId, version, errorClass: { $ne: null } } },
          { $group: { _id: '$errorClass', count: { $sum: 1 } } },
          { $sort: { count: -1, _id: 1 } },
        ])
        .toArray()
    )
      .map((row) => z.object({ _id: z.string(), count: z.number() }).parse(row))
      .map((r) => ({ errorClass: r._id, count: r.count }));
    const unsubscribes = (
      await this.unsubscribes
        .aggregate([{ $match: { policyId, version } }, { $group: { _id: '$scope', count: { $sum: 1 } } }, { $sort: { _id: 1 } }])
        .toArray()
    )
      .map((row) => z.object({ _id: unsubscribeScopeSchema, count: z.number() }).parse(row))
      .map((r) => ({ scope: r._id, count: r.count }));
    return { counts, reminders, failures, byErrorClass, unsubscribes };
  }

  async listForPolicySubscriber({ policyId, subscriberId }: { policyId: string; subscriberId: string }) {
    const deliveries = (await this.deliveries.find({ policyId, subscriberId }).sort({ version: 1, channel: 1 }).toArray()).map(deliveryFromDoc);
    const carriedBy = [...new Set(deliveries.flatMap((d) => (d.messageId === null ? [] : [d.messageId])))];
    const messages = (
      await this.messages
        .find({ subscriberId, $or: [{ policyId }, { _id: { $in: carriedBy } }] })
        .sort({ _id: 1 })
        .toArray()
    ).map(messageFromDoc);
    return { deliveries, messages };
  }

  async listAttempts({ deliveryIds, messageIds }: { deliveryIds: number[]; messageIds: number[] }): Promise<DeliveryAttempt[]> {
    if (deliveryIds.length === 0 && messageIds.length === 0) return [];
    const docs = await this.attempts
      .find({ $or: [{ deliveryId: { $in: deliveryIds } }, { messageId: { $in: messageIds } }] })
      .sort({ _id: 1 })
      .toArray();
    return docs.map(attemptFromDoc);
  }

  async queueStats() {
    const open = ['pending', 'sending', 'failed_temporary'];
    const pipeline = [{ $match: { status: { $in: open } } }, { $group: { _id: { channel: '$channel', status: '$status' }, count: { $sum: 1 } } }];
    const merged = new Map<string, { channel: Channel; status: DeliveryStatus; count: number }>();
    for (const rows of [await this.deliveries.aggregate(pipeline).toArray(), await this.messages.aggregate(pipeline).toArray()]) {
      for (const raw of rows) {
        const r = statusCountSchema.parse(raw);
        const key = `${r._id.channel}:${r._id.status}`;
        const entry = merged.get(key) ?? { channel: r._id.channel, status: r._id.status, count: 0 };
        entry.count += r.count;
        merged.set(key, entry);
      }
    }
    return [...merged.values()];
  }

  async attemptTotals() {
    const rows = await this.attempts
      .aggregate(
        [{ $sort: { channel: 1, outcome: 1, errorClass: 1 } }, { $group: { _id: { channel: '$channel', outcome: '$outcome', errorClass: '$errorClass' }, count: { $sum: 1 } } }],
        { hint: 'delivery_attempts_outcome' },
      )
      .toArray();
    return rows
      .map((row) => z.object({ _id: z.object({ channel: channelSchema, outcome: z.string(), errorClass: z.string().nullable().default(null) }), count: z.number() }).parse(row))
      .map((r) => ({ channel: r._id.channel, outcome: r._id.outcome, errorClass: r._id.errorClass, count: r.count }));
  }
}

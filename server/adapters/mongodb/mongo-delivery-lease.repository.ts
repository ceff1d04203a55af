import type { ClientSession } from 'mongoose';
import type { AnyBulkWriteOperation, Filter } from 'mongodb';
import type { ClaimedWork, SendOutcome, WorkRef } from '../../../schemas/delivery.schema.js';
import type { Channel } from '../../../schemas/subscriber.schema.js';
import type { DeliveryLeaseRepository, LaneReport } from '../../ports/push-queue.port.js';
import {
  attemptResponse,
  CLAIMABLE_STATUSES,
  compareQueueKeys,
  FINAL_STATUSES,
  LEASE_EXPIRED_TEXT,
  leaseExpiry,
  outcomeFields,
  settlesCarriedDeliveries,
} from '../../push/queue-rules.js';
import {
  attemptIds,
  BULK,
  deliveryFromDoc,
  laneReportRecordSchema,
  messageFromDoc,
  pushCollections,
  QUEUE_ORDER,
  type DeliveryAttemptDoc,
  type DeliveryDoc,
  type PushMessageDoc,
} from './mongo-delivery.models.js';
import { chunks, inTransaction, type MongoContext } from './mongo.support.js';

const SWEEP_CHUNK = 500;
const CLAIMABLE = [...CLAIMABLE_STATUSES];
const FINAL = [...FINAL_STATUSES];

/**
 * The dispatcher's queue on MongoDB. The claim is one atomic `findOneAndUpdate` per item, so any
 * number of workers on any number of machines share the queue without sharing an item; writes that
 * touch several documents run in transactions (replica set required). Outcome and expiry rules are
 * in server/push/queue-rules.ts.
 */
export class MongoDeliveryLeaseRepository implements DeliveryLeaseRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    return pushCollections(this.ctx);
  }

  async claim({ channel, now, leaseUntil, owner, limit }: { channel: Channel; now: string; leaseUntil: string; owner: string; limit: number }): Promise<ClaimedWork[]> {
    if (limit <= 0) return [];
    const deliveryFilter: Filter<DeliveryDoc> = { channel, frequency: 'immediate', status: { $in: CLAIMABLE }, nextAttemptAt: { $lte: now } };
    const messageFilter: Filter<PushMessageDoc> = { channel, status: { $in: CLAIMABLE }, nextAttemptAt: { $lte: now } };
    // A look at both queues' heads decides how many items the batch takes from each, so urgent
    // messages are not starved by a long run of ordinary deliveries (and the other way round).
    type Head = { _id: number; urgent: boolean; nextAttemptAt: string | null };
    const [deliveryHeads, messageHeads] = await Promise.all([
      this.c.deliveries.find(deliveryFilter).sort(QUEUE_ORDER).limit(limit).project<Head>({ urgent: 1, nextAttemptAt: 1 }).toArray(),
      this.c.messages.find(messageFilter).sort(QUEUE_ORDER).limit(limit).project<Head>({ urgent: 1, nextAttemptAt: 1 }).toArray(),
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
      const doc = await this.c.messages.findOneAndUpdate(messageFilter, lease, { sort: QUEUE_ORDER, returnDocument: 'after' });
      if (!doc) break;
      const message = messageFromDoc(doc);
      claimed.push({ work: { source: 'message', message }, key: { urgent: message.urgent, due: message.nextAttemptAt ?? '', id: message.id } });
    }
    for (let i = 0; i < quota.delivery; i += 1) {
      const doc = await this.c.deliveries.findOneAndUpdate(deliveryFilter, lease, { sort: QUEUE_ORDER, returnDocument: 'after' });
      if (!doc) break;
      const delivery = deliveryFromDoc(doc);
      claimed.push({ work: { source: 'delivery', delivery }, key: { urgent: delivery.urgent, due: delivery.nextAttemptAt ?? '', id: delivery.id } });
    }
    return claimed.sort((a, b) => compareQueueKeys(a.key, b.key)).map((c) => c.work);
  }

  async recordOutcomes({ outcomes, owner, at }: { outcomes: SendOutcome[]; owner: string; at: string }): Promise<void> {
    if (outcomes.length === 0) return;
    const firstAttemptId = await attemptIds(this.ctx, outcomes.length);
    await inTransaction(this.ctx, async (session) => {
      const deliveryOps: AnyBulkWriteOperation<DeliveryDoc>[] = [];
      for (const o of outcomes) {
        const { sentAt, ...fields } = outcomeFields({ outcome: o, at });
        // A row another worker holds is left alone; a `sent` result is written whoever holds it, so a
        // message known to be sent is never sent again.
        const guard = o.outcome === 'sent' ? {} : { $or: [{ status: { $ne: 'sending' as const } }, { leaseOwner: owner }] };
        const written = { ...fields, updatedAt: at, ...(sentAt === null ? {} : { sentAt }) };
        const set = { ...written, leaseUntil: null, leaseOwner: null };
        if (o.ref.source === 'delivery') {
          deliveryOps.push({ updateOne: { filter: { _id: o.ref.id, status: { $nin: FINAL }, ...guard }, update: { $set: set } } });
          continue;
        }
        const result = await this.c.messages.updateOne({ _id: o.ref.id, status: { $nin: FINAL }, ...guard }, { $set: set }, { session });
        // A digest settles the deliveries it carried.
        if (result.matchedCount === 1 && settlesCarriedDeliveries(o.outcome)) {
          const { nextAttemptAt: _retryAt, ...carried } = written;
          await this.c.deliveries.updateMany({ messageId: o.ref.id, status: { $nin: FINAL } }, { $set: carried }, { session });
        }
      }
      for (const batch of chunks(deliveryOps, BULK)) await this.c.deliveries.bulkWrite(batch, { session, ordered: true });
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
        response: attemptResponse(o.response),
        dryRun: o.dryRun,
        durationMs: Math.round(o.durationMs),
      }));
      await this.c.attempts.insertMany(attempts, { session, ordered: true });
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
        released += (await this.c.deliveries.updateMany({ _id: { $in: deliveryIds }, status: 'sending', leaseOwner: owner }, back, { session })).matchedCount;
      }
      if (messageIds.length > 0) {
        released += (await this.c.messages.updateMany({ _id: { $in: messageIds }, status: 'sending', leaseOwner: owner }, back, { session })).matchedCount;
      }
      return released;
    });
  }

  async extendLeases({ refs, owner, leaseUntil }: { refs: WorkRef[]; owner: string; leaseUntil: string }): Promise<void> {
    const deliveryIds = refs.filter((r) => r.source === 'delivery').map((r) => r.id);
    const messageIds = refs.filter((r) => r.source === 'message').map((r) => r.id);
    if (deliveryIds.length > 0) await this.c.deliveries.updateMany({ _id: { $in: deliveryIds }, status: 'sending', leaseOwner: owner }, { $set: { leaseUntil } });
    if (messageIds.length > 0) await this.c.messages.updateMany({ _id: { $in: messageIds }, status: 'sending', leaseOwner: owner }, { $set: { leaseUntil } });
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
        ? await this.c.deliveries.find(expired, { session }).sort({ _id: 1 }).limit(SWEEP_CHUNK).project<Row>({ attempts: 1, channel: 1 }).toArray()
        : await this.c.messages.find(expired, { session }).sort({ _id: 1 }).limit(SWEEP_CHUNK).project<Row>({ attempts: 1, channel: 1 }).toArray();
    if (rows.length === 0) return { requeued: 0, failed: 0 };
    const decided = rows.map((row) => ({ row, expiry: leaseExpiry({ attempts: row.attempts, maxAttempts }) }));
    const common = { lastError: LEASE_EXPIRED_TEXT, nextAttemptAt: now, leaseUntil: null, leaseOwner: null, updatedAt: now };
    for (const status of ['pending', 'failed_permanent'] as const) {
      const group = decided.filter((d) => d.expiry.status === status);
      const first = group[0];
      if (!first) continue;
      const filter = { _id: { $in: group.map((d) => d.row._id) }, ...expired };
      const update = { $set: { ...common, ...first.expiry } };
      if (source === 'delivery') await this.c.deliveries.updateMany(filter, update, { session });
      else await this.c.messages.updateMany(filter, update, { session });
    }
    const first = await attemptIds(this.ctx, rows.length);
    const attempts: DeliveryAttemptDoc[] = decided.map(({ row, expiry }, i) => ({
      _id: first + i,
      deliveryId: source === 'delivery' ? row._id : null,
      messageId: source === 'message' ? row._id : null,
      channel: row.channel,
      account: null,
      worker: null,
      attempt: row.attempts,
      at: now,
      outcome: 'lease_expired',
      errorClass: expiry.errorClass,
      response: LEASE_EXPIRED_TEXT,
      dryRun: false,
      durationMs: null,
    }));
    await this.c.attempts.insertMany(attempts, { session, ordered: true });
    const settled = decided.filter((d) => settlesCarriedDeliveries(d.expiry.status));
    if (source === 'message' && settled.length > 0) {
      // A digest that cannot be sent fails the deliveries it carried.
      for (const { row, expiry } of settled) {
        await this.c.deliveries.updateMany(
          { messageId: row._id, status: { $nin: FINAL } },
          { $set: { status: expiry.status, errorClass: expiry.errorClass, lastError: LEASE_EXPIRED_TEXT, updatedAt: now } },
          { session },
        );
      }
    }
    const failed = decided.filter((d) => d.expiry.status === 'failed_permanent').length;
    return { requeued: decided.length - failed, failed };
  }

  async reportLane(report: LaneReport): Promise<void> {
    const { owner, channel, ...rest } = laneReportRecordSchema.parse(report);
    await this.c.lanes.updateOne({ owner, channel }, { $set: rest }, { upsert: true });
  }

  async listLanes({ since }: { since: string }): Promise<LaneReport[]> {
    const docs = await this.c.lanes.find({ updatedAt: { $gte: since } }).sort({ channel: 1, owner: 1 }).toArray();
    return docs.map(({ _id: _ignored, ...doc }) => laneReportRecordSchema.parse(doc));
  }
}

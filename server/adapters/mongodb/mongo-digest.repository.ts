import type { ClientSession } from 'mongoose';
import type { AnyBulkWriteOperation, Filter } from 'mongodb';
import type { Delivery } from '../../../schemas/delivery.schema.js';
import type { Channel } from '../../../schemas/subscriber.schema.js';
import type { DigestRepository } from '../../ports/push-queue.port.js';
import { digestDedupeKey, digestPayload, digestRunDecision, planDigestGroups, SUPERSEDED_IN_DIGEST, type DigestFrequency } from '../../push/digest-plan.js';
import { coveredThrough, foldParkItems, hasReachableParkGroup, parkDigestAction, parkDigestDedupeKey, parkDigestPayload, parkDigestPlanned, parkWindow } from '../../push/park-digest.js';
import {
  BULK,
  deliveryFromDoc,
  insertMessageIfAbsent,
  messageFromDoc,
  newMessageDoc,
  PUSH_ID_SEQ,
  pushCollections,
  type DeliveryDoc,
} from './mongo-delivery.models.js';
import { chunks, inTransaction, nextSeq, type MongoContext } from './mongo.support.js';

const DIGEST_SCAN_ROWS = 2000;
const DIGEST_LEASE_MS = 5 * 60_000;

/** Digest runs on MongoDB, in bounded transactions; what goes where is decided in server/push. */
export class MongoDigestRepository implements DigestRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    return pushCollections(this.ctx);
  }

  async listByMessage(messageId: number): Promise<Delivery[]> {
    return (await this.c.deliveries.find({ messageId }).sort({ _id: 1 }).toArray()).map(deliveryFromDoc);
  }

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
    frequency: DigestFrequency;
    slotAt: string;
    at: string;
    parkFirstWindowStart: string;
  }): Promise<{ created: number; alreadyRan: boolean }> {
    // Leases are on the caller's clock (`at`), moved forward by the time this call has taken.
    const startedMs = Date.now();
    const leaseUntil = () => new Date(Date.parse(at) + (Date.now() - startedMs) + DIGEST_LEASE_MS).toISOString();

    const run = await inTransaction(this.ctx, async (session): Promise<{ maxId: number } | null> => {
      const existing = await this.c.digestRuns.findOne({ _id: runKey }, { session });
      const decision = digestRunDecision({ existing, at });
      if (decision === 'skip') return null;
      if (existing && decision === 'resume') {
        await this.c.digestRuns.updateOne({ _id: runKey, status: 'running' }, { $set: { leaseUntil: leaseUntil() } }, { session });
        return { maxId: existing.maxId };
      }
      const newest = await this.c.deliveries.find({}, { session }).sort({ _id: -1 }).limit(1).project<{ _id: number }>({ _id: 1 }).toArray();
      const maxId = newest[0]?._id ?? 0;
      const { upsertedCount } = await this.c.digestRuns.updateOne(
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
    await this.c.digestRuns.updateOne({ _id: runKey }, { $set: { status: 'done', leaseUntil: null, finishedAt: at } });
    return { created, alreadyRan: false };
  }

  /**
   * The next subscribers (in id order, after `after`) with deliveries waiting for this run. A scan
   * that fills its limit may end inside one subscriber's rows, so that subscriber is left to the
   * next chunk, unless it is the only one.
   */
  private async nextDigestSubscribers({ frequency, maxId, after }: { frequency: DigestFrequency; maxId: number; after: string | null }): Promise<string[]> {
    const rows = await this.c.deliveries
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
    frequency: DigestFrequency;
    maxId: number;
    subscriberIds: string[];
    at: string;
    leaseUntil: string;
    session: ClientSession;
  }): Promise<number> {
    type Row = { _id: number; subscriberId: string; channel: Channel; policyId: string; version: number };
    const waiting = await this.c.deliveries
      .find({ frequency, status: 'pending', messageId: null, _id: { $lte: maxId }, subscriberId: { $in: subscriberIds } }, { session })
      .project<Row>({ subscriberId: 1, channel: 1, policyId: 1, version: 1 })
      .toArray();
    const list = planDigestGroups(waiting.map((r) => ({ id: r._id, subscriberId: r.subscriberId, channel: r.channel, policyId: r.policyId, version: r.version })));
    let created = 0;
    if (list.length > 0) {
      // Message ids need no commit order (nothing follows them by watermark), so the counter is not
      // held for the length of the transaction; a retried chunk only leaves gaps.
      const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message, count: list.length });
      const payload = digestPayload({ runKey, frequency });
      const result = await this.c.messages.bulkWrite(
        list.map((group, i) =>
          insertMessageIfAbsent(
            newMessageDoc({ id: first + i, kind: 'digest', dedupeKey: digestDedupeKey({ runKey, subscriberId: group.subscriberId, channel: group.channel }), subscriberId: group.subscriberId, channel: group.channel, payload, at, urgent: false }),
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
            updateMany: { filter: { _id: { $in: group.superseded } }, update: { $set: { ...SUPERSEDED_IN_DIGEST, updatedAt: at } } },
          });
        }
      });
      for (const batch of chunks(deliveryOps, BULK)) await this.c.deliveries.bulkWrite(batch, { session, ordered: true });
    }
    await this.c.digestRuns.updateOne({ _id: runKey }, { $set: { leaseUntil }, $inc: { messages: created } }, { session });
    return created;
  }

  private async parksWithWechatGroup(): Promise<string[]> {
    const parks = (await this.c.subscribers.find({ kind: 'park' }).sort({ _id: 1 }).project<{ _id: string }>({ _id: 1 }).toArray()).map((p) => p._id);
    type Row = { subscriberId: string; channel: Channel; confirmedAt: string | null; invalidAt: string | null };
    const contacts = new Map<string, Row[]>();
    for (const batch of chunks(parks, BULK)) {
      const rows = await this.c.contacts.find({ subscriberId: { $in: batch } }).project<Row>({ _id: 0, subscriberId: 1, channel: 1, confirmedAt: 1, invalidAt: 1 }).toArray();
      for (const row of rows) contacts.set(row.subscriberId, [...(contacts.get(row.subscriberId) ?? []), row]);
    }
    return parks.filter((id) => hasReachableParkGroup(contacts.get(id) ?? []));
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
    const dedupeKey = parkDigestDedupeKey({ runKey, parkId });
    const ownDoc = await this.c.messages.findOne({ dedupeKey }, { session });
    const own = ownDoc ? messageFromDoc(ownDoc) : null;
    if (parkDigestPlanned(own)) return 0;
    const previous = await this.c.messages
      .find({ subscriberId: parkId, kind: 'digest', channel: 'wechat', 'payload.parkCoveredThrough': { $ne: null } }, { session })
      .sort({ subscriberId: 1, kind: 1, channel: 1, _id: -1 })
      .limit(1)
      .toArray();
    const window = parkWindow({ previousCoveredThrough: coveredThrough(previous[0]?.payload), maxId, parkFirstWindowStart });

    // `$type` repeats the partial filter of the subscribers' park index, so the planner can use it.
    const memberIds = (await this.c.subscribers.find({ parkId: { $eq: parkId, $type: 'string' } }, { session }).project<{ _id: string }>({ _id: 1 }).toArray()).map((m) => m._id);
    type Row = Pick<DeliveryDoc, '_id' | 'policyId' | 'version' | 'subscriberId' | 'status'>;
    const rows: Row[] = [];
    for (const batch of chunks(memberIds, BULK)) {
      const filter: Filter<DeliveryDoc> = {
        subscriberId: { $in: batch },
        _id: { $gt: window.afterId, $lte: window.throughId },
        ...(window.createdSince === null ? {} : { createdAt: { $gte: window.createdSince } }),
      };
      rows.push(...(await this.c.deliveries.find(filter, { session }).project<Row>({ policyId: 1, version: 1, subscriberId: 1, status: 1 }).toArray()));
    }
    const parkItems = foldParkItems(rows.map((r) => ({ id: r._id, policyId: r.policyId, version: r.version, subscriberId: r.subscriberId, status: r.status })));
    const payload = parkDigestPayload({ runKey, parkItems, maxId });
    const action = parkDigestAction({ own, parkItems });
    let created = 0;
    if (action === 'fold' && own) {
      await this.c.messages.updateOne({ _id: own.id }, { $set: { payload, updatedAt: at } }, { session });
    } else if (action === 'create') {
      const id = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message });
      const result = await this.c.messages.bulkWrite(
        [insertMessageIfAbsent(newMessageDoc({ id, kind: 'digest', dedupeKey, subscriberId: parkId, channel: 'wechat', payload, at, urgent: false }))],
        { session, ordered: true },
      );
      created = result.upsertedCount;
    }
    await this.c.digestRuns.updateOne({ _id: runKey }, { $set: { leaseUntil }, $inc: { messages: created } }, { session });
    return created;
  }
}

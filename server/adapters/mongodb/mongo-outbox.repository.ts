import type { AnyBulkWriteOperation, Filter } from 'mongodb';
import { z } from 'zod';
import type { Delivery, NewDelivery, PushMessage } from '../../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import type { OutboxRepository } from '../../ports/push-queue.port.js';
import { confirmationDedupeKey, confirmationPayload, preferencesOrDefault, reminderDedupeKey, reminderPayload } from '../../push/push-messages.js';
import { REMINDER_EXCLUDED_STATUSES } from '../../push/queue-rules.js';
import { awaitsConfirmation } from '../../subscribers/reachable-contact.js';
import {
  BULK,
  deliveryFromDoc,
  insertMessageIfAbsent,
  messageFromDoc,
  newDeliveryDoc,
  newMessageDoc,
  PUSH_COLLECTIONS,
  PUSH_ID_SEQ,
  pushCollections,
  type DeliveryDoc,
} from './mongo-delivery.models.js';
import { chunks, inTransaction, nextSeq, type MongoContext } from './mongo.support.js';

const REMINDER_PAGE = 1000;

/** What is queued on MongoDB; rules (message keys, opt-outs, who is asked to confirm) are in server/push and server/subscribers. */
export class MongoOutboxRepository implements OutboxRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    return pushCollections(this.ctx);
  }

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
        inserted += (await this.c.deliveries.bulkWrite(ops, { session, ordered: true })).upsertedCount;
      }
      return { inserted };
    });
  }

  async listForPolicy({ policyId, version, limit, offset }: { policyId: string; version?: number; limit: number; offset: number }) {
    const filter: Filter<DeliveryDoc> = version === undefined ? { policyId } : { policyId, version };
    const total = await this.c.deliveries.countDocuments(filter);
    const items = (await this.c.deliveries.find(filter).sort({ policyId: 1, _id: 1 }).skip(offset).limit(limit).toArray()).map(deliveryFromDoc);
    return { total, items };
  }

  async listForSubscriber({ subscriberId, limit }: { subscriberId: string; limit: number }): Promise<Delivery[]> {
    return (await this.c.deliveries.find({ subscriberId }).sort({ subscriberId: 1, _id: -1 }).limit(limit).toArray()).map(deliveryFromDoc);
  }

  async countForPolicy({ policyId, version }: { policyId: string; version: number }): Promise<number> {
    return this.c.deliveries.countDocuments({ policyId, version });
  }

  async getMessage(id: number): Promise<PushMessage | null> {
    const doc = await this.c.messages.findOne({ _id: id });
    return doc ? messageFromDoc(doc) : null;
  }


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
        const rows = await this.c.deliveries
          .find({ policyId, version, status: { $nin: [...REMINDER_EXCLUDED_STATUSES] }, _id: { $gt: after } }, { session })
          .sort({ policyId: 1, _id: 1 })
          .limit(REMINDER_PAGE)
          .project<Row>({ subscriberId: 1, channel: 1, subscriptionIds: 1 })
          .toArray();
        if (rows.length === 0) return { rows: 0, last: after, inserted: 0 };
        const subscriberIds = [...new Set(rows.map((r) => r.subscriberId))];
        const stored = new Map(
          (await this.c.preferences.find({ _id: { $in: subscriberIds } }, { session }).project<{ _id: string; deadlineReminders: boolean }>({ _id: 1, deadlineReminders: 1 }).toArray()).map((p) => [
            p._id,
            { deadlineReminders: p.deadlineReminders },
          ]),
        );
        const wanted = rows.filter((r) => preferencesOrDefault(stored.get(r.subscriberId) ?? null).deadlineReminders);
        let written = 0;
        if (wanted.length > 0) {
          const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message, count: wanted.length });
          const ops = wanted.map((r, i) =>
            insertMessageIfAbsent(
              newMessageDoc({
                id: first + i,
                kind: 'reminder',
                dedupeKey: reminderDedupeKey({ policyId, subscriberId: r.subscriberId, channel: r.channel, daysBefore }),
                subscriberId: r.subscriberId,
                channel: r.channel,
                policyId,
                version,
                payload: reminderPayload({ daysBefore, closesAt, subscriptionIds: r.subscriptionIds, deliveryId: r._id }),
                at,
                urgent: true,
              }),
            ),
          );
          written = (await this.c.messages.bulkWrite(ops, { session, ordered: true })).upsertedCount;
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
    // The query narrows to the rule's candidates, with the anti-join in the server (contacts asked
    // already, who may never confirm, are not shipped here on every tick); the rule itself decides.
    const candidateSchema = z.object({
      _id: z.string(),
      subscriberId: z.string(),
      address: z.string(),
      channel: channelSchema,
      confirmedAt: z.string().nullable(),
      invalidAt: z.string().nullable(),
    });
    const candidates = (
      await this.c.contacts
        .aggregate([
          { $match: { channel: 'email', confirmedAt: null, invalidAt: null } },
          { $lookup: { from: PUSH_COLLECTIONS.pushMessages, localField: '_id', foreignField: 'contactId', as: 'asked' } },
          { $match: { asked: { $size: 0 } } },
          { $limit: limit },
          { $project: { _id: 1, subscriberId: 1, address: 1, channel: 1, confirmedAt: 1, invalidAt: 1 } },
        ])
        .toArray()
    )
      .map((doc) => candidateSchema.parse(doc))
      .filter(awaitsConfirmation);
    if (candidates.length === 0) return { inserted: 0 };
    const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message, count: candidates.length });
    const ops = candidates.map((c, i) =>
      insertMessageIfAbsent(
        newMessageDoc({
          id: first + i,
          kind: 'confirmation',
          dedupeKey: confirmationDedupeKey(c._id),
          subscriberId: c.subscriberId,
          channel: 'email',
          contactId: c._id,
          payload: confirmationPayload({ contactId: c._id, address: c.address }),
          at,
          urgent: true,
        }),
      ),
    );
    // A second worker asking at the same moment meets the dedupe key and writes nothing.
    const inserted = await inTransaction(this.ctx, async (session) => (await this.c.messages.bulkWrite(ops, { session, ordered: true })).upsertedCount);
    return { inserted };
  }
}

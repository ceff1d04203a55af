import { z } from 'zod';
import { unsubscribeScopeSchema, type DeliveryAttempt, type DeliveryStatus } from '../../../schemas/delivery.schema.js';
import { channelSchema, subscriberKindSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import type { DeliveryListFilter, DeliveryListRow, DeliveryLogRepository } from '../../ports/push-queue.port.js';
import { maskContact } from '../../push/contact-mask.js';
import { OPEN_STATUSES } from '../../push/queue-rules.js';
import { attemptFromDoc, countRowSchema, deliveryFromDoc, messageFromDoc, pushCollections, statusCountSchema } from './mongo-delivery.models.js';
import { COLLECTIONS, type MongoContext } from './mongo.support.js';

/** Reads for the delivery log, metrics and send budgets. */
export class MongoDeliveryLogRepository implements DeliveryLogRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    return pushCollections(this.ctx);
  }

  async countSent({ channel, account, since }: { channel: Channel; account: string; since: string }): Promise<number> {
    return this.c.attempts.countDocuments({ account, outcome: 'sent', at: { $gte: since }, channel, dryRun: false });
  }

  async policyLog({ policyId, version }: { policyId: string; version: number }) {
    const counts = (
      await this.c.deliveries
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
      await this.c.messages
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
      await this.c.deliveries
        .find({ policyId, version, $or: [{ status: { $in: ['failed_permanent', 'failed_temporary'] } }, { errorClass: { $ne: null } }] })
        .sort({ updatedAt: -1, _id: -1 })
        .limit(200)
        .toArray()
    ).map(deliveryFromDoc);
    const byErrorClass = (
      await this.c.deliveries
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
      await this.c.unsubscribes
        .aggregate([{ $match: { policyId, version } }, { $group: { _id: '$scope', count: { $sum: 1 } } }, { $sort: { _id: 1 } }])
        .toArray()
    )
      .map((row) => z.object({ _id: unsubscribeScopeSchema, count: z.number() }).parse(row))
      .map((r) => ({ scope: r._id, count: r.count }));
    return { counts, reminders, failures, byErrorClass, unsubscribes };
  }

  async listForPolicySubscriber({ policyId, subscriberId }: { policyId: string; subscriberId: string }) {
    const deliveries = (await this.c.deliveries.find({ policyId, subscriberId }).sort({ version: 1, channel: 1 }).toArray()).map(deliveryFromDoc);
    const carriedBy = [...new Set(deliveries.flatMap((d) => (d.messageId === null ? [] : [d.messageId])))];
    const messages = (
      await this.c.messages
        .find({ subscriberId, $or: [{ policyId }, { _id: { $in: carriedBy } }] })
        .sort({ _id: 1 })
        .toArray()
    ).map(messageFromDoc);
    return { deliveries, messages };
  }

  async listAttempts({ deliveryIds, messageIds }: { deliveryIds: number[]; messageIds: number[] }): Promise<DeliveryAttempt[]> {
    if (deliveryIds.length === 0 && messageIds.length === 0) return [];
    const docs = await this.c.attempts
      .find({ $or: [{ deliveryId: { $in: deliveryIds } }, { messageId: { $in: messageIds } }] })
      .sort({ _id: 1 })
      .toArray();
    return docs.map(attemptFromDoc);
  }

  async queueStats() {
    const open = [...OPEN_STATUSES];
    const pipeline = [{ $match: { status: { $in: open } } }, { $group: { _id: { channel: '$channel', status: '$status' }, count: { $sum: 1 } } }];
    const merged = new Map<string, { channel: Channel; status: DeliveryStatus; count: number }>();
    for (const rows of [await this.c.deliveries.aggregate(pipeline).toArray(), await this.c.messages.aggregate(pipeline).toArray()]) {
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

  async listDeliveries({ filter, after, before, limit }: { filter: DeliveryListFilter; after?: number; before?: number; limit: number }) {
    const query: Record<string, unknown> = {};
    if (filter.policyId !== undefined) query['policyId'] = filter.policyId;
    if (filter.version !== undefined) query['version'] = filter.version;
    if (filter.channel !== undefined) query['channel'] = filter.channel;
    if (filter.status !== undefined) query['status'] = filter.status;
    if (filter.parkId !== undefined) {
      const members = await this.ctx.connection
        .collection<{ _id: string }>(COLLECTIONS.subscribers)
        .find({ parkId: filter.parkId }, { projection: { _id: 1 } })
        .toArray();
      query['subscriberId'] = { $in: [filter.parkId, ...members.map((m) => m._id)] };
    }
    if (filter.since !== undefined || filter.until !== undefined) {
      const when = { $ifNull: ['$sentAt', '$createdAt'] };
      const bounds = [...(filter.since !== undefined ? [{ $gte: [when, filter.since] }] : []), ...(filter.until !== undefined ? [{ $lt: [when, filter.until] }] : [])];
      query['$expr'] = { $and: bounds };
    }
    const backwards = before !== undefined && after === undefined;
    if (after !== undefined) query['_id'] = { $lt: after };
    else if (before !== undefined) query['_id'] = { $gt: before };
    const docs = await this.c.deliveries
      .find(query)
      .sort({ _id: backwards ? 1 : -1 })
      .limit(limit + 1)
      .toArray();
    const more = docs.length > limit;
    const page = docs.slice(0, limit).map(deliveryFromDoc);
    if (backwards) page.reverse();
    const subscriberIds = [...new Set(page.map((d) => d.subscriberId))];
    const subscribers = await this.ctx.connection
      .collection<{ _id: string; name: string; kind: string }>(COLLECTIONS.subscribers)
      .find({ _id: { $in: subscriberIds } }, { projection: { _id: 1, name: 1, kind: 1 } })
      .toArray();
    const contacts = await this.ctx.connection
      .collection<{ _id: string; subscriberId: string; channel: string; address: string; sort: number }>(COLLECTIONS.contacts)
      .find({ subscriberId: { $in: subscriberIds } })
      .sort({ sort: 1 })
      .toArray();
    const people = new Map(subscribers.map((s) => [s._id, s]));
    const rows: DeliveryListRow[] = page.map((d) => {
      const person = people.get(d.subscriberId);
      const kind = subscriberKindSchema.safeParse(person?.kind);
      const address = contacts.find((c) => c.subscriberId === d.subscriberId && c.channel === d.channel)?.address ?? null;
      return {
        id: d.id,
        policyId: d.policyId,
        version: d.version,
        subscriberId: d.subscriberId,
        subscriberName: person?.name ?? d.subscriberId,
        subscriberKind: kind.success ? kind.data : null,
        channel: d.channel,
        contact: maskContact({ channel: d.channel, address }),
        status: d.status,
        frequency: d.frequency,
        messageId: d.messageId,
        nextAttemptAt: d.nextAttemptAt,
        leaseUntil: d.leaseUntil,
        errorClass: d.errorClass,
        lastError: d.lastError,
        sentAt: d.sentAt,
        attempts: d.attempts,
        createdAt: d.createdAt,
      };
    });
    return { rows, more };
  }

  async attemptTotals() {
    const rows = await this.c.attempts
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

import type { ClientSession } from 'mongoose';
import type { AnyBulkWriteOperation } from 'mongodb';
import { subscriptionSchema, type Subscription } from '../../../schemas/subscription.schema.js';
import { DIMENSION_IDS } from '../../../schemas/taxonomy.schema.js';
import { notFound } from '../../errors.js';
import type { SubscriptionRepository } from '../../ports/store.port.js';
import { rewriteCriteria } from '../../services/tag-references.js';
import { chunks, COLLECTIONS, inTransaction, mongoose, storedSchema, touchSubscriber, type ModelBinding, type MongoContext } from './mongo.support.js';

export type SubscriptionDoc = Omit<Subscription, 'id'> & { _id: string };

const { Mixed } = mongoose.Schema.Types;

const subscriptionModelSchema = storedSchema(
  {
    _id: String,
    subscriberId: String,
    name: String,
    criteria: Mixed,
    keywords: [String],
    channels: [String],
    frequency: String,
    eligibleOnly: Boolean,
    createdAt: String,
    endedAt: String,
    endReason: String,
    replaces: String,
    updatedAt: String,
  },
  { collection: COLLECTIONS.subscriptions },
);
subscriptionModelSchema.index({ subscriberId: 1, endedAt: 1, createdAt: 1, _id: 1 }, { name: 'subscriptions_subscriber' });

export const subscriptionModels: ModelBinding[] = [{ name: 'Subscription', schema: subscriptionModelSchema, shape: subscriptionSchema.shape, idField: 'id' }];

function subscriptionFromDoc(doc: SubscriptionDoc): Subscription {
  const { _id, ...rest } = doc;
  return subscriptionSchema.parse({ ...rest, id: _id });
}

export function subscriptionToDoc(subscription: Subscription): SubscriptionDoc {
  const { id, ...rest } = subscriptionSchema.parse(subscription);
  return { ...rest, _id: id };
}

const BATCH = 500;

/**
 * Runs inside the merge transaction: rewrites the criteria of every subscription (live or ended)
 * naming `fromId`. The owners are returned for the caller to move in the change sequence.
 */
export async function rewriteSubscriptionTagReferences({ ctx, session, fromId, intoId }: { ctx: MongoContext; session: ClientSession; fromId: string; intoId: string }): Promise<{ count: number; subscriberIds: string[] }> {
  const subscriptions = ctx.connection.collection<SubscriptionDoc>(COLLECTIONS.subscriptions);
  const filter = { $or: DIMENSION_IDS.map((dimension) => ({ [`criteria.${dimension}.tags`]: fromId })) };
  const ids = (await subscriptions.find(filter, { session, projection: { _id: 1 } }).toArray()).map((d) => d._id);
  const owners = new Set<string>();
  for (const batch of chunks(ids, BATCH)) {
    const docs = await subscriptions.find({ _id: { $in: batch } }, { session }).toArray();
    const ops: AnyBulkWriteOperation<SubscriptionDoc>[] = docs.map((doc) => {
      owners.add(doc.subscriberId);
      const subscription = subscriptionFromDoc(doc);
      return { updateOne: { filter: { _id: doc._id }, update: { $set: { criteria: rewriteCriteria({ criteria: subscription.criteria, fromId, intoId }) } } } };
    });
    if (ops.length > 0) await subscriptions.bulkWrite(ops, { session, ordered: true });
  }
  return { count: ids.length, subscriberIds: [...owners] };
}

export class MongoSubscriptionRepository implements SubscriptionRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get subscriptions() {
    return this.ctx.connection.collection<SubscriptionDoc>(COLLECTIONS.subscriptions);
  }

  private async updateDoc(session: ClientSession, subscription: Subscription): Promise<void> {
    const { _id, ...replacement } = subscriptionToDoc(subscription);
    const result = await this.subscriptions.replaceOne({ _id, subscriberId: subscription.subscriberId }, replacement, { session });
    if (result.matchedCount === 0) throw notFound({ code: 'subscription_not_found', message: '订阅不存在' });
  }

  async insert(subscription: Subscription): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      await this.subscriptions.insertOne(subscriptionToDoc(subscription), { session });
      await touchSubscriber({ ctx: this.ctx, subscriberId: subscription.subscriberId, session });
    });
  }

  async get(id: string): Promise<Subscription | null> {
    const doc = await this.subscriptions.findOne({ _id: id });
    return doc ? subscriptionFromDoc(doc) : null;
  }

  async update(subscription: Subscription): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      await this.updateDoc(session, subscription);
      await touchSubscriber({ ctx: this.ctx, subscriberId: subscription.subscriberId, session });
    });
  }

  async replace({ ended, started }: { ended: Subscription; started: Subscription }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      await this.updateDoc(session, ended);
      await this.subscriptions.insertOne(subscriptionToDoc(started), { session });
      await touchSubscriber({ ctx: this.ctx, subscriberId: started.subscriberId, session });
    });
  }

  async listBySubscriber({ subscriberId, includeEnded }: { subscriberId: string; includeEnded: boolean }): Promise<Subscription[]> {
    const filter = includeEnded ? { subscriberId } : { subscriberId, endedAt: null };
    return (await this.subscriptions.find(filter).sort({ createdAt: 1, _id: 1 }).toArray()).map(subscriptionFromDoc);
  }

  async listBySubscribers({ subscriberIds, includeEnded }: { subscriberIds: string[]; includeEnded: boolean }): Promise<Subscription[]> {
    const out: Subscription[] = [];
    for (const batch of chunks(subscriberIds, BATCH)) {
      const filter = includeEnded ? { subscriberId: { $in: batch } } : { subscriberId: { $in: batch }, endedAt: null };
      out.push(...(await this.subscriptions.find(filter).sort({ createdAt: 1, _id: 1 }).toArray()).map(subscriptionFromDoc));
    }
    return out;
  }
}

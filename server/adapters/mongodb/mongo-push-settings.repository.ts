import { channelControlSchema, type ChannelControl, type PushPreferences, type UnsubscribeScope, type WorkRef } from '../../../schemas/delivery.schema.js';
import type { Channel } from '../../../schemas/subscriber.schema.js';
import type { PushSettingsRepository } from '../../ports/push-queue.port.js';
import { preferencesOrDefault } from '../../push/push-messages.js';
import { pushCollections } from './mongo-delivery.models.js';
import type { MongoContext } from './mongo.support.js';

/** Push preferences, channel pauses and unsubscribe events. */
export class MongoPushSettingsRepository implements PushSettingsRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    return pushCollections(this.ctx);
  }

  async getPreferences(subscriberId: string): Promise<PushPreferences> {
    const doc = await this.c.preferences.findOne({ _id: subscriberId });
    return preferencesOrDefault(doc ? { deadlineReminders: doc.deadlineReminders } : null);
  }

  async setPreferences({ subscriberId, preferences, at }: { subscriberId: string; preferences: PushPreferences; at: string }): Promise<void> {
    await this.c.preferences.updateOne({ _id: subscriberId }, { $set: { deadlineReminders: preferences.deadlineReminders, updatedAt: at } }, { upsert: true });
  }

  async listControls(): Promise<ChannelControl[]> {
    return (await this.c.controls.find({}).sort({ _id: 1 }).toArray()).map((doc) => {
      const { _id, ...rest } = doc;
      return channelControlSchema.parse({ ...rest, channel: _id });
    });
  }

  async setControl({ channel, paused, reason, by, at }: { channel: Channel; paused: boolean; reason: string | null; by: string; at: string }): Promise<void> {
    await this.c.controls.updateOne({ _id: channel }, { $set: { paused, reason, updatedBy: by, updatedAt: at } }, { upsert: true });
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
    if (origin?.source === 'delivery') policy = await this.c.deliveries.find({ _id: origin.id }).limit(1).project<Origin>({ _id: 0, policyId: 1, version: 1 }).next();
    else if (origin?.source === 'message') policy = await this.c.messages.find({ _id: origin.id }).limit(1).project<Origin>({ _id: 0, policyId: 1, version: 1 }).next();
    await this.c.unsubscribes.insertOne({
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
}

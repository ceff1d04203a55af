import { z } from 'zod';
import type { ChannelControl, PushPreferences, UnsubscribeScope, WorkRef } from '../../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import type { PushSettingsRepository } from '../../ports/push-queue.port.js';
import { DEFAULT_PUSH_PREFERENCES } from '../../push/push-messages.js';
import { StatementCache } from './statement-cache.js';
import type { Db } from './sqlite.support.js';

/** Push preferences, channel pauses and unsubscribe events. */
export class SqlitePushSettingsRepository implements PushSettingsRepository {
  private readonly statements: StatementCache;

  constructor(db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
  }

  async getPreferences(subscriberId: string): Promise<PushPreferences> {
    const value = this.stmt('SELECT deadline_reminders FROM push_preferences WHERE subscriber_id = ?').pluck().get(subscriberId);
    return value === undefined ? DEFAULT_PUSH_PREFERENCES : { deadlineReminders: Number(value) === 1 };
  }

  async setPreferences({ subscriberId, preferences, at }: { subscriberId: string; preferences: PushPreferences; at: string }): Promise<void> {
    this.stmt(
      `INSERT INTO push_preferences (subscriber_id, deadline_reminders, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (subscriber_id) DO UPDATE SET deadline_reminders = excluded.deadline_reminders, updated_at = excluded.updated_at`,
    ).run(subscriberId, preferences.deadlineReminders ? 1 : 0, at);
  }

  async listControls(): Promise<ChannelControl[]> {
    return this.stmt('SELECT channel, paused, reason, updated_by, updated_at FROM push_controls ORDER BY channel')
      .all()
      .map((row) => {
        const r = z.object({ channel: channelSchema, paused: z.number(), reason: z.string().nullable(), updated_by: z.string().nullable(), updated_at: z.string() }).parse(row);
        return { channel: r.channel, paused: r.paused === 1, reason: r.reason, updatedBy: r.updated_by, updatedAt: r.updated_at };
      });
  }

  async setControl({ channel, paused, reason, by, at }: { channel: Channel; paused: boolean; reason: string | null; by: string; at: string }): Promise<void> {
    this.stmt(
      `INSERT INTO push_controls (channel, paused, reason, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel) DO UPDATE SET paused = excluded.paused, reason = excluded.reason, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    ).run(channel, paused ? 1 : 0, reason, by, at);
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
    const policy =
      origin === null
        ? undefined
        : this.stmt(`SELECT policy_id, version FROM ${origin.source === 'delivery' ? 'deliveries' : 'push_messages'} WHERE id = ?`).get(origin.id);
    const parsed = policy ? z.object({ policy_id: z.string().nullable(), version: z.number().nullable() }).parse(policy) : { policy_id: null, version: null };
    this.stmt(
      `INSERT INTO unsubscribe_events (subscriber_id, scope, subscription_ids, delivery_id, message_id, policy_id, version, source, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      subscriberId,
      scope,
      JSON.stringify(subscriptionIds),
      origin?.source === 'delivery' ? origin.id : null,
      origin?.source === 'message' ? origin.id : null,
      parsed.policy_id,
      parsed.version,
      source,
      at,
    );
  }
}

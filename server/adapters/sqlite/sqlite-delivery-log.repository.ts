import { z } from 'zod';
import type { DeliveryAttempt, DeliveryStatus } from '../../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import type { DeliveryLogRepository } from '../../ports/push-queue.port.js';
import { OPEN_STATUSES } from '../../push/queue-rules.js';
import { attemptFromRow, deliveryFromRow, messageFromRow, StatementCache, statusList } from './sqlite-delivery.rows.js';
import type { Db } from './sqlite.support.js';

/** Reads for the delivery log, metrics and send budgets. */
export class SqliteDeliveryLogRepository implements DeliveryLogRepository {
  private readonly statements: StatementCache;

  constructor(db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
  }

  async countSent({ channel, account, since }: { channel: Channel; account: string; since: string }): Promise<number> {
    return Number(
      this.stmt(`SELECT COUNT(*) FROM delivery_attempts WHERE account = ? AND outcome = 'sent' AND at >= ? AND channel = ? AND dry_run = 0`).pluck().get(account, since, channel),
    );
  }

  async policyLog({ policyId, version }: { policyId: string; version: number }) {
    const countRow = z.object({ channel: channelSchema, status: z.string(), count: z.number(), dry_run: z.number().nullable() });
    const counts = this.stmt(
      `SELECT channel, status, COUNT(*) AS count, SUM(dry_run) AS dry_run FROM deliveries WHERE policy_id = ? AND version = ? GROUP BY channel, status ORDER BY channel, status`,
    )
      .all(policyId, version)
      .map((row) => countRow.parse(row))
      .map((r) => ({ channel: r.channel, status: r.status as DeliveryStatus, count: r.count, dryRun: r.dry_run ?? 0 }));
    const reminders = this.stmt(
      `SELECT channel, status, COUNT(*) AS count, 0 AS dry_run FROM push_messages WHERE policy_id = ? AND version = ? AND kind = 'reminder' GROUP BY channel, status ORDER BY channel, status`,
    )
      .all(policyId, version)
      .map((row) => countRow.parse(row))
      .map((r) => ({ channel: r.channel, status: r.status as DeliveryStatus, count: r.count }));
    const failures = this.stmt(
      `SELECT * FROM deliveries WHERE policy_id = ? AND version = ? AND (status IN ('failed_permanent', 'failed_temporary') OR error_class IS NOT NULL)
       ORDER BY updated_at DESC, id DESC LIMIT 200`,
    )
      .all(policyId, version)
      .map(deliveryFromRow);
    const byErrorClass = this.stmt(
      `SELECT error_class AS errorClass, COUNT(*) AS count FROM deliveries WHERE policy_id = ? AND version = ? AND error_class IS NOT NULL GROUP BY error_class ORDER BY count DESC`,
    )
      .all(policyId, version)
      .map((row) => z.object({ errorClass: z.string(), count: z.number() }).parse(row));
    const unsubscribes = this.stmt(`SELECT scope, COUNT(*) AS count FROM unsubscribe_events WHERE policy_id = ? AND version = ? GROUP BY scope`)
      .all(policyId, version)
      .map((row) => z.object({ scope: z.enum(['subscription', 'frequency', 'all', 'reminders']), count: z.number() }).parse(row));
    return { counts, reminders, failures, byErrorClass, unsubscribes };
  }

  async listForPolicySubscriber({ policyId, subscriberId }: { policyId: string; subscriberId: string }) {
    const deliveries = this.stmt('SELECT * FROM deliveries WHERE policy_id = ? AND subscriber_id = ? ORDER BY version, channel').all(policyId, subscriberId).map(deliveryFromRow);
    const messages = this.stmt(
      `SELECT * FROM push_messages WHERE subscriber_id = ? AND (policy_id = ? OR id IN (SELECT message_id FROM deliveries WHERE policy_id = ? AND subscriber_id = ? AND message_id IS NOT NULL))
       ORDER BY id`,
    )
      .all(subscriberId, policyId, policyId, subscriberId)
      .map(messageFromRow);
    return { deliveries, messages };
  }

  async listAttempts({ deliveryIds, messageIds }: { deliveryIds: number[]; messageIds: number[] }): Promise<DeliveryAttempt[]> {
    return this.stmt(
      `SELECT * FROM delivery_attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) OR message_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    )
      .all(JSON.stringify(deliveryIds), JSON.stringify(messageIds))
      .map(attemptFromRow);
  }

  async queueStats() {
    const row = z.object({ channel: channelSchema, status: z.string(), count: z.number() });
    const merged = new Map<string, { channel: Channel; status: DeliveryStatus; count: number }>();
    for (const table of ['deliveries', 'push_messages']) {
      for (const raw of this.stmt(`SELECT channel, status, COUNT(*) AS count FROM ${table} WHERE status IN ${statusList(OPEN_STATUSES)} GROUP BY channel, status`).all()) {
        const r = row.parse(raw);
        const key = `${r.channel}:${r.status}`;
        const entry = merged.get(key) ?? { channel: r.channel, status: r.status as DeliveryStatus, count: 0 };
        entry.count += r.count;
        merged.set(key, entry);
      }
    }
    return [...merged.values()];
  }

  async attemptTotals() {
    return this.stmt(`SELECT channel, outcome, error_class AS errorClass, COUNT(*) AS count FROM delivery_attempts GROUP BY channel, outcome, error_class`)
      .all()
      .map((row) => z.object({ channel: channelSchema, outcome: z.string(), errorClass: z.string().nullable(), count: z.number() }).parse(row));
  }
}

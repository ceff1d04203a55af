import { z } from 'zod';
import { deliveryStatusSchema, type DeliveryAttempt, type DeliveryStatus } from '../../../schemas/delivery.schema.js';
import { channelSchema, subscriberKindSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import { frequencySchema } from '../../../schemas/subscription.schema.js';
import type { DeliveryListFilter, DeliveryListRow, DeliveryLogRepository } from '../../ports/push-queue.port.js';
import { maskContact } from '../../push/contact-mask.js';
import { OPEN_STATUSES } from '../../push/queue-rules.js';
import { attemptFromRow, deliveryFromRow, messageFromRow, statusList } from './sqlite-delivery.rows.js';
import { StatementCache } from './statement-cache.js';
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

  async listDeliveries(input: { filter: DeliveryListFilter; after?: number; before?: number; limit: number }) {
    const { sql, params } = listDeliveriesSql(input);
    const raw = this.stmt(sql).all(...params);
    const more = raw.length > input.limit;
    const rows = raw.slice(0, input.limit).map(listRowFromSql);
    if (input.before !== undefined && input.after === undefined) rows.reverse();
    return { rows, more };
  }

  async attemptTotals() {
    return this.stmt(`SELECT channel, outcome, error_class AS errorClass, COUNT(*) AS count FROM delivery_attempts GROUP BY channel, outcome, error_class`)
      .all()
      .map((row) => z.object({ channel: channelSchema, outcome: z.string(), errorClass: z.string().nullable(), count: z.number() }).parse(row));
  }
}

const listRowSchema = z.object({
  id: z.number(),
  policy_id: z.string(),
  version: z.number(),
  subscriber_id: z.string(),
  subscriber_name: z.string().nullable(),
  subscriber_kind: subscriberKindSchema.nullable(),
  channel: channelSchema,
  address: z.string().nullable(),
  status: deliveryStatusSchema,
  frequency: frequencySchema,
  message_id: z.number().nullable(),
  next_attempt_at: z.string().nullable(),
  lease_until: z.string().nullable(),
  error_class: z.string().nullable(),
  last_error: z.string().nullable(),
  sent_at: z.string().nullable(),
  attempts: z.number(),
  created_at: z.string(),
});

/** The staff delivery list as one keyset query over deliveries, joined to the subscriber and the first contact on the channel. */
export function listDeliveriesSql({ filter, after, before, limit }: { filter: DeliveryListFilter; after?: number | undefined; before?: number | undefined; limit: number }): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.policyId !== undefined) {
    where.push('d.policy_id = ?');
    params.push(filter.policyId);
  }
  if (filter.version !== undefined) {
    where.push('d.version = ?');
    params.push(filter.version);
  }
  if (filter.channel !== undefined) {
    where.push('d.channel = ?');
    params.push(filter.channel);
  }
  if (filter.status !== undefined) {
    where.push('d.status = ?');
    params.push(filter.status);
  }
  if (filter.parkId !== undefined) {
    where.push('d.subscriber_id IN (SELECT id FROM subscribers WHERE park_id = ? UNION ALL SELECT ?)');
    params.push(filter.parkId, filter.parkId);
  }
  if (filter.since !== undefined) {
    where.push('COALESCE(d.sent_at, d.created_at) >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('COALESCE(d.sent_at, d.created_at) < ?');
    params.push(filter.until);
  }
  if (after !== undefined) {
    where.push('d.id < ?');
    params.push(after);
  } else if (before !== undefined) {
    where.push('d.id > ?');
    params.push(before);
  }
  // Going back reads upwards from the cursor; the caller turns the page round.
  const order = before !== undefined && after === undefined ? 'ASC' : 'DESC';
  params.push(limit + 1);
  // The page is chosen first on deliveries alone, so names and contacts are looked up for its rows only.
  const sql = `SELECT d.id, d.policy_id, d.version, d.subscriber_id, s.name AS subscriber_name, s.kind AS subscriber_kind, d.channel,
      (SELECT c.address FROM contacts c WHERE c.subscriber_id = d.subscriber_id AND c.channel = d.channel ORDER BY c.sort LIMIT 1) AS address,
      d.status, d.frequency, d.message_id, d.next_attempt_at, d.lease_until, d.error_class, d.last_error, d.sent_at, d.attempts, d.created_at
    FROM (SELECT d.id, d.policy_id, d.version, d.subscriber_id, d.channel, d.status, d.frequency, d.message_id, d.next_attempt_at, d.lease_until, d.error_class, d.last_error, d.sent_at, d.attempts, d.created_at
      FROM deliveries d ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id ${order} LIMIT ?) d
    LEFT JOIN subscribers s ON s.id = d.subscriber_id
    ORDER BY d.id ${order}`;
  return { sql, params };
}

export function listRowFromSql(raw: unknown): DeliveryListRow {
  const r = listRowSchema.parse(raw);
  return {
    id: r.id,
    policyId: r.policy_id,
    version: r.version,
    subscriberId: r.subscriber_id,
    subscriberName: r.subscriber_name ?? r.subscriber_id,
    subscriberKind: r.subscriber_kind,
    channel: r.channel,
    contact: maskContact({ channel: r.channel, address: r.address }),
    status: r.status,
    frequency: r.frequency,
    messageId: r.message_id,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    errorClass: r.error_class,
    lastError: r.last_error,
    sentAt: r.sent_at,
    attempts: r.attempts,
    createdAt: r.created_at,
  };
}

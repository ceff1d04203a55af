import { channelSchema } from '../../../schemas/subscriber.schema.js';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Delivery, NewDelivery, PushMessage } from '../../../schemas/delivery.schema.js';
import type { OutboxRepository } from '../../ports/push-queue.port.js';
import { confirmationDedupeKey, confirmationPayload, DEFAULT_PUSH_PREFERENCES, reminderDedupeKey, reminderPayload } from '../../push/push-messages.js';
import { REMINDER_EXCLUDED_STATUSES } from '../../push/queue-rules.js';
import { awaitsConfirmation } from '../../subscribers/reachable-contact.js';
import { deliveryFromRow, insertMessage, messageFromRow, statusList } from './sqlite-delivery.rows.js';
import { StatementCache } from './statement-cache.js';
import type { Db } from './sqlite.support.js';

const ROWS_PER_STATEMENT = 200;

function deliveryParams(row: NewDelivery, at: string): (string | number)[] {
  return [
    row.policyId,
    row.version,
    row.subscriberId,
    row.channel,
    row.frequency,
    JSON.stringify(row.subscriptionIds),
    JSON.stringify(row.explanation),
    row.urgent ? 1 : 0,
    at,
    at,
    at,
  ];
}

const reminderRowSchema = z.object({
  id: z.number(),
  subscriber_id: z.string(),
  channel: channelSchema,
  subscription_ids: z.string(),
  deadline_reminders: z.number().nullable(),
});

const contactRowSchema = z.object({
  id: z.string(),
  subscriber_id: z.string(),
  address: z.string(),
  channel: channelSchema,
  confirmed_at: z.string().nullable(),
  invalid_at: z.string().nullable(),
});

export class SqliteOutboxRepository implements OutboxRepository {
  private readonly insertStatements = new Map<number, Database.Statement>();
  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  async enqueue(rows: NewDelivery[], at: string): Promise<{ inserted: number }> {
    return this.db.transaction(() => {
      let inserted = 0;
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
        inserted += this.insertStatement(chunk.length).run(chunk.flatMap((row) => deliveryParams(row, at))).changes;
      }
      return { inserted };
    })();
  }

  /**
   * Multi-row INSERT OR IGNORE: the unique (policy, version, subscriber, channel) index makes re-runs
   * safe, and many rows per statement keep the matcher's outbox writes well above 200,000 rows/s.
   */
  private insertStatement(count: number): Database.Statement {
    const cached = this.insertStatements.get(count);
    if (cached) return cached;
    const statement = this.db.prepare(
      `INSERT OR IGNORE INTO deliveries
         (policy_id, version, subscriber_id, channel, frequency, subscription_ids, explanation, status, urgent, next_attempt_at, created_at, updated_at)
       VALUES ${Array.from({ length: count }, () => "(?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)").join(', ')}`,
    );
    this.insertStatements.set(count, statement);
    return statement;
  }

  async listForPolicy({ policyId, version, limit, offset }: { policyId: string; version?: number; limit: number; offset: number }) {
    const where = version === undefined ? 'WHERE policy_id = ?' : 'WHERE policy_id = ? AND version = ?';
    const args = version === undefined ? [policyId] : [policyId, version];
    const total = Number(this.db.prepare(`SELECT COUNT(*) FROM deliveries ${where}`).pluck().get(...args));
    const items = this.db.prepare(`SELECT * FROM deliveries ${where} ORDER BY id LIMIT ? OFFSET ?`).all(...args, limit, offset).map(deliveryFromRow);
    return { total, items };
  }

  async listForSubscriber({ subscriberId, limit }: { subscriberId: string; limit: number }): Promise<Delivery[]> {
    return this.db.prepare('SELECT * FROM deliveries WHERE subscriber_id = ? ORDER BY id DESC LIMIT ?').all(subscriberId, limit).map(deliveryFromRow);
  }

  async countForPolicy({ policyId, version }: { policyId: string; version: number }): Promise<number> {
    return Number(this.db.prepare('SELECT COUNT(*) FROM deliveries WHERE policy_id = ? AND version = ?').pluck().get(policyId, version));
  }

  async getMessage(id: number): Promise<PushMessage | null> {
    const row = this.statements.get('SELECT * FROM push_messages WHERE id = ?').get(id);
    return row ? messageFromRow(row) : null;
  }

  async enqueueReminders({ policyId, version, daysBefore, closesAt, at }: { policyId: string; version: number; daysBefore: number; closesAt: string; at: string }) {
    return this.db
      .transaction(() => {
        const rows = this.statements
          .get(
            `SELECT d.id, d.subscriber_id, d.channel, d.subscription_ids, p.deadline_reminders FROM deliveries d
             LEFT JOIN push_preferences p ON p.subscriber_id = d.subscriber_id
             WHERE d.policy_id = ? AND d.version = ? AND d.status NOT IN ${statusList(REMINDER_EXCLUDED_STATUSES)} ORDER BY d.id`,
          )
          .all(policyId, version)
          .map((row) => reminderRowSchema.parse(row));
        let inserted = 0;
        for (const row of rows) {
          const wanted = row.deadline_reminders === null ? DEFAULT_PUSH_PREFERENCES.deadlineReminders : row.deadline_reminders === 1;
          if (!wanted) continue;
          const payload = reminderPayload({ daysBefore, closesAt, subscriptionIds: z.array(z.string()).parse(JSON.parse(row.subscription_ids)), deliveryId: row.id });
          const dedupeKey = reminderDedupeKey({ policyId, subscriberId: row.subscriber_id, channel: row.channel, daysBefore });
          const id = insertMessage(this.statements, { kind: 'reminder', dedupeKey, subscriberId: row.subscriber_id, channel: row.channel, policyId, version, payload, at, urgent: true });
          if (id !== null) inserted += 1;
        }
        return { inserted };
      })
      .immediate();
  }

  async enqueueConfirmations({ at, limit }: { at: string; limit: number }) {
    if (limit <= 0) return { inserted: 0 };
    return this.db
      .transaction(() => {
        // The query narrows to the rule's candidates (contacts asked already, who may never confirm, are not
        // shipped here on every tick); the rule itself decides.
        const candidates = this.statements
          .get(
            `SELECT c.id, c.subscriber_id, c.address, c.channel, c.confirmed_at, c.invalid_at FROM contacts c
             WHERE c.channel = 'email' AND c.confirmed_at IS NULL AND c.invalid_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM push_messages m WHERE m.contact_id = c.id)
             LIMIT ?`,
          )
          .all(limit)
          .map((row) => contactRowSchema.parse(row))
          .filter((c) => awaitsConfirmation({ channel: c.channel, confirmedAt: c.confirmed_at, invalidAt: c.invalid_at }));
        let inserted = 0;
        for (const c of candidates) {
          const payload = confirmationPayload({ contactId: c.id, address: c.address });
          const id = insertMessage(this.statements, { kind: 'confirmation', dedupeKey: confirmationDedupeKey(c.id), subscriberId: c.subscriber_id, channel: 'email', contactId: c.id, payload, at, urgent: true });
          if (id !== null) inserted += 1;
        }
        return { inserted };
      })
      .immediate();
  }
}

import type Database from 'better-sqlite3';
import { z } from 'zod';
import {
  deliveryAttemptSchema,
  deliverySchema,
  matchingJobSchema,
  pushMessagePayloadSchema,
  pushMessageSchema,
  type ChannelControl,
  type ClaimedWork,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type MatchingJob,
  type NewDelivery,
  type ParkDigestItem,
  type PushMessage,
  type PushMessagePayload,
  type PushPreferences,
  type SendOutcome,
  type UnsubscribeScope,
  type WorkRef,
} from '../../../schemas/delivery.schema.js';
import type { Channel } from '../../../schemas/subscriber.schema.js';
import type { Frequency } from '../../../schemas/subscription.schema.js';
import type { DeliveryRepository, MatchingJobRepository } from '../../ports/store.port.js';
import type { LaneReport } from '../../ports/push-queue.port.js';
import type { Db } from './sqlite.support.js';

const deliveryRowSchema = z.object({
  id: z.number(),
  policy_id: z.string(),
  version: z.number(),
  subscriber_id: z.string(),
  channel: z.string(),
  frequency: z.string(),
  subscription_ids: z.string(),
  explanation: z.string(),
  status: z.string(),
  urgent: z.number(),
  attempts: z.number(),
  next_attempt_at: z.string().nullable(),
  lease_until: z.string().nullable(),
  last_error: z.string().nullable(),
  error_class: z.string().nullable(),
  sent_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  message_id: z.number().nullable(),
  dry_run: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

function deliveryFromRow(row: unknown): Delivery {
  const r = deliveryRowSchema.parse(row);
  return deliverySchema.parse({
    id: r.id,
    policyId: r.policy_id,
    version: r.version,
    subscriberId: r.subscriber_id,
    channel: r.channel,
    frequency: r.frequency,
    subscriptionIds: JSON.parse(r.subscription_ids),
    explanation: JSON.parse(r.explanation),
    status: r.status,
    urgent: r.urgent === 1,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastError: r.last_error,
    errorClass: r.error_class,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    messageId: r.message_id,
    dryRun: r.dry_run === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

const messageRowSchema = z.object({
  id: z.number(),
  kind: z.string(),
  dedupe_key: z.string(),
  subscriber_id: z.string(),
  channel: z.string(),
  contact_id: z.string().nullable(),
  policy_id: z.string().nullable(),
  version: z.number().nullable(),
  payload: z.string(),
  status: z.string(),
  urgent: z.number(),
  attempts: z.number(),
  next_attempt_at: z.string().nullable(),
  lease_until: z.string().nullable(),
  last_error: z.string().nullable(),
  error_class: z.string().nullable(),
  sent_at: z.string().nullable(),
  dry_run: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

function messageFromRow(row: unknown): PushMessage {
  const r = messageRowSchema.parse(row);
  return pushMessageSchema.parse({
    id: r.id,
    kind: r.kind,
    dedupeKey: r.dedupe_key,
    subscriberId: r.subscriber_id,
    channel: r.channel,
    contactId: r.contact_id,
    policyId: r.policy_id,
    version: r.version,
    payload: JSON.parse(r.payload),
    status: r.status,
    urgent: r.urgent === 1,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastError: r.last_error,
    errorClass: r.error_class,
    sentAt: r.sent_at,
    dryRun: r.dry_run === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

const attemptRowSchema = z.object({
  id: z.number(),
  delivery_id: z.number().nullable(),
  message_id: z.number().nullable(),
  channel: z.string(),
  account: z.string().nullable(),
  worker: z.string().nullable(),
  attempt: z.number(),
  at: z.string(),
  outcome: z.string(),
  error_class: z.string().nullable(),
  response: z.string().nullable(),
  dry_run: z.number(),
  duration_ms: z.number().nullable(),
});

function attemptFromRow(row: unknown): DeliveryAttempt {
  const r = attemptRowSchema.parse(row);
  return deliveryAttemptSchema.parse({
    id: r.id,
    deliveryId: r.delivery_id,
    messageId: r.message_id,
    channel: r.channel,
    account: r.account,
    worker: r.worker,
    attempt: r.attempt,
    at: r.at,
    outcome: r.outcome,
    errorClass: r.error_class,
    response: r.response,
    dryRun: r.dry_run === 1,
    durationMs: r.duration_ms,
  });
}

const queueRowSchema = z.object({ id: z.number(), urgent: z.number(), due: z.string() });
const FINAL = "('sent', 'delivered', 'failed_permanent', 'skipped')";
const LEASE_EXPIRED_TEXT = '租约过期：工作进程中断或超时，已重新排队';

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

export class SqliteDeliveryRepository implements DeliveryRepository {
  private readonly statements = new Map<number, Database.Statement>();

  constructor(private readonly db: Db) {}

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
    const cached = this.statements.get(count);
    if (cached) return cached;
    const statement = this.db.prepare(
      `INSERT OR IGNORE INTO deliveries
         (policy_id, version, subscriber_id, channel, frequency, subscription_ids, explanation, status, urgent, next_attempt_at, created_at, updated_at)
       VALUES ${Array.from({ length: count }, () => "(?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)").join(', ')}`,
    );
    this.statements.set(count, statement);
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

  /** Prepared once per SQL text: the dispatcher runs the same few statements thousands of times a second. */
  private readonly prepared = new Map<string, Database.Statement>();

  private stmt(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }

  async claim({ channel, now, leaseUntil, owner, limit }: { channel: Channel; now: string; leaseUntil: string; owner: string; limit: number }): Promise<ClaimedWork[]> {
    // BEGIN IMMEDIATE takes the write lock before reading, so two processes cannot pick the same rows.
    return this.db
      .transaction(() => {
        const deliveries = this.stmt(
          `SELECT id, urgent, next_attempt_at AS due FROM deliveries
           WHERE frequency = 'immediate' AND status IN ('pending', 'failed_temporary') AND channel = ? AND next_attempt_at <= ?
           ORDER BY urgent DESC, next_attempt_at, id LIMIT ?`,
        )
          .all(channel, now, limit)
          .map((row) => ({ source: 'delivery' as const, ...queueRowSchema.parse(row) }));
        const messages = this.stmt(
          `SELECT id, urgent, next_attempt_at AS due FROM push_messages
           WHERE status IN ('pending', 'failed_temporary') AND channel = ? AND next_attempt_at <= ?
           ORDER BY urgent DESC, next_attempt_at, id LIMIT ?`,
        )
          .all(channel, now, limit)
          .map((row) => ({ source: 'message' as const, ...queueRowSchema.parse(row) }));
        const chosen = [...deliveries, ...messages]
          .sort((a, b) => b.urgent - a.urgent || a.due.localeCompare(b.due) || a.id - b.id)
          .slice(0, limit);
        const order = new Map(chosen.map((c, i) => [`${c.source}:${c.id}`, i]));
        const lease = (table: 'deliveries' | 'push_messages', ids: number[]) =>
          ids.length === 0
            ? []
            : this.stmt(
                `UPDATE ${table} SET status = 'sending', lease_until = ?, lease_owner = ?, attempts = attempts + 1, updated_at = ?
                 WHERE id IN (SELECT value FROM json_each(?)) RETURNING *`,
              ).all(leaseUntil, owner, now, JSON.stringify(ids));
        const claimed: ClaimedWork[] = [
          ...lease('deliveries', chosen.filter((c) => c.source === 'delivery').map((c) => c.id)).map((row) => ({ source: 'delivery' as const, delivery: deliveryFromRow(row) })),
          ...lease('push_messages', chosen.filter((c) => c.source === 'message').map((c) => c.id)).map((row) => ({ source: 'message' as const, message: messageFromRow(row) })),
        ];
        const key = (w: ClaimedWork) => (w.source === 'delivery' ? `delivery:${w.delivery.id}` : `message:${w.message.id}`);
        return claimed.sort((a, b) => (order.get(key(a)) ?? 0) - (order.get(key(b)) ?? 0));
      })
      .immediate();
  }

  async recordOutcomes({ outcomes, owner, at }: { outcomes: SendOutcome[]; owner: string; at: string }): Promise<void> {
    if (outcomes.length === 0) return;
    this.db
      .transaction(() => {
        for (const o of outcomes) {
          const table = o.ref.source === 'delivery' ? 'deliveries' : 'push_messages';
          const changed = this.stmt(
            `UPDATE ${table} SET status = ?, lease_until = NULL, lease_owner = NULL, last_error = ?, error_class = ?, next_attempt_at = ?,
               sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, dry_run = ?, updated_at = ?
             WHERE id = ? AND status NOT IN ${FINAL} AND (status <> 'sending' OR lease_owner = ? OR ? = 'sent')`,
          ).run(
            o.outcome,
            o.outcome === 'sent' ? null : o.response,
            o.errorClass,
            o.nextAttemptAt,
            o.outcome,
            at,
            o.dryRun ? 1 : 0,
            at,
            o.ref.id,
            owner,
            o.outcome,
          ).changes;
          this.stmt(
            `INSERT INTO delivery_attempts (delivery_id, message_id, channel, account, worker, attempt, at, outcome, error_class, response, dry_run, duration_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            o.ref.source === 'delivery' ? o.ref.id : null,
            o.ref.source === 'message' ? o.ref.id : null,
            o.channel,
            o.account,
            owner,
            o.attempt,
            at,
            o.outcome,
            o.errorClass,
            o.response === null ? null : o.response.slice(0, 1000),
            o.dryRun ? 1 : 0,
            Math.round(o.durationMs),
          );
          // A digest settles the deliveries it carried.
          if (changed === 1 && o.ref.source === 'message' && (o.outcome === 'sent' || o.outcome === 'failed_permanent')) {
            this.stmt(
              `UPDATE deliveries SET status = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, error_class = ?, last_error = ?, dry_run = ?, updated_at = ?
               WHERE message_id = ? AND status NOT IN ${FINAL}`,
            ).run(o.outcome, o.outcome, at, o.errorClass, o.outcome === 'sent' ? null : o.response, o.dryRun ? 1 : 0, at, o.ref.id);
          }
        }
      })
      .immediate();
  }

  async release({ refs, owner, at }: { refs: WorkRef[]; owner: string; at: string }): Promise<number> {
    if (refs.length === 0) return 0;
    return this.db
      .transaction(() => {
        let released = 0;
        for (const [source, table] of [
          ['delivery', 'deliveries'],
          ['message', 'push_messages'],
        ] as const) {
          const ids = refs.filter((r) => r.source === source).map((r) => r.id);
          if (ids.length === 0) continue;
          released += this.stmt(
            `UPDATE ${table} SET status = 'pending', attempts = MAX(attempts - 1, 0), lease_until = NULL, lease_owner = NULL, updated_at = ?
             WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending' AND lease_owner = ?`,
          ).run(at, JSON.stringify(ids), owner).changes;
        }
        return released;
      })
      .immediate();
  }

  async extendLeases({ refs, owner, leaseUntil }: { refs: WorkRef[]; owner: string; leaseUntil: string }): Promise<void> {
    for (const [source, table] of [
      ['delivery', 'deliveries'],
      ['message', 'push_messages'],
    ] as const) {
      const ids = refs.filter((r) => r.source === source).map((r) => r.id);
      if (ids.length === 0) continue;
      this.stmt(`UPDATE ${table} SET lease_until = ? WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending' AND lease_owner = ?`).run(
        leaseUntil,
        JSON.stringify(ids),
        owner,
      );
    }
  }

  async sweepExpiredLeases({ now, maxAttempts }: { now: string; maxAttempts: number }): Promise<{ requeued: number; failed: number }> {
    return this.db
      .transaction(() => {
        let requeued = 0;
        let failed = 0;
        for (const [source, table] of [
          ['delivery', 'deliveries'],
          ['message', 'push_messages'],
        ] as const) {
          const rows = this.stmt(
            `UPDATE ${table} SET
               status = CASE WHEN attempts >= ? THEN 'failed_permanent' ELSE 'pending' END,
               error_class = CASE WHEN attempts >= ? THEN 'attempts_exhausted' ELSE 'lease_expired' END,
               last_error = ?, next_attempt_at = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?
             WHERE status = 'sending' AND lease_until < ?
             RETURNING id, status, channel, attempts`,
          )
            .all(maxAttempts, maxAttempts, LEASE_EXPIRED_TEXT, now, now, now)
            .map((row) => z.object({ id: z.number(), status: z.string(), channel: z.string(), attempts: z.number() }).parse(row));
          for (const row of rows) {
            this.stmt(
              `INSERT INTO delivery_attempts (delivery_id, message_id, channel, account, worker, attempt, at, outcome, error_class, response, dry_run, duration_ms)
               VALUES (?, ?, ?, NULL, NULL, ?, ?, 'lease_expired', ?, ?, 0, NULL)`,
            ).run(source === 'delivery' ? row.id : null, source === 'message' ? row.id : null, row.channel, row.attempts, now, row.status === 'pending' ? 'lease_expired' : 'attempts_exhausted', LEASE_EXPIRED_TEXT);
            if (row.status === 'pending') requeued += 1;
            else failed += 1;
            if (source === 'message' && row.status === 'failed_permanent') {
              this.stmt(`UPDATE deliveries SET status = 'failed_permanent', error_class = 'attempts_exhausted', last_error = ?, updated_at = ? WHERE message_id = ? AND status NOT IN ${FINAL}`).run(
                LEASE_EXPIRED_TEXT,
                now,
                row.id,
              );
            }
          }
        }
        return { requeued, failed };
      })
      .immediate();
  }

  async getMessage(id: number): Promise<PushMessage | null> {
    const row = this.stmt('SELECT * FROM push_messages WHERE id = ?').get(id);
    return row ? messageFromRow(row) : null;
  }

  async listByMessage(messageId: number): Promise<Delivery[]> {
    return this.stmt('SELECT * FROM deliveries WHERE message_id = ? ORDER BY id').all(messageId).map(deliveryFromRow);
  }

  async planDigest({
    runKey,
    frequency,
    slotAt,
    at,
    parkFirstWindowStart,
  }: {
    runKey: string;
    frequency: Exclude<Frequency, 'immediate'>;
    slotAt: string;
    at: string;
    parkFirstWindowStart: string;
  }): Promise<{ created: number; alreadyRan: boolean }> {
    return this.db
      .transaction(() => {
        const started = this.stmt(`INSERT OR IGNORE INTO digest_runs (run_key, frequency, slot_at, status, started_at) VALUES (?, ?, ?, 'running', ?)`).run(
          runKey,
          frequency,
          slotAt,
          at,
        );
        if (started.changes === 0) return { created: 0, alreadyRan: true };
        const maxId = Number(this.stmt('SELECT COALESCE(MAX(id), 0) FROM deliveries').pluck().get());
        const waiting = this.stmt(
          `SELECT id, subscriber_id, channel, policy_id, version FROM deliveries
           WHERE status = 'pending' AND frequency = ? AND message_id IS NULL AND id <= ?
           ORDER BY subscriber_id, channel, policy_id, version DESC, id`,
        )
          .all(frequency, maxId)
          .map((row) => z.object({ id: z.number(), subscriber_id: z.string(), channel: z.string(), policy_id: z.string(), version: z.number() }).parse(row));
        const groups = new Map<string, { subscriberId: string; channel: string; keep: number[]; superseded: number[]; seen: Set<string> }>();
        for (const row of waiting) {
          const key = `${row.subscriber_id}\u0000${row.channel}`;
          let group = groups.get(key);
          if (!group) {
            group = { subscriberId: row.subscriber_id, channel: row.channel, keep: [], superseded: [], seen: new Set() };
            groups.set(key, group);
          }
          // Rows come newest version first per policy: the first one stays, older ones are superseded.
          if (group.seen.has(row.policy_id)) group.superseded.push(row.id);
          else {
            group.seen.add(row.policy_id);
            group.keep.push(row.id);
          }
        }
        let created = 0;
        const messageFor = new Map<string, number>();
        for (const group of groups.values()) {
          const payload: PushMessagePayload = { kind: 'digest', frequency, runKey, parkItems: [], parkCoveredThrough: null };
          const id = this.insertMessage({ kind: 'digest', dedupeKey: `digest:${runKey}:${group.subscriberId}:${group.channel}`, subscriberId: group.subscriberId, channel: group.channel, payload, at });
          if (id === null) continue;
          created += 1;
          messageFor.set(`${group.subscriberId}\u0000${group.channel}`, id);
          this.stmt(`UPDATE deliveries SET message_id = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))`).run(id, at, JSON.stringify(group.keep));
          if (group.superseded.length > 0) {
            this.stmt(
              `UPDATE deliveries SET status = 'skipped', error_class = 'superseded', last_error = '同一政策已有更新的版本，汇总中只列最新版本', updated_at = ?
               WHERE id IN (SELECT value FROM json_each(?))`,
            ).run(at, JSON.stringify(group.superseded));
          }
        }
        if (frequency === 'daily') created += this.planParkDigests({ runKey, maxId, at, parkFirstWindowStart, messageFor });
        this.stmt(`UPDATE digest_runs SET status = 'done', messages = ?, finished_at = ? WHERE run_key = ?`).run(created, at, runKey);
        return { created, alreadyRan: false };
      })
      .immediate();
  }

  /**
   * A park's group gets one message listing what its member enterprises were newly matched to,
   * folded into the park's own digest when it has one this run.
   */
  private planParkDigests({
    runKey,
    maxId,
    at,
    parkFirstWindowStart,
    messageFor,
  }: {
    runKey: string;
    maxId: number;
    at: string;
    parkFirstWindowStart: string;
    messageFor: Map<string, number>;
  }): number {
    let created = 0;
    const parks = this.stmt(
      `SELECT s.id FROM subscribers s WHERE s.kind = 'park'
         AND EXISTS (SELECT 1 FROM contacts c WHERE c.subscriber_id = s.id AND c.channel = 'wechat' AND c.invalid_at IS NULL)`,
    )
      .pluck()
      .all()
      .map((v) => String(v));
    for (const parkId of parks) {
      const previous = this.stmt(
        `SELECT json_extract(payload, '$.parkCoveredThrough') FROM push_messages
         WHERE subscriber_id = ? AND kind = 'digest' AND channel = 'wechat' AND json_extract(payload, '$.parkCoveredThrough') IS NOT NULL
         ORDER BY id DESC LIMIT 1`,
      )
        .pluck()
        .get(parkId);
      const after = previous === undefined || previous === null ? null : Number(previous);
      const rows = this.stmt(
        `SELECT d.policy_id, d.version, d.subscriber_id FROM deliveries d JOIN subscribers m ON m.id = d.subscriber_id
         WHERE m.park_id = ? AND d.id > ? AND d.id <= ? AND d.status <> 'skipped' AND (? = 1 OR d.created_at >= ?)
         ORDER BY d.policy_id, d.version DESC`,
      )
        .all(parkId, after ?? 0, maxId, after === null ? 0 : 1, parkFirstWindowStart)
        .map((row) => z.object({ policy_id: z.string(), version: z.number(), subscriber_id: z.string() }).parse(row));
      const items = new Map<string, ParkDigestItem>();
      for (const row of rows) {
        const item = items.get(row.policy_id);
        if (!item) items.set(row.policy_id, { policyId: row.policy_id, version: row.version, memberIds: [row.subscriber_id] });
        else if (!item.memberIds.includes(row.subscriber_id)) item.memberIds.push(row.subscriber_id);
      }
      const parkItems = [...items.values()];
      const own = messageFor.get(`${parkId}\u0000wechat`);
      if (own !== undefined) {
        const payload: PushMessagePayload = { kind: 'digest', frequency: 'daily', runKey, parkItems, parkCoveredThrough: maxId };
        this.stmt('UPDATE push_messages SET payload = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(payload), at, own);
      } else if (parkItems.length > 0) {
        const payload: PushMessagePayload = { kind: 'digest', frequency: 'daily', runKey, parkItems, parkCoveredThrough: maxId };
        if (this.insertMessage({ kind: 'digest', dedupeKey: `digest:${runKey}:${parkId}:wechat`, subscriberId: parkId, channel: 'wechat', payload, at }) !== null) created += 1;
      }
    }
    return created;
  }

  private insertMessage({
    kind,
    dedupeKey,
    subscriberId,
    channel,
    payload,
    at,
    urgent = false,
  }: {
    kind: PushMessage['kind'];
    dedupeKey: string;
    subscriberId: string;
    channel: string;
    payload: PushMessagePayload;
    at: string;
    urgent?: boolean;
  }): number | null {
    const row = this.stmt(
      `INSERT OR IGNORE INTO push_messages (kind, dedupe_key, subscriber_id, channel, payload, status, urgent, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?) RETURNING id`,
    ).get(kind, dedupeKey, subscriberId, channel, JSON.stringify(pushMessagePayloadSchema.parse(payload)), urgent ? 1 : 0, at, at, at);
    return row ? z.object({ id: z.number() }).parse(row).id : null;
  }

  async enqueueReminders({ policyId, version, daysBefore, closesAt, at }: { policyId: string; version: number; daysBefore: number; closesAt: string; at: string }) {
    const result = this.stmt(
      `INSERT OR IGNORE INTO push_messages (kind, dedupe_key, subscriber_id, channel, policy_id, version, payload, status, urgent, attempts, next_attempt_at, created_at, updated_at)
       SELECT 'reminder', 'reminder:' || d.policy_id || ':' || d.subscriber_id || ':' || d.channel || ':' || ?, d.subscriber_id, d.channel, d.policy_id, d.version,
              json_object('kind', 'reminder', 'daysBefore', ?, 'closesAt', ?, 'subscriptionIds', json(d.subscription_ids), 'deliveryId', d.id),
              'pending', 1, 0, ?, ?, ?
       FROM deliveries d LEFT JOIN push_preferences p ON p.subscriber_id = d.subscriber_id
       WHERE d.policy_id = ? AND d.version = ? AND d.status NOT IN ('skipped', 'failed_permanent') AND COALESCE(p.deadline_reminders, 1) = 1`,
    ).run(daysBefore, daysBefore, closesAt, at, at, at, policyId, version);
    return { inserted: result.changes };
  }

  async enqueueConfirmations({ at, limit }: { at: string; limit: number }) {
    const result = this.stmt(
      `INSERT OR IGNORE INTO push_messages (kind, dedupe_key, subscriber_id, channel, contact_id, payload, status, urgent, attempts, next_attempt_at, created_at, updated_at)
       SELECT 'confirmation', 'confirm:' || c.id, c.subscriber_id, 'email', c.id, json_object('kind', 'confirmation', 'contactId', c.id, 'address', c.address),
              'pending', 1, 0, ?, ?, ?
       FROM contacts c
       WHERE c.channel = 'email' AND c.confirmed_at IS NULL AND c.invalid_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM push_messages m WHERE m.contact_id = c.id)
       LIMIT ?`,
    ).run(at, at, at, limit);
    return { inserted: result.changes };
  }

  async countSent({ channel, account, since }: { channel: Channel; account: string; since: string }): Promise<number> {
    return Number(
      this.stmt(`SELECT COUNT(*) FROM delivery_attempts WHERE account = ? AND outcome = 'sent' AND at >= ? AND channel = ? AND dry_run = 0`).pluck().get(account, since, channel),
    );
  }

  async getPreferences(subscriberId: string): Promise<PushPreferences> {
    const value = this.stmt('SELECT deadline_reminders FROM push_preferences WHERE subscriber_id = ?').pluck().get(subscriberId);
    return { deadlineReminders: value === undefined ? true : Number(value) === 1 };
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
        const r = z.object({ channel: z.enum(['email', 'wechat']), paused: z.number(), reason: z.string().nullable(), updated_by: z.string().nullable(), updated_at: z.string() }).parse(row);
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

  async reportLane(report: LaneReport): Promise<void> {
    this.stmt(
      `INSERT INTO push_lanes (owner, channel, state, reason, account, dry_run, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (owner, channel) DO UPDATE SET state = excluded.state, reason = excluded.reason, account = excluded.account,
         dry_run = excluded.dry_run, updated_at = excluded.updated_at`,
    ).run(report.owner, report.channel, report.state, report.reason, report.account, report.dryRun ? 1 : 0, report.updatedAt);
  }

  async listLanes({ since }: { since: string }): Promise<LaneReport[]> {
    return this.stmt('SELECT * FROM push_lanes WHERE updated_at >= ? ORDER BY channel, owner')
      .all(since)
      .map((row) => {
        const r = z
          .object({
            owner: z.string(),
            channel: z.enum(['email', 'wechat']),
            state: z.enum(['running', 'paused', 'stopped']),
            reason: z.string().nullable(),
            account: z.string().nullable(),
            dry_run: z.number(),
            updated_at: z.string(),
          })
          .parse(row);
        return { owner: r.owner, channel: r.channel, state: r.state, reason: r.reason, account: r.account, dryRun: r.dry_run === 1, updatedAt: r.updated_at };
      });
  }

  async policyLog({ policyId, version }: { policyId: string; version: number }) {
    const countRow = z.object({ channel: z.enum(['email', 'wechat']), status: z.string(), count: z.number(), dry_run: z.number().nullable() });
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
    const row = z.object({ channel: z.enum(['email', 'wechat']), status: z.string(), count: z.number() });
    const merged = new Map<string, { channel: Channel; status: DeliveryStatus; count: number }>();
    for (const table of ['deliveries', 'push_messages']) {
      for (const raw of this.stmt(`SELECT channel, status, COUNT(*) AS count FROM ${table} WHERE status IN ('pending', 'sending', 'failed_temporary') GROUP BY channel, status`).all()) {
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
      .map((row) => z.object({ channel: z.enum(['email', 'wechat']), outcome: z.string(), errorClass: z.string().nullable(), count: z.number() }).parse(row));
  }
}

const jobRowSchema = z.object({
  policy_id: z.string(),
  version: z.number(),
  status: z.string(),
  reason: z.string().nullable(),
  lease_until: z.string().nullable(),
  attempts: z.number(),
  matched: z.number(),
  written: z.number(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

export class SqliteMatchingJobRepository implements MatchingJobRepository {
  constructor(private readonly db: Db) {}

  async listDue({ now, limit }: { now: string; limit: number }) {
    return this.db
      .prepare(
        `SELECT v.policy_id AS policyId, v.version AS version FROM policy_versions v
         LEFT JOIN matching_jobs j ON j.policy_id = v.policy_id AND j.version = v.version
         WHERE j.status IS NULL OR (j.status = 'running' AND j.lease_until < ?)
         ORDER BY v.published_at, v.policy_id LIMIT ?`,
      )
      .all(now, limit)
      .map((row) => z.object({ policyId: z.string(), version: z.number() }).parse(row));
  }

  async claim({ policyId, version, now, leaseUntil }: { policyId: string; version: number; now: string; leaseUntil: string }): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT INTO matching_jobs (policy_id, version, status, lease_until, attempts, started_at) VALUES (?, ?, 'running', ?, 1, ?)
         ON CONFLICT (policy_id, version) DO UPDATE SET lease_until = excluded.lease_until, attempts = attempts + 1, started_at = excluded.started_at
         WHERE matching_jobs.status = 'running' AND matching_jobs.lease_until < ?`,
      )
      .run(policyId, version, leaseUntil, now, now);
    return result.changes === 1;
  }

  async extendLease({ policyId, version, leaseUntil }: { policyId: string; version: number; leaseUntil: string }): Promise<void> {
    this.db.prepare("UPDATE matching_jobs SET lease_until = ? WHERE policy_id = ? AND version = ? AND status = 'running'").run(leaseUntil, policyId, version);
  }

  async finish(input: { policyId: string; version: number; status: 'done' | 'skipped'; reason: string | null; matched: number; written: number; at: string }) {
    this.db
      .prepare(
        `INSERT INTO matching_jobs (policy_id, version, status, reason, matched, written, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (policy_id, version) DO UPDATE SET status = excluded.status, reason = excluded.reason, matched = excluded.matched,
           written = excluded.written, lease_until = NULL, finished_at = excluded.finished_at`,
      )
      .run(input.policyId, input.version, input.status, input.reason, input.matched, input.written, input.at, input.at);
  }

  async get({ policyId, version }: { policyId: string; version: number }): Promise<MatchingJob | null> {
    const row = this.db.prepare('SELECT * FROM matching_jobs WHERE policy_id = ? AND version = ?').get(policyId, version);
    if (!row) return null;
    const r = jobRowSchema.parse(row);
    return matchingJobSchema.parse({
      policyId: r.policy_id,
      version: r.version,
      status: r.status,
      reason: r.reason,
      leaseUntil: r.lease_until,
      attempts: r.attempts,
      matched: r.matched,
      written: r.written,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    });
  }
}

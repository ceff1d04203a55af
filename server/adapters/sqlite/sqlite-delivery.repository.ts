import type Database from 'better-sqlite3';
import { z } from 'zod';
import { deliverySchema, matchingJobSchema, type Delivery, type MatchingJob, type NewDelivery } from '../../../schemas/delivery.schema.js';
import type { DeliveryRepository, MatchingJobRepository } from '../../ports/store.port.js';
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
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

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

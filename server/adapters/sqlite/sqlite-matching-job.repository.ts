import { z } from 'zod';
import { matchingJobSchema, type MatchingJob } from '../../../schemas/delivery.schema.js';
import type { MatchingJobRepository } from '../../ports/store.port.js';
import type { Db } from './sqlite.support.js';

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

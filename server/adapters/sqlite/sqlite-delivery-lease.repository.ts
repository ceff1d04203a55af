import { z } from 'zod';
import type { ClaimedWork, SendOutcome, WorkRef } from '../../../schemas/delivery.schema.js';
import { channelSchema, type Channel } from '../../../schemas/subscriber.schema.js';
import type { DeliveryLeaseRepository, LaneReport } from '../../ports/push-queue.port.js';
import {
  attemptResponse,
  CLAIMABLE_STATUSES,
  compareQueueKeys,
  FINAL_STATUSES,
  LEASE_EXPIRED_TEXT,
  leaseExpiry,
  outcomeFields,
  settlesCarriedDeliveries,
} from '../../push/queue-rules.js';
import { deliveryFromRow, messageFromRow, QUEUE_TABLES, statusList } from './sqlite-delivery.rows.js';
import { StatementCache } from './statement-cache.js';
import type { Db } from './sqlite.support.js';

const queueRowSchema = z.object({ id: z.number(), urgent: z.number(), due: z.string() });
const expiredRowSchema = z.object({ id: z.number(), channel: z.string(), attempts: z.number() });
const laneRowSchema = z.object({
  owner: z.string(),
  channel: channelSchema,
  state: z.enum(['running', 'paused', 'stopped']),
  reason: z.string().nullable(),
  account: z.string().nullable(),
  dry_run: z.number(),
  updated_at: z.string(),
});

const FINAL = statusList(FINAL_STATUSES);
const CLAIMABLE = statusList(CLAIMABLE_STATUSES);
const INSERT_ATTEMPT = `INSERT INTO delivery_attempts (delivery_id, message_id, channel, account, worker, attempt, at, outcome, error_class, response, dry_run, duration_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export class SqliteDeliveryLeaseRepository implements DeliveryLeaseRepository {
  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
  }

  async claim({ channel, now, leaseUntil, owner, limit }: { channel: Channel; now: string; leaseUntil: string; owner: string; limit: number }): Promise<ClaimedWork[]> {
    // BEGIN IMMEDIATE takes the write lock before reading, so two processes cannot pick the same rows.
    return this.db
      .transaction(() => {
        const deliveries = this.stmt(
          `SELECT id, urgent, next_attempt_at AS due FROM deliveries
           WHERE frequency = 'immediate' AND status IN ${CLAIMABLE} AND channel = ? AND next_attempt_at <= ?
           ORDER BY urgent DESC, next_attempt_at, id LIMIT ?`,
        )
          .all(channel, now, limit)
          .map((row) => ({ source: 'delivery' as const, ...queueRowSchema.parse(row) }));
        const messages = this.stmt(
          `SELECT id, urgent, next_attempt_at AS due FROM push_messages
           WHERE status IN ${CLAIMABLE} AND channel = ? AND next_attempt_at <= ?
           ORDER BY urgent DESC, next_attempt_at, id LIMIT ?`,
        )
          .all(channel, now, limit)
          .map((row) => ({ source: 'message' as const, ...queueRowSchema.parse(row) }));
        const chosen = [...deliveries, ...messages]
          .map((c) => ({ source: c.source, id: c.id, urgent: c.urgent === 1, due: c.due }))
          .sort(compareQueueKeys)
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
          const fields = outcomeFields({ outcome: o, at });
          // A row another worker holds is left alone; a `sent` result is written whoever holds it.
          const changed = this.stmt(
            `UPDATE ${table} SET status = ?, lease_until = NULL, lease_owner = NULL, last_error = ?, error_class = ?, next_attempt_at = ?,
               sent_at = COALESCE(?, sent_at), dry_run = ?, updated_at = ?
             WHERE id = ? AND status NOT IN ${FINAL} AND (status <> 'sending' OR lease_owner = ? OR ? = 'sent')`,
          ).run(fields.status, fields.lastError, fields.errorClass, fields.nextAttemptAt, fields.sentAt, fields.dryRun ? 1 : 0, at, o.ref.id, owner, o.outcome).changes;
          this.stmt(INSERT_ATTEMPT).run(
            o.ref.source === 'delivery' ? o.ref.id : null,
            o.ref.source === 'message' ? o.ref.id : null,
            o.channel,
            o.account,
            owner,
            o.attempt,
            at,
            o.outcome,
            o.errorClass,
            attemptResponse(o.response),
            o.dryRun ? 1 : 0,
            Math.round(o.durationMs),
          );
          if (changed === 1 && o.ref.source === 'message' && settlesCarriedDeliveries(o.outcome)) {
            this.stmt(
              `UPDATE deliveries SET status = ?, sent_at = COALESCE(?, sent_at), error_class = ?, last_error = ?, dry_run = ?, updated_at = ?
               WHERE message_id = ? AND status NOT IN ${FINAL}`,
            ).run(fields.status, fields.sentAt, fields.errorClass, fields.lastError, fields.dryRun ? 1 : 0, at, o.ref.id);
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
        for (const [source, table] of QUEUE_TABLES) {
          const ids = refs.filter((r) => r.source === source).map((r) => r.id);
          if (ids.length === 0) continue;
          // The claim counted an attempt that never happened: give it back.
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
    for (const [source, table] of QUEUE_TABLES) {
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
        for (const [source, table] of QUEUE_TABLES) {
          const rows = this.stmt(`SELECT id, channel, attempts FROM ${table} WHERE status = 'sending' AND lease_until < ? ORDER BY id`)
            .all(now)
            .map((row) => expiredRowSchema.parse(row));
          for (const row of rows) {
            const expiry = leaseExpiry({ attempts: row.attempts, maxAttempts });
            this.stmt(
              `UPDATE ${table} SET status = ?, error_class = ?, last_error = ?, next_attempt_at = ?, lease_until = NULL, lease_owner = NULL, updated_at = ? WHERE id = ?`,
            ).run(expiry.status, expiry.errorClass, LEASE_EXPIRED_TEXT, now, now, row.id);
            this.stmt(INSERT_ATTEMPT).run(
              source === 'delivery' ? row.id : null,
              source === 'message' ? row.id : null,
              row.channel,
              null,
              null,
              row.attempts,
              now,
              'lease_expired',
              expiry.errorClass,
              LEASE_EXPIRED_TEXT,
              0,
              null,
            );
            if (expiry.status === 'pending') requeued += 1;
            else failed += 1;
            // A digest that cannot be sent fails the deliveries it carried.
            if (source === 'message' && settlesCarriedDeliveries(expiry.status)) {
              this.stmt(`UPDATE deliveries SET status = ?, error_class = ?, last_error = ?, updated_at = ? WHERE message_id = ? AND status NOT IN ${FINAL}`).run(
                expiry.status,
                expiry.errorClass,
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
        const r = laneRowSchema.parse(row);
        return { owner: r.owner, channel: r.channel, state: r.state, reason: r.reason, account: r.account, dryRun: r.dry_run === 1, updatedAt: r.updated_at };
      });
  }
}

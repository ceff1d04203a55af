import { channelSchema } from '../../../schemas/subscriber.schema.js';
import { z } from 'zod';
import type { Delivery } from '../../../schemas/delivery.schema.js';
import type { DigestRepository } from '../../ports/push-queue.port.js';
import { digestDedupeKey, digestPayload, planDigestGroups, SUPERSEDED_IN_DIGEST, type DigestFrequency } from '../../push/digest-plan.js';
import { coveredThrough, foldParkItems, hasReachableParkGroup, parkDigestAction, parkDigestDedupeKey, parkDigestPayload, parkWindow } from '../../push/park-digest.js';
import { deliveryFromRow, insertMessage, messageFromRow } from './sqlite-delivery.rows.js';
import { StatementCache } from './statement-cache.js';
import type { Db } from './sqlite.support.js';

const waitingRowSchema = z.object({ id: z.number(), subscriber_id: z.string(), channel: channelSchema, policy_id: z.string(), version: z.number() });
const parkContactRowSchema = z.object({ subscriber_id: z.string(), channel: channelSchema, confirmed_at: z.string().nullable(), invalid_at: z.string().nullable() });
const memberRowSchema = z.object({
  id: z.number(),
  policy_id: z.string(),
  version: z.number(),
  subscriber_id: z.string(),
  status: z.enum(['pending', 'sending', 'sent', 'delivered', 'failed_temporary', 'failed_permanent', 'skipped']),
});

/** Digest runs on SQLite: one IMMEDIATE transaction per run; what goes where is decided in server/push. */
export class SqliteDigestRepository implements DigestRepository {
  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
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
    frequency: DigestFrequency;
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
        const waiting = this.stmt(`SELECT id, subscriber_id, channel, policy_id, version FROM deliveries WHERE status = 'pending' AND frequency = ? AND message_id IS NULL AND id <= ?`)
          .all(frequency, maxId)
          .map((row) => waitingRowSchema.parse(row))
          .map((r) => ({ id: r.id, subscriberId: r.subscriber_id, channel: r.channel, policyId: r.policy_id, version: r.version }));
        let created = 0;
        for (const group of planDigestGroups(waiting)) {
          const dedupeKey = digestDedupeKey({ runKey, subscriberId: group.subscriberId, channel: group.channel });
          const id = insertMessage(this.statements, { kind: 'digest', dedupeKey, subscriberId: group.subscriberId, channel: group.channel, payload: digestPayload({ runKey, frequency }), at, urgent: false });
          if (id === null) continue;
          created += 1;
          this.stmt(`UPDATE deliveries SET message_id = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))`).run(id, at, JSON.stringify(group.keep));
          if (group.superseded.length > 0) {
            this.stmt(`UPDATE deliveries SET status = ?, error_class = ?, last_error = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))`).run(
              SUPERSEDED_IN_DIGEST.status,
              SUPERSEDED_IN_DIGEST.errorClass,
              SUPERSEDED_IN_DIGEST.lastError,
              at,
              JSON.stringify(group.superseded),
            );
          }
        }
        if (frequency === 'daily') {
          for (const parkId of this.parksWithGroup()) created += this.planParkDigest({ runKey, parkId, maxId, at, parkFirstWindowStart });
        }
        this.stmt(`UPDATE digest_runs SET status = 'done', messages = ?, finished_at = ? WHERE run_key = ?`).run(created, at, runKey);
        return { created, alreadyRan: false };
      })
      .immediate();
  }

  private parksWithGroup(): string[] {
    const contacts = this.stmt(
      `SELECT c.subscriber_id, c.channel, c.confirmed_at, c.invalid_at FROM contacts c JOIN subscribers s ON s.id = c.subscriber_id
       WHERE s.kind = 'park' ORDER BY c.subscriber_id`,
    )
      .all()
      .map((row) => parkContactRowSchema.parse(row));
    const byPark = new Map<string, { channel: z.infer<typeof channelSchema>; confirmedAt: string | null; invalidAt: string | null }[]>();
    for (const c of contacts) {
      const list = byPark.get(c.subscriber_id) ?? [];
      list.push({ channel: c.channel, confirmedAt: c.confirmed_at, invalidAt: c.invalid_at });
      byPark.set(c.subscriber_id, list);
    }
    return [...byPark].filter(([, list]) => hasReachableParkGroup(list)).map(([parkId]) => parkId);
  }

  /** One park's digest of what its member enterprises were newly matched to (rules in server/push/park-digest.ts). */
  private planParkDigest({ runKey, parkId, maxId, at, parkFirstWindowStart }: { runKey: string; parkId: string; maxId: number; at: string; parkFirstWindowStart: string }): number {
    const dedupeKey = parkDigestDedupeKey({ runKey, parkId });
    const ownRow = this.stmt('SELECT * FROM push_messages WHERE dedupe_key = ?').get(dedupeKey);
    const own = ownRow ? messageFromRow(ownRow) : null;
    const previousRow = this.stmt(
      `SELECT * FROM push_messages
       WHERE subscriber_id = ? AND kind = 'digest' AND channel = 'wechat' AND json_extract(payload, '$.parkCoveredThrough') IS NOT NULL
       ORDER BY id DESC LIMIT 1`,
    ).get(parkId);
    const window = parkWindow({ previousCoveredThrough: previousRow ? coveredThrough(messageFromRow(previousRow).payload) : null, maxId, parkFirstWindowStart });
    const rows = this.stmt(
      `SELECT d.id, d.policy_id, d.version, d.subscriber_id, d.status FROM deliveries d JOIN subscribers m ON m.id = d.subscriber_id
       WHERE m.park_id = ? AND d.id > ? AND d.id <= ? AND (? IS NULL OR d.created_at >= ?)`,
    )
      .all(parkId, window.afterId, window.throughId, window.createdSince, window.createdSince)
      .map((row) => memberRowSchema.parse(row))
      .map((r) => ({ id: r.id, policyId: r.policy_id, version: r.version, subscriberId: r.subscriber_id, status: r.status }));
    const parkItems = foldParkItems(rows);
    const payload = parkDigestPayload({ runKey, parkItems, maxId });
    const action = parkDigestAction({ own, parkItems });
    if (action === 'fold' && own) {
      this.stmt('UPDATE push_messages SET payload = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(payload), at, own.id);
      return 0;
    }
    if (action === 'create') {
      return insertMessage(this.statements, { kind: 'digest', dedupeKey, subscriberId: parkId, channel: 'wechat', payload, at, urgent: false }) === null ? 0 : 1;
    }
    return 0;
  }
}

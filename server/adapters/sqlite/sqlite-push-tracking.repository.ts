import { z } from 'zod';
import type { Delivery, WorkRef } from '../../../schemas/delivery.schema.js';
import { irrelevantReasonSchema, type IrrelevantReason, type PrecisionCounts, type PushFeedback, type StatisticsCounts, type StatisticsGroup } from '../../../schemas/push-tracking.schema.js';
import type { PushTrackingRepository, SentWindow } from '../../ports/push-tracking.port.js';
import { deliveryFromRow } from './sqlite-delivery.rows.js';
import { StatementCache } from './statement-cache.js';
import type { Db } from './sqlite.support.js';

const countsRowSchema = z.object({
  key: z.string(),
  delivered: z.number(),
  opened: z.number(),
  irrelevant: z.number().nullable(),
  unsubscribed_after: z.number().nullable(),
  median_seconds: z.number().nullable(),
});

function countsFromRow(row: unknown): StatisticsCounts {
  const r = countsRowSchema.parse(row);
  return {
    key: r.key,
    delivered: r.delivered,
    opened: r.opened,
    irrelevant: r.irrelevant ?? 0,
    unsubscribedAfter: r.unsubscribed_after ?? 0,
    medianOpenSeconds: r.median_seconds === null ? null : Math.round(r.median_seconds),
  };
}

const precisionRowSchema = z.object({ key: z.string(), delivered: z.number(), irrelevant: z.number().nullable() });

/**
 * Sent deliveries of the window with their first open, feedback and whether an unsubscribe of the
 * same subscriber followed within the days given (`+N days`). The partial index on sent_at and the
 * primary keys of the two tracking tables carry it; the unary `+` keeps the planner off the status
 * index, which would read every sent delivery ever.
 */
const SENT_BASE = `
  SELECT d.id, d.policy_id, d.channel, d.subscriber_id, d.explanation, d.sent_at, o.opened_at,
    (f.ref_id IS NOT NULL) AS irrelevant,
    EXISTS (SELECT 1 FROM unsubscribe_events u WHERE u.subscriber_id = d.subscriber_id AND u.at >= d.sent_at
            AND u.at < strftime('%Y-%m-%dT%H:%M:%fZ', d.sent_at, @follow)) AS unsubscribed
  FROM deliveries d
  LEFT JOIN push_opens o ON o.source = 'delivery' AND o.ref_id = d.id
  LEFT JOIN push_feedback f ON f.source = 'delivery' AND f.ref_id = d.id
  WHERE d.sent_at >= @since AND d.sent_at < @until AND +d.status IN ('sent', 'delivered') AND +d.dry_run = 0`;

/** Each delivery once per tag a subscription rule matched on. */
const MATCHED_TAGS = `json_each(base.explanation, '$.subscriptions') sub, json_each(sub.value, '$.matchedTags') dim, json_each(dim.value) tag`;

const KEYED: Record<StatisticsGroup, string> = {
  policy: 'SELECT base.policy_id AS key, base.* FROM base',
  channel: 'SELECT base.channel AS key, base.* FROM base',
  // A park's own group pushes count for the park; an enterprise's for the park it belongs to ('' none).
  park: `SELECT COALESCE(CASE WHEN s.kind = 'park' THEN s.id ELSE s.park_id END, '') AS key, base.* FROM base LEFT JOIN subscribers s ON s.id = base.subscriber_id`,
  tag: `SELECT DISTINCT tag.value AS key, base.* FROM base, ${MATCHED_TAGS}`,
};

function statisticsSql(group: StatisticsGroup | 'all'): string {
  const keyed = group === 'all' ? `SELECT 'all' AS key, base.* FROM base` : KEYED[group];
  return `
    WITH base AS (${SENT_BASE}),
    keyed AS (${keyed}),
    agg AS (SELECT key, COUNT(*) AS delivered, COUNT(opened_at) AS opened, SUM(irrelevant) AS irrelevant, SUM(unsubscribed) AS unsubscribed_after
            FROM keyed GROUP BY key),
    opens AS (SELECT key, (julianday(opened_at) - julianday(sent_at)) * 86400.0 AS secs,
                ROW_NUMBER() OVER (PARTITION BY key ORDER BY julianday(opened_at) - julianday(sent_at)) AS rn,
                COUNT(*) OVER (PARTITION BY key) AS n
              FROM keyed WHERE opened_at IS NOT NULL),
    med AS (SELECT key, AVG(secs) AS median_seconds FROM opens WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY key)
    SELECT agg.key, agg.delivered, agg.opened, agg.irrelevant, agg.unsubscribed_after, med.median_seconds
    FROM agg LEFT JOIN med ON med.key = agg.key
    ORDER BY agg.delivered DESC, agg.key LIMIT @limit`;
}

const PRECISION_BASE = `
  SELECT d.id, d.explanation, (f.ref_id IS NOT NULL) AS irrelevant
  FROM deliveries d LEFT JOIN push_feedback f ON f.source = 'delivery' AND f.ref_id = d.id
  WHERE d.sent_at >= @since AND d.sent_at < @until AND +d.status IN ('sent', 'delivered') AND +d.dry_run = 0`;

/** Opens and 与我无关 feedback, and the statistics read over them. */
export class SqlitePushTrackingRepository implements PushTrackingRepository {
  private readonly statements: StatementCache;

  constructor(db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
  }

  async recordOpen({ ref, at }: { ref: WorkRef; at: string }): Promise<boolean> {
    // The key decides: a second open of the same push inserts nothing.
    return this.stmt('INSERT INTO push_opens (source, ref_id, opened_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(ref.source, ref.id, at).changes === 1;
  }

  async recordFeedback({ ref, reasons, note, at }: { ref: WorkRef; reasons: IrrelevantReason[]; note: string | null; at: string }): Promise<boolean> {
    return (
      this.stmt('INSERT INTO push_feedback (source, ref_id, reasons, note, recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
        ref.source,
        ref.id,
        JSON.stringify([...new Set(reasons)]),
        note,
        at,
      ).changes === 1
    );
  }

  async deliveryOf(id: number): Promise<Delivery | null> {
    const row = this.stmt('SELECT * FROM deliveries WHERE id = ?').get(id);
    return row ? deliveryFromRow(row) : null;
  }

  async getOpen(ref: WorkRef): Promise<{ openedAt: string } | null> {
    const value = this.stmt('SELECT opened_at FROM push_opens WHERE source = ? AND ref_id = ?').pluck().get(ref.source, ref.id);
    return value === undefined ? null : { openedAt: z.string().parse(value) };
  }

  async getFeedback(ref: WorkRef): Promise<PushFeedback | null> {
    const row = this.stmt('SELECT reasons, note, recorded_at FROM push_feedback WHERE source = ? AND ref_id = ?').get(ref.source, ref.id);
    if (!row) return null;
    const r = z.object({ reasons: z.string(), note: z.string().nullable(), recorded_at: z.string() }).parse(row);
    return { reasons: z.array(irrelevantReasonSchema).parse(JSON.parse(r.reasons)), note: r.note, recordedAt: r.recorded_at };
  }

  async statistics({ since, until, groupBy, followDays, limit }: SentWindow & { groupBy: StatisticsGroup; followDays: number; limit: number }): Promise<StatisticsCounts[]> {
    return this.stmt(statisticsSql(groupBy)).all({ since, until, follow: `+${followDays} days`, limit }).map(countsFromRow);
  }

  async totals({ since, until, followDays }: SentWindow & { followDays: number }): Promise<StatisticsCounts> {
    const row = this.stmt(statisticsSql('all')).get({ since, until, follow: `+${followDays} days`, limit: 1 });
    return row ? countsFromRow(row) : { key: 'all', delivered: 0, opened: 0, irrelevant: 0, unsubscribedAfter: 0, medianOpenSeconds: null };
  }

  async precision({ since, until, limit }: SentWindow & { limit: number }) {
    const ranked = (pairs: string): PrecisionCounts[] =>
      this.stmt(
        `WITH base AS (${PRECISION_BASE}), pairs AS (${pairs})
         SELECT key, COUNT(*) AS delivered, SUM(irrelevant) AS irrelevant FROM pairs GROUP BY key
         ORDER BY SUM(irrelevant) DESC, SUM(irrelevant) * 1.0 / COUNT(*) DESC, key LIMIT @limit`,
      )
        .all({ since, until, limit })
        .map((row) => {
          const r = precisionRowSchema.parse(row);
          return { key: r.key, delivered: r.delivered, irrelevant: r.irrelevant ?? 0 };
        });
    const tags = ranked(`SELECT DISTINCT base.id, tag.value AS key, base.irrelevant FROM base, ${MATCHED_TAGS}`);
    const gaps = ranked(`SELECT DISTINCT base.id, gap.value AS key, base.irrelevant FROM base, json_each(base.explanation, '$.unknown') gap`);
    const reasons = this.stmt(
      `SELECT r.value AS reason, COUNT(*) AS count FROM push_feedback f
       JOIN deliveries d ON f.source = 'delivery' AND d.id = f.ref_id, json_each(f.reasons) r
       WHERE d.sent_at >= @since AND d.sent_at < @until GROUP BY r.value ORDER BY COUNT(*) DESC, r.value`,
    )
      .all({ since, until })
      .map((row) => z.object({ reason: irrelevantReasonSchema, count: z.number() }).parse(row));
    return { tags, gaps, reasons };
  }

  async purge({ before }: { before: string }): Promise<{ opens: number; feedback: number }> {
    const opens = this.stmt('DELETE FROM push_opens WHERE opened_at < ?').run(before).changes;
    const feedback = this.stmt('DELETE FROM push_feedback WHERE recorded_at < ?').run(before).changes;
    return { opens, feedback };
  }
}

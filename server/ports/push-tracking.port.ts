import type { Delivery, WorkRef } from '../../schemas/delivery.schema.js';
import type { IrrelevantReason, PrecisionCounts, PushFeedback, StatisticsCounts, StatisticsGroup } from '../../schemas/push-tracking.schema.js';

/** A window of sending times, ISO instants, `since` inclusive and `until` exclusive. */
export interface SentWindow {
  since: string;
  until: string;
}

/**
 * Opens and 与我无关 feedback of pushes. A record names the push (a delivery, or a message for
 * reminders and park-group items) and when; no address, browser or person. One of each per push,
 * by a unique key: the first stays, later ones change nothing.
 */
export interface PushTrackingRepository {
  /** true when this was the push's first open. */
  recordOpen(input: { ref: WorkRef; at: string }): Promise<boolean>;
  /** true when recorded; false when the push already had its feedback. */
  recordFeedback(input: { ref: WorkRef; reasons: IrrelevantReason[]; note: string | null; at: string }): Promise<boolean>;
  /** The outbox row a tracked link names (feedback pages read its policy and reasons). */
  deliveryOf(id: number): Promise<Delivery | null>;
  getOpen(ref: WorkRef): Promise<{ openedAt: string } | null>;
  getFeedback(ref: WorkRef): Promise<PushFeedback | null>;
  /**
   * Sent (not dry-run) deliveries of the window grouped by policy, channel, matched tag or the
   * recipient's park, with their opens, feedback and the unsubscribes that followed within
   * `followDays`; the groups with most deliveries first. Computed in the engine, not in memory.
   */
  statistics(input: SentWindow & { groupBy: StatisticsGroup; followDays: number; limit: number }): Promise<StatisticsCounts[]>;
  /** The same counts over every sent delivery of the window, one row with key `all`. */
  totals(input: SentWindow & { followDays: number }): Promise<StatisticsCounts>;
  /** Matched tags and 待确认 dimensions of sent deliveries with how many came back 与我无关; most first. */
  precision(input: SentWindow & { limit: number }): Promise<{ tags: PrecisionCounts[]; gaps: PrecisionCounts[]; reasons: { reason: IrrelevantReason; count: number }[] }>;
  /** Deletes opens and feedback recorded before the instant (retention). */
  purge(input: { before: string }): Promise<{ opens: number; feedback: number }>;
}

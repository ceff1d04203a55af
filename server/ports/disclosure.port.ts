import type { StoredCalendarAdjustment } from '../../schemas/calendar.schema.js';
import type { DisclosureMail, DisclosureRequest } from '../../schemas/disclosure-request.schema.js';

export type { DisclosureMail };

/** Local working-day adjustments; one per date (unique index: a second one for a date is a conflict). */
export interface CalendarAdjustmentRepository {
  list(): Promise<StoredCalendarAdjustment[]>;
  /** Conflict `calendar_date_taken` when the date already has an adjustment. */
  insert(adjustment: StoredCalendarAdjustment): Promise<void>;
  /** False when the date had no adjustment. */
  remove(date: string): Promise<boolean>;
}

/** 依申请公开 cases and their mail. */
export interface DisclosureRequestRepository {
  /**
   * Inserts a new case with the next number of its year (`YSQ-<year>-<6 digits>`), atomically; the
   * number is unique by index. Returns the stored case.
   */
  create(input: { request: Omit<DisclosureRequest, 'number'>; year: number }): Promise<DisclosureRequest>;
  get(id: string): Promise<DisclosureRequest | null>;
  findByTrackingHash(hash: string): Promise<DisclosureRequest | null>;
  /** Optimistic: writes only when the stored revision is `expectedRevision` (conflict otherwise), optionally queuing mail in the same transaction. */
  update(input: { request: DisclosureRequest; expectedRevision: number; mail?: DisclosureMail }): Promise<void>;
  /** Cases not yet replied to. */
  listOpen(): Promise<DisclosureRequest[]>;
  /** Every case received before `before` (an instant), for the yearly report. */
  listReceivedBefore(before: string): Promise<DisclosureRequest[]>;
  /** Queues a mail; false (and nothing written) when its dedupe key was queued before. */
  enqueueMail(mail: DisclosureMail): Promise<boolean>;
  listPendingMail(input: { limit: number; maxAttempts: number }): Promise<DisclosureMail[]>;
  markMailSent(input: { id: string; at: string }): Promise<void>;
  markMailFailed(input: { id: string; error: string }): Promise<void>;
  listMail(input: { requestId: string }): Promise<DisclosureMail[]>;
}

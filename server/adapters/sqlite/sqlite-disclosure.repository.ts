import { z } from 'zod';
import { calendarAdjustmentSchema, type StoredCalendarAdjustment } from '../../../schemas/calendar.schema.js';
import { disclosureRequestSchema, requestNumber, type DisclosureRequest } from '../../../schemas/disclosure-request.schema.js';
import { conflictError } from '../../conflict-catalog.js';
import type { CalendarAdjustmentRepository, DisclosureMail, DisclosureRequestRepository } from '../../ports/disclosure.port.js';
import { mapConstraint, type Db } from './sqlite.support.js';

const adjustmentRowSchema = z.object({ date: z.string(), working: z.number(), reason: z.string(), created_at: z.string(), created_by: z.string() });
const docRowSchema = z.object({ doc: z.string() });
const mailRowSchema = z.object({
  id: z.string(),
  request_id: z.string(),
  dedupe_key: z.string(),
  recipients: z.string(),
  subject: z.string(),
  body: z.string(),
  created_at: z.string(),
  sent_at: z.string().nullable(),
  attempts: z.number(),
  last_error: z.string().nullable(),
});

export function adjustmentFromRow(row: unknown): StoredCalendarAdjustment {
  const r = adjustmentRowSchema.parse(row);
  return calendarAdjustmentSchema.parse({ date: r.date, working: r.working === 1, reason: r.reason, createdAt: r.created_at, createdBy: r.created_by });
}

export function requestFromRow(row: unknown): DisclosureRequest {
  return disclosureRequestSchema.parse(JSON.parse(docRowSchema.parse(row).doc));
}

export function mailFromRow(row: unknown): DisclosureMail {
  const r = mailRowSchema.parse(row);
  return {
    id: r.id,
    requestId: r.request_id,
    dedupeKey: r.dedupe_key,
    to: z.array(z.string()).parse(JSON.parse(r.recipients)),
    subject: r.subject,
    text: r.body,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    attempts: r.attempts,
    lastError: r.last_error,
  };
}

export class SqliteCalendarAdjustmentRepository implements CalendarAdjustmentRepository {
  constructor(private readonly db: Db) {}

  async list(): Promise<StoredCalendarAdjustment[]> {
    return this.db.prepare('SELECT * FROM calendar_adjustments ORDER BY date').all().map(adjustmentFromRow);
  }

  async insert(adjustment: StoredCalendarAdjustment): Promise<void> {
    const a = calendarAdjustmentSchema.parse(adjustment);
    try {
      this.db
        .prepare('INSERT INTO calendar_adjustments (date, working, reason, created_at, created_by) VALUES (?, ?, ?, ?, ?)')
        .run(a.date, a.working ? 1 : 0, a.reason, a.createdAt, a.createdBy);
    } catch (error) {
      if (error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT')) throw conflictError({ code: 'calendar_date_taken', details: { date: a.date } });
      throw error;
    }
  }

  async remove(date: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM calendar_adjustments WHERE date = ?').run(date).changes > 0;
  }
}

export class SqliteDisclosureRequestRepository implements DisclosureRequestRepository {
  constructor(private readonly db: Db) {}

  async create({ request, year }: { request: Omit<DisclosureRequest, 'number'>; year: number }): Promise<DisclosureRequest> {
    return mapConstraint(() =>
      this.db.transaction(() => {
        // Inside the write lock (every transaction begins IMMEDIATE), so the next number cannot be taken meanwhile.
        const prefix = `YSQ-${year}-`;
        const last = Number(this.db.prepare('SELECT MAX(CAST(substr(number, ?) AS INTEGER)) FROM disclosure_requests WHERE number LIKE ?').pluck().get(prefix.length + 1, `${prefix}%`) ?? 0);
        const value = last + 1;
        const stored = disclosureRequestSchema.parse({ ...request, number: requestNumber({ year, value }) });
        this.db
          .prepare('INSERT INTO disclosure_requests (id, number, tracking_hash, status, received_at, revision, doc) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(stored.id, stored.number, stored.trackingHash, stored.status, stored.receivedAt, stored.revision, JSON.stringify(stored));
        return stored;
      })(),
    );
  }

  async get(id: string): Promise<DisclosureRequest | null> {
    const row = this.db.prepare('SELECT doc FROM disclosure_requests WHERE id = ?').get(id);
    return row ? requestFromRow(row) : null;
  }

  async findByTrackingHash(hash: string): Promise<DisclosureRequest | null> {
    const row = this.db.prepare('SELECT doc FROM disclosure_requests WHERE tracking_hash = ?').get(hash);
    return row ? requestFromRow(row) : null;
  }

  async update({ request, expectedRevision, mail }: { request: DisclosureRequest; expectedRevision: number; mail?: DisclosureMail }): Promise<void> {
    const stored = disclosureRequestSchema.parse(request);
    mapConstraint(() =>
      this.db.transaction(() => {
        const changed = this.db
          .prepare('UPDATE disclosure_requests SET status = ?, revision = ?, doc = ? WHERE id = ? AND revision = ?')
          .run(stored.status, stored.revision, JSON.stringify(stored), stored.id, expectedRevision).changes;
        if (changed === 0) throw conflictError({ code: 'conflict', details: { id: stored.id, expectedRevision } });
        if (mail) insertMail(this.db, mail);
      })(),
    );
  }

  async listOpen(): Promise<DisclosureRequest[]> {
    return this.db.prepare("SELECT doc FROM disclosure_requests WHERE status != 'replied' ORDER BY received_at").all().map(requestFromRow);
  }

  async listReceivedBefore(before: string): Promise<DisclosureRequest[]> {
    // received_at is stored as an ISO instant in UTC, so text order is time order.
    return this.db.prepare('SELECT doc FROM disclosure_requests WHERE received_at < ? ORDER BY received_at').all(new Date(before).toISOString()).map(requestFromRow);
  }

  async enqueueMail(mail: DisclosureMail): Promise<boolean> {
    return insertMail(this.db, mail);
  }

  async listPendingMail({ limit, maxAttempts }: { limit: number; maxAttempts: number }): Promise<DisclosureMail[]> {
    return this.db.prepare('SELECT * FROM disclosure_mail WHERE sent_at IS NULL AND attempts < ? ORDER BY created_at LIMIT ?').all(maxAttempts, limit).map(mailFromRow);
  }

  async markMailSent({ id, at }: { id: string; at: string }): Promise<void> {
    this.db.prepare('UPDATE disclosure_mail SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?').run(at, id);
  }

  async markMailFailed({ id, error }: { id: string; error: string }): Promise<void> {
    this.db.prepare('UPDATE disclosure_mail SET attempts = attempts + 1, last_error = ? WHERE id = ?').run(error.slice(0, 500), id);
  }

  async listMail({ requestId }: { requestId: string }): Promise<DisclosureMail[]> {
    return this.db.prepare('SELECT * FROM disclosure_mail WHERE request_id = ? ORDER BY created_at, id').all(requestId).map(mailFromRow);
  }
}

/** The unique dedupe index decides: a key queued before inserts nothing. */
function insertMail(db: Db, mail: DisclosureMail): boolean {
  const result = db
    .prepare(
      `INSERT INTO disclosure_mail (id, request_id, dedupe_key, recipients, subject, body, created_at, sent_at, attempts, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
    )
    .run(mail.id, mail.requestId, mail.dedupeKey, JSON.stringify(mail.to), mail.subject, mail.text, mail.createdAt, mail.sentAt, mail.attempts, mail.lastError);
  return result.changes > 0;
}

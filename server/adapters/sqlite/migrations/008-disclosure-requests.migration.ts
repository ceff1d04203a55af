import type { Migration } from '../sqlite.migrations.js';

/**
 * Local working-day adjustments, 依申请公开 cases (stored whole as JSON with the columns lists and
 * lookups need), and the mail each case sends (replies, deadline
 * reminders), deduplicated by key so the same reminder is queued once across processes.
 */
export const disclosureRequestsMigration: Migration = {
  version: 8,
  name: 'working-day adjustments and disclosure requests',
  sql: `
      CREATE TABLE calendar_adjustments (
        date TEXT PRIMARY KEY,
        working INTEGER NOT NULL,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      );

      CREATE TABLE disclosure_requests (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        tracking_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        received_at TEXT NOT NULL,
        revision INTEGER NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE UNIQUE INDEX disclosure_requests_number ON disclosure_requests (number);
      CREATE UNIQUE INDEX disclosure_requests_tracking ON disclosure_requests (tracking_hash);
      CREATE INDEX disclosure_requests_open ON disclosure_requests (status, received_at);
      CREATE INDEX disclosure_requests_received ON disclosure_requests (received_at);

      CREATE TABLE disclosure_mail (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        dedupe_key TEXT NOT NULL,
        recipients TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      CREATE UNIQUE INDEX disclosure_mail_dedupe ON disclosure_mail (dedupe_key);
      CREATE INDEX disclosure_mail_pending ON disclosure_mail (sent_at, created_at);
      CREATE INDEX disclosure_mail_request ON disclosure_mail (request_id, created_at);
  `,
};

import type { Migration } from '../sqlite.migrations.js';

export const pushTrackingMigration: Migration = {
  version: 11,
  name: 'push measurement: first opens and 与我无关 feedback per push, statistics indexes',
  sql: `
      -- The first open of a push through its signed link. One row per push (the key), no address,
      -- no browser: source is 'delivery' or 'message', ref_id the row of that table.
      CREATE TABLE push_opens (
        source TEXT NOT NULL,
        ref_id INTEGER NOT NULL,
        opened_at TEXT NOT NULL,
        PRIMARY KEY (source, ref_id)
      );
      CREATE INDEX push_opens_at ON push_opens (opened_at);

      -- 与我无关: one per push, reasons as a JSON array of codes, an optional note.
      CREATE TABLE push_feedback (
        source TEXT NOT NULL,
        ref_id INTEGER NOT NULL,
        reasons TEXT NOT NULL,
        note TEXT,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (source, ref_id)
      );
      CREATE INDEX push_feedback_at ON push_feedback (recorded_at);

      -- Statistics read sent deliveries by sending time, and unsubscribes per subscriber in time.
      CREATE INDEX deliveries_sent_at ON deliveries (sent_at) WHERE sent_at IS NOT NULL;
      CREATE INDEX unsubscribe_events_subscriber_at ON unsubscribe_events (subscriber_id, at);
    `,
};

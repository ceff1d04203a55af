import type { Migration } from '../sqlite.migrations.js';

export const pushMigration: Migration = {
  version: 3,
  name: 'push: dispatcher leases, attempts, messages (digests, reminders, confirmations), preferences, unsubscribes',
  sql: `
      -- Who holds the lease, what the last failure was, when it was sent, which digest carried it.
      ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
      ALTER TABLE deliveries ADD COLUMN error_class TEXT;
      ALTER TABLE deliveries ADD COLUMN sent_at TEXT;
      ALTER TABLE deliveries ADD COLUMN delivered_at TEXT;
      ALTER TABLE deliveries ADD COLUMN message_id INTEGER;
      ALTER TABLE deliveries ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;

      -- The dispatcher's queue: only immediate deliveries are claimed one by one; the WHERE clause
      -- is repeated verbatim in the claim so SQLite uses this partial index.
      CREATE INDEX deliveries_queue ON deliveries (channel, urgent DESC, next_attempt_at, id)
        WHERE frequency = 'immediate' AND status IN ('pending', 'failed_temporary');
      CREATE INDEX deliveries_leases ON deliveries (lease_until) WHERE status = 'sending';
      -- Deliveries waiting for the next daily or weekly digest.
      CREATE INDEX deliveries_digest_wait ON deliveries (frequency, subscriber_id, channel)
        WHERE status = 'pending' AND frequency <> 'immediate' AND message_id IS NULL;
      CREATE INDEX deliveries_message ON deliveries (message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX deliveries_policy_status ON deliveries (policy_id, version, channel, status);

      -- Everything the dispatcher sends that is not one immediate policy push: digests (daily, weekly,
      -- park groups), deadline reminders and double opt-in confirmations. dedupe_key makes a rerun
      -- or a second worker write nothing twice (digest: run × subscriber × channel).
      CREATE TABLE push_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        dedupe_key TEXT NOT NULL,
        subscriber_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        contact_id TEXT,
        policy_id TEXT,
        version INTEGER,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        urgent INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        lease_until TEXT,
        lease_owner TEXT,
        last_error TEXT,
        error_class TEXT,
        sent_at TEXT,
        dry_run INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX push_messages_dedupe ON push_messages (dedupe_key);
      CREATE INDEX push_messages_queue ON push_messages (channel, urgent DESC, next_attempt_at, id)
        WHERE status IN ('pending', 'failed_temporary');
      CREATE INDEX push_messages_leases ON push_messages (lease_until) WHERE status = 'sending';
      CREATE INDEX push_messages_policy ON push_messages (policy_id, version) WHERE policy_id IS NOT NULL;
      CREATE INDEX push_messages_contact ON push_messages (contact_id) WHERE contact_id IS NOT NULL;
      CREATE INDEX push_messages_subscriber ON push_messages (subscriber_id, kind, id);

      -- Every attempt, kept: time, outcome, error class and what the provider answered.
      CREATE TABLE delivery_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id INTEGER,
        message_id INTEGER,
        channel TEXT NOT NULL,
        account TEXT,
        worker TEXT,
        attempt INTEGER NOT NULL,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        error_class TEXT,
        response TEXT,
        dry_run INTEGER NOT NULL DEFAULT 0,
        duration_ms INTEGER
      );
      CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id) WHERE delivery_id IS NOT NULL;
      CREATE INDEX delivery_attempts_message ON delivery_attempts (message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX delivery_attempts_outcome ON delivery_attempts (channel, outcome, error_class);
      CREATE INDEX delivery_attempts_account_day ON delivery_attempts (account, at) WHERE outcome = 'sent';

      -- One row per scheduled digest slot (daily 08:30, weekly Monday 08:30 Asia/Shanghai).
      CREATE TABLE digest_runs (
        run_key TEXT PRIMARY KEY,
        frequency TEXT NOT NULL,
        slot_at TEXT NOT NULL,
        status TEXT NOT NULL,
        lease_until TEXT,
        messages INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );

      CREATE TABLE push_preferences (
        subscriber_id TEXT PRIMARY KEY REFERENCES subscribers(id) ON DELETE CASCADE,
        deadline_reminders INTEGER NOT NULL DEFAULT 1,
        updated_at TEXT NOT NULL
      );

      -- Kill switches and pauses that every worker process reads before it claims.
      CREATE TABLE push_controls (
        channel TEXT PRIMARY KEY,
        paused INTEGER NOT NULL,
        reason TEXT,
        updated_by TEXT,
        updated_at TEXT NOT NULL
      );

      -- Each worker's lanes report their state (running, paused and why, WeChat login) for /readyz.
      CREATE TABLE push_lanes (
        owner TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        account TEXT,
        dry_run INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (owner, channel)
      );

      -- Unsubscribes with the push that caused them, for the delivery log.
      CREATE TABLE unsubscribe_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscriber_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        subscription_ids TEXT NOT NULL,
        delivery_id INTEGER,
        message_id INTEGER,
        policy_id TEXT,
        version INTEGER,
        source TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX unsubscribe_events_policy ON unsubscribe_events (policy_id, version) WHERE policy_id IS NOT NULL;
    `,
};

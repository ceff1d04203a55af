import type { Migration } from '../sqlite.migrations.js';

export const subscribersOutboxMigration: Migration = {
    version: 2,
    name: 'subscribers, contacts, subscriptions, outbox, matching jobs',
    sql: `
      INSERT INTO meta (key, value) VALUES ('subscriber_change_seq', '0');

      CREATE TABLE subscribers (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        credit_code TEXT,
        park_id TEXT REFERENCES subscribers(id),
        revision INTEGER NOT NULL,
        change_seq INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE UNIQUE INDEX subscribers_credit_code ON subscribers (credit_code) WHERE credit_code IS NOT NULL;
      CREATE INDEX subscribers_change_seq ON subscribers (change_seq);
      CREATE INDEX subscribers_park ON subscribers (park_id) WHERE park_id IS NOT NULL;

      CREATE TABLE subscriber_tokens (
        token_hash TEXT PRIMARY KEY,
        subscriber_id TEXT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
      );
      CREATE INDEX subscriber_tokens_subscriber ON subscriber_tokens (subscriber_id);

      CREATE TABLE contacts (
        id TEXT PRIMARY KEY,
        subscriber_id TEXT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        label TEXT,
        confirmed_at TEXT,
        invalid_at TEXT,
        sort INTEGER NOT NULL
      );
      -- One email address belongs to one subscriber (addresses are stored lower-cased and trimmed).
      CREATE UNIQUE INDEX contacts_email ON contacts (address) WHERE channel = 'email';
      CREATE UNIQUE INDEX contacts_subscriber_channel_address ON contacts (subscriber_id, channel, address);

      CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY,
        subscriber_id TEXT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        ended_at TEXT,
        doc TEXT NOT NULL
      );
      CREATE INDEX subscriptions_subscriber ON subscriptions (subscriber_id, ended_at);

      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        policy_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        subscriber_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        frequency TEXT NOT NULL,
        subscription_ids TEXT NOT NULL,
        explanation TEXT NOT NULL,
        status TEXT NOT NULL,
        urgent INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        lease_until TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      -- The outbox invariant: one delivery per policy version, subscriber and channel.
      CREATE UNIQUE INDEX deliveries_unique ON deliveries (policy_id, version, subscriber_id, channel);
      CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
      CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id, created_at);

      CREATE TABLE matching_jobs (
        policy_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        lease_until TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        matched INTEGER NOT NULL DEFAULT 0,
        written INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        finished_at TEXT,
        PRIMARY KEY (policy_id, version)
      );
    `,
  };

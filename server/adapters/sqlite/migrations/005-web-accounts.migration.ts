import type { Migration } from '../sqlite.migrations.js';

export const webAccountsMigration: Migration = {
  version: 5,
  name: 'web portal accounts, sessions, subscriber tombstones',
  sql: `
      CREATE TABLE web_accounts (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        subscriber_id TEXT NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_sign_in_at TEXT
      );
      CREATE UNIQUE INDEX web_accounts_email ON web_accounts (email);
      CREATE UNIQUE INDEX web_accounts_subscriber ON web_accounts (subscriber_id);

      CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY,
        principal_kind TEXT NOT NULL,
        account_id TEXT REFERENCES web_accounts(id) ON DELETE CASCADE,
        user_id TEXT,
        credential TEXT,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX web_sessions_account ON web_sessions (account_id) WHERE account_id IS NOT NULL;
      CREATE INDEX web_sessions_user ON web_sessions (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

      -- A deleted subscriber leaves only its random id here, in the change sequence, so every
      -- matching engine that follows subscriber changes drops its profile and subscriptions.
      CREATE TABLE subscriber_tombstones (
        id TEXT PRIMARY KEY,
        change_seq INTEGER NOT NULL,
        deleted_at TEXT NOT NULL
      );
      CREATE INDEX subscriber_tombstones_change_seq ON subscriber_tombstones (change_seq);
    `,
};

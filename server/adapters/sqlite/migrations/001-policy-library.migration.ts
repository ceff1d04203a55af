import type { Migration } from '../sqlite.migrations.js';

export const policyLibraryMigration: Migration = {
    version: 1,
    name: 'taxonomy, policies, versions, reviews, users',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta (key, value) VALUES ('policy_change_seq', '0');

      CREATE TABLE dimensions (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        sort INTEGER NOT NULL
      );

      CREATE TABLE tags (
        id TEXT PRIMARY KEY,
        dimension TEXT NOT NULL REFERENCES dimensions(id),
        label TEXT NOT NULL,
        synonyms TEXT NOT NULL DEFAULT '[]',
        parent TEXT REFERENCES tags(id),
        deprecated INTEGER NOT NULL DEFAULT 0,
        merged_into TEXT REFERENCES tags(id),
        sort INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
      -- Two live tags with one label in a dimension would be indistinguishable to users.
      CREATE UNIQUE INDEX tags_dimension_label ON tags (dimension, label) WHERE deprecated = 0;
      CREATE INDEX tags_parent ON tags (parent);

      CREATE TABLE policies (
        id TEXT PRIMARY KEY,
        doc_number TEXT,
        status TEXT NOT NULL,
        revision INTEGER NOT NULL,
        change_seq INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE UNIQUE INDEX policies_doc_number ON policies (doc_number) WHERE doc_number IS NOT NULL;
      CREATE INDEX policies_change_seq ON policies (change_seq);
      CREATE INDEX policies_status_updated ON policies (status, updated_at);

      CREATE TABLE policy_versions (
        policy_id TEXT NOT NULL REFERENCES policies(id),
        version INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (policy_id, version)
      );

      CREATE TABLE policy_reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        policy_id TEXT NOT NULL REFERENCES policies(id),
        round INTEGER NOT NULL,
        kind TEXT NOT NULL,
        decision TEXT NOT NULL,
        comment TEXT NOT NULL,
        reviewer_id TEXT NOT NULL,
        reviewer_name TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX policy_reviews_policy ON policy_reviews (policy_id, round);

      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
    `,
  };

import type { Migration } from '../sqlite.migrations.js';

export const interpretationMigration: Migration = {
  version: 4,
  name: 'interpretation packages, releases, images, FAQs, public questions',
  sql: `
      -- The working package of a policy; one row, optimistic on revision.
      CREATE TABLE interpretation_drafts (
        policy_id TEXT PRIMARY KEY REFERENCES policies(id),
        revision INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );

      -- Frozen with each published version; never updated.
      CREATE TABLE interpretation_releases (
        policy_id TEXT NOT NULL REFERENCES policies(id),
        version INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        exempt INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (policy_id, version)
      );

      -- Which package each review saw; written in the review's transaction.
      CREATE TABLE interpretation_reviews (
        review_id INTEGER PRIMARY KEY REFERENCES policy_reviews(id),
        policy_id TEXT NOT NULL,
        round INTEGER NOT NULL,
        digest TEXT
      );
      CREATE INDEX interpretation_reviews_round ON interpretation_reviews (policy_id, round);

      -- Processed images by the sha256 of the upload; variant files live under DATA_DIR/media.
      CREATE TABLE media_images (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );

      CREATE TABLE faqs (
        id TEXT PRIMARY KEY,
        policy_id TEXT NOT NULL REFERENCES policies(id),
        position INTEGER NOT NULL,
        status TEXT NOT NULL,
        revision INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX faqs_policy ON faqs (policy_id, status, position);

      CREATE TABLE question_groups (
        id TEXT PRIMARY KEY,
        policy_id TEXT NOT NULL REFERENCES policies(id),
        status TEXT NOT NULL,
        asked_count INTEGER NOT NULL,
        first_asked_at TEXT NOT NULL,
        reply_published INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        doc TEXT NOT NULL
      );
      -- The drafter queue (oldest first) and the most-asked list.
      CREATE INDEX question_groups_age ON question_groups (status, first_asked_at);
      CREATE INDEX question_groups_policy ON question_groups (policy_id, status, asked_count);

      CREATE TABLE questions (
        id TEXT PRIMARY KEY,
        policy_id TEXT NOT NULL REFERENCES policies(id),
        group_id TEXT NOT NULL REFERENCES question_groups(id),
        client_hash TEXT NOT NULL,
        asked_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX questions_group ON questions (group_id, asked_at);
      -- Rate limiting counts a client's recent questions.
      CREATE INDEX questions_client ON questions (client_hash, asked_at);
    `,
};

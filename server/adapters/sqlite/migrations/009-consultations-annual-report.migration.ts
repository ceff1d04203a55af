import type { Migration } from '../sqlite.migrations.js';

export const consultationsAnnualReportMigration: Migration = {
  version: 9,
  name: 'draft consultations, adoption feedback and yearly report figures',
  sql: `
      CREATE TABLE consultations (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        final_policy_id TEXT,
        revision INTEGER NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX consultations_window ON consultations (end_date DESC, id);
      CREATE INDEX consultations_final_policy ON consultations (final_policy_id) WHERE final_policy_id IS NOT NULL;

      CREATE TABLE consultation_comments (
        id TEXT PRIMARY KEY,
        consultation_id TEXT NOT NULL REFERENCES consultations (id),
        status TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX consultation_comments_by_consultation ON consultation_comments (consultation_id, submitted_at, id);

      CREATE TABLE consultation_adoptions (
        id TEXT PRIMARY KEY,
        consultation_id TEXT NOT NULL REFERENCES consultations (id),
        decided_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX consultation_adoptions_by_consultation ON consultation_adoptions (consultation_id, decided_at, id);
      -- One decision per comment: a comment grouped twice is refused by the key, not by a check.
      CREATE TABLE consultation_adoption_comments (
        comment_id TEXT PRIMARY KEY REFERENCES consultation_comments (id),
        adoption_id TEXT NOT NULL REFERENCES consultation_adoptions (id)
      );

      CREATE TABLE consultation_notice_preferences (
        subscriber_id TEXT PRIMARY KEY,
        wanted INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE annual_report_figures (
        year INTEGER PRIMARY KEY,
        figures TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
};

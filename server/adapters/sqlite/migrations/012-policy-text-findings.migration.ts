import type { Migration } from '../sqlite.migrations.js';

export const policyTextFindingsMigration: Migration = {
  version: 12,
  name: 'policy text repairs and suspect-line decisions',
  sql: `
      CREATE TABLE policy_text_findings (
        policy_id TEXT PRIMARY KEY REFERENCES policies(id),
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
    `,
};

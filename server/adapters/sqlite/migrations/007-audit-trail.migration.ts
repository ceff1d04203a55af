import type { Migration } from '../sqlite.migrations.js';

export const auditTrailMigration: Migration = {
  version: 7,
  name: 'append-only audit trail',
  sql: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        action TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        digest TEXT,
        details TEXT NOT NULL
      );
      CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);
      CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
      CREATE INDEX audit_log_at ON audit_log (at, id);

      -- History is never rewritten: the engine itself refuses to change or remove an entry.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `,
};

import type Database from 'better-sqlite3';
import type { Db } from './sqlite.support.js';

/**
 * Prepared once per SQL text and connection: better-sqlite3 compiles the SQL again on every
 * `prepare`, and the dispatcher and the public pages run the same few statements thousands of times
 * a second. A statement is one cursor with its own modes, so share only statements run to
 * completion (`run`, `get`, `all`), and switch one to `pluck` or `raw` only where every use of that
 * SQL text wants it.
 */
export class StatementCache {
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(readonly db: Db) {}

  get(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }
}

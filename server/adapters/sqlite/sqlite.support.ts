import Database from 'better-sqlite3';
import { conflictError, type ConflictCode } from '../../conflict-catalog.js';

export type Db = Database.Database;
export type SeqKey = 'policy_change_seq' | 'subscriber_change_seq';

export function readSeq(db: Db, key: SeqKey): number {
  return Number(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) ?? 0);
}

/** Reserves `count` consecutive change sequence numbers and returns the first. */
export function nextChangeSeq(db: Db, count = 1, key: SeqKey = 'policy_change_seq'): number {
  const current = readSeq(db, key);
  db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(String(current + count), key);
  return current + 1;
}


/**
 * SQLite names a violated unique index by its columns; each is mapped to its conflict in the shared
 * catalogue. Most specific first: the contact triple also contains `contacts.address`.
 */
const CONSTRAINT_CONFLICTS: readonly [columns: string, code: ConflictCode][] = [
  ['subscribers.credit_code', 'credit_code_taken'],
  ['contacts.subscriber_id, contacts.channel, contacts.address', 'contact_exists'],
  ['contacts.address', 'email_taken'],
  ['subscribers.id', 'subscriber_exists'],
  ['subscriptions.id', 'subscription_exists'],
  ['policies.doc_number', 'doc_number_taken'],
  ['policies.id', 'policy_exists'],
  ['policy_versions', 'version_exists'],
  ['tags.dimension, tags.label', 'tag_label_taken'],
  ['tags.id', 'tag_exists'],
  ['users.id', 'user_exists'],
  ['users.token_hash', 'token_collision'],
];

export function constraintConflict(message: string): ConflictCode {
  return CONSTRAINT_CONFLICTS.find(([columns]) => message.includes(columns))?.[1] ?? 'conflict';
}

/** Unique-index violations become domain conflicts naming what collided. */
export function mapConstraint<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
      throw conflictError({ code: constraintConflict(error.message), details: { constraint: error.message } });
    }
    throw error;
  }
}

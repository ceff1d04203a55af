import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { conflictError, type ConflictCode } from '../../conflict-catalog.js';
import { DomainError, storeBusy } from '../../errors.js';
import type { BatchWriteResult } from '../../ports/store.port.js';

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

/** How long a write waits for another process's write lock before giving up (`SQLITE_BUSY_TIMEOUT_MS`). */
export const DEFAULT_BUSY_TIMEOUT_MS = 15_000;

/**
 * Opens a SQLite file that several processes may write (web, workers, the import commands): WAL, a
 * busy timeout, and every `db.transaction(fn)` beginning IMMEDIATE. A deferred transaction that
 * reads and then writes cannot wait for the lock when another process committed after its read
 * (SQLITE_BUSY_SNAPSHOT, no busy handler is called), and it fails after part of a request's work;
 * taking the write lock at BEGIN makes it wait instead, before anything was read.
 * `.deferred` stays available for read-only snapshots.
 */
export function openDatabase({ file, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS }: { file: string; busyTimeoutMs?: number }): Db {
  if (file !== ':memory:' && file !== '') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // `timeout` is SQLite's busy timeout: a locked database is retried for this long before SQLITE_BUSY.
  const db = new Database(file, { timeout: Math.max(0, Math.floor(busyTimeoutMs)) });
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode keeps committed transactions across process crashes; only power loss can drop the last ones.
  db.pragma('synchronous = NORMAL');
  const transaction = db.transaction.bind(db);
  db.transaction = (fn) => {
    const variants = transaction(fn);
    return Object.assign((...params: Parameters<typeof variants.immediate>) => variants.immediate(...params), {
      default: variants.immediate,
      deferred: variants.deferred,
      immediate: variants.immediate,
      exclusive: variants.exclusive,
    });
  };
  return db;
}

/** Seconds a client is asked to wait after the store stayed locked for the whole busy timeout. */
const BUSY_RETRY_AFTER_SECONDS = 5;

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

/**
 * A lock still held when the busy timeout ran out (another process in a very long write) becomes the
 * domain's `store_busy` (503 with Retry-After) instead of an internal error. The transaction that
 * hit it was rolled back, so the caller may simply retry.
 */
export function busyAsDomainError(error: unknown): unknown {
  return isBusy(error) ? storeBusy({ retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS }) : error;
}

/**
 * Wraps a store and its repositories (the objects it holds) so every method maps SQLITE_BUSY the
 * same way, without each repository method having to remember to. Methods run on the unwrapped
 * object, so a repository's calls to itself are not wrapped twice.
 */
export function guardBusy<T extends object>(target: T): T {
  const wrapped = new WeakMap<object, object>();
  const guard = <O extends object>(object: O, { depth }: { depth: number }): O =>
    new Proxy(object, {
      get(inner, property, receiver) {
        const value: unknown = Reflect.get(inner, property, receiver);
        if (typeof value === 'function') {
          return (...args: unknown[]) => {
            try {
              const result: unknown = Reflect.apply(value, inner, args);
              return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(busyAsDomainError(error))) : result;
            } catch (error) {
              throw busyAsDomainError(error);
            }
          };
        }
        if (depth === 0 || typeof value !== 'object' || value === null) return value;
        const known = wrapped.get(value);
        if (known) return known;
        const repository = guard(value, { depth: depth - 1 });
        wrapped.set(value, repository);
        return repository;
      },
    });
  return guard(target, { depth: 1 });
}

/**
 * Writes a batch in one transaction, each item inside its own savepoint: an item refused by a
 * domain rule (unique index, stale revision) is rolled back alone and reported by position; any
 * other error rolls the whole batch back.
 */
export function writeBatch<T>(db: Db, { items, write }: { items: readonly T[]; write: (item: T) => void }): BatchWriteResult {
  return db.transaction(() => {
    const refused: BatchWriteResult['refused'] = [];
    items.forEach((item, index) => {
      try {
        // Nested: better-sqlite3 runs it as a savepoint of the batch's transaction.
        mapConstraint(() => db.transaction(() => write(item))());
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refused.push({ index, error });
      }
    });
    return { refused };
  })();
}

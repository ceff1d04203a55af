import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { conflict, DomainError, storeBusy } from '../../errors.js';
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


/** Unique-index violations become domain conflicts naming what collided. */
export function mapConstraint<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
      throw conflict({ code: constraintCode(error.message), message: constraintMessage(error.message), details: { constraint: error.message } });
    }
    throw error;
  }
}

function constraintCode(message: string): string {
  if (message.includes('subscribers.credit_code')) return 'credit_code_taken';
  if (message.includes('contacts.subscriber_id, contacts.channel, contacts.address')) return 'contact_exists';
  if (message.includes('contacts.address')) return 'email_taken';
  if (message.includes('subscribers.id')) return 'subscriber_exists';
  if (message.includes('subscriptions.id')) return 'subscription_exists';
  if (message.includes('policies.doc_number')) return 'doc_number_taken';
  if (message.includes('policies.id')) return 'policy_exists';
  if (message.includes('policy_versions')) return 'version_exists';
  if (message.includes('tags.dimension, tags.label')) return 'tag_label_taken';
  if (message.includes('tags.id')) return 'tag_exists';
  if (message.includes('users.id')) return 'user_exists';
  if (message.includes('users.token_hash')) return 'token_collision';
  return 'conflict';
}

function constraintMessage(message: string): string {
  if (message.includes('subscribers.credit_code')) return '该统一社会信用代码已登记';
  if (message.includes('contacts.subscriber_id, contacts.channel, contacts.address')) return '该联系方式已添加';
  if (message.includes('contacts.address')) return '该邮箱已被其他用户使用';
  if (message.includes('policies.doc_number')) return '该文号已被其他政策文件使用';
  if (message.includes('policies.id')) return '政策编号已存在';
  if (message.includes('policy_versions')) return '该版本已发布，请刷新后重试';
  if (message.includes('tags.dimension, tags.label')) return '同一维度下已有同名标签';
  if (message.includes('tags.id')) return '标签编号已存在';
  if (message.includes('users.id')) return '用户编号已存在';
  return '数据冲突，请刷新后重试';
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

import mongoose, { type ClientSession, type Connection } from 'mongoose';
import { conflictError, type ConflictCode } from '../../conflict-catalog.js';
import { DomainError } from '../../errors.js';
import type { BatchWriteResult } from '../../ports/store.port.js';

/**
 * What every MongoDB repository shares: the connection, transactions, change sequences and the
 * translation of duplicate-key errors into the same domain conflicts the SQLite adapter raises.
 */
export interface MongoContext {
  connection: Connection;
}

/**
 * Runs `fn` in a multi-document transaction. mongoose retries the whole callback on transient
 * transaction errors, so `fn` must only do database work (no side effects outside the session).
 */
export async function inTransaction<T>(ctx: MongoContext, fn: (session: ClientSession) => Promise<T>): Promise<T> {
  try {
    return await ctx.connection.transaction(fn);
  } catch (error) {
    throw mapMongoError(error);
  }
}

/**
 * The MongoDB counterpart of the SQLite `writeBatch`: the batch in one transaction. A write error
 * aborts a MongoDB transaction, so an item refused by a domain rule is recorded and the batch is
 * run again without it; the items that remain commit together.
 */
export async function writeBatch<T>(
  ctx: MongoContext,
  { items, write }: { items: readonly T[]; write: (input: { session: ClientSession; item: T }) => Promise<void> },
): Promise<BatchWriteResult> {
  const refused: BatchWriteResult['refused'] = [];
  let pending = items.map((item, index) => ({ item, index }));
  for (;;) {
    const culprit: { current: BatchWriteResult['refused'][number] | null } = { current: null };
    try {
      await inTransaction(ctx, async (session) => {
        culprit.current = null;
        for (const { item, index } of pending) {
          try {
            await write({ session, item });
          } catch (error) {
            const mapped = mapMongoError(error);
            if (mapped instanceof DomainError) culprit.current = { index, error: mapped };
            throw mapped;
          }
        }
      });
      return { refused: refused.sort((a, b) => a.index - b.index) };
    } catch (error) {
      const failed = culprit.current;
      if (!failed) throw error;
      refused.push(failed);
      pending = pending.filter((p) => p.index !== failed.index);
    }
  }
}

/**
 * Change sequences (policy_change_seq, subscriber_change_seq, …) and integer ids live in one
 * `counters` collection. A change sequence must be taken with the `session` of the transaction that
 * writes the changed document (see `touchPolicy`); without one the number is committed at once and a
 * follower could pass it before the document that carries it is written.
 */
export async function nextSeq({ ctx, key, session, count = 1 }: { ctx: MongoContext; key: string; session?: ClientSession; count?: number }): Promise<number> {
  const counters = ctx.connection.collection<{ _id: string; value: number }>('counters');
  const result = await counters.findOneAndUpdate(
    { _id: key },
    { $inc: { value: count } },
    { upsert: true, returnDocument: 'after', ...(session ? { session } : {}) },
  );
  const value = result?.value ?? count;
  return value - count + 1;
}

export async function readSeq({ ctx, key }: { ctx: MongoContext; key: string }): Promise<number> {
  const doc = await ctx.connection.collection<{ _id: string; value: number }>('counters').findOne({ _id: key });
  return doc?.value ?? 0;
}

/**
 * Unique index names and the conflict each reports (codes and messages live in the shared catalogue,
 * so a duplicate reads the same whatever the engine). Index names are set explicitly in every model.
 */
export const CONFLICTS: Record<string, ConflictCode> = {
  policies_id: 'policy_exists',
  policies_doc_number: 'doc_number_taken',
  policy_versions_unique: 'version_exists',
  tags_id: 'tag_exists',
  tags_dimension_label: 'tag_label_taken',
  users_id: 'user_exists',
  users_token_hash: 'token_collision',
  subscribers_id: 'subscriber_exists',
  subscribers_credit_code: 'credit_code_taken',
  contacts_email: 'email_taken',
  subscriptions_id: 'subscription_exists',
  contacts_subscriber_channel_address: 'contact_exists',
  web_accounts_email: 'account_email_taken',
  calendar_adjustments_id: 'calendar_date_taken',
};

function isDuplicateKey(error: unknown): error is { code: number; message: string; keyPattern?: Record<string, unknown> } {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;
}

/**
 * The unique index named in a duplicate-key message. Natural keys live in `_id`, whose index is
 * called `_id_` in every collection, so it is reported as `<collection>_id` (e.g. `policies_id`).
 */
export function violatedIndex(message: string): string {
  const index = /index: (\S+)/.exec(message)?.[1] ?? '';
  if (index !== '_id_') return index;
  // `collection: <db>.<collection>`: database names cannot contain dots, collection names can.
  const namespace = /collection: (\S+)/.exec(message)?.[1] ?? '';
  const collection = namespace.slice(namespace.indexOf('.') + 1);
  return collection ? `${collection}_id` : index;
}

export function isDuplicateKeyError(error: unknown): boolean {
  return isDuplicateKey(error);
}

/** Duplicate-key errors (11000) become `conflict` DomainErrors; anything else passes through unchanged. */
export function mapMongoError(error: unknown): unknown {
  if (error instanceof DomainError || !isDuplicateKey(error)) return error;
  const index = violatedIndex(error.message);
  return conflictError({ code: CONFLICTS[index] ?? 'conflict', details: { index } });
}

/** Wraps a repository call so every duplicate key surfaces as a domain conflict. */
export async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapMongoError(error);
  }
}

/** Transactions need a replica set (or sharded cluster); say so at start instead of failing on the first write. */
export async function assertReplicaSet(connection: Connection): Promise<void> {
  const admin = connection.db?.admin();
  if (!admin) throw new Error('MongoDB 连接尚未建立');
  const hello = (await admin.command({ hello: 1 })) as { setName?: string; msg?: string };
  if (!hello.setName && hello.msg !== 'isdbgrid') {
    throw new DomainError({
      type: 'unavailable',
      code: 'mongo_replica_set_required',
      message: 'MongoDB 必须以副本集（或分片集群）运行才能使用事务；单节点请以 --replSet rs0 启动并执行 rs.initiate()',
    });
  }
}

export { mongoose };

/**
 * A stored shape: the mongoose model and the zod schema it must stay in step with. Every repository
 * file exports its bindings; a unit test checks each model's paths against its schema's keys, so a
 * field added to one and not the other fails CI even without a MongoDB server.
 */
export interface ModelBinding {
  name: string;
  schema: mongoose.Schema;
  /** The zod object the stored document follows (its top-level keys are compared with the model's paths). */
  shape: Record<string, unknown>;
  /** Paths that exist only in storage (e.g. `_id`, denormalised lookup fields), not in the zod schema. */
  storageOnly?: string[];
  /** The zod key whose value is stored as `_id` (natural keys: `id`, `tokenHash`), so it is not duplicated. */
  idField?: string;
}

/**
 * A model's schema with the options every stored shape shares. Reads and writes go through the
 * driver's typed collections (`connection.collection<Doc>()`) and are checked by zod on the way in
 * and out; the model is the declaration of the collection, its paths and its indexes, created by
 * `MongoStore.migrate()` only (never implicitly at connect). `strict: 'throw'` and `minimize: false`
 * keep code that does go through the model from silently dropping unknown fields or empty objects
 * (`criteria: {}`) that the zod schemas require.
 */
export function storedSchema(definition: mongoose.SchemaDefinition, { collection }: { collection: string }): mongoose.Schema {
  return new mongoose.Schema(definition, {
    collection,
    strict: 'throw',
    minimize: false,
    versionKey: false,
    autoIndex: false,
    autoCreate: false,
    // A definition that declares `_id: String` stores a natural key instead of a generated ObjectId.
    id: false,
  });
}

/** Collection names shared between repositories (one owner each; the others only read or follow the documented writes). */
export const COLLECTIONS = {
  counters: 'counters',
  dimensions: 'dimensions',
  tags: 'tags',
  /** `_id` = policy id; `changeSeq` is the policy change sequence (see `touchPolicy`). */
  policies: 'policies',
  /** `_id` generated; unique (policyId, version). */
  policyVersions: 'policy_versions',
  policyReviews: 'policy_reviews',
  users: 'users',
  /** `_id` = subscriber id; `changeSeq` is the subscriber change sequence (see `touchSubscriber`). */
  subscribers: 'subscribers',
  /** `_id` = contact id; `subscriberId`, `sort` (position in the subscriber's list); unique email address. */
  contacts: 'contacts',
  /** `_id` = token hash. */
  subscriberTokens: 'subscriber_tokens',
  /** `_id` = deleted subscriber id, `changeSeq`, `deletedAt`: deletions stay visible to change followers. */
  subscriberTombstones: 'subscriber_tombstones',
  subscriptions: 'subscriptions',
  matchingJobs: 'matching_jobs',
} as const;

export const SEQ = {
  policyChange: 'policy_change_seq',
  subscriberChange: 'subscriber_change_seq',
  reviewId: 'policy_review_id',
  tagSort: 'tag_sort',
} as const;

/**
 * Moves a policy to the end of the change sequence (FAQ or reply changes, publication side effects).
 * Call it inside the transaction that makes the change: the counter document is then locked until
 * commit, so sequence numbers become visible in commit order and a follower's watermark never
 * skips a change that commits late.
 */
export async function touchPolicy({ ctx, policyId, session }: { ctx: MongoContext; policyId: string; session: ClientSession }): Promise<void> {
  const seq = await nextSeq({ ctx, key: SEQ.policyChange, session });
  await ctx.connection.collection<{ _id: string; changeSeq: number }>(COLLECTIONS.policies).updateOne({ _id: policyId }, { $set: { changeSeq: seq } }, { session });
}

/** The subscriber counterpart of `touchPolicy`: audience followers reload the subscriber and its subscriptions. Same transaction rule. */
export async function touchSubscriber({ ctx, subscriberId, session }: { ctx: MongoContext; subscriberId: string; session: ClientSession }): Promise<void> {
  const seq = await nextSeq({ ctx, key: SEQ.subscriberChange, session });
  await ctx.connection.collection<{ _id: string; changeSeq: number }>(COLLECTIONS.subscribers).updateOne({ _id: subscriberId }, { $set: { changeSeq: seq } }, { session });
}

/** Splits a list for `$in` queries and bulk writes of bounded size. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

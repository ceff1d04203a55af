import mongoose, { type ClientSession, type Connection } from 'mongoose';
import { DomainError } from '../../errors.js';

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

/** Change sequences (policy_change_seq, subscriber_change_seq, …) live in one `counters` collection. */
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
 * Unique index names are chosen to match the SQLite adapter's conflict codes, so a duplicate is
 * reported identically whatever the engine. Index names are set explicitly in every model.
 */
export const CONFLICTS: Record<string, { code: string; message: string }> = {
  policies_id: { code: 'policy_exists', message: '政策编号已存在' },
  policies_doc_number: { code: 'doc_number_taken', message: '该文号已被其他政策文件使用' },
  policy_versions_unique: { code: 'version_exists', message: '该版本已发布，请刷新后重试' },
  tags_id: { code: 'tag_exists', message: '标签编号已存在' },
  tags_dimension_label: { code: 'tag_label_taken', message: '同一维度下已有同名标签' },
  users_id: { code: 'user_exists', message: '用户编号已存在' },
  users_token_hash: { code: 'token_collision', message: '数据冲突，请刷新后重试' },
  subscribers_id: { code: 'subscriber_exists', message: '订阅用户已存在' },
  subscribers_credit_code: { code: 'credit_code_taken', message: '该统一社会信用代码已登记' },
  contacts_email: { code: 'email_taken', message: '该邮箱已被其他用户使用' },
  subscriptions_id: { code: 'subscription_exists', message: '订阅已存在' },
};

function isDuplicateKey(error: unknown): error is { code: number; message: string; keyPattern?: Record<string, unknown> } {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;
}

/** Duplicate-key errors (11000) become `conflict` DomainErrors; anything else passes through unchanged. */
export function mapMongoError(error: unknown): unknown {
  if (error instanceof DomainError || !isDuplicateKey(error)) return error;
  const index = /index: (\S+)/.exec(error.message)?.[1] ?? '';
  const known = CONFLICTS[index];
  return new DomainError({
    type: 'conflict',
    code: known?.code ?? 'conflict',
    message: known?.message ?? '数据冲突，请刷新后重试',
    details: { index },
  });
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
}

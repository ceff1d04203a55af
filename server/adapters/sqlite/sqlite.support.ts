import Database from 'better-sqlite3';
import { conflict } from '../../errors.js';

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


import { DomainError } from './errors.js';

/**
 * Every uniqueness conflict a store reports, with the message users see. Adapters only name the
 * conflict (from a SQLite constraint or a MongoDB index), so a duplicate reads the same whatever
 * the engine.
 */
export const CONFLICT_CATALOG = {
  policy_exists: '政策编号已存在',
  doc_number_taken: '该文号已被其他政策文件使用',
  version_exists: '该版本已发布，请刷新后重试',
  tag_exists: '标签编号已存在',
  tag_label_taken: '同一维度下已有同名标签',
  user_exists: '用户编号已存在',
  token_collision: '数据冲突，请刷新后重试',
  subscriber_exists: '订阅用户已存在',
  credit_code_taken: '该统一社会信用代码已登记',
  email_taken: '该邮箱已被其他用户使用',
  contact_exists: '该联系方式已添加',
  subscription_exists: '订阅已存在',
  account_email_taken: '该邮箱已注册，请直接登录',
  calendar_date_taken: '该日期已有本地调整，请先删除原调整',
  conflict: '数据冲突，请刷新后重试',
} as const satisfies Record<string, string>;

export type ConflictCode = keyof typeof CONFLICT_CATALOG;

export function conflictError({ code, details }: { code: ConflictCode; details?: unknown }): DomainError {
  return new DomainError({ type: 'conflict', code, message: CONFLICT_CATALOG[code], details });
}

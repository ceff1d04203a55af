import type { Request } from 'express';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import type { FieldError } from './views/components.js';

export type FormBody = Record<string, string | string[] | undefined>;

/** The parsed urlencoded body; anything else (no body, JSON) reads as an empty form. */
export function formOf(req: Request): FormBody {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as FormBody) : {};
}

export function str(form: FormBody, name: string): string {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

/** Checkbox groups and repeated fields; blank entries dropped, duplicates kept once. */
export function strs(form: FormBody, name: string): string[] {
  const value = form[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return [...new Set(all.map((v) => String(v).trim()).filter((v) => v.length > 0))];
}

export function nullable(value: string): string | null {
  return value.length > 0 ? value : null;
}

/** Query values: the first of repeated parameters, trimmed. */
export function queryStr(req: Request, name: string): string {
  const value: unknown = req.query[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

export function queryStrs(req: Request, name: string): string[] {
  const value: unknown = req.query[name];
  const all: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return [...new Set(all.flatMap((v) => (typeof v === 'string' ? v.split(',') : [])).map((v) => v.trim()).filter(Boolean))];
}

export function zodErrors(error: z.ZodError, rename: (path: string) => string = (p) => p): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.length > 0 ? rename(issue.path.map(String).join('.')) : null, message: chineseMessage(issue) }));
}

/**
 * Schemas written for the API give Chinese messages where they matter and leave the rest to zod,
 * whose defaults are English ("Too small: expected string to have >=2 characters"). A form shows
 * those in Chinese, worded for the person filling it in.
 */
function chineseMessage(issue: z.core.$ZodIssue): string {
  // Messages written in the schemas are Chinese; only zod's own defaults are plain ASCII.
  if (!/^[\x00-\x7F]*$/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? '请填写此项' : `至少 ${min} 个字`;
      if (issue.origin === 'array' || issue.origin === 'set') return `至少 ${min} 项`;
      return `不能小于 ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `不能超过 ${max} 个字`;
      if (issue.origin === 'array' || issue.origin === 'set') return `最多 ${max} 项`;
      return `不能大于 ${max}`;
    }
    case 'invalid_type':
      // Issues do not carry the input; zod's default names what it received.
      return /received (undefined|null)$/.test(issue.message) ? '请填写此项' : '格式不正确';
    case 'invalid_format':
      if (issue.format === 'url') return '请输入以 http:// 或 https:// 开头的网址';
      if (issue.format === 'email') return '请输入有效的邮箱地址';
      if (issue.format === 'date' || issue.format === 'datetime') return '请输入有效的日期';
      return '格式不正确';
    case 'invalid_value':
      return '请从给出的选项中选择';
    default:
      return '内容不符合要求';
  }
}

/**
 * A service's refusal as messages next to the fields they concern. Services name fields by their
 * API paths (`profile.industry`, `criteria.need`); `rename` maps them to the form's input names.
 */
export function domainErrors(error: DomainError, rename: (path: string) => string = (p) => p): FieldError[] {
  const details = (typeof error.details === 'object' && error.details !== null ? error.details : {}) as { field?: unknown; issues?: unknown };
  if (Array.isArray(details.issues)) {
    return details.issues.flatMap((issue: unknown) => {
      if (typeof issue !== 'object' || issue === null) return [];
      const { path, message } = issue as { path?: unknown; message?: unknown };
      return [{ field: typeof path === 'string' && path ? rename(path) : null, message: typeof message === 'string' ? message : error.message }];
    });
  }
  const field = typeof details.field === 'string' ? details.field : (CODE_FIELDS[error.code] ?? null);
  return [{ field: field === null ? null : rename(field), message: error.message }];
}

/** Conflicts found by the store's unique indexes name no field; their codes do. */
const CODE_FIELDS: Record<string, string> = {
  email_taken: 'email',
  account_email_taken: 'email',
  credit_code_taken: 'creditCode',
  contact_exists: 'address',
  contact_duplicate: 'address',
  doc_number_taken: 'docNumber',
  tag_label_taken: 'label',
  tag_exists: 'id',
  user_exists: 'id',
};

/** Runs a form action; a domain refusal of the kinds a user can fix becomes field errors instead of an error page. */
export async function attempt<T>(action: () => Promise<T>, rename?: (path: string) => string): Promise<{ ok: true; value: T } | { ok: false; errors: FieldError[] }> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    if (error instanceof DomainError && ['invalid', 'conflict', 'invalid_state', 'forbidden'].includes(error.type)) {
      return { ok: false, errors: domainErrors(error, rename) };
    }
    throw error;
  }
}

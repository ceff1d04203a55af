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
  return error.issues.map((issue) => ({ field: issue.path.length > 0 ? rename(issue.path.map(String).join('.')) : null, message: issue.message }));
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

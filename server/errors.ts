/**
 * Domain errors carry a type, not an HTTP status: the error middleware is the only place that maps
 * types to statuses, so services stay usable from workers and command-line tools.
 */
export type DomainErrorType =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_state'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

export class DomainError extends Error {
  readonly type: DomainErrorType;
  readonly code: string;
  readonly details: unknown;

  constructor({ type, code, message, details }: { type: DomainErrorType; code: string; message: string; details?: unknown }) {
    super(message);
    this.name = 'DomainError';
    this.type = type;
    this.code = code;
    this.details = details;
  }
}

export const notFound = ({ code, message, details }: { code: string; message: string; details?: unknown }) =>
  new DomainError({ type: 'not_found', code, message, details });

export const conflict = ({ code, message, details }: { code: string; message: string; details?: unknown }) =>
  new DomainError({ type: 'conflict', code, message, details });

export const invalid = ({ code, message, details }: { code: string; message: string; details?: unknown }) =>
  new DomainError({ type: 'invalid', code, message, details });

export const invalidState = ({ code, message, details }: { code: string; message: string; details?: unknown }) =>
  new DomainError({ type: 'invalid_state', code, message, details });

export const forbidden = ({ code, message, details }: { code: string; message: string; details?: unknown }) =>
  new DomainError({ type: 'forbidden', code, message, details });

/**
 * The store stayed locked by another process for the whole busy timeout. Nothing was written; the
 * client is told when to retry (`Retry-After`, 503).
 */
export const storeBusy = ({ retryAfterSeconds }: { retryAfterSeconds: number }) =>
  new DomainError({
    type: 'unavailable',
    code: 'store_busy',
    message: `系统正忙（数据正在被其他任务写入），本次操作未保存，请 ${retryAfterSeconds} 秒后重试`,
    details: { retryAfterSeconds },
  });

/** Errors that clear by themselves (store busy, rate limits) say when to come back: the `Retry-After` header. */
export function retryAfterOf(error: DomainError): number | null {
  const details = error.details;
  if (typeof details !== 'object' || details === null || !('retryAfterSeconds' in details)) return null;
  return typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : null;
}

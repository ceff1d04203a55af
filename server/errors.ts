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

import { DomainError, type DomainErrorType } from '../errors.js';

/**
 * The one map from a domain error's type to its HTTP status, shared by the JSON API and the portal,
 * so a page and an endpoint never disagree about the same failure.
 */
const STATUS_BY_TYPE: Record<DomainErrorType, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

export function statusOf(error: DomainError): number {
  return STATUS_BY_TYPE[error.type];
}

/**
 * The router decodes every path parameter before any handler runs and throws a URIError for a
 * malformed escape (`/policies/%ff`). That is the client's mistake, whatever the route: it becomes
 * one coded 400 here instead of an unhandled error on each surface.
 */
export function malformedPathError(error: unknown): DomainError | null {
  if (!(error instanceof URIError)) return null;
  return new DomainError({
    type: 'invalid',
    code: 'malformed_path',
    message: '网址中含有无法识别的编码字符，请检查链接是否完整',
    details: { part: 'params' },
  });
}

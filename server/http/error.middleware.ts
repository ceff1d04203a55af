import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '../../schemas/common.schema.js';
import { DomainError, retryAfterOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { malformedPathError, statusOf } from './error-status.js';

/** body-parser reports its failures with a `type`; each becomes a domain error with a clear message. */
function fromBodyParser(error: unknown): DomainError | null {
  if (typeof error !== 'object' || error === null || !('type' in error)) return null;
  switch (error.type) {
    case 'entity.parse.failed':
      return new DomainError({ type: 'invalid', code: 'malformed_json', message: '请求体不是合法的 JSON' });
    case 'entity.too.large':
      return new DomainError({ type: 'too_large', code: 'body_too_large', message: '请求体过大' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new DomainError({ type: 'unsupported_media_type', code: 'unsupported_encoding', message: '请求体编码不受支持，请使用 UTF-8' });
    default:
      return null;
  }
}

function send(res: Parameters<ErrorRequestHandler>[2], status: number, body: ErrorBody): void {
  res.status(status).json(body);
}

export function errorMiddleware({ logger }: { logger: Logger }): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const domain = error instanceof DomainError ? error : (fromBodyParser(error) ?? malformedPathError(error));
    if (domain) {
      const retry = retryAfterOf(domain);
      if (retry !== null) res.setHeader('Retry-After', String(retry));
      send(res, statusOf(domain), {
        error: { code: domain.code, message: domain.message, ...(domain.details === undefined ? {} : { details: domain.details }) },
      });
      return;
    }
    // Internals stay in the log; the client gets an id to quote when reporting the problem.
    const requestId = res.getHeader('x-request-id');
    logger.error('unhandled error', { requestId, method: req.method, path: req.path, error });
    send(res, 500, { error: { code: 'internal_error', message: '服务器内部错误，请稍后重试', details: { requestId } } });
  };
}

/**
 * Unknown /api paths answer coded JSON. Any other unknown path is a page a person typed or followed:
 * it is handed on, so the portal in front answers it with its own 404 page.
 */
export const notFoundMiddleware: RequestHandler = (req, res, next) => {
  if (req.path !== '/api' && !req.path.startsWith('/api/')) {
    next();
    return;
  }
  send(res, 404, { error: { code: 'route_not_found', message: `接口不存在：${req.method} ${req.path}` } });
};

/** A write with a body must say it is JSON; anything else is refused before it is parsed. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  // Uploads are multipart; routes that take a file say so and every other route refuses it (route.ts).
  if (['POST', 'PATCH', 'PUT'].includes(req.method) && hasBody && !req.is(['application/json', 'multipart/form-data'])) {
    next(new DomainError({ type: 'unsupported_media_type', code: 'json_required', message: '请求体必须是 JSON（Content-Type: application/json）' }));
    return;
  }
  next();
};

import type { Request, RequestHandler, Response } from 'express';
import compression from 'compression';

/**
 * Response compression for every text answer the server gives: JSON, HTML pages, Atom/RSS feeds,
 * CSS and scripts. Brotli (quality 4, which costs about what gzip level 6 does and saves more) or
 * gzip, whichever the client prefers among those it accepts; nothing when it accepts neither.
 *
 * Left alone: bodies under 1 KB (the headers would cost more than the saving), responses already
 * encoded, anything marked `Cache-Control: no-transform`, media that is compressed already (images,
 * video, PDF, archives: the package's MIME table marks them not compressible), and event streams,
 * which must reach the client event by event rather than wait in a compressor's buffer.
 */
const THRESHOLD_BYTES = 1024;

function worthCompressing(req: Request, res: Response): boolean {
  const type = String(res.getHeader('Content-Type') ?? '');
  if (type.startsWith('text/event-stream')) return false;
  return compression.filter(req, res);
}

export function compressionMiddleware(): RequestHandler {
  return compression({ threshold: THRESHOLD_BYTES, filter: worthCompressing });
}

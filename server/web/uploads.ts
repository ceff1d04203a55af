import type { Response } from 'express';
import type { Config } from '../config.js';
import type { UploadedFile } from '../uploaded-file.js';
import { decodeText } from '../ingest/decode.js';

/** Plain-text policy bodies are small; anything near this size is not a policy document. */
export const BODY_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The portal forms that carry a file. Everything else refuses multipart bodies, so a file can only
 * arrive where a handler expects one and knows its size limit.
 */
const UPLOAD_ROUTES: readonly { pattern: RegExp; maxBytes: (config: Config) => number }[] = [
  { pattern: /^\/staff\/policies\/[a-z0-9][a-z0-9-]{1,63}\/interpretation\/(?:graphics|videos)$/, maxBytes: (config) => config.UPLOAD_MAX_BYTES },
  { pattern: /^\/staff\/policies\/(?:new|[a-z0-9][a-z0-9-]{1,63})\/body-file$/, maxBytes: () => BODY_FILE_MAX_BYTES },
  // 依申请公开: PDF documents sent with a reply.
  { pattern: /^\/staff\/disclosure\/ysq-[A-Za-z0-9_-]{8,40}\/attachments$/, maxBytes: (config) => config.UPLOAD_MAX_BYTES },
  { pattern: /^\/staff\/policies\/new\/import$/, maxBytes: (config) => config.INGEST_MAX_BYTES },
];

export function uploadLimitFor({ path, config }: { path: string; config: Config }): number | null {
  const route = UPLOAD_ROUTES.find((r) => r.pattern.test(path));
  return route ? route.maxBytes(config) : null;
}

const KEY = 'portalUpload';

export function setUploadedFile(res: Response, file: UploadedFile | null): void {
  res.locals[KEY] = file;
}

/** The file of a multipart form, or null when the form had none (or was not multipart). */
export function uploadedFile(res: Response): UploadedFile | null {
  const file = res.locals[KEY] as UploadedFile | null | undefined;
  return file && file.buffer.length > 0 ? file : null;
}

/**
 * A text file's content. Government offices save plain text as UTF-8 (with or without a BOM), GBK
 * (GB 18030) or Big5; the decoder detects which and refuses a file it cannot decode, naming the line,
 * rather than filling the text with replacement characters.
 */
export function decodeTextFile(buffer: Buffer): string {
  return decodeText({ bytes: buffer }).text;
}

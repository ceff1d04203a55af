import crypto from 'node:crypto';
import type { MediaExtension } from '../ports/media-storage.port.js';

export type { MediaExtension } from '../ports/media-storage.port.js';

export const MEDIA_CONTENT_TYPES: Record<MediaExtension, string> = { webp: 'image/webp', jpg: 'image/jpeg', png: 'image/png', pdf: 'application/pdf' };

export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Where the platform serves a stored file, whichever storage holds it. */
export function mediaUrl({ hash, ext }: { hash: string; ext: MediaExtension }): string {
  return `/media/${hash}.${ext}`;
}

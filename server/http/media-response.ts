import type { Response } from 'express';
import type { MediaFile } from '../interpretation/media-access.service.js';

/**
 * Writes a stored file for the API app and the portal alike. Public files are cached briefly, not
 * forever: a withdrawal from disclosure has to reach shared caches too. Staff previews are never cached.
 */
export function sendMediaFile({ res, file }: { res: Response; file: MediaFile }): void {
  res.setHeader('Cache-Control', file.audience === 'public' ? 'public, max-age=300' : 'private, no-store');
  res.type(file.contentType).send(file.data);
}

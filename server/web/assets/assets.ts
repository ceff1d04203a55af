import crypto from 'node:crypto';
import { SITE_CSS } from './site.css.js';
import { SITE_JS } from './site.js.js';

export interface Asset {
  path: string;
  body: string;
  type: string;
  etag: string;
}

function asset({ name, body, type }: { name: string; body: string; type: string }): Asset {
  const hash = crypto.createHash('sha256').update(body).digest('hex').slice(0, 12);
  // The content hash is in the URL, so browsers may keep the file for a year and still see every change.
  return { path: `/assets/${name}?v=${hash}`, body, type, etag: `"${hash}"` };
}

export const ASSETS = {
  css: asset({ name: 'site.css', body: SITE_CSS, type: 'text/css; charset=utf-8' }),
  js: asset({ name: 'site.js', body: SITE_JS, type: 'text/javascript; charset=utf-8' }),
} as const;

import type { Response } from 'express';
import type { Viewer } from './accounts/web-account.service.js';

/** What every page needs to know about the request it answers; set once by the portal's session middleware. */
export interface WebContext {
  viewer: Viewer;
  /** The token every form on the page carries. */
  csrfToken: string;
  /** Hash of the session id, or null for visitors; CSRF tokens are bound to it. */
  sessionKey: string | null;
  flash: string | null;
  /** Path and query of this request, for "return here after signing in" links. */
  here: string;
  requestId: string;
}

const KEY = 'webContext';

export function setWebContext(res: Response, context: WebContext): void {
  res.locals[KEY] = context;
}

export function webContext(res: Response): WebContext {
  const context = res.locals[KEY] as WebContext | undefined;
  if (!context) throw new Error('web context missing: the session middleware must run first');
  return context;
}

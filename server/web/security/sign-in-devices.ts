import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Signer } from '../../security/signer.js';
import { readCookies, setCookie } from './cookies.js';

const LIFETIME_SECONDS = 180 * 86_400;

/**
 * A browser that signed in to an account successfully gets a signed cookie naming that account (by a
 * keyed hash, never the address itself). While the account is locked after failed attempts, the
 * password is still checked on that browser, so its owner keeps signing in while guessers wait.
 */
export class SignInDevices {
  constructor(private readonly deps: { signer: Signer; cookie: string; secure: (req: Request) => boolean }) {}

  private tag(account: string): string {
    return this.deps.signer.mac('sign-in-device', account.trim().toLowerCase());
  }

  knows({ req, account }: { req: Request; account: string }): boolean {
    const value = readCookies(req).get(this.deps.cookie);
    if (!value) return false;
    const expected = Buffer.from(this.tag(account));
    return value.split('.').some((given) => {
      const candidate = Buffer.from(given);
      return candidate.length === expected.length && crypto.timingSafeEqual(candidate, expected);
    });
  }

  /** Keeps the last few accounts used on this browser (a shared office computer may serve several). */
  remember({ req, res, account }: { req: Request; res: Response; account: string }): void {
    const tag = this.tag(account);
    const previous = (readCookies(req).get(this.deps.cookie) ?? '').split('.').filter((t) => /^[\w-]{32}$/.test(t) && t !== tag);
    setCookie({ res, name: this.deps.cookie, value: [tag, ...previous].slice(0, 5).join('.'), maxAgeSeconds: LIFETIME_SECONDS, secure: this.deps.secure(req) });
  }
}

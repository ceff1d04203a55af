import crypto from 'node:crypto';

const COOKIE_BYTES = 24;

/**
 * CSRF protection for every form: a random HttpOnly cookie plus a token in the form that is an
 * HMAC of that cookie (and of the session, once signed in) under a server key. A cross-site page
 * can make the browser send the cookie but can neither read it nor compute the token; a planted
 * cookie is useless without the key. Tokens made before sign-in stop working after it.
 */
export class CsrfGuard {
  private readonly key: Buffer;

  constructor({ secret }: { secret: Buffer }) {
    this.key = crypto.createHmac('sha256', secret).update('web-csrf-key').digest();
  }

  /** Random bytes drawn in blocks: every visitor without a cookie gets a new one, and one call per page was measurable. */
  private pool = Buffer.alloc(0);
  private used = 0;

  newCookieValue(): string {
    if (this.used + COOKIE_BYTES > this.pool.length) {
      this.pool = crypto.randomBytes(COOKIE_BYTES * 128);
      this.used = 0;
    }
    // Each byte of the pool is handed out once.
    const value = this.pool.subarray(this.used, this.used + COOKIE_BYTES).toString('base64url');
    this.used += COOKIE_BYTES;
    return value;
  }

  tokenFor({ cookieValue, sessionKey }: { cookieValue: string; sessionKey: string | null }): string {
    return crypto.createHmac('sha256', this.key).update(`${cookieValue}\n${sessionKey ?? ''}`).digest('base64url');
  }

  verify({ cookieValue, sessionKey, token }: { cookieValue: string | undefined; sessionKey: string | null; token: unknown }): boolean {
    if (!cookieValue || typeof token !== 'string' || token.length === 0 || token.length > 100) return false;
    const expected = Buffer.from(this.tokenFor({ cookieValue, sessionKey }));
    const given = Buffer.from(token);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }
}

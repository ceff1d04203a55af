import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * HMAC-signed tokens for links that must work without a session and without expiring: private feed
 * URLs, contact confirmation, one-click unsubscribe. The purpose is part of the MAC, so a token made
 * for one use is worthless for another.
 */
export class Signer {
  constructor(private readonly secret: Buffer) {}

  /** A keyed digest of a value for one purpose: 32 URL-safe characters. */
  mac(purpose: string, value: string): string {
    return crypto.createHmac('sha256', this.secret).update(`${purpose}\n${value}`).digest('base64url').slice(0, 32);
  }

  sign({ purpose, value }: { purpose: string; value: string }): string {
    return `${value}.${this.mac(purpose, value)}`;
  }

  /** The signed value, or null when the token was not made by this signer for this purpose. */
  verify({ purpose, token }: { purpose: string; token: string }): string | null {
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(purpose, value));
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? value : null;
  }
}

/**
 * The secret comes from APP_SECRET; without it the embedded default keeps one in the data directory,
 * created on first start, so signed links survive restarts.
 */
export function loadSecret({ configured, dataDir }: { configured: string | undefined; dataDir: string }): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, 'secret.key');
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(32);
  fs.writeFileSync(file, `${secret.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

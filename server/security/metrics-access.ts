import crypto from 'node:crypto';
import type { Request } from 'express';
import { AddressList } from './client-address.js';

/**
 * Who may read /metrics. METRICS_TOKEN lets a scraper in by `Authorization: Bearer`; METRICS_ALLOW
 * lets in client addresses (after TRUST_PROXY). With neither set only this machine may scrape, and a
 * request that came through a proxy (it carries forwarding headers) is not "this machine" even when
 * the proxy itself connects from loopback.
 */
export class MetricsAccess {
  private readonly token: Buffer | null;
  private readonly allow: AddressList | null;

  constructor({ token, allow }: { token?: string | undefined; allow?: readonly string[] | undefined }) {
    this.token = token ? digest(token) : null;
    this.allow = allow && allow.length > 0 ? new AddressList(allow) : null;
  }

  permits(req: Request): boolean {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (this.token && bearer && crypto.timingSafeEqual(digest(bearer), this.token)) return true;
    const address = req.ip ?? req.socket.remoteAddress ?? '';
    if (this.allow) return this.allow.includes(address);
    if (this.token) return false;
    const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
    return !forwarded && LOOPBACK.includes(address);
  }
}

const LOOPBACK = new AddressList(['loopback']);

/** Equal-length digests, so comparing never leaks the token's length. */
function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

import type { Request, Response } from 'express';

/** Cookie header → name/value map; malformed pairs are skipped, the first of duplicate names wins. */
export function readCookies(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.headers.cookie;
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (out.has(name)) continue;
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      // A value that is not valid percent-encoding cannot be one of ours.
    }
  }
  return out;
}

export interface CookiePolicy {
  /** `__Host-` names and the Secure flag once the site is served over TLS. */
  secure: boolean;
}

export function cookieName({ base, policy }: { base: string; policy: CookiePolicy }): string {
  // `__Host-` pins the cookie to this exact host and path "/" and requires Secure: browsers refuse it otherwise.
  return policy.secure ? `__Host-${base}` : base;
}

export function setCookie({
  res,
  name,
  value,
  maxAgeSeconds,
  secure,
}: {
  res: Response;
  name: string;
  value: string;
  /** Omitted: a browser-session cookie. 0: delete. */
  maxAgeSeconds?: number;
  secure: boolean;
}): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`);
  if (secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

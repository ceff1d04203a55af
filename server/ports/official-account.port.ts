/**
 * The office's 服务号 on the WeChat platform: the web authorisation that yields a follower's
 * openid, access tokens, and subscription notices. Platform answers come back as they are
 * (`errcode`, `errmsg`); what an error code means for a push is the channel driver's business.
 * Only an unreachable platform (network, timeout, unreadable answer) rejects, with `PlatformUnreachableError`.
 */
export interface PlatformAnswer {
  errcode: number;
  errmsg: string;
}

export class PlatformUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformUnreachableError';
  }
}

export interface SubscribeNotice {
  accessToken: string;
  openid: string;
  templateId: string;
  /** Opened when the follower taps the notice. */
  page: string;
  data: Record<string, { value: string }>;
}

export interface OfficialAccountApi {
  /** Where the follower's WeChat is sent to confirm the authorisation (opened inside WeChat). */
  authorizeUrl(input: { appId: string; redirectUri: string; state: string }): string;
  exchangeCode(input: { appId: string; secret: string; code: string }): Promise<({ ok: true; openid: string } | { ok: false } ) & PlatformAnswer>;
  fetchToken(input: { appId: string; secret: string }): Promise<({ ok: true; accessToken: string; expiresIn: number } | { ok: false }) & PlatformAnswer>;
  sendSubscribeNotice(notice: SubscribeNotice): Promise<PlatformAnswer>;
}

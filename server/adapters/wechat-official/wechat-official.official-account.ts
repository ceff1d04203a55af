import { z } from 'zod';
import { PlatformUnreachableError, type OfficialAccountApi, type PlatformAnswer, type SubscribeNotice } from '../../ports/official-account.port.js';

const answerSchema = z.object({ errcode: z.number().int().default(0), errmsg: z.string().default('ok') });
const oauthSchema = answerSchema.extend({ openid: z.string().min(1).optional() });
const tokenSchema = answerSchema.extend({ access_token: z.string().min(1).optional(), expires_in: z.number().int().optional() });

/**
 * The WeChat Official Account platform over HTTPS: `/connect/oauth2/authorize` (opened by the
 * follower), `/sns/oauth2/access_token`, `/cgi-bin/stable_token` and
 * `/cgi-bin/message/subscribe/bizsend`. Both base addresses are settings, so tests and staging
 * point them at a local server that speaks the same API.
 */
export class WechatOfficialAccountApi implements OfficialAccountApi {
  constructor(private readonly deps: { apiBase: string; authorizeBase: string; timeoutMs?: number }) {}

  authorizeUrl({ appId, redirectUri, state }: { appId: string; redirectUri: string; state: string }): string {
    const url = new URL('/connect/oauth2/authorize', this.deps.authorizeBase);
    url.searchParams.set('appid', appId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    // snsapi_base: the openid only, without asking the follower to share a profile.
    url.searchParams.set('scope', 'snsapi_base');
    url.searchParams.set('state', state);
    return `${url.toString()}#wechat_redirect`;
  }

  async exchangeCode({ appId, secret, code }: { appId: string; secret: string; code: string }) {
    const url = this.url('/sns/oauth2/access_token', { appid: appId, secret, code, grant_type: 'authorization_code' });
    const answer = oauthSchema.parse(await this.request({ url, method: 'GET' }));
    const base = { errcode: answer.errcode, errmsg: answer.errmsg };
    return answer.errcode === 0 && answer.openid ? { ok: true as const, openid: answer.openid, ...base } : { ok: false as const, ...base, errcode: answer.errcode || -1 };
  }

  async fetchToken({ appId, secret }: { appId: string; secret: string }) {
    // The stable token endpoint hands every caller the same token until it expires, so a second
    // installation (or a manual call) does not silently invalidate ours the way /cgi-bin/token does.
    const url = this.url('/cgi-bin/stable_token', {});
    const answer = tokenSchema.parse(await this.request({ url, method: 'POST', body: { grant_type: 'client_credential', appid: appId, secret, force_refresh: false } }));
    const base = { errcode: answer.errcode, errmsg: answer.errmsg };
    if (answer.errcode === 0 && answer.access_token) return { ok: true as const, accessToken: answer.access_token, expiresIn: answer.expires_in ?? 7200, ...base };
    return { ok: false as const, ...base, errcode: answer.errcode || -1 };
  }

  async sendSubscribeNotice({ accessToken, openid, templateId, page, data }: SubscribeNotice): Promise<PlatformAnswer> {
    const url = this.url('/cgi-bin/message/subscribe/bizsend', { access_token: accessToken });
    return answerSchema.parse(await this.request({ url, method: 'POST', body: { touser: openid, template_id: templateId, page, data } }));
  }

  private url(pathname: string, query: Record<string, string>): string {
    const url = new URL(pathname, this.deps.apiBase);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url.toString();
  }

  private async request({ url, method, body }: { url: string; method: 'GET' | 'POST'; body?: unknown }): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new PlatformUnreachableError(`无法连接微信公众平台：${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new PlatformUnreachableError(`微信公众平台返回了无法解析的应答（HTTP ${response.status}）`);
    }
  }
}

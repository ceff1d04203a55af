import type { OfficialAccountApi } from '../../ports/official-account.port.js';
import type { Store } from '../../ports/store.port.js';

/** A token is refreshed this long before the platform says it expires (clock skew, requests in flight). */
const EXPIRY_MARGIN_MS = 5 * 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The platform refused to issue a token (wrong AppSecret, IP not whitelisted…). */
export class TokenRefusedError extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRefusedError';
  }
}

/**
 * The 服务号's access token, shared by every worker process through the store. The platform
 * allows a limited number of token requests a day and a new token may end the old one, so one
 * process refreshes under a lease while the others wait for the token it stores.
 */
export class AccessTokenCache {
  private memory: { appId: string; token: string; expiresAt: number } | null = null;
  /** How many tokens this process fetched from the platform (metrics, tests). */
  fetched = 0;

  constructor(
    private readonly deps: { store: Store; api: OfficialAccountApi; owner: string; now: () => Date; leaseMs?: number; waitMs?: number; maxWaits?: number },
  ) {}

  static nameOf(appId: string): string {
    return `wechat_oa:${appId}`;
  }

  async get({ appId, secret }: { appId: string; secret: string }): Promise<string> {
    const fresh = (expiresAt: number) => expiresAt - EXPIRY_MARGIN_MS > this.deps.now().getTime();
    if (this.memory && this.memory.appId === appId && fresh(this.memory.expiresAt)) return this.memory.token;
    const name = AccessTokenCache.nameOf(appId);
    const maxWaits = this.deps.maxWaits ?? 100;
    for (let wait = 0; wait <= maxWaits; wait++) {
      const stored = await this.deps.store.wechatChannels.getToken(name);
      const expiresAt = stored?.expiresAt ? Date.parse(stored.expiresAt) : 0;
      if (stored?.token && fresh(expiresAt)) {
        this.memory = { appId, token: stored.token, expiresAt };
        return stored.token;
      }
      const now = this.deps.now();
      const leased = await this.deps.store.wechatChannels.acquireTokenLease({
        name,
        owner: this.deps.owner,
        now: now.toISOString(),
        leaseUntil: new Date(now.getTime() + (this.deps.leaseMs ?? 15_000)).toISOString(),
      });
      if (leased) return this.fetch({ appId, secret, name });
      await sleep(this.deps.waitMs ?? 100);
    }
    throw new Error('等待其他工作进程刷新服务号 access_token 超时');
  }

  /**
   * The platform said the token is invalid or expired: forget it (unless another process already
   * stored a newer one) and get a valid one, refreshing at most once across the processes.
   */
  async refresh({ appId, secret, stale }: { appId: string; secret: string; stale: string }): Promise<string> {
    if (this.memory?.token === stale) this.memory = null;
    await this.deps.store.wechatChannels.invalidateToken({ name: AccessTokenCache.nameOf(appId), token: stale, at: this.deps.now().toISOString() });
    return this.get({ appId, secret });
  }

  private async fetch({ appId, secret, name }: { appId: string; secret: string; name: string }): Promise<string> {
    const answer = await this.deps.api.fetchToken({ appId, secret });
    this.fetched += 1;
    if (!answer.ok) throw new TokenRefusedError(answer.errcode, `服务号 access_token 获取失败（${answer.errcode}：${answer.errmsg}）`);
    const at = this.deps.now();
    const expiresAt = at.getTime() + answer.expiresIn * 1000;
    await this.deps.store.wechatChannels.saveToken({ name, owner: this.deps.owner, token: answer.accessToken, expiresAt: new Date(expiresAt).toISOString(), at: at.toISOString() });
    this.memory = { appId, token: answer.accessToken, expiresAt };
    return answer.accessToken;
  }
}

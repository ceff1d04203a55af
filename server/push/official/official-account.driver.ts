import type { Contact } from '../../../schemas/subscriber.schema.js';
import type { OfficialAccountSettings } from '../../../schemas/wechat-channels.schema.js';
import { PlatformUnreachableError, type OfficialAccountApi, type PlatformAnswer } from '../../ports/official-account.port.js';
import type { Store } from '../../ports/store.port.js';
import type { Composed } from '../composer.js';
import { SendFailure, type ChannelDriver, type SendResult } from '../dispatcher.js';
import { TokenRefusedError, type AccessTokenCache } from './access-token.service.js';
import type { Notice } from './notice.js';
import { subscribeData } from './subscribe-message.js';

/** The follower refused notices (43101) or the openid is not a follower of this account (40003): stop for that contact. */
const ENDED = new Set([43101, 40003]);
/** Too many calls (45009) or the notice quota is used up (45047): back off. */
const BACK_OFF = new Set([45009, 45047]);
/** The token is invalid (40001, 40014) or expired (42001): refresh once and retry. */
const TOKEN = new Set([40001, 40014, 42001]);

export function maskOpenid(openid: string): string {
  return openid.length <= 8 ? '****' : `${openid.slice(0, 4)}…${openid.slice(-4)}`;
}

/**
 * 服务号 subscription notices (订阅通知) to enterprise contacts who bound their openid. A refusal ends
 * that contact; a rate or quota answer pauses the lane for the back-off without spending an
 * attempt; an invalid token is refreshed once, shared with the other worker processes.
 */
export class OfficialAccountDriver implements ChannelDriver {
  readonly channel = 'wechat_oa' as const;
  readonly dryRun = false;
  private backoff: { until: number; reason: string } | null = null;
  private appId: string | null = null;

  constructor(private readonly deps: { api: OfficialAccountApi; store: Store; tokens: AccessTokenCache; backoffMs: number; now: () => Date }) {}

  account(): string {
    return this.appId ?? 'wechat_oa';
  }

  async blockedReason(): Promise<string | null> {
    const settings = await this.deps.store.wechatChannels.getOfficialAccount();
    if (!settings) return '服务号尚未配置（请管理员在“微信渠道”页面填写 AppID、AppSecret 和订阅通知模板）';
    this.appId = settings.appId;
    if (this.backoff && this.backoff.until > this.deps.now().getTime()) return this.backoff.reason;
    this.backoff = null;
    return null;
  }

  async send(item: Composed): Promise<SendResult> {
    if (!item.notice) throw new SendFailure('render_failed', '缺少服务号通知内容', { permanent: true });
    return this.deliver({ notice: item.notice, recipients: item.recipients });
  }

  /** Sends one notice to the contacts' openids (the portal's test button calls this too). */
  async deliver({ notice, recipients }: { notice: Notice; recipients: readonly Contact[] }): Promise<SendResult> {
    const settings = await this.deps.store.wechatChannels.getOfficialAccount();
    if (!settings) throw new SendFailure('provider_error', '服务号尚未配置', { permanent: false, pauseLane: true });
    this.appId = settings.appId;
    const data = subscribeData({ notice, fields: settings.fields });
    const sent: string[] = [];
    const ended: { id: string; note: string }[] = [];
    for (const contact of recipients) {
      const answer = await this.sendOne({ settings, openid: contact.address, page: notice.url, data });
      const who = maskOpenid(contact.address);
      if (answer.errcode === 0) {
        sent.push(`${who}：已送达服务号（msg ok）`);
        continue;
      }
      const detail = `${answer.errcode}：${answer.errmsg}`;
      if (ENDED.has(answer.errcode)) {
        ended.push({ id: contact.id, note: `${who}：${answer.errcode === 43101 ? '用户拒收（已停止向该联系人发送）' : 'openid 无效（已停止向该联系人发送）'}（${detail}）` });
        continue;
      }
      const invalidContactIds = ended.map((e) => e.id);
      if (BACK_OFF.has(answer.errcode)) {
        const reason = `服务号接口限流或额度用尽（${detail}），${Math.ceil(this.deps.backoffMs / 1000)} 秒后继续`;
        this.backoff = { until: this.deps.now().getTime() + this.deps.backoffMs, reason };
        throw new SendFailure('rate_limited', reason, { permanent: false, pauseLane: true, invalidContactIds });
      }
      throw new SendFailure('provider_error', `服务号返回错误（${detail}）`, { permanent: false, invalidContactIds });
    }
    const invalidContactIds = ended.map((e) => e.id);
    if (sent.length === 0 && ended.length > 0) throw new SendFailure('recipient_refused', ended.map((e) => e.note).join('；'), { permanent: true, invalidContactIds });
    return { response: [...sent, ...ended.map((e) => e.note)].join('；'), invalidContactIds };
  }

  private async sendOne({ settings, openid, page, data }: { settings: OfficialAccountSettings; openid: string; page: string; data: Record<string, { value: string }> }): Promise<PlatformAnswer> {
    const credentials = { appId: settings.appId, secret: settings.appSecret };
    try {
      const token = await this.deps.tokens.get(credentials);
      const notice = { openid, templateId: settings.templateId, page, data };
      const answer = await this.deps.api.sendSubscribeNotice({ accessToken: token, ...notice });
      if (!TOKEN.has(answer.errcode)) return answer;
      // Once: a second invalid token means something else is wrong (a reset secret), and retrying would loop.
      const renewed = await this.deps.tokens.refresh({ ...credentials, stale: token });
      return await this.deps.api.sendSubscribeNotice({ accessToken: renewed, ...notice });
    } catch (error) {
      if (error instanceof PlatformUnreachableError) throw new SendFailure('connection', error.message, { permanent: false });
      if (error instanceof TokenRefusedError) throw new SendFailure('provider_error', error.message, { permanent: false, pauseLane: true });
      throw error;
    }
  }

  async pace(): Promise<void> {}

  async close(): Promise<void> {}
}

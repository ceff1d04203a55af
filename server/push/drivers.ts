import { ChatSendError, type ChatGateway } from '../ports/chat-gateway.port.js';
import { MailSendError, type MailTransport } from '../ports/mail-transport.port.js';
import type { Store } from '../ports/store.port.js';
import type { Composed } from './composer.js';
import { SendFailure, type ChannelDriver, type SendResult } from './dispatcher.js';
import { jitteredInterval } from './rate.js';
import { shanghaiMidnight } from './schedule.js';

export class EmailDriver implements ChannelDriver {
  readonly channel = 'email' as const;
  readonly dryRun = false;

  constructor(private readonly deps: { transport: MailTransport; from: string }) {}

  account(): string {
    return this.deps.transport.account;
  }

  async blockedReason(): Promise<string | null> {
    return null;
  }

  async send(item: Composed): Promise<SendResult> {
    if (!item.email) throw new SendFailure('render_failed', '缺少邮件内容', { permanent: true });
    const byAddress = new Map(item.recipients.map((c) => [c.address, c.id]));
    try {
      const result = await this.deps.transport.send({
        from: this.deps.from,
        to: item.recipients.map((c) => c.address),
        subject: item.email.subject,
        text: item.email.text,
        html: item.email.html,
        headers: item.email.headers,
        messageId: item.email.messageId,
      });
      return { response: result.response, invalidContactIds: result.rejectedPermanently.map((a) => byAddress.get(a.toLowerCase()) ?? '').filter(Boolean) };
    } catch (error) {
      if (error instanceof MailSendError) {
        throw new SendFailure(error.errorClass, error.response, {
          permanent: error.permanent,
          invalidContactIds: error.rejectedPermanently.map((a) => byAddress.get(a.toLowerCase()) ?? '').filter(Boolean),
        });
      }
      throw error;
    }
  }

  async pace(): Promise<void> {}

  async close(): Promise<void> {
    this.deps.transport.close();
  }
}

export interface WechatLimits {
  intervalMs: number;
  jitterMs: number;
  dailyBudget: number;
  killSwitch: boolean;
  dryRun: boolean;
}

/**
 * WeChat accounts get banned for flooding: about one message a second with jitter, a daily budget
 * per account, a kill switch, and no sending at all while the bot is logged out.
 */
export class WechatDriver implements ChannelDriver {
  readonly channel = 'wechat' as const;

  constructor(private readonly deps: { gateway: ChatGateway; store: Store; limits: WechatLimits; now: () => Date }) {}

  get dryRun(): boolean {
    return this.deps.limits.dryRun;
  }

  account(): string {
    return this.deps.gateway.status().account ?? 'wechat';
  }

  async blockedReason(): Promise<string | null> {
    const { limits, gateway } = this.deps;
    if (limits.killSwitch) return '已启用紧急停止（WECHAT_KILL_SWITCH=1）';
    if (!limits.dryRun && !gateway.loggedIn) {
      const status = gateway.status();
      return `微信机器人未登录（${status.state}${status.detail ? `：${status.detail}` : ''}）`;
    }
    const sentToday = await this.deps.store.deliveryLog.countSent({ channel: 'wechat', account: this.account(), since: shanghaiMidnight(this.deps.now()).toISOString() });
    if (sentToday >= limits.dailyBudget) return `已达到今日发送上限（${limits.dailyBudget} 条），明天继续`;
    return null;
  }

  async send(item: Composed): Promise<SendResult> {
    if (!item.wechat) throw new SendFailure('render_failed', '缺少微信消息内容', { permanent: true });
    const responses: string[] = [];
    const notFound: string[] = [];
    let index = 0;
    for (const target of item.wechat.targets) {
      if (index > 0) await this.pace();
      index += 1;
      try {
        responses.push((await this.deps.gateway.send({ target, text: item.wechat.text })).response);
      } catch (error) {
        if (!(error instanceof ChatSendError)) throw error;
        if (error.errorClass === 'logged_out') throw new SendFailure('logged_out', error.message, { permanent: false, pauseLane: true });
        if (error.errorClass === 'recipient_not_found') notFound.push(error.message);
        else throw new SendFailure(error.errorClass, error.message, { permanent: error.permanent });
      }
    }
    if (responses.length === 0) throw new SendFailure('recipient_not_found', notFound.join('；'), { permanent: true });
    return { response: [...responses, ...notFound].join('；'), invalidContactIds: [] };
  }

  pace(): Promise<void> {
    const ms = jitteredInterval({ intervalMs: this.deps.limits.intervalMs, jitterMs: this.deps.limits.jitterMs });
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async close(): Promise<void> {}
}

import type { Contact } from '../../../schemas/subscriber.schema.js';
import { PlatformUnreachableError, type PlatformAnswer } from '../../ports/official-account.port.js';
import type { GroupRobotApi } from '../../ports/group-robot.port.js';
import type { Store } from '../../ports/store.port.js';
import type { Composed } from '../composer.js';
import { SendFailure, type ChannelDriver, type SendResult } from '../dispatcher.js';
import type { Notice } from './notice.js';
import { robotMarkdown } from './robot-markdown.js';
import { SlidingWindowLimit } from './robot-rate.js';

/** The webhook's key was deleted or never existed. */
const WEBHOOK_INVALID = 93000;
/** The robot sent more than the platform allows (20 a minute). */
const RATE_LIMITED = 45009;

/**
 * WeCom group robots of park groups: markdown under 4096 bytes, at most `perMinute` messages a
 * minute per robot (a robot waits; the others go on), an invalid webhook marked on the robot and
 * its contact so the park sees it and nothing more is queued for it.
 */
export class GroupRobotDriver implements ChannelDriver {
  readonly channel = 'wecom_robot' as const;
  readonly dryRun = false;
  private readonly limits = new Map<string, SlidingWindowLimit>();

  constructor(private readonly deps: { api: GroupRobotApi; store: Store; now: () => Date; perMinute: number; backoffMs: number; baseUrl: string; windowMs?: number }) {}

  account(): string {
    return 'wecom_robot';
  }

  async blockedReason(): Promise<string | null> {
    return null;
  }

  limitOf(contactId: string): SlidingWindowLimit {
    let limit = this.limits.get(contactId);
    if (!limit) {
      limit = new SlidingWindowLimit({ limit: this.deps.perMinute, windowMs: this.deps.windowMs ?? 60_000 });
      this.limits.set(contactId, limit);
    }
    return limit;
  }

  async send(item: Composed): Promise<SendResult> {
    if (!item.notice) throw new SendFailure('render_failed', '缺少群消息内容', { permanent: true });
    return this.deliver({ notice: item.notice, recipients: item.recipients });
  }

  async deliver({ notice, recipients }: { notice: Notice; recipients: readonly Contact[] }): Promise<SendResult> {
    const content = robotMarkdown({ notice, moreUrl: `${this.deps.baseUrl}/account/feed` });
    const sent: string[] = [];
    const invalid: { id: string; note: string }[] = [];
    for (const contact of recipients) {
      const robot = await this.deps.store.wechatChannels.getRobot(contact.id);
      if (!robot || robot.status === 'invalid') {
        invalid.push({ id: contact.id, note: `${contact.address}：${robot ? 'Webhook 已标记为无效' : '没有配置群机器人'}` });
        continue;
      }
      const limit = this.limitOf(contact.id);
      await limit.take();
      const answer = await this.post({ key: robot.webhookKey, content });
      const at = this.deps.now().toISOString();
      if (answer.errcode === 0) {
        if (robot.status !== 'ok' || robot.lastError !== null) await this.deps.store.wechatChannels.markRobot({ contactId: contact.id, status: 'ok', error: null, at });
        sent.push(`${robot.groupName}：已发送到群`);
        continue;
      }
      const detail = `${answer.errcode}：${answer.errmsg}`;
      if (answer.errcode === WEBHOOK_INVALID) {
        await this.deps.store.wechatChannels.markRobot({ contactId: contact.id, status: 'invalid', error: `Webhook 无效（${detail}）`, at });
        invalid.push({ id: contact.id, note: `${robot.groupName}：Webhook 无效（${detail}），已标记并停止向该群发送` });
        continue;
      }
      const invalidContactIds = invalid.map((i) => i.id);
      if (answer.errcode === RATE_LIMITED) {
        limit.hold(this.deps.backoffMs);
        throw new SendFailure('rate_limited', `${robot.groupName}：群机器人发送过快（${detail}），${Math.ceil(this.deps.backoffMs / 1000)} 秒后重试`, { permanent: false, retryAfterMs: this.deps.backoffMs, invalidContactIds });
      }
      await this.deps.store.wechatChannels.markRobot({ contactId: contact.id, status: robot.status, error: detail, at });
      throw new SendFailure('provider_error', `${robot.groupName}：企业微信返回错误（${detail}）`, { permanent: false, invalidContactIds });
    }
    const invalidContactIds = invalid.map((i) => i.id);
    if (sent.length === 0) throw new SendFailure('webhook_invalid', invalid.map((i) => i.note).join('；') || '没有可用的群机器人', { permanent: true, invalidContactIds });
    return { response: [...sent, ...invalid.map((i) => i.note)].join('；'), invalidContactIds };
  }

  private async post({ key, content }: { key: string; content: string }): Promise<PlatformAnswer> {
    try {
      return await this.deps.api.send({ key, message: { msgtype: 'markdown', markdown: { content } } });
    } catch (error) {
      if (error instanceof PlatformUnreachableError) throw new SendFailure('connection', error.message, { permanent: false });
      throw error;
    }
  }

  async pace(): Promise<void> {}

  async close(): Promise<void> {}
}

import crypto from 'node:crypto';
import type { Contact, Subscriber } from '../../../schemas/subscriber.schema.js';
import {
  ROBOT_STATUS_LABELS,
  type ChannelTestResult,
  type OfficialAccountBody,
  type OfficialAccountView,
  type WecomRobot,
  type WecomRobotBody,
  type WecomRobotView,
} from '../../../schemas/wechat-channels.schema.js';
import { invalid, notFound } from '../../errors.js';
import type { GroupRobotApi } from '../../ports/group-robot.port.js';
import { PlatformUnreachableError, type OfficialAccountApi } from '../../ports/official-account.port.js';
import type { Store } from '../../ports/store.port.js';
import type { Signer } from '../../security/signer.js';
import type { Actor } from '../../services/actor.js';
import { newAuditEntry } from '../../services/audit.service.js';
import { SendFailure, workerId } from '../dispatcher.js';
import { AccessTokenCache } from './access-token.service.js';
import { GroupRobotDriver } from './group-robot.driver.js';
import type { Notice } from './notice.js';
import { OfficialAccountDriver } from './official-account.driver.js';

const BIND_PURPOSE = 'wechat-oa-bind';
const STATE_PURPOSE = 'wechat-oa-state';
/** The link an enterprise opens in WeChat is good for a week; the authorisation round trip for ten minutes. */
const BIND_LINK_SECONDS = 7 * 86_400;
const STATE_SECONDS = 10 * 60;

function hint(secret: string): string {
  return secret.length <= 4 ? '****' : `****${secret.slice(-4)}`;
}

export interface WechatChannelSettings {
  baseUrl: string;
  officialBackoffMs: number;
  robotPerMinute: number;
  robotWindowMs: number;
  robotBackoffMs: number;
}

/**
 * Administration of the official WeChat channels (the office's 服务号, park group robots), the
 * binding of an enterprise contact's openid, and the "发送测试消息" button, which sends through the
 * same drivers as the dispatcher. Secrets are stored, never shown back: views carry a hint.
 */
export class WechatChannelService {
  private readonly tokens: AccessTokenCache;
  private readonly official: OfficialAccountDriver;
  private readonly robots: GroupRobotDriver;

  constructor(
    private readonly deps: { store: Store; signer: Signer; officialApi: OfficialAccountApi; robotApi: GroupRobotApi; settings: WechatChannelSettings; now: () => Date },
  ) {
    this.tokens = new AccessTokenCache({ store: deps.store, api: deps.officialApi, owner: workerId(), now: deps.now });
    this.official = new OfficialAccountDriver({ api: deps.officialApi, store: deps.store, tokens: this.tokens, backoffMs: deps.settings.officialBackoffMs, now: deps.now });
    this.robots = new GroupRobotDriver({
      api: deps.robotApi,
      store: deps.store,
      now: deps.now,
      perMinute: deps.settings.robotPerMinute,
      windowMs: deps.settings.robotWindowMs,
      backoffMs: deps.settings.robotBackoffMs,
      baseUrl: deps.settings.baseUrl,
    });
  }

  private at(): string {
    return this.deps.now().toISOString();
  }

  async officialAccount(): Promise<OfficialAccountView | null> {
    const stored = await this.deps.store.wechatChannels.getOfficialAccount();
    if (!stored) return null;
    const { appSecret, ...rest } = stored;
    return { ...rest, secretHint: hint(appSecret) };
  }

  async saveOfficialAccount({ actor, body }: { actor: Actor; body: OfficialAccountBody }): Promise<OfficialAccountView> {
    const stored = await this.deps.store.wechatChannels.getOfficialAccount();
    // An empty secret keeps the stored one, so the form never has to show it; a new AppID needs its own.
    const appSecret = body.appSecret || (stored && stored.appId === body.appId ? stored.appSecret : '');
    if (appSecret.length < 16) throw invalid({ code: 'app_secret_required', message: '请填写该 AppID 的 AppSecret（32 位字母数字）', details: { field: 'appSecret' } });
    const settings = { appId: body.appId, appSecret, templateId: body.templateId, fields: body.fields, updatedBy: actor.id, updatedAt: this.at() };
    await this.deps.store.wechatChannels.saveOfficialAccount(settings);
    await this.deps.store.audit.append(
      newAuditEntry({ at: this.at(), actor, action: 'push.channel.configure', targetType: 'push_channel', targetId: 'wechat_oa', digest: null, details: { appId: body.appId, templateId: body.templateId, secretChanged: body.appSecret !== '' } }),
    );
    const { appSecret: _secret, ...rest } = settings;
    return { ...rest, secretHint: hint(appSecret) };
  }

  async robotViews({ parkId }: { parkId?: string }): Promise<(WecomRobotView & { statusLabel: string })[]> {
    const robots = await this.deps.store.wechatChannels.listRobots(parkId === undefined ? {} : { parkId });
    return robots.map(({ webhookKey, ...rest }) => ({ ...rest, keyHint: hint(webhookKey), statusLabel: ROBOT_STATUS_LABELS[rest.status] }));
  }

  /** Parks an administrator can give a robot to. */
  async parks(): Promise<Subscriber[]> {
    return (await this.deps.store.subscribers.list({ kind: 'park', limit: 500, offset: 0 })).items;
  }

  /**
   * Gives a park group its robot: the park's `wecom_robot` contact for the group (created, or made
   * usable again after an invalid webhook) and the webhook behind it.
   */
  async saveRobot({ actor, body }: { actor: Actor; body: WecomRobotBody }): Promise<WecomRobotView> {
    const park = await this.deps.store.subscribers.get(body.parkId);
    if (!park || park.kind !== 'park') throw notFound({ code: 'park_not_found', message: '园区不存在' });
    let contact = park.contacts.find((c) => c.channel === 'wecom_robot' && c.address === body.groupName);
    if (!contact) {
      contact = { id: `c_${crypto.randomBytes(8).toString('hex')}`, channel: 'wecom_robot', address: body.groupName, label: '企业微信群机器人', confirmedAt: this.at(), invalidAt: null };
      await this.deps.store.subscribers.update({ subscriber: { ...park, contacts: [...park.contacts, contact], updatedAt: this.at(), revision: park.revision + 1 }, expectedRevision: park.revision });
    } else if (contact.invalidAt) {
      await this.deps.store.subscribers.setContactState({ contactId: contact.id, invalidAt: null, at: this.at() });
    }
    const robot: WecomRobot = {
      contactId: contact.id,
      parkId: park.id,
      groupName: body.groupName,
      webhookKey: body.webhook,
      status: 'unchecked',
      lastError: null,
      lastCheckedAt: null,
      updatedBy: actor.id,
      updatedAt: this.at(),
    };
    await this.deps.store.wechatChannels.saveRobot(robot);
    await this.deps.store.audit.append(
      newAuditEntry({ at: this.at(), actor, action: 'push.channel.configure', targetType: 'push_channel', targetId: 'wecom_robot', digest: null, details: { parkId: park.id, groupName: body.groupName } }),
    );
    const { webhookKey, ...rest } = robot;
    return { ...rest, keyHint: hint(webhookKey) };
  }

  private testNotice(): Notice {
    return {
      kind: 'test',
      title: '政策推送平台测试消息',
      issuer: '政策推送平台',
      docNumber: null,
      at: this.at(),
      url: `${this.deps.settings.baseUrl}/`,
      reasons: ['管理员在“微信渠道”页面点击了“发送测试消息”'],
      daysLeft: null,
      items: [],
      unsubscribeUrl: null,
    };
  }

  private async outcome(send: () => Promise<{ response: string }>): Promise<ChannelTestResult> {
    try {
      return { ok: true, message: `发送成功：${(await send()).response}` };
    } catch (error) {
      if (error instanceof SendFailure || error instanceof PlatformUnreachableError) return { ok: false, message: `发送失败：${error.message}` };
      throw error;
    }
  }

  /** A test notice to one openid through the real 服务号 driver; a refused openid is only reported. */
  async testOfficialAccount({ openid }: { openid: string }): Promise<ChannelTestResult> {
    if (!(await this.deps.store.wechatChannels.getOfficialAccount())) return { ok: false, message: '请先保存服务号配置' };
    const contact: Contact = { id: 'test', channel: 'wechat_oa', address: openid, label: null, confirmedAt: this.at(), invalidAt: null };
    return this.outcome(() => this.official.deliver({ notice: this.testNotice(), recipients: [contact] }));
  }

  /** A test message to the park group through the real robot driver; the robot's status follows the answer. */
  async testRobot({ contactId }: { contactId: string }): Promise<ChannelTestResult> {
    const robot = await this.deps.store.wechatChannels.getRobot(contactId);
    if (!robot) throw notFound({ code: 'robot_not_found', message: '群机器人不存在' });
    // A test is how an administrator checks a webhook they just fixed: try it even if marked invalid.
    if (robot.status === 'invalid') await this.deps.store.wechatChannels.markRobot({ contactId, status: 'unchecked', error: robot.lastError, at: this.at() });
    const contact: Contact = { id: contactId, channel: 'wecom_robot', address: robot.groupName, label: null, confirmedAt: this.at(), invalidAt: null };
    const result = await this.outcome(() => this.robots.deliver({ notice: this.testNotice(), recipients: [contact] }));
    if (result.ok) await this.deps.store.subscribers.setContactState({ contactId, invalidAt: null, at: this.at() });
    else if ((await this.deps.store.wechatChannels.getRobot(contactId))?.status === 'invalid') await this.deps.store.subscribers.setContactState({ contactId, invalidAt: this.at(), at: this.at() });
    return result;
  }

  /** The link an enterprise opens inside WeChat to bind the follower's openid to its account. */
  bindLink({ subscriberId }: { subscriberId: string }): string {
    const expires = Math.floor(this.deps.now().getTime() / 1000) + BIND_LINK_SECONDS;
    const token = this.deps.signer.sign({ purpose: BIND_PURPOSE, value: `${subscriberId}~${expires}` });
    return `${this.deps.settings.baseUrl}/account/wechat/bind?t=${encodeURIComponent(token)}`;
  }

  private verify({ purpose, token }: { purpose: string; token: string }): string {
    const value = this.deps.signer.verify({ purpose, token });
    const [subscriberId, expires] = value?.split('~') ?? [];
    if (!subscriberId || !expires || Number(expires) * 1000 < this.deps.now().getTime()) {
      throw invalid({ code: 'wechat_bind_link_invalid', message: '绑定链接无效或已过期，请在账号的“服务号通知”页面重新获取' });
    }
    return subscriberId;
  }

  /** Step 1: the bind link opened in WeChat sends the follower to the platform's authorisation. */
  async authorizeRedirect({ token }: { token: string }): Promise<string> {
    const subscriberId = this.verify({ purpose: BIND_PURPOSE, token });
    const settings = await this.deps.store.wechatChannels.getOfficialAccount();
    if (!settings) throw invalid({ code: 'wechat_oa_not_configured', message: '本机关尚未配置服务号，暂不能绑定' });
    const expires = Math.floor(this.deps.now().getTime() / 1000) + STATE_SECONDS;
    const state = this.deps.signer.sign({ purpose: STATE_PURPOSE, value: `${subscriberId}~${expires}` });
    return this.deps.officialApi.authorizeUrl({ appId: settings.appId, redirectUri: `${this.deps.settings.baseUrl}/account/wechat/callback`, state });
  }

  /** Step 2: the platform returns with a code; its openid becomes the enterprise's 服务号 contact. */
  async completeBinding({ code, state }: { code: string; state: string }): Promise<{ subscriber: Subscriber; contact: Contact }> {
    const subscriberId = this.verify({ purpose: STATE_PURPOSE, token: state });
    const settings = await this.deps.store.wechatChannels.getOfficialAccount();
    if (!settings) throw invalid({ code: 'wechat_oa_not_configured', message: '本机关尚未配置服务号，暂不能绑定' });
    let answer;
    try {
      answer = await this.deps.officialApi.exchangeCode({ appId: settings.appId, secret: settings.appSecret, code });
    } catch (error) {
      if (error instanceof PlatformUnreachableError) throw invalid({ code: 'wechat_oa_unreachable', message: '暂时无法连接微信，请稍后在微信中重新打开绑定链接' });
      throw error;
    }
    if (!answer.ok) throw invalid({ code: 'wechat_oa_code_invalid', message: `微信授权未完成（${answer.errcode}），请在微信中重新打开绑定链接` });
    const subscriber = await this.deps.store.subscribers.get(subscriberId);
    if (!subscriber) throw notFound({ code: 'subscriber_not_found', message: '账号不存在' });
    const existing = subscriber.contacts.find((c) => c.channel === 'wechat_oa' && c.address === answer.openid);
    if (existing) {
      // Binding again is how a follower who had refused notices opts back in.
      const contact = (await this.deps.store.subscribers.setContactState({ contactId: existing.id, confirmedAt: this.at(), invalidAt: null, at: this.at() })) ?? existing;
      return { subscriber, contact };
    }
    const contact: Contact = { id: `c_${crypto.randomBytes(8).toString('hex')}`, channel: 'wechat_oa', address: answer.openid, label: '服务号通知', confirmedAt: this.at(), invalidAt: null };
    const updated = { ...subscriber, contacts: [...subscriber.contacts, contact], updatedAt: this.at(), revision: subscriber.revision + 1 };
    await this.deps.store.subscribers.update({ subscriber: updated, expectedRevision: subscriber.revision });
    return { subscriber: updated, contact };
  }
}

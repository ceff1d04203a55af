import type { ClaimedWork, Delivery, ErrorClass, PushMessage, WorkRef } from '../../schemas/delivery.schema.js';
import type { PolicyRecord } from '../../schemas/policy.schema.js';
import type { Channel, Contact, Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import type { Store } from '../ports/store.port.js';
import type { SubscriberService } from '../services/subscriber.service.js';
import { isLiveSubscription, liveExplanation, liveLines } from '../subscribers/live-subscription.js';
import { reachableContacts } from '../subscribers/reachable-contact.js';
import type { PolicyView, PushContent } from './content.js';
import { renderConfirmationEmail, renderDigestEmail, renderPolicyEmail, renderReminderEmail, type FooterLinks, type RenderedEmail } from './email/email-templates.js';
import { OFFICIAL_CALENDAR, type WorkingDayCalendar } from '../calendar/working-day-calendar.js';
import { groupDigestItems } from './digest-groups.js';
import { daysBetween, shanghaiDate } from './schedule.js';
import type { UnsubscribeService, UnsubscribeTarget } from './unsubscribe.service.js';
import { renderDigestWechat, renderPolicyWechat, renderReminderWechat } from './wechat/wechat-templates.js';
import type { PushTrackingService } from './tracking/push-tracking.service.js';
import { digestNotice, policyNotice, reminderNotice, type Notice } from './official/notice.js';
import { renderConsultationEmail, renderConsultationWechat } from '../open-government/consultations/consultation-notice.templates.js';
import { CONSULTATION_NOTICES_DEFAULT } from '../open-government/consultations/consultation.service.js';

export interface WechatTarget {
  type: 'contact' | 'room';
  name: string;
}

/** Claimed work turned into what a channel sends, or the reason it must not be sent. */
export interface Composed {
  work: ClaimedWork;
  ref: WorkRef;
  channel: Channel;
  attempt: number;
  skip: { errorClass: ErrorClass; reason: string } | null;
  /** Deliveries a digest no longer carries (their subscriptions ended): settled as skipped. */
  excludedDeliveryIds: number[];
  /** Publication time of the policy, for the publish-to-sent metric (single pushes only). */
  publishedAt: string | null;
  recipients: Contact[];
  email: (RenderedEmail & { headers: Record<string, string>; messageId: string }) | null;
  wechat: { targets: WechatTarget[]; text: string } | null;
  /** The facts of the message for the official WeChat channels, which lay them out themselves. */
  notice?: Notice | null;
}

export function refOf(work: ClaimedWork): WorkRef {
  return work.source === 'delivery' ? { source: 'delivery', id: work.delivery.id } : { source: 'message', id: work.message.id };
}

function attemptOf(work: ClaimedWork): number {
  return work.source === 'delivery' ? work.delivery.attempts : work.message.attempts;
}

interface BatchContext {
  subscribers: Map<string, Subscriber>;
  subscriptions: Map<string, Subscription>;
  /** Subscription ids whose line is still live (themselves, or replaced by a live successor). */
  live: Set<string>;
  /** Subscription names for the reasons ("您的订阅“…”匹配"). */
  names: Map<string, string>;
  policies: Map<string, PolicyRecord | null>;
  today: string;
}

/**
 * Turns claimed outbox work into rendered messages. Everything a batch needs is loaded once per
 * batch (subscribers, their subscriptions, policies); versions come from the content cache.
 */
export class Composer {
  private readonly messageIdDomain: string;

  constructor(
    private readonly deps: {
      store: Store;
      content: PushContent;
      unsubscribe: UnsubscribeService;
      subscribers: SubscriberService;
      mailFrom: string;
      now: () => Date;
      tracking: PushTrackingService;
      /** Working days left in a reminder; the official calendar unless the office's own is given. */
      calendar?: () => Promise<WorkingDayCalendar>;
    },
  ) {
    this.messageIdDomain = /@([^>\s]+)/.exec(deps.mailFrom)?.[1] ?? 'policy-push.local';
  }

  async compose(batch: ClaimedWork[]): Promise<Composed[]> {
    const context = await this.context(batch);
    const out: Composed[] = [];
    for (const work of batch) {
      try {
        out.push(await this.composeOne({ work, context }));
      } catch (error) {
        out.push(this.skipped({ work, errorClass: 'render_failed', reason: `消息生成失败：${error instanceof Error ? error.message : String(error)}` }));
      }
    }
    return out;
  }

  private async context(batch: ClaimedWork[]): Promise<BatchContext> {
    const subscriberIds = [...new Set(batch.map((w) => (w.source === 'delivery' ? w.delivery.subscriberId : w.message.subscriberId)))];
    const subscribers = new Map((await this.deps.store.subscribers.getMany(subscriberIds)).map((s) => [s.id, s]));
    const parkMembers = batch.flatMap((w) => (w.source === 'message' && w.message.payload.kind === 'digest' ? w.message.payload.parkItems.flatMap((i) => i.memberIds) : []));
    const missingMembers = [...new Set(parkMembers)].filter((id) => !subscribers.has(id));
    for (const member of await this.deps.store.subscribers.getMany(missingMembers)) subscribers.set(member.id, member);
    const all = await this.deps.store.subscriptions.listBySubscribers({ subscriberIds, includeEnded: true });
    const subscriptions = new Map(all.map((s) => [s.id, s]));
    const live = liveLines(all);
    const policyIds = [
      ...new Set(
        batch.flatMap((w) => (w.source === 'delivery' ? [w.delivery.policyId] : w.message.policyId ? [w.message.policyId] : [])),
      ),
    ];
    const policies = new Map<string, PolicyRecord | null>();
    for (const id of policyIds) policies.set(id, await this.deps.store.policies.get(id));
    const names = new Map(all.map((s) => [s.id, s.name]));
    return { subscribers, subscriptions, live, names, policies, today: shanghaiDate(this.deps.now()) };
  }

  private isLive({ id, context }: { id: string; context: BatchContext }): boolean {
    const subscription = context.subscriptions.get(id);
    return subscription !== undefined && isLiveSubscription(subscription);
  }

  private skipped({ work, errorClass, reason, excluded = [] }: { work: ClaimedWork; errorClass: ErrorClass; reason: string; excluded?: number[] }): Composed {
    return {
      work,
      ref: refOf(work),
      channel: work.source === 'delivery' ? work.delivery.channel : work.message.channel,
      attempt: attemptOf(work),
      skip: { errorClass, reason },
      excludedDeliveryIds: excluded,
      publishedAt: null,
      recipients: [],
      email: null,
      wechat: null,
    };
  }

  /** The policy link through the signed redirect that records the first open of this push. */
  private trackedLink({ view, ref }: { view: PolicyView; ref: WorkRef }): PolicyView {
    return { ...view, url: this.deps.tracking.trackedLink({ ref, url: view.url }) };
  }

  /** WeChat text has no footer: the 与我无关 link is its last line. */
  private withIrrelevantLine({ text, ref }: { text: string; ref: WorkRef }): string {
    return `${text}\n与我无关：${this.deps.tracking.irrelevantLink({ ref })}`;
  }

  private footer({ subscriber, listTarget, listLabel, origin, feedSubscriptionId }: { subscriber: Subscriber; listTarget: UnsubscribeTarget; listLabel: string; origin: WorkRef; feedSubscriptionId: string | null }): FooterLinks {
    return {
      preferencesUrl: this.deps.tracking.trackedLink({ ref: origin, url: this.deps.content.preferencesUrl() }),
      feedUrl: feedSubscriptionId ? this.deps.content.feedUrl(feedSubscriptionId) : null,
      unsubscribeUrl: this.deps.unsubscribe.url({ target: listTarget, origin }),
      unsubscribeLabel: listLabel,
      unsubscribeAllUrl: this.deps.unsubscribe.url({ target: { scope: 'all', subscriberId: subscriber.id }, origin }),
      irrelevantUrl: this.deps.tracking.irrelevantLink({ ref: origin }),
      privacyUrl: this.deps.tracking.privacyUrl(),
    };
  }

  private emailParts({ rendered, footer, ref, oneClick }: { rendered: RenderedEmail; footer: FooterLinks | null; ref: WorkRef; oneClick: boolean }) {
    const headers: Record<string, string> = { 'X-Policy-Push-Ref': `${ref.source}:${ref.id}` };
    if (footer && oneClick) {
      headers['List-Unsubscribe'] = `<${footer.unsubscribeUrl}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    // The same id on every attempt lets a receiving system drop a copy resent after a crash.
    return { ...rendered, headers, messageId: `<${ref.source}-${ref.id}@${this.messageIdDomain}>` };
  }

  private async composeOne({ work, context }: { work: ClaimedWork; context: BatchContext }): Promise<Composed> {
    const ref = refOf(work);
    const subscriberId = work.source === 'delivery' ? work.delivery.subscriberId : work.message.subscriberId;
    const subscriber = context.subscribers.get(subscriberId);
    if (!subscriber) return this.skipped({ work, errorClass: 'no_contact', reason: '订阅用户已不存在' });
    if (work.source === 'message' && work.message.kind === 'confirmation') return this.confirmation({ work, message: work.message, subscriber });
    const channel = work.source === 'delivery' ? work.delivery.channel : work.message.channel;
    const recipients = reachableContacts({ contacts: subscriber.contacts, channel });
    if (recipients.length === 0) return this.skipped({ work, errorClass: 'no_contact', reason: channel === 'email' ? '没有已确认且有效的邮箱' : '没有可用的微信联系人或群' });
    const base = { work, ref, channel, attempt: attemptOf(work), skip: null, excludedDeliveryIds: [] as number[], recipients, publishedAt: null as string | null };
    const wechatTargets = recipients.map((c) => ({ type: subscriber.kind === 'park' ? ('room' as const) : ('contact' as const), name: c.address }));

    if (work.source === 'delivery') {
      const delivery = work.delivery;
      const policy = context.policies.get(delivery.policyId) ?? null;
      if (!policy || policy.currentVersion !== delivery.version) return this.skipped({ work, errorClass: 'superseded', reason: '该政策已有更新的版本或已不存在' });
      if (policy.validity !== 'effective') return this.skipped({ work, errorClass: 'superseded', reason: '该政策已不再有效' });
      const liveIds = delivery.subscriptionIds.filter((id) => context.live.has(id));
      if (liveIds.length === 0) return this.skipped({ work, errorClass: 'unsubscribed', reason: '相关订阅已取消' });
      const stored = await this.deps.content.policy({ policyId: delivery.policyId, version: delivery.version });
      if (!stored) return this.skipped({ work, errorClass: 'superseded', reason: '版本不存在' });
      const view = this.trackedLink({ view: stored, ref });
      const reasons = this.deps.content.reasons({ explanation: liveExplanation({ explanation: delivery.explanation, live: context.live }), subscriptionNames: context.names, viewer: { kind: 'subscriber' } });
      const primary = liveIds.find((id) => this.isLive({ id, context })) ?? liveIds[0] ?? '';
      const primaryName = context.subscriptions.get(primary)?.name ?? '订阅';
      const listTarget: UnsubscribeTarget = { scope: 'subscription', subscriptionId: primary };
      if (channel === 'email') {
        const footer = this.footer({ subscriber, listTarget, listLabel: `退订“${primaryName}”`, origin: ref, feedSubscriptionId: primary });
        return { ...base, publishedAt: view.publishedAt, email: this.emailParts({ rendered: renderPolicyEmail({ recipientName: subscriber.name, view, reasons, footer }), footer, ref, oneClick: true }), wechat: null };
      }
      const unsubscribeUrl = this.deps.unsubscribe.url({ target: listTarget, origin: ref });
      const text = this.withIrrelevantLine({ text: renderPolicyWechat({ view, reasons, unsubscribeUrl }), ref });
      return { ...base, publishedAt: view.publishedAt, email: null, wechat: { targets: wechatTargets, text }, notice: policyNotice({ view, reasons, unsubscribeUrl }) };
    }

    const message = work.message;
    if (message.payload.kind === 'reminder') {
      const payload = message.payload;
      if (!(await this.deps.store.pushSettings.getPreferences(subscriber.id)).deadlineReminders) {
        return this.skipped({ work, errorClass: 'unsubscribed', reason: '已关闭申报截止提醒' });
      }
      if (!payload.subscriptionIds.some((id) => context.live.has(id))) return this.skipped({ work, errorClass: 'unsubscribed', reason: '相关订阅已取消' });
      const stored = message.policyId && message.version ? await this.deps.content.policy({ policyId: message.policyId, version: message.version }) : null;
      if (!stored) return this.skipped({ work, errorClass: 'superseded', reason: '版本不存在' });
      const view = this.trackedLink({ view: stored, ref });
      const daysLeft = daysBetween({ from: context.today, to: payload.closesAt });
      if (daysLeft < 0) return this.skipped({ work, errorClass: 'window_closed', reason: '申报已截止' });
      const workingDaysLeft = (this.deps.calendar ? await this.deps.calendar() : OFFICIAL_CALENDAR).workingDaysLeft({ dueDate: payload.closesAt, now: this.deps.now() });
      const listTarget: UnsubscribeTarget = { scope: 'reminders', subscriberId: subscriber.id };
      if (channel === 'email') {
        const footer = this.footer({ subscriber, listTarget, listLabel: '不再接收截止提醒', origin: ref, feedSubscriptionId: null });
        return { ...base, email: this.emailParts({ rendered: renderReminderEmail({ recipientName: subscriber.name, view, daysLeft, workingDaysLeft, footer }), footer, ref, oneClick: true }), wechat: null };
      }
      const unsubscribeUrl = this.deps.unsubscribe.url({ target: listTarget, origin: ref });
      const text = renderReminderWechat({ view, daysLeft, workingDaysLeft, unsubscribeUrl });
      return { ...base, email: null, wechat: { targets: wechatTargets, text: this.withIrrelevantLine({ text, ref }) }, notice: reminderNotice({ view, daysLeft, unsubscribeUrl }) };
    }

    if (message.payload.kind === 'digest') {
      const payload = message.payload;
      const carried = await this.deps.store.digests.listByMessage(message.id);
      const kept: Delivery[] = [];
      const excluded: number[] = [];
      for (const d of carried) {
        const policy = context.policies.get(d.policyId) ?? (await this.deps.store.policies.get(d.policyId));
        context.policies.set(d.policyId, policy);
        const current = policy !== null && policy.currentVersion === d.version && policy.validity === 'effective';
        if (current && d.subscriptionIds.some((id) => context.live.has(id))) kept.push(d);
        else excluded.push(d.id);
      }
      const names = context.names;
      const carriedViews: { view: PolicyView; explanation: Delivery['explanation'] }[] = [];
      for (const d of kept) {
        const view = await this.deps.content.policy({ policyId: d.policyId, version: d.version });
        // Each policy of a digest names its own delivery, so an open counts for that policy.
        if (view) carriedViews.push({ view: this.trackedLink({ view, ref: { source: 'delivery', id: d.id } }), explanation: liveExplanation({ explanation: d.explanation, live: context.live }) });
      }
      const groups = groupDigestItems({
        items: carriedViews,
        subscriptionNames: names,
        describe: (explanation) => this.deps.content.reasons({ explanation, subscriptionNames: names, viewer: { kind: 'subscriber' } }),
      });
      const items = groups.flatMap((g) => g.items);
      const parkItems: { view: PolicyView; memberNames: string[] }[] = [];
      for (const item of payload.parkItems) {
        const view = await this.deps.content.policy({ policyId: item.policyId, version: item.version });
        if (view) parkItems.push({ view: this.trackedLink({ view, ref }), memberNames: item.memberIds.map((id) => context.subscribers.get(id)?.name ?? id) });
      }
      if (items.length === 0 && parkItems.length === 0) return this.skipped({ work, errorClass: 'unsubscribed', reason: '汇总中的订阅均已取消', excluded });
      const periodLabel = payload.frequency === 'weekly' ? '每周汇总' : '每日汇总';
      const listTarget: UnsubscribeTarget = { scope: 'frequency', subscriberId: subscriber.id, frequency: payload.frequency };
      const date = payload.runKey.split(':')[1] ?? '';
      if (channel === 'email') {
        const footer = this.footer({ subscriber, listTarget, listLabel: `退订${periodLabel}`, origin: ref, feedSubscriptionId: null });
        const rendered = renderDigestEmail({ recipientName: subscriber.name, periodLabel, groups, footer });
        return { ...base, excludedDeliveryIds: excluded, email: this.emailParts({ rendered, footer, ref, oneClick: true }), wechat: null };
      }
      const title = subscriber.kind === 'park' ? `园区政策速递 · ${subscriber.name} · ${date}` : `政策${periodLabel} · ${date}`;
      const unsubscribeUrl = items.length > 0 ? this.deps.unsubscribe.url({ target: listTarget, origin: ref }) : null;
      const notice = digestNotice({ title, at: this.deps.now().toISOString(), url: this.deps.content.preferencesUrl(), items: groups.flatMap((g) => g.items.map((item) => ({ view: item.view, reasons: [...g.reasons, ...item.notes] }))), parkItems, unsubscribeUrl });
      return { ...base, excludedDeliveryIds: excluded, email: null, wechat: { targets: wechatTargets, text: this.withIrrelevantLine({ text: renderDigestWechat({ title, groups, parkItems, unsubscribeUrl }), ref }) }, notice };
    }
    if (message.payload.kind === 'consultation') {
      // 征求意见 notice: sent only while comments are taken, to subscribers still opted in.
      const payload = message.payload;
      const consultation = await this.deps.store.consultations.get(payload.consultationId);
      if (!consultation || consultation.status !== 'open' || consultation.endDate < context.today) return this.skipped({ work, errorClass: 'window_closed', reason: '征求意见已截止' });
      if (!((await this.deps.store.consultations.getNoticePreference(subscriber.id)) ?? CONSULTATION_NOTICES_DEFAULT)) return this.skipped({ work, errorClass: 'unsubscribed', reason: '已关闭征求意见通知' });
      if (!payload.subscriptionIds.some((id) => context.live.has(id))) return this.skipped({ work, errorClass: 'unsubscribed', reason: '相关订阅已取消' });
      const reasons = this.deps.content.reasons({ explanation: payload.explanation, subscriptionNames: context.names, viewer: { kind: 'subscriber' } });
      const links = {
        url: `${this.deps.content.baseUrl}/consultations/${encodeURIComponent(consultation.id)}`,
        turnOffUrl: `${this.deps.content.baseUrl}/account/consultation-notices`,
        unsubscribeAllUrl: this.deps.unsubscribe.url({ target: { scope: 'all', subscriberId: subscriber.id }, origin: ref }),
      };
      if (channel === 'email') return { ...base, email: this.emailParts({ rendered: renderConsultationEmail({ recipientName: subscriber.name, consultation, reasons, links }), footer: null, ref, oneClick: false }), wechat: null };
      return { ...base, email: null, wechat: { targets: wechatTargets, text: renderConsultationWechat({ consultation, reasons, links }) } };
    }
    return this.skipped({ work, errorClass: 'render_failed', reason: `未知的消息类型：${message.kind}` });
  }

  private confirmation({ work, message, subscriber }: { work: ClaimedWork; message: PushMessage; subscriber: Subscriber }): Composed {
    if (message.payload.kind !== 'confirmation') return this.skipped({ work, errorClass: 'render_failed', reason: '确认邮件内容有误' });
    const contactId = message.payload.contactId;
    const contact = subscriber.contacts.find((c) => c.id === contactId);
    if (!contact || contact.invalidAt) return this.skipped({ work, errorClass: 'no_contact', reason: '该邮箱已删除或已失效' });
    if (contact.confirmedAt) return this.skipped({ work, errorClass: 'already_confirmed', reason: '邮箱已确认' });
    const ref = refOf(work);
    // The portal's landing page: confirming takes a click there, so link scanners cannot confirm.
    const confirmUrl = `${this.deps.content.baseUrl}/account/contacts/confirm?token=${encodeURIComponent(this.deps.subscribers.confirmationToken({ contactId }))}`;
    const rendered = renderConfirmationEmail({ recipientName: subscriber.name, address: contact.address, confirmUrl });
    return {
      work,
      ref,
      channel: 'email',
      attempt: attemptOf(work),
      skip: null,
      excludedDeliveryIds: [],
      publishedAt: null,
      recipients: [contact],
      email: this.emailParts({ rendered, footer: null, ref, oneClick: false }),
      wechat: null,
    };
  }
}

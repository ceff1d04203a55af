import type { UnsubscribeResult, UnsubscribeScope, WorkRef } from '../../schemas/delivery.schema.js';
import type { Frequency } from '../../schemas/subscription.schema.js';
import { frequencySchema } from '../../schemas/subscription.schema.js';
import { notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import type { Signer } from '../security/signer.js';
import type { SubscriptionService } from '../services/subscription.service.js';

const PURPOSE = 'unsubscribe';
const SCOPE_CODES: Record<UnsubscribeScope, string> = { subscription: 's', frequency: 'f', all: 'a', reminders: 'r' };
const CODE_SCOPES = new Map(Object.entries(SCOPE_CODES).map(([scope, code]) => [code, scope as UnsubscribeScope]));

export type UnsubscribeTarget =
  | { scope: 'subscription'; subscriptionId: string }
  | { scope: 'frequency'; subscriberId: string; frequency: Frequency }
  | { scope: 'all'; subscriberId: string }
  | { scope: 'reminders'; subscriberId: string };

const invalidLink = () => notFound({ code: 'unsubscribe_link_invalid', message: '退订链接无效，请使用最新邮件中的链接' });

/**
 * One-click unsubscribe (RFC 8058). Tokens are signed, never expire and carry the push that held
 * the link, so the delivery log can count the unsubscribes a policy caused. Applying a token twice
 * changes nothing the second time.
 */
export class UnsubscribeService {
  constructor(private readonly deps: { store: Store; subscriptions: SubscriptionService; signer: Signer; baseUrl: string; now: () => Date }) {}

  token({ target, origin }: { target: UnsubscribeTarget; origin: WorkRef | null }): string {
    const subject =
      target.scope === 'subscription' ? target.subscriptionId : target.scope === 'frequency' ? `${target.subscriberId}~${target.frequency}` : target.subscriberId;
    const originCode = origin ? `${origin.source === 'delivery' ? 'd' : 'm'}${origin.id}` : '-';
    return this.deps.signer.sign({ purpose: PURPOSE, value: `${SCOPE_CODES[target.scope]}.${subject}.${originCode}` });
  }

  url(input: { target: UnsubscribeTarget; origin: WorkRef | null }): string {
    return `${this.deps.baseUrl}/unsubscribe/${this.token(input)}`;
  }

  parse(token: string): { target: UnsubscribeTarget; origin: WorkRef | null } {
    const value = this.deps.signer.verify({ purpose: PURPOSE, token });
    if (!value) throw invalidLink();
    const [code, subject, originCode] = value.split('.');
    const scope = code ? CODE_SCOPES.get(code) : undefined;
    if (!scope || !subject || !originCode) throw invalidLink();
    const origin: WorkRef | null = /^[dm]\d+$/.test(originCode) ? { source: originCode.startsWith('d') ? 'delivery' : 'message', id: Number(originCode.slice(1)) } : null;
    if (scope === 'subscription') return { target: { scope, subscriptionId: subject }, origin };
    if (scope === 'frequency') {
      const [subscriberId, frequency] = subject.split('~');
      const parsed = frequencySchema.safeParse(frequency);
      if (!subscriberId || !parsed.success) throw invalidLink();
      return { target: { scope, subscriberId, frequency: parsed.data }, origin };
    }
    return { target: { scope, subscriberId: subject }, origin };
  }

  /** What the confirmation page says before the user presses the button. */
  async describe(token: string): Promise<{ scope: UnsubscribeScope; text: string }> {
    const { target } = this.parse(token);
    switch (target.scope) {
      case 'subscription': {
        const subscription = await this.deps.store.subscriptions.get(target.subscriptionId);
        if (!subscription) throw invalidLink();
        return { scope: target.scope, text: `退订“${subscription.name}”：不再接收这一订阅的政策推送，其他订阅不受影响。` };
      }
      case 'frequency':
        return { scope: target.scope, text: `退订${target.frequency === 'weekly' ? '每周' : '每日'}汇总：结束所有该频率的订阅。` };
      case 'all':
        return { scope: target.scope, text: '退订全部推送：结束您的所有订阅，也不再接收申报截止提醒。' };
      case 'reminders':
        return { scope: target.scope, text: '不再接收申报截止提醒；政策推送照常。' };
    }
  }

  async apply({ token, source }: { token: string; source: 'header' | 'link' | 'api' }): Promise<UnsubscribeResult> {
    const { target, origin } = this.parse(token);
    const at = this.deps.now().toISOString();
    const subscriberId = target.scope === 'subscription' ? (await this.deps.store.subscriptions.get(target.subscriptionId))?.subscriberId : target.subscriberId;
    const subscriber = subscriberId ? await this.deps.store.subscribers.get(subscriberId) : null;
    if (!subscriber) throw invalidLink();

    let ended: string[] = [];
    let remindersChanged = false;
    if (target.scope === 'reminders' || target.scope === 'all') {
      const current = await this.deps.store.pushSettings.getPreferences(subscriber.id);
      if (current.deadlineReminders) {
        await this.deps.store.pushSettings.setPreferences({ subscriberId: subscriber.id, preferences: { deadlineReminders: false }, at });
        remindersChanged = true;
      }
    }
    if (target.scope !== 'reminders') {
      const live = await this.deps.store.subscriptions.listBySubscriber({ subscriberId: subscriber.id, includeEnded: false });
      const chosen = live.filter((s) =>
        target.scope === 'subscription' ? s.id === target.subscriptionId : target.scope === 'frequency' ? s.frequency === target.frequency : true,
      );
      for (const subscription of chosen) {
        await this.deps.subscriptions.end({ subscriber, subscriptionId: subscription.id, reason: source === 'api' ? '退订' : '一键退订' });
        ended.push(subscription.id);
      }
    }
    ended = [...new Set(ended)];
    const alreadyDone = ended.length === 0 && !remindersChanged;
    if (!alreadyDone) {
      await this.deps.store.pushSettings.recordUnsubscribe({ subscriberId: subscriber.id, scope: target.scope, subscriptionIds: ended, origin, source, at });
    }
    return { scope: target.scope, subscriberId: subscriber.id, endedSubscriptionIds: ended, alreadyDone, message: resultText({ scope: target.scope, alreadyDone }) };
  }
}

function resultText({ scope, alreadyDone }: { scope: UnsubscribeScope; alreadyDone: boolean }): string {
  if (alreadyDone) return '您已退订，无需重复操作。';
  switch (scope) {
    case 'subscription':
      return '已退订该订阅，您不会再收到这一订阅的推送。';
    case 'frequency':
      return '已退订该汇总。';
    case 'all':
      return '已退订全部推送。如需恢复，可随时重新订阅。';
    case 'reminders':
      return '已关闭申报截止提醒。';
  }
}

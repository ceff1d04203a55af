import crypto from 'node:crypto';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type {
  CreateSubscriptionBody,
  Subscription,
  SubscriptionCriteria,
  UpdateSubscriptionBody,
} from '../../schemas/subscription.schema.js';
import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import { invalidState, notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import type { Signer } from '../security/signer.js';
import type { TaxonomyService } from './taxonomy.service.js';

const FEED_PURPOSE = 'subscription-feed';

export class SubscriptionService {
  constructor(private readonly deps: { store: Store; taxonomy: TaxonomyService; signer: Signer; now: () => Date }) {}

  private at(): string {
    return this.deps.now().toISOString();
  }

  async create({ subscriber, body }: { subscriber: Subscriber; body: CreateSubscriptionBody }): Promise<Subscription> {
    this.assertCriteria(body.criteria);
    const subscription: Subscription = {
      id: `s-${crypto.randomBytes(8).toString('hex')}`,
      subscriberId: subscriber.id,
      name: body.name,
      criteria: body.criteria,
      keywords: [...new Set(body.keywords)],
      channels: [...new Set(body.channels)],
      frequency: body.frequency,
      eligibleOnly: body.eligibleOnly,
      createdAt: this.at(),
      endedAt: null,
      endReason: null,
      replaces: null,
    };
    await this.deps.store.subscriptions.insert(subscription);
    return subscription;
  }

  list({ subscriber, includeEnded }: { subscriber: Subscriber; includeEnded: boolean }): Promise<Subscription[]> {
    return this.deps.store.subscriptions.listBySubscriber({ subscriberId: subscriber.id, includeEnded });
  }

  async get({ subscriber, subscriptionId }: { subscriber: Subscriber; subscriptionId: string }): Promise<Subscription> {
    const subscription = await this.deps.store.subscriptions.get(subscriptionId);
    // Someone else's subscription answers exactly like a missing one.
    if (!subscription || subscription.subscriberId !== subscriber.id) {
      throw notFound({ code: 'subscription_not_found', message: '订阅不存在' });
    }
    return subscription;
  }

  /**
   * Criteria, keywords and channels change in place; a frequency change ends the row and starts a
   * new one, so the history shows when each cadence applied.
   */
  async update({ subscriber, subscriptionId, body }: { subscriber: Subscriber; subscriptionId: string; body: UpdateSubscriptionBody }): Promise<Subscription> {
    const current = await this.live({ subscriber, subscriptionId });
    if (body.criteria) this.assertCriteria(body.criteria);
    const next: Subscription = {
      ...current,
      name: body.name ?? current.name,
      criteria: body.criteria ?? current.criteria,
      keywords: body.keywords ? [...new Set(body.keywords)] : current.keywords,
      channels: body.channels ? [...new Set(body.channels)] : current.channels,
      eligibleOnly: body.eligibleOnly ?? current.eligibleOnly,
      updatedAt: this.at(),
    };
    if (Object.keys(next.criteria).length === 0 && next.keywords.length === 0) {
      throw invalidState({ code: 'subscription_empty', message: '请至少保留一个标签或关键词' });
    }
    if (!body.frequency || body.frequency === current.frequency) {
      await this.deps.store.subscriptions.update(next);
      return next;
    }
    const at = this.at();
    const started: Subscription = {
      ...next,
      id: `s-${crypto.randomBytes(8).toString('hex')}`,
      frequency: body.frequency,
      createdAt: at,
      replaces: current.id,
    };
    await this.deps.store.subscriptions.replace({ ended: { ...current, endedAt: at, endReason: '修改推送频率' }, started });
    return started;
  }

  async end({ subscriber, subscriptionId, reason }: { subscriber: Subscriber; subscriptionId: string; reason: string }): Promise<Subscription> {
    const current = await this.get({ subscriber, subscriptionId });
    // Ending twice is not an error: one-click unsubscribe links may be followed more than once.
    if (current.endedAt) return current;
    const ended = { ...current, endedAt: this.at(), endReason: reason };
    await this.deps.store.subscriptions.update(ended);
    return ended;
  }

  feedToken({ subscriptionId }: { subscriptionId: string }): string {
    return this.deps.signer.sign({ purpose: FEED_PURPOSE, value: subscriptionId });
  }

  async fromFeedToken({ token }: { token: string }): Promise<Subscription> {
    const id = this.deps.signer.verify({ purpose: FEED_PURPOSE, token });
    const subscription = id ? await this.deps.store.subscriptions.get(id) : null;
    if (!subscription) throw notFound({ code: 'feed_not_found', message: '订阅源不存在或链接无效' });
    return subscription;
  }

  private async live({ subscriber, subscriptionId }: { subscriber: Subscriber; subscriptionId: string }): Promise<Subscription> {
    const subscription = await this.get({ subscriber, subscriptionId });
    if (subscription.endedAt) throw invalidState({ code: 'subscription_ended', message: '该订阅已结束，请新建订阅' });
    return subscription;
  }

  private assertCriteria(criteria: SubscriptionCriteria): void {
    const taxonomy = this.deps.taxonomy.current();
    for (const [dimension, criterion] of Object.entries(criteria) as [DimensionId, SubscriptionCriteria[DimensionId]][]) {
      if (criterion) taxonomy.assertUsable({ ids: criterion.tags, dimension, field: `criteria.${dimension}` });
    }
  }
}

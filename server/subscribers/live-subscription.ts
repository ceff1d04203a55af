import type { Explanation } from '../../schemas/delivery.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';

type SubscriptionState = Pick<Subscription, 'id' | 'endedAt' | 'replaces'>;

/**
 * The one rule for "which subscriptions count". Every derived place — the matching engine's copy,
 * the feed, the outbox, the reasons in a composed message — asks this module, so an ended
 * subscription cannot keep matching in one place while it is gone from another.
 */
export function isLiveSubscription(subscription: Pick<Subscription, 'endedAt'>): boolean {
  return subscription.endedAt === null;
}

export function liveSubscriptions<T extends Pick<Subscription, 'endedAt'>>(subscriptions: readonly T[]): T[] {
  return subscriptions.filter(isLiveSubscription);
}

/**
 * Ids whose line is still live: live subscriptions and the rows a live one replaced. A frequency
 * change ends one row and starts its successor, so work queued under the old row still belongs to
 * a subscription the subscriber keeps; work queued under an ended line does not.
 */
export function liveLines(subscriptions: readonly SubscriptionState[]): Set<string> {
  const live = new Set(subscriptions.filter(isLiveSubscription).map((s) => s.id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of subscriptions) {
      if (s.replaces && live.has(s.id) && !live.has(s.replaces)) {
        live.add(s.replaces);
        grew = true;
      }
    }
  }
  return live;
}

/**
 * An explanation stored when the work was queued, restricted to the lines still live: the reasons
 * a message gives ("为什么推送给您") never name a subscription the subscriber has ended since.
 */
export function liveExplanation({ explanation, live }: { explanation: Explanation; live: ReadonlySet<string> }): Explanation {
  return { ...explanation, subscriptions: explanation.subscriptions.filter((hit) => live.has(hit.subscriptionId)) };
}

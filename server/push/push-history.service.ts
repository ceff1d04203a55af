import type { Delivery, DeliveryAttempt, PushMessage } from '../../schemas/delivery.schema.js';
import type { Store } from '../ports/store.port.js';

/** What a park's push-history page shows, read in one place: rows, what digests carried, names and titles. */
export interface ParkPushHistory {
  deliveries: Delivery[];
  messages: PushMessage[];
  /** Deliveries each digest carried, by message id. */
  carried: ReadonlyMap<number, Delivery[]>;
  attempts: DeliveryAttempt[];
  subscriptionNames: ReadonlyMap<string, string>;
  /** Names of the member enterprises a park digest reported on (absent: the enterprise was deleted). */
  memberNames: ReadonlyMap<string, string>;
  policyTitles: ReadonlyMap<string, string>;
}

export class PushHistoryService {
  constructor(private readonly deps: { store: Store }) {}

  async forPark({ parkId, limit }: { parkId: string; limit: number }): Promise<ParkPushHistory> {
    const { store } = this.deps;
    const { deliveries, messages } = await store.webAccounts.listPushHistory({ subscriberId: parkId, limit });
    const carried = new Map<number, Delivery[]>();
    for (const message of messages.filter((m) => m.kind === 'digest')) carried.set(message.id, await store.digests.listByMessage(message.id));
    const attempts = await store.deliveryLog.listAttempts({ deliveryIds: deliveries.map((d) => d.id), messageIds: messages.map((m) => m.id) });
    const subscriptions = await store.subscriptions.listBySubscriber({ subscriberId: parkId, includeEnded: true });
    const memberIds = [...new Set(messages.flatMap((m) => (m.payload.kind === 'digest' ? m.payload.parkItems.flatMap((i) => i.memberIds) : [])))];
    const memberNames = new Map((await store.subscribers.getMany(memberIds)).map((s) => [s.id, s.name]));
    const policyIds = new Set<string>([
      ...deliveries.map((d) => d.policyId),
      ...[...carried.values()].flat().map((d) => d.policyId),
      ...messages.flatMap((m) => (m.policyId ? [m.policyId] : [])),
      ...messages.flatMap((m) => (m.payload.kind === 'digest' ? m.payload.parkItems.map((i) => i.policyId) : [])),
    ]);
    const policyTitles = new Map<string, string>();
    for (const id of policyIds) policyTitles.set(id, (await store.policies.get(id))?.title ?? id);
    return { deliveries, messages, carried, attempts, subscriptionNames: new Map(subscriptions.map((s) => [s.id, s.name])), memberNames, policyTitles };
  }
}

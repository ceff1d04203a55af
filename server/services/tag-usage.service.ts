import type { Store } from '../ports/store.port.js';

export interface TagUsage {
  policies: { id: string; title: string }[];
  subscribers: number;
  subscriptions: number;
}

const PAGE = 1000;

/**
 * What a merge would move: working copies, profiles and live subscriptions that name the tag.
 * A full scan through the store port, which is fine for an administrator's occasional preview and
 * keeps the count engine-independent.
 */
export class TagUsageService {
  constructor(private readonly deps: { store: Store }) {}

  async usage({ tagId }: { tagId: string }): Promise<TagUsage> {
    const { store } = this.deps;
    const policies: { id: string; title: string }[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const { items } = await store.policies.list({ limit: PAGE, offset });
      for (const policy of items) {
        const named = policy.tags.includes(tagId) || policy.level === tagId || Object.values(policy.criteria).some((ids) => ids?.includes(tagId));
        if (named) policies.push({ id: policy.id, title: policy.title });
      }
      if (items.length < PAGE) break;
    }
    let subscribers = 0;
    let subscriptions = 0;
    for (let offset = 0; ; offset += PAGE) {
      const { items } = await store.subscribers.list({ limit: PAGE, offset });
      subscribers += items.filter((s) => Object.values(s.profile).some((ids) => ids?.includes(tagId))).length;
      const live = await store.subscriptions.listBySubscribers({ subscriberIds: items.map((s) => s.id), includeEnded: false });
      subscriptions += live.filter((s) => Object.values(s.criteria).some((c) => c?.tags.includes(tagId))).length;
      if (items.length < PAGE) break;
    }
    return { policies, subscribers, subscriptions };
  }
}

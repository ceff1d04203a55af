import type { SearchIndex } from '../ports/search-index.port.js';
import type { Store } from '../ports/store.port.js';
import { buildProfileDoc, buildSubscriptionDoc } from '../matching/match-semantics.js';
import { followChanges, type ProgressReporter } from './change-follower.js';
import type { TaxonomyService } from './taxonomy.service.js';

const BATCH = 2000;

/**
 * Keeps the matching engine's profiles and subscriptions a function of the store, following the
 * subscriber change sequence the way the search sync follows policy changes. Every process that
 * matches (web for previews, workers for the outbox) runs it, so each engine copy stays current.
 */
export class AudienceSyncService {
  private running: Promise<number> = Promise.resolve(0);

  constructor(private readonly deps: { store: Store; index: SearchIndex; taxonomy: TaxonomyService }) {}

  catchUp({ onProgress }: { onProgress?: ProgressReporter } = {}): Promise<number> {
    this.running = this.running.catch(() => 0).then(() => this.pass({ onProgress }));
    return this.running;
  }

  /** After a taxonomy move every expanded attribute may change: reload everything. */
  rebuild({ onProgress }: { onProgress?: ProgressReporter } = {}): Promise<number> {
    this.running = this.running
      .catch(() => 0)
      .then(async () => {
        await this.deps.index.clearAudience();
        return this.pass({ onProgress });
      });
    return this.running;
  }

  private pass({ onProgress }: { onProgress?: ProgressReporter }): Promise<number> {
    const { store, index } = this.deps;
    return followChanges({
      readWatermark: () => index.getAudienceWatermark(),
      writeWatermark: (seq) => index.setAudienceWatermark(seq),
      changesSince: (input) => store.subscribers.changesSince(input),
      latestSeq: () => store.subscribers.latestSeq(),
      apply: (ids) => this.apply(ids),
      batchSize: BATCH,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  private async apply(ids: string[]): Promise<void> {
    const taxonomy = this.deps.taxonomy.current();
    const subscribers = await this.deps.store.subscribers.getMany(ids);
    const found = new Set(subscribers.map((s) => s.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) await this.deps.index.removeProfiles(missing);
    await this.deps.index.upsertProfiles(subscribers.map((subscriber) => buildProfileDoc({ subscriber, taxonomy })));
    const flat = await this.deps.store.subscriptions.listBySubscribers({ subscriberIds: ids, includeEnded: true });
    // Only live subscriptions of subscribers that still exist reach the engine; every other row is
    // removed, so a pass never adds back what it has just taken out.
    const docs = flat.flatMap((subscription) => (found.has(subscription.subscriberId) ? (buildSubscriptionDoc({ subscription }) ?? []) : []));
    const kept = new Set(docs.map((doc) => doc.id));
    const gone = flat.filter((s) => !kept.has(s.id)).map((s) => s.id);
    if (gone.length > 0) await this.deps.index.removeSubscriptions(gone);
    if (docs.length > 0) await this.deps.index.upsertSubscriptions(docs);
  }
}

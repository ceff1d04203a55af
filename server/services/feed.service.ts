import { renderAtomFeed, type AtomEntry } from '../feeds/atom-feed.js';
import { notFound } from '../errors.js';
import type { Store } from '../ports/store.port.js';
import { isLiveSubscription } from '../subscribers/live-subscription.js';
import type { MatchingService } from './matching.service.js';
import type { PolicySearchService } from './policy-search.service.js';
import type { SubscriptionService } from './subscription.service.js';
import type { TaxonomyService } from './taxonomy.service.js';
import type { PublicVersions } from './public-versions.js';

const FEED_SIZE = 50;

/** Atom feeds: a public one per tag and a private one per subscription (secret token in the URL). */
export class FeedService {
  constructor(
    private readonly deps: {
      store: Store;
      taxonomy: TaxonomyService;
      search: PolicySearchService;
      matching: MatchingService;
      subscriptions: SubscriptionService;
      publicVersions: PublicVersions;
      baseUrl: string;
      now: () => Date;
    },
  ) {}

  private policyUrl(policyId: string): string {
    return `${this.deps.baseUrl}/policies/${encodeURIComponent(policyId)}`;
  }

  async tagFeed({ tagId }: { tagId: string }): Promise<string> {
    const taxonomy = this.deps.taxonomy.current();
    const tag = taxonomy.get(tagId);
    if (!tag) throw notFound({ code: 'tag_not_found', message: `标签不存在：${tagId}` });
    // The search index holds only published, public policies; tag filters include descendants.
    const result = await this.deps.search.search({ tags: [tagId], sort: 'issued_desc', page: 1, pageSize: FEED_SIZE, facets: false });
    const entries: AtomEntry[] = [];
    for (const hit of result.hits) {
      // The index may lag a withdrawal by a moment; the feed asks the one public-version rule itself.
      const version = (await this.deps.publicVersions.find({ policyId: hit.id, version: hit.version }))?.chosen;
      if (!version) continue;
      entries.push({
        id: `urn:policy-push:policy:${hit.id}:v${hit.version}`,
        title: hit.title,
        url: this.policyUrl(hit.id),
        updated: version.publishedAt,
        published: version.publishedAt,
        author: hit.issuer,
        summary: [hit.docNumber, hit.issuer, hit.validityLabel].filter(Boolean).join(' · '),
        categories: [...Object.values(version.criteria).flat(), ...version.tags].map((id) => ({ term: id, label: taxonomy.label(id) })),
      });
    }
    return renderAtomFeed({
      id: `urn:policy-push:tag:${tagId}`,
      title: `政策订阅：${tag.label}`,
      subtitle: `${taxonomy.dimensionLabel(tag.dimension)}“${tag.label}”及其下级标签的最新公开政策`,
      selfUrl: `${this.deps.baseUrl}/feeds/tags/${encodeURIComponent(tagId)}.atom`,
      alternateUrl: `${this.deps.baseUrl}/search?tags=${encodeURIComponent(tagId)}`,
      updated: entries[0]?.updated ?? this.deps.now().toISOString(),
      entries,
    });
  }

  async subscriptionFeed({ token }: { token: string }): Promise<string> {
    const subscription = await this.deps.subscriptions.fromFeedToken({ token });
    const subscriber = await this.deps.store.subscribers.get(subscription.subscriberId);
    if (!subscriber) throw notFound({ code: 'feed_not_found', message: '订阅源不存在或链接无效' });
    const live = isLiveSubscription(subscription);
    const feed = !live
      ? { items: [] }
      : await this.deps.matching.feed({ subscriber, page: 1, pageSize: FEED_SIZE, subscriptionId: subscription.id });
    const taxonomy = this.deps.taxonomy.current();
    return renderAtomFeed({
      id: `urn:policy-push:subscription:${subscription.id}`,
      title: `我的政策订阅：${subscription.name}`,
      subtitle: !live ? '该订阅已结束' : `${subscriber.name} 的订阅“${subscription.name}”匹配的政策`,
      selfUrl: `${this.deps.baseUrl}/feeds/subscriptions/${encodeURIComponent(token)}.atom`,
      alternateUrl: `${this.deps.baseUrl}/me/feed`,
      updated: feed.items[0]?.publishedAt ?? subscription.createdAt,
      entries: feed.items.map((item) => ({
        id: `urn:policy-push:policy:${item.policyId}:v${item.version}`,
        title: item.title,
        url: this.policyUrl(item.policyId),
        updated: item.publishedAt,
        published: item.publishedAt,
        author: item.issuer,
        summary: item.reasons.join('\n'),
        categories: Object.values(item.explanation.subscriptions.find((s) => s.subscriptionId === subscription.id)?.matchedTags ?? {})
          .flat()
          .map((id) => ({ term: id, label: taxonomy.label(id) })),
      })),
    });
  }
}

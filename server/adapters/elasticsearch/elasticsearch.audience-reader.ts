/**
 * Reading the audience indices: the audience of a policy over one consistent snapshot (a point in
 * time per index, paged percolation, profiles looked up a page of subscribers at a time) and one
 * subscriber's own profile and subscriptions. What matches is decided by the shared rules in
 * elasticsearch.audience-stream.ts; this module only fetches.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { ProfileMatch } from '../../matching/match-semantics.js';
import type { AudiencePolicy, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import { buildPercolateSearch, buildProfileLookup, buildSubscriptionsOf, fromProfileEsDoc, type ProfileEsDoc } from './elasticsearch.audience-query.js';
import { audienceMatches, type AudienceSource } from './elasticsearch.audience-stream.js';
import { statusOf, type ElasticsearchConnection } from './elasticsearch.connection.js';
import type { IndexKind } from './elasticsearch.mappings.js';

/** Outlives the gap between two pages of an audience, which includes writing a batch to the outbox. */
const PIT_KEEP_ALIVE = '5m';
/** Interested subscriptions per percolation page. */
const PERCOLATE_PAGE = 1_000;
/** Subscribers whose profiles are looked up in one request. */
const PROFILE_LOOKUP_PAGE = 500;
const SUBSCRIPTIONS_PAGE = 500;

interface PointInTime {
  id: string;
}

export class ElasticsearchAudienceReader {
  private readonly connection: ElasticsearchConnection;

  constructor({ connection }: { connection: ElasticsearchConnection }) {
    this.connection = connection;
  }

  private call<T>(request: (client: Client) => Promise<T>): Promise<T> {
    return this.connection.call(request);
  }

  private alias(kind: IndexKind): string {
    return this.connection.alias(kind);
  }

  /** The audience in subscriber order over a consistent snapshot: one point in time per index. */
  async *audienceMatches(policy: AudiencePolicy): AsyncGenerator<ProfileMatch[]> {
    const subscriptionsPit = await this.openPointInTime('subscriptions');
    let profilesPit: PointInTime | null = null;
    try {
      profilesPit = await this.openPointInTime('profiles');
      const profiles = profilesPit;
      const source: AudienceSource = {
        candidates: () => this.percolate({ policy, pit: subscriptionsPit }),
        profiles: ({ strict, loose }) => this.lookupProfiles({ policy, strict, loose, pit: profiles }),
      };
      yield* audienceMatches({ policy, source, lookupSize: PROFILE_LOOKUP_PAGE });
    } finally {
      await this.closePointInTime(subscriptionsPit);
      if (profilesPit) await this.closePointInTime(profilesPit);
    }
  }

  private async *percolate({ policy, pit }: { policy: AudiencePolicy; pit: PointInTime }): AsyncGenerator<SubscriptionDoc[]> {
    const request = buildPercolateSearch({ policy, size: PERCOLATE_PAGE });
    let after: estypes.SortResults | undefined;
    for (;;) {
      const response = await this.call((client) =>
        client.search<{ doc: SubscriptionDoc }>({ ...request, pit: { id: pit.id, keep_alive: PIT_KEEP_ALIVE }, ...(after ? { search_after: after } : {}) }),
      );
      if (response.pit_id) pit.id = response.pit_id;
      const hits = response.hits.hits;
      const docs = hits.flatMap((hit) => (hit._source ? [hit._source.doc] : []));
      if (docs.length > 0) yield docs;
      after = hits.at(-1)?.sort;
      if (hits.length < PERCOLATE_PAGE || !after) return;
    }
  }

  private async lookupProfiles({ policy, strict, loose, pit }: { policy: AudiencePolicy; strict: string[]; loose: string[]; pit: PointInTime }): Promise<ProfileDoc[]> {
    if (strict.length + loose.length === 0) return [];
    const request = buildProfileLookup({ criteria: policy.criteria, strict, loose });
    const response = await this.call((client) => client.search<ProfileEsDoc>({ ...request, pit: { id: pit.id, keep_alive: PIT_KEEP_ALIVE } }));
    if (response.pit_id) pit.id = response.pit_id;
    return response.hits.hits.flatMap((hit) => (hit._source ? [fromProfileEsDoc(hit._source)] : []));
  }

  async profileOf(subscriberId: string): Promise<ProfileDoc | null> {
    const index = this.alias('profiles');
    try {
      // A GET is real time: it sees a profile written a moment ago, refreshed or not.
      const response = await this.call((client) => client.get<ProfileEsDoc>({ index, id: subscriberId }));
      return response.found && response._source ? fromProfileEsDoc(response._source) : null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async subscriptionsOf(subscriberId: string): Promise<SubscriptionDoc[]> {
    const index = this.alias('subscriptions');
    const request = buildSubscriptionsOf({ subscriberId, size: SUBSCRIPTIONS_PAGE });
    const out: SubscriptionDoc[] = [];
    let after: estypes.SortResults | undefined;
    for (;;) {
      const response = await this.call((client) => client.search<{ doc: SubscriptionDoc }>({ index, ...request, ...(after ? { search_after: after } : {}) }));
      const hits = response.hits.hits;
      for (const hit of hits) if (hit._source) out.push(hit._source.doc);
      after = hits.at(-1)?.sort;
      if (hits.length < SUBSCRIPTIONS_PAGE || !after) return out;
    }
  }

  private async openPointInTime(kind: IndexKind): Promise<PointInTime> {
    const index = this.alias(kind);
    const response = await this.call((client) => client.openPointInTime({ index, keep_alive: PIT_KEEP_ALIVE }));
    return { id: response.id };
  }

  /** Best effort: an unclosed point in time only lives until its keep-alive runs out. */
  private async closePointInTime(pit: PointInTime): Promise<void> {
    await this.connection.clientIfOpen()?.closePointInTime({ id: pit.id }).catch(() => undefined);
  }
}

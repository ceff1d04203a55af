/**
 * The audience of a policy as a stream, independent of the client so that it can be tested without
 * a cluster: interested subscriptions arrive sorted by subscriber (percolation, paged with a
 * point in time), consecutive ones are grouped per subscriber, a page of subscribers' profiles is
 * looked up at a time (terms filters that already leave out the ineligible ones that only
 * eligibility-bound subscriptions reach), and the shared rules decide and explain each match.
 * Memory stays bounded by one page, however large the audience.
 */
import { constrainedDimensions, emptyChannelCounts, matchSubscriber, type ProfileMatch } from '../../matching/match-semantics.js';
import type { ProfileDimension } from '../../../schemas/subscriber.schema.js';
import type { AudienceMatch, AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';

export interface AudienceSource {
  /** Subscriptions Elasticsearch found interested, ordered by subscriber id then subscription id. */
  candidates(): AsyncIterable<readonly SubscriptionDoc[]>;
  /** Profiles worth checking among these subscribers (see buildProfileLookup); the others may be left out. */
  profiles(input: { strict: string[]; loose: string[] }): Promise<ProfileDoc[]>;
}

interface SubscriberGroup {
  subscriberId: string;
  subscriptions: SubscriptionDoc[];
}

async function resolve({ policy, groups, source }: { policy: AudiencePolicy; groups: SubscriberGroup[]; source: AudienceSource }): Promise<ProfileMatch[]> {
  const strict: string[] = [];
  const loose: string[] = [];
  for (const group of groups) (group.subscriptions.some((s) => !s.eligibleOnly) ? loose : strict).push(group.subscriberId);
  const profiles = new Map((await source.profiles({ strict, loose })).map((profile) => [profile.subscriberId, profile]));
  const out: ProfileMatch[] = [];
  for (const group of groups) {
    const profile = profiles.get(group.subscriberId);
    // A subscription may be indexed before its subscriber's profile; without one nobody is reached.
    if (!profile) continue;
    const match = matchSubscriber({ policy, profile, subscriptions: group.subscriptions });
    if (match) out.push({ profile, match });
  }
  return out;
}

/** Matches in subscriber order, one array per looked-up page of subscribers (possibly empty). */
export async function* audienceMatches({ policy, source, lookupSize }: { policy: AudiencePolicy; source: AudienceSource; lookupSize: number }): AsyncGenerator<ProfileMatch[]> {
  const pageSize = Math.max(1, Math.floor(lookupSize));
  let groups: SubscriberGroup[] = [];
  let current: SubscriberGroup | null = null;
  for await (const page of source.candidates()) {
    for (const subscription of page) {
      if (current && current.subscriberId === subscription.subscriberId) {
        current.subscriptions.push(subscription);
        continue;
      }
      // A subscriber's subscriptions may straddle two pages of candidates: a group is complete
      // only once the next subscriber's first subscription arrives.
      if (current) groups.push(current);
      current = { subscriberId: subscription.subscriberId, subscriptions: [subscription] };
      if (groups.length >= pageSize) {
        yield await resolve({ policy, groups, source });
        groups = [];
      }
    }
  }
  if (current) groups.push(current);
  if (groups.length > 0) yield await resolve({ policy, groups, source });
}

/** Regroups a stream of arrays into arrays of exactly `size` (the last one shorter, none empty). */
export async function* rebatch<T>({ chunks, size }: { chunks: AsyncIterable<readonly T[]>; size: number }): AsyncGenerator<T[]> {
  const wanted = Math.max(1, Math.floor(size));
  let batch: T[] = [];
  for await (const chunk of chunks) {
    for (const item of chunk) {
      batch.push(item);
      if (batch.length < wanted) continue;
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The summary of a streamed audience, equal to `summarizeAudience` over the same matches in the
 * same order, without holding them: counts as they pass, the sample from the first ones.
 */
export class AudienceSummaryAccumulator {
  private subscribers = 0;
  private readonly dimensions: ProfileDimension[];
  private readonly unknownByDimension: AudienceSummary['unknownByDimension'] = {};
  private readonly breakdown: AudienceSummary['breakdown'] = {};
  private readonly byChannel = emptyChannelCounts();
  private readonly sample: AudienceMatch[] = [];
  private readonly sampleSize: number;

  constructor({ policy, sampleSize }: { policy: AudiencePolicy; sampleSize: number }) {
    this.dimensions = constrainedDimensions(policy.criteria).map(({ dimension }) => dimension);
    this.sampleSize = Math.max(0, sampleSize);
    for (const dimension of this.dimensions) {
      this.unknownByDimension[dimension] = 0;
      this.breakdown[dimension] = {};
    }
  }

  add({ profile, match }: ProfileMatch): void {
    this.subscribers += 1;
    if (this.sample.length < this.sampleSize) this.sample.push(match);
    for (const channel of match.channels) this.byChannel[channel] += 1;
    for (const dimension of this.dimensions) {
      const values = profile.attributes[dimension];
      // 待确认 counts only eligible members, as summarizeAudience counts them.
      if (values === undefined && match.eligible) this.unknownByDimension[dimension] = (this.unknownByDimension[dimension] ?? 0) + 1;
      const counts = this.breakdown[dimension] ?? {};
      for (const value of new Set(values ?? [])) counts[value] = (counts[value] ?? 0) + 1;
    }
  }

  result(): AudienceSummary {
    return {
      subscribers: this.subscribers,
      unknownByDimension: this.unknownByDimension,
      byChannel: this.byChannel,
      breakdown: this.breakdown,
      sample: this.sample,
    };
  }
}

/**
 * Audience matching kept entirely in memory, rebuilt from the store at start (the watermark starts
 * at 0) and kept current on every profile and subscription change.
 *
 * The work is split by role: AudienceBitsets holds profiles and subscriptions as bitsets and
 * applies changes to them, AudienceQueryPlanner computes a policy's audience over them, the
 * explanation builder materialises the matches actually returned through the reference rules of
 * match-semantics, and the summary module counts. This class is what SearchIndex exposes.
 */
import { PROFILE_DIMENSIONS } from '../../../schemas/subscriber.schema.js';
import type {
  AudienceIndex,
  AudienceMatch,
  AudiencePolicy,
  AudienceSummary,
  ProfileDoc,
  SubscriptionDoc,
} from '../../ports/audience-index.port.js';
import { constrainedDimensions, matchSubscriber } from '../../matching/match-semantics.js';
import { hasBit, popcount } from './embedded.bitset.js';
import { AudienceBitsets } from './embedded.audience-bitsets.js';
import { materialiseMatch, profileOf, subscriptionsOf } from './embedded.audience-explanation.js';
import { AudienceQueryPlanner } from './embedded.audience-query-planner.js';
import { summarizeAudienceBits } from './embedded.audience-summary.js';

export class EmbeddedAudienceIndex implements AudienceIndex {
  private watermark = 0;
  private readonly bitsets = new AudienceBitsets();
  private readonly planner = new AudienceQueryPlanner({ bitsets: this.bitsets });

  // -------------------------------------------------------------------------------------------
  // AudienceIndex

  async upsertProfiles(profiles: ProfileDoc[]): Promise<void> {
    for (const profile of profiles) this.bitsets.putProfile(profile);
  }

  async removeProfiles(subscriberIds: string[]): Promise<void> {
    for (const subscriberId of subscriberIds) this.bitsets.removeProfile(subscriberId);
  }

  async upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void> {
    for (const subscription of subscriptions) this.bitsets.putSubscription(subscription);
    this.bitsets.compactPoolIfWasteful();
  }

  async removeSubscriptions(subscriptionIds: string[]): Promise<void> {
    for (const subscriptionId of subscriptionIds) this.bitsets.removeSubscription(subscriptionId);
    this.bitsets.compactPoolIfWasteful();
  }

  async clearAudience(): Promise<void> {
    this.watermark = 0;
    this.bitsets.reset();
    this.planner.reset();
  }

  async getAudienceWatermark(): Promise<number> {
    return this.watermark;
  }

  async setAudienceWatermark(seq: number): Promise<void> {
    this.watermark = seq;
  }

  async audienceSummary({ policy, sampleSize }: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary> {
    const computed = this.planner.computeAudience(policy);
    return summarizeAudienceBits({ bitsets: this.bitsets, computed, policy, sampleSize });
  }

  async *audienceBatches({ policy, batchSize }: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]> {
    const { audience, constrained } = this.planner.computeAudience(policy);
    const dimensions = constrained.map(({ dimension }) => dimension);
    const size = Math.max(1, Math.floor(batchSize));
    let batch: AudienceMatch[] = [];
    for (let i = 0; i < audience.length; i++) {
      let word = audience[i] as number;
      while (word !== 0) {
        const lowest = word & -word;
        word ^= lowest;
        // The audience was fixed when iteration began; a subscriber changed since is re-checked.
        const match = materialiseMatch({ bitsets: this.bitsets, ordinal: i * 32 + 31 - Math.clz32(lowest), policy, dimensions });
        if (!match) continue;
        batch.push(match);
        if (batch.length < size) continue;
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async matchSubscriber({
    subscriberId,
    policies,
  }: {
    subscriberId: string;
    policies: { key: string; policy: AudiencePolicy }[];
  }): Promise<{ key: string; match: AudienceMatch }[]> {
    const ordinal = this.bitsets.ordinalBySubscriber.get(subscriberId);
    if (ordinal === undefined || !hasBit(this.bitsets.hasProfile, ordinal)) return [];
    const profile = profileOf({ bitsets: this.bitsets, ordinal, dimensions: PROFILE_DIMENSIONS });
    const subscriptions = subscriptionsOf({ bitsets: this.bitsets, subscriber: ordinal });
    const out: { key: string; match: AudienceMatch }[] = [];
    for (const { key, policy } of policies) {
      const match = matchSubscriber({ policy, profile, subscriptions });
      if (match) out.push({ key, match });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Extras of this engine

  /** Subscribers with a profile that are eligible or unknown for the policy, whatever they subscribe to. */
  countEligible({ policy }: { policy: AudiencePolicy }): number {
    return popcount(this.planner.eligibleBits(constrainedDimensions(policy.criteria)));
  }

  countProfiles(): number {
    return popcount(this.bitsets.hasProfile);
  }

  countSubscriptions(): number {
    return this.bitsets.ordinalBySubscription.size;
  }

  /** Subscribers holding an ordinal: those with a profile or at least one subscription. */
  countSubscribers(): number {
    return this.bitsets.ordinalBySubscriber.size;
  }
}

import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import type { Channel, ProfileDimension, SubscriberKind } from '../../schemas/subscriber.schema.js';
import type { Frequency, SubscriptionCriteria } from '../../schemas/subscription.schema.js';

/**
 * A subscriber as the matching engine sees it. The core builds it: attributes are expanded to their
 * ancestors (an enterprise in 张江科学城 also counts as 浦东新区 and 上海市); a profile dimension
 * absent from `attributes` is unknown (待确认).
 */
export interface ProfileDoc {
  subscriberId: string;
  kind: SubscriberKind;
  parkId: string | null;
  attributes: Partial<Record<ProfileDimension, string[]>>;
  /** Channels with at least one usable contact (confirmed email, WeChat contact or group). */
  reachable: Channel[];
}

/** A live subscription. Keywords arrive segmented and normalised: each inner array is one keyword's words. */
export interface SubscriptionDoc {
  id: string;
  subscriberId: string;
  criteria: SubscriptionCriteria;
  keywordTerms: string[][];
  keywords: string[];
  channels: Channel[];
  frequency: Frequency;
  eligibleOnly: boolean;
}

/** A policy version as matching needs it. */
export interface AudiencePolicy {
  /** Applicability criteria, not expanded: an empty or missing dimension applies to everyone. */
  criteria: Partial<Record<DimensionId, string[]>>;
  /** Criteria and descriptive tags, expanded to ancestors (what subscriptions are matched against). */
  tags: Partial<Record<DimensionId, string[]>>;
  /** Normalised, segmented words of title and body (what keywords are matched against). */
  terms: ReadonlySet<string>;
}

export interface SubscriptionHit {
  subscriptionId: string;
  channels: Channel[];
  frequency: Frequency;
  /** Per dimension, the subscription's tags the policy satisfied. */
  matchedTags: Partial<Record<DimensionId, string[]>>;
  matchedKeywords: string[];
}

export interface AudienceMatch {
  subscriberId: string;
  /** False only when the subscriber is reached through a subscription with eligibleOnly off. */
  eligible: boolean;
  /** Per constrained dimension, the policy's criteria tags the profile satisfied. */
  eligibility: Partial<Record<ProfileDimension, string[]>>;
  /** Constrained dimensions the profile does not state (待确认). */
  unknown: ProfileDimension[];
  subscriptions: SubscriptionHit[];
  /** Channels requested by the matching subscriptions and reachable for this subscriber. */
  channels: Channel[];
}

export interface AudienceSummary {
  subscribers: number;
  /**
   * Per constrained dimension, audience subscribers who leave it unstated (待确认). Only eligible
   * ones count: for a subscriber excluded on another dimension and reached with eligibility off,
   * nothing is pending confirmation.
   */
  unknownByDimension: Partial<Record<ProfileDimension, number>>;
  /** Subscribers reachable on each channel. */
  byChannel: Record<Channel, number>;
  /** For each constrained dimension, audience subscribers per stated attribute value (expanded). */
  breakdown: Partial<Record<ProfileDimension, Record<string, number>>>;
  sample: AudienceMatch[];
}

export interface AudienceIndex {
  upsertProfiles(profiles: ProfileDoc[]): Promise<void>;
  removeProfiles(subscriberIds: string[]): Promise<void>;
  upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void>;
  removeSubscriptions(subscriptionIds: string[]): Promise<void>;
  /** Drops every profile and subscription and resets the audience watermark (before a rebuild from the store). */
  clearAudience(): Promise<void>;
  /** Highest subscriber change sequence the audience data reflects; 0 for an engine that starts empty. */
  getAudienceWatermark(): Promise<number>;
  setAudienceWatermark(seq: number): Promise<void>;
  audienceSummary(input: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary>;
  /** The whole audience in batches, in a stable order, for writing the outbox. */
  audienceBatches(input: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]>;
  /** Matches for one subscriber against many policies (the subscriber's own feed). */
  matchSubscriber(input: { subscriberId: string; policies: { key: string; policy: AudiencePolicy }[] }): Promise<{ key: string; match: AudienceMatch }[]>;
}

/**
 * The matching rules of DESIGN §5 as plain functions over plain documents. Every audience engine
 * must give exactly these answers; the naive scan over all profiles built from them is the
 * reference the engines are tested and benchmarked against.
 */
import { PROFILE_DIMENSIONS, channelSchema, type Channel, type ProfileDimension, type Subscriber } from '../../schemas/subscriber.schema.js';
import type { Criterion, Subscription } from '../../schemas/subscription.schema.js';
import type { Criteria, DimensionId } from '../../schemas/taxonomy.schema.js';
import type {
  AudienceMatch,
  AudiencePolicy,
  AudienceSummary,
  ProfileDoc,
  SubscriptionDoc,
  SubscriptionHit,
} from '../ports/audience-index.port.js';
import type { Taxonomy } from '../services/taxonomy.js';
import { isLiveSubscription } from '../subscribers/live-subscription.js';
import { reachableChannels } from '../subscribers/reachable-contact.js';
import { compoundParts, segmentForIndex, segmentQuery } from '../text/segmenter.js';

/** Channels in their canonical order, which is the order of `AudienceMatch.channels`. */
export const CHANNELS: readonly Channel[] = channelSchema.options;

/** What matching reads of a profile; kind and park do not take part. */
export type MatchProfile = Pick<ProfileDoc, 'subscriberId' | 'attributes' | 'reachable'>;

/** What matching reads of a subscription; the owner is given by the caller. */
export type MatchSubscription = Omit<SubscriptionDoc, 'subscriberId'>;

export interface EligibilityResult {
  /** False only when a stated dimension contradicts the policy; unknown dimensions never exclude. */
  eligible: boolean;
  /** Per constrained dimension the profile satisfies, the criteria tags it holds. */
  eligibility: Partial<Record<ProfileDimension, string[]>>;
  /** Constrained dimensions the profile leaves out (待确认). */
  unknown: ProfileDimension[];
}

export interface ConstrainedDimension {
  dimension: ProfileDimension;
  tags: string[];
}

export interface EffectiveClause {
  dimension: DimensionId;
  mode: Criterion['mode'];
  tags: string[];
}

const PROFILE_DIMENSION_SET: ReadonlySet<string> = new Set(PROFILE_DIMENSIONS);

function isProfileDimension(dimension: string): dimension is ProfileDimension {
  return PROFILE_DIMENSION_SET.has(dimension);
}

/**
 * Profile dimensions on which the policy states criteria, in PROFILE_DIMENSIONS order. Criteria on
 * policy-only dimensions (ip_type, policy_type, …) describe the policy, not who may use it.
 */
export function constrainedDimensions(criteria: AudiencePolicy['criteria']): ConstrainedDimension[] {
  const out: ConstrainedDimension[] = [];
  for (const dimension of PROFILE_DIMENSIONS) {
    const tags = criteria[dimension];
    if (!tags || tags.length === 0) continue;
    out.push({ dimension, tags: [...new Set(tags)] });
  }
  return out;
}

/** A criterion without tags constrains nothing (the schema forbids it; stored data may predate that). */
export function effectiveClauses(criteria: SubscriptionDoc['criteria']): EffectiveClause[] {
  const out: EffectiveClause[] = [];
  for (const [dimension, criterion] of Object.entries(criteria) as [DimensionId, Criterion | undefined][]) {
    if (!criterion || criterion.tags.length === 0) continue;
    out.push({ dimension, mode: criterion.mode, tags: criterion.tags });
  }
  return out;
}

/**
 * Positions of the keywords that have words. A keyword made only of punctuation segments to
 * nothing, and "every word present" would then hold for every policy.
 */
export function effectiveKeywordIndexes(keywordTerms: readonly (readonly string[])[]): number[] {
  const out: number[] = [];
  keywordTerms.forEach((words, index) => {
    if (words.length > 0) out.push(index);
  });
  return out;
}

/**
 * A keyword matches when each of its words is among the policy's terms, whole or, for a compound
 * the policy text segmented differently, through all of its parts (as policy search does).
 */
export function keywordMatches({ words, terms }: { words: readonly string[]; terms: ReadonlySet<string> }): boolean {
  if (words.length === 0) return false;
  for (const word of words) {
    if (terms.has(word)) continue;
    const parts = compoundParts(word);
    if (parts.length === 0 || !parts.every((part) => terms.has(part))) return false;
  }
  return true;
}

export function checkEligibility({ policy, profile }: { policy: AudiencePolicy; profile: MatchProfile }): EligibilityResult {
  const result: EligibilityResult = { eligible: true, eligibility: {}, unknown: [] };
  for (const { dimension, tags } of constrainedDimensions(policy.criteria)) {
    const stated = profile.attributes[dimension];
    if (stated === undefined) {
      result.unknown.push(dimension);
      continue;
    }
    const held = tags.filter((tag) => stated.includes(tag));
    if (held.length === 0) {
      result.eligible = false;
      continue;
    }
    result.eligibility[dimension] = held;
  }
  return result;
}

/** The subscription's hit on the policy, or null when it is not interested. */
export function checkInterest({ policy, subscription }: { policy: AudiencePolicy; subscription: MatchSubscription }): SubscriptionHit | null {
  const clauses = effectiveClauses(subscription.criteria);
  const keywordIndexes = effectiveKeywordIndexes(subscription.keywordTerms);
  if (clauses.length === 0 && keywordIndexes.length === 0) return null;
  const matchedTags: SubscriptionHit['matchedTags'] = {};
  for (const { dimension, mode, tags } of clauses) {
    const policyTags = policy.tags[dimension] ?? [];
    const matched = tags.filter((tag) => policyTags.includes(tag));
    const satisfied = mode === 'all' ? matched.length === tags.length : matched.length > 0;
    if (!satisfied) return null;
    matchedTags[dimension] = matched;
  }
  const matchedKeywords: string[] = [];
  for (const index of keywordIndexes) {
    const words = subscription.keywordTerms[index] ?? [];
    if (keywordMatches({ words, terms: policy.terms })) matchedKeywords.push(subscription.keywords[index] ?? words.join(' '));
  }
  if (keywordIndexes.length > 0 && matchedKeywords.length === 0) return null;
  return {
    subscriptionId: subscription.id,
    channels: [...subscription.channels],
    frequency: subscription.frequency,
    matchedTags,
    matchedKeywords,
  };
}

function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * One subscriber against one policy: null when no subscription of theirs reaches them. A
 * subscription with eligibleOnly counts only while the subscriber is eligible or unknown; hits are
 * listed by subscription id so every engine reports them alike.
 */
export function matchSubscriber({
  policy,
  profile,
  subscriptions,
}: {
  policy: AudiencePolicy;
  profile: MatchProfile;
  subscriptions: readonly MatchSubscription[];
}): AudienceMatch | null {
  let eligibility: EligibilityResult | null = null;
  const hits: SubscriptionHit[] = [];
  for (const subscription of subscriptions) {
    const hit = checkInterest({ policy, subscription });
    if (!hit) continue;
    eligibility ??= checkEligibility({ policy, profile });
    if (subscription.eligibleOnly && !eligibility.eligible) continue;
    hits.push(hit);
  }
  if (!eligibility || hits.length === 0) return null;
  hits.sort((a, b) => compareIds(a.subscriptionId, b.subscriptionId));
  const requested = new Set(hits.flatMap((hit) => hit.channels));
  return {
    subscriberId: profile.subscriberId,
    eligible: eligibility.eligible,
    eligibility: eligibility.eligibility,
    unknown: eligibility.unknown,
    subscriptions: hits,
    channels: CHANNELS.filter((channel) => requested.has(channel) && profile.reachable.includes(channel)),
  };
}

// ---------------------------------------------------------------------------------------------
// Reference evaluation (the naive baseline)

export interface ProfileMatch {
  profile: MatchProfile;
  match: AudienceMatch;
}

/** Every profile in the given order, each with its own subscriptions. */
export function evaluateAudience({
  policy,
  profiles,
  subscriptionsOf,
}: {
  policy: AudiencePolicy;
  profiles: Iterable<MatchProfile>;
  subscriptionsOf: (subscriberId: string) => readonly MatchSubscription[];
}): ProfileMatch[] {
  const out: ProfileMatch[] = [];
  for (const profile of profiles) {
    const subscriptions = subscriptionsOf(profile.subscriberId);
    if (subscriptions.length === 0) continue;
    const match = matchSubscriber({ policy, profile, subscriptions });
    if (match) out.push({ profile, match });
  }
  return out;
}

export function emptyChannelCounts(): Record<Channel, number> {
  const counts = {} as Record<Channel, number>;
  for (const channel of CHANNELS) counts[channel] = 0;
  return counts;
}

/**
 * The summary of an evaluated audience. Every constrained dimension appears in
 * `unknownByDimension` (0 included) and in `breakdown` (values with at least one subscriber).
 * Unknown counts only eligible members: 待确认 means "may be eligible once stated", which is moot
 * for a subscriber excluded on another dimension and reached through eligibility off.
 */
export function summarizeAudience({ policy, matches, sampleSize }: { policy: AudiencePolicy; matches: readonly ProfileMatch[]; sampleSize: number }): AudienceSummary {
  const constrained = constrainedDimensions(policy.criteria);
  const unknownByDimension: AudienceSummary['unknownByDimension'] = {};
  const breakdown: AudienceSummary['breakdown'] = {};
  for (const { dimension } of constrained) {
    unknownByDimension[dimension] = 0;
    breakdown[dimension] = {};
  }
  const byChannel = emptyChannelCounts();
  for (const { profile, match } of matches) {
    for (const channel of match.channels) byChannel[channel] += 1;
    for (const { dimension } of constrained) {
      const values = profile.attributes[dimension];
      const counts = breakdown[dimension] ?? {};
      if (values === undefined && match.eligible) unknownByDimension[dimension] = (unknownByDimension[dimension] ?? 0) + 1;
      for (const value of new Set(values ?? [])) counts[value] = (counts[value] ?? 0) + 1;
    }
  }
  return {
    subscribers: matches.length,
    unknownByDimension,
    byChannel,
    breakdown,
    sample: matches.slice(0, Math.max(0, sampleSize)).map(({ match }) => match),
  };
}

// ---------------------------------------------------------------------------------------------
// Building the documents from stored shapes

function dedupe(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/**
 * The policy as matching sees it. Tags are grouped by each tag's own dimension, as the search
 * index does, so a criterion filed under the wrong dimension cannot smuggle a tag into another.
 */
export function buildAudiencePolicy({
  taxonomy,
  criteria,
  tags,
  level,
  title,
  body,
}: {
  taxonomy: Taxonomy;
  criteria: Criteria;
  tags: readonly string[];
  level: string | null;
  title: string;
  body: string;
}): AudiencePolicy {
  const ownCriteria: AudiencePolicy['criteria'] = {};
  for (const [dimension, ids] of Object.entries(criteria) as [DimensionId, string[] | undefined][]) {
    if (ids && ids.length > 0) ownCriteria[dimension] = dedupe(ids);
  }
  const direct = dedupe([...Object.values(ownCriteria).flat(), ...tags, ...(level ? [level] : [])]);
  return {
    criteria: ownCriteria,
    tags: taxonomy.groupByDimension({ ids: direct, expand: true }),
    terms: new Set(segmentForIndex(`${title}\n${body}`)),
  };
}

/**
 * A stated dimension, even an empty list ("none"), stays stated; only a dimension left out of the
 * profile is unknown (待确认), as the profile schema defines.
 */
export function buildProfileDoc({ subscriber, taxonomy }: { subscriber: Subscriber; taxonomy: Taxonomy }): ProfileDoc {
  const attributes: ProfileDoc['attributes'] = {};
  for (const [dimension, ids] of Object.entries(subscriber.profile) as [string, string[] | undefined][]) {
    if (!ids || !isProfileDimension(dimension)) continue;
    attributes[dimension] = dedupe(ids.flatMap((id) => taxonomy.withAncestors(id)));
  }
  return {
    subscriberId: subscriber.id,
    kind: subscriber.kind,
    parkId: subscriber.parkId,
    attributes,
    reachable: reachableChannels(subscriber.contacts),
  };
}

/**
 * The index form of a subscription, or null for one that is not live (the caller removes those):
 * an ended subscription never reaches an engine. Criteria stay as written: it is the policy side
 * that is expanded to ancestors, so no taxonomy is needed.
 */
export function buildSubscriptionDoc({ subscription }: { subscription: Subscription }): SubscriptionDoc | null {
  if (!isLiveSubscription(subscription)) return null;
  return {
    id: subscription.id,
    subscriberId: subscription.subscriberId,
    criteria: subscription.criteria,
    keywordTerms: subscription.keywords.map((keyword) => [...segmentQuery(keyword)]),
    keywords: [...subscription.keywords],
    channels: [...subscription.channels],
    frequency: subscription.frequency,
    eligibleOnly: subscription.eligibleOnly,
  };
}

/**
 * What a match shows, rebuilt from the bitsets and the compiled criteria (the index keeps no
 * documents) and judged by the reference rules of match-semantics, so every engine explains a
 * match alike.
 */
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { ProfileDimension } from '../../../schemas/subscriber.schema.js';
import type { Criterion, SubscriptionCriteria } from '../../../schemas/subscription.schema.js';
import type { AudienceMatch, AudiencePolicy } from '../../ports/audience-index.port.js';
import { CHANNELS, matchSubscriber, type MatchProfile, type MatchSubscription } from '../../matching/match-semantics.js';
import { hasBit } from './embedded.bitset.js';
import { FLAG_ELIGIBLE_ONLY, FREQUENCIES, MODE_ALL, NONE, type AudienceBitsets } from './embedded.audience-bitsets.js';

/** The subscriber's match through the reference rules, or null when they have no profile or no longer match. */
export function materialiseMatch({
  bitsets,
  ordinal,
  policy,
  dimensions,
}: {
  bitsets: AudienceBitsets;
  ordinal: number;
  policy: AudiencePolicy;
  dimensions: readonly ProfileDimension[];
}): AudienceMatch | null {
  if (!hasBit(bitsets.hasProfile, ordinal)) return null;
  return matchSubscriber({ policy, profile: profileOf({ bitsets, ordinal, dimensions }), subscriptions: subscriptionsOf({ bitsets, subscriber: ordinal }) });
}

/** The profile rebuilt from the bitsets, on the dimensions asked for (the rest do not matter). */
export function profileOf({ bitsets, ordinal, dimensions }: { bitsets: AudienceBitsets; ordinal: number; dimensions: readonly ProfileDimension[] }): MatchProfile {
  const attributes: MatchProfile['attributes'] = {};
  for (const dimension of dimensions) {
    const stated = bitsets.stated.get(dimension);
    if (!stated || !hasBit(stated, ordinal)) continue;
    const held: string[] = [];
    for (const tag of bitsets.tagsByDimension.get(dimension) ?? []) {
      const bits = bitsets.attributeBits[tag];
      if (bits && hasBit(bits, ordinal)) held.push(bitsets.tagIds[tag] ?? '');
    }
    attributes[dimension] = held;
  }
  const reachable = CHANNELS.filter((channel) => {
    const bits = bitsets.reachableBits.get(channel);
    return bits !== undefined && hasBit(bits, ordinal);
  });
  return { subscriberId: bitsets.subscriberIds[ordinal] ?? '', attributes, reachable };
}

/** The subscriber's subscriptions, rebuilt from their compiled form. */
export function subscriptionsOf({ bitsets, subscriber }: { bitsets: AudienceBitsets; subscriber: number }): MatchSubscription[] {
  const out: MatchSubscription[] = [];
  for (let at = bitsets.firstSubscription[subscriber] ?? NONE; at !== NONE; at = bitsets.nextOfOwner[at] ?? NONE) out.push(subscriptionDoc({ bitsets, ordinal: at }));
  return out;
}

function subscriptionDoc({ bitsets, ordinal }: { bitsets: AudienceBitsets; ordinal: number }): MatchSubscription {
  const criteria: SubscriptionCriteria = {};
  const end = bitsets.clauseEnd[ordinal] as number;
  let at = bitsets.clauseStart[ordinal] as number;
  while (at < end) {
    const dimension = DIMENSION_IDS[bitsets.pool[at] as number] as DimensionId;
    const mode: Criterion['mode'] = bitsets.pool[at + 1] === MODE_ALL ? 'all' : 'any';
    const count = bitsets.pool[at + 2] as number;
    const tags = Array.from(bitsets.pool.subarray(at + 3, at + 3 + count), (tag) => bitsets.tagIds[tag] ?? '');
    criteria[dimension] = { mode, tags };
    at += 3 + count;
  }
  const keywords = bitsets.keywordEntries.get(ordinal);
  const mask = bitsets.channelMask[ordinal] as number;
  return {
    id: bitsets.subscriptionIds[ordinal] ?? '',
    criteria,
    keywordTerms: keywords?.keywordTerms ?? [],
    keywords: keywords?.keywords ?? [],
    channels: CHANNELS.filter((_, c) => (mask & (1 << c)) !== 0),
    frequency: FREQUENCIES[bitsets.frequency[ordinal] as number] ?? 'immediate',
    eligibleOnly: ((bitsets.flags[ordinal] as number) & FLAG_ELIGIBLE_ONLY) !== 0,
  };
}

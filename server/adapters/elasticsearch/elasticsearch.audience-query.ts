/**
 * Audience matching as Elasticsearch queries. Elasticsearch narrows the candidates; the shared
 * rules of `server/matching/match-semantics.ts` decide each match and explain it, so a delivery
 * says exactly what the embedded engine would have said.
 *
 * - Subscriptions are percolator queries over a small "policy" document (its tags, expanded to
 *   ancestors, and its segmented words). Tag criteria become `terms` (any) or one `term` per tag
 *   (all) over keyword fields; keywords become `term`s over the policy's words, each word whole or
 *   through all of its compound parts, worked out when the subscription is stored. Everything sits
 *   in a `constant_score` filter: only whether a subscription matches counts, never how well.
 * - Profiles are documents with their attributes expanded to ancestors. A policy's criteria become
 *   one `terms` filter per constrained dimension; a dimension the profile does not state passes
 *   (待确认). "Does not state" is read from `stated`, not from a missing field: Elasticsearch
 *   indexes an empty list (stated as none) exactly like an absent field.
 */
import type { estypes } from '@elastic/elasticsearch';
import { PROFILE_DIMENSIONS, type ProfileDimension } from '../../../schemas/subscriber.schema.js';
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import { constrainedDimensions, effectiveClauses, effectiveKeywordIndexes } from '../../matching/match-semantics.js';
import type { AudiencePolicy, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import { compoundParts } from '../../text/segmenter.js';

/** A profile as stored: the port's document plus the dimensions it states. */
export interface ProfileEsDoc extends ProfileDoc {
  stated: ProfileDimension[];
}

/** A subscription as stored: its percolator query, and the document itself for the shared rules. */
export interface SubscriptionEsDoc {
  subscriptionId: string;
  subscriberId: string;
  eligibleOnly: boolean;
  doc: SubscriptionDoc;
  query: estypes.QueryDslQueryContainer;
}

/** The document percolated on publication. */
export interface PercolatedPolicy {
  policy: { tags: Partial<Record<DimensionId, string[]>>; terms: string[] };
}

export function toProfileEsDoc(profile: ProfileDoc): ProfileEsDoc {
  // Only profile dimensions: the mapping is strict, and anything else would fail the whole document.
  const attributes: ProfileDoc['attributes'] = {};
  for (const dimension of PROFILE_DIMENSIONS) {
    const values = profile.attributes[dimension];
    if (values !== undefined) attributes[dimension] = [...values];
  }
  return {
    subscriberId: profile.subscriberId,
    kind: profile.kind,
    parkId: profile.parkId,
    attributes,
    reachable: [...profile.reachable],
    stated: PROFILE_DIMENSIONS.filter((dimension) => attributes[dimension] !== undefined),
  };
}

/** The port's profile back from a stored one (`stated` is derived data). */
export function fromProfileEsDoc(stored: ProfileEsDoc): ProfileDoc {
  return { subscriberId: stored.subscriberId, kind: stored.kind, parkId: stored.parkId, attributes: stored.attributes, reachable: stored.reachable };
}

function policyTerm({ field, value }: { field: string; value: string }): estypes.QueryDslQueryContainer {
  return { term: { [field]: value } };
}

/** A keyword word: among the policy's words, or every one of its parts is. */
function keywordWordQuery(word: string): estypes.QueryDslQueryContainer {
  const whole = policyTerm({ field: 'policy.terms', value: word });
  const parts = compoundParts(word);
  if (parts.length === 0) return whole;
  return { bool: { should: [whole, { bool: { filter: parts.map((part) => policyTerm({ field: 'policy.terms', value: part })) } }], minimum_should_match: 1 } };
}

/**
 * The percolator query of a subscription: every criterion holds and, when it has keywords, at
 * least one keyword has all of its words. One with neither never matches, as in the shared rules.
 */
export function subscriptionPercolatorQuery(subscription: Pick<SubscriptionDoc, 'criteria' | 'keywordTerms'>): estypes.QueryDslQueryContainer {
  const clauses = effectiveClauses(subscription.criteria);
  const keywordIndexes = effectiveKeywordIndexes(subscription.keywordTerms);
  if (clauses.length === 0 && keywordIndexes.length === 0) return { match_none: {} };
  const filter: estypes.QueryDslQueryContainer[] = clauses.map(({ dimension, mode, tags }) => {
    const field = `policy.tags.${dimension}`;
    const distinct = [...new Set(tags)];
    return mode === 'all' ? { bool: { filter: distinct.map((value) => policyTerm({ field, value })) } } : { terms: { [field]: distinct } };
  });
  if (keywordIndexes.length > 0) {
    filter.push({
      bool: {
        should: keywordIndexes.map((index) => ({ bool: { filter: (subscription.keywordTerms[index] ?? []).map(keywordWordQuery) } })),
        minimum_should_match: 1,
      },
    });
  }
  return { constant_score: { filter: { bool: { filter } } } };
}

export function toSubscriptionEsDoc(subscription: SubscriptionDoc): SubscriptionEsDoc {
  return {
    subscriptionId: subscription.id,
    subscriberId: subscription.subscriberId,
    eligibleOnly: subscription.eligibleOnly,
    doc: subscription,
    query: subscriptionPercolatorQuery(subscription),
  };
}

export function percolatedPolicy(policy: AudiencePolicy): PercolatedPolicy {
  const tags: Partial<Record<DimensionId, string[]>> = {};
  for (const dimension of DIMENSION_IDS) {
    const values = policy.tags[dimension];
    if (values && values.length > 0) tags[dimension] = [...new Set(values)];
  }
  return { policy: { tags, terms: [...policy.terms] } };
}

/** Subscriptions interested in the policy, in (subscriber, subscription) order for paging. */
export function buildPercolateSearch({ policy, size }: { policy: AudiencePolicy; size: number }): Omit<estypes.SearchRequest, 'index'> {
  return {
    query: { bool: { filter: [{ percolate: { field: 'query', document: percolatedPolicy(policy) } }] } },
    sort: [{ subscriberId: { order: 'asc' } }, { subscriptionId: { order: 'asc' } }],
    size,
    track_total_hits: false,
    _source: ['doc'],
  };
}

/** Per constrained dimension: holds one of the criteria tags (expanded), or does not state it (待确认). */
export function eligibilityFilters(criteria: AudiencePolicy['criteria']): estypes.QueryDslQueryContainer[] {
  return constrainedDimensions(criteria).map(({ dimension, tags }) => ({
    bool: {
      should: [{ terms: { [`attributes.${dimension}`]: tags } }, { bool: { must_not: [{ term: { stated: dimension } }] } }],
      minimum_should_match: 1,
    },
  }));
}

/**
 * The profiles of a page of interested subscribers worth checking: with an interested subscription
 * that ignores eligibility, any profile; with only eligibility-bound ones, eligible or unknown ones.
 */
export function buildProfileLookup({ criteria, strict, loose }: { criteria: AudiencePolicy['criteria']; strict: readonly string[]; loose: readonly string[] }): Omit<estypes.SearchRequest, 'index'> {
  const eligible = eligibilityFilters(criteria);
  const ids = [...strict, ...loose];
  const query: estypes.QueryDslQueryContainer =
    eligible.length === 0 || strict.length === 0
      ? { bool: { filter: [{ terms: { subscriberId: ids } }] } }
      : {
          bool: {
            filter: [{ terms: { subscriberId: ids } }],
            should: [
              ...(loose.length > 0 ? [{ terms: { subscriberId: [...loose] } }] : []),
              { bool: { filter: [{ terms: { subscriberId: [...strict] } }, ...eligible] } },
            ],
            minimum_should_match: 1,
          },
        };
  return { query, size: ids.length, track_total_hits: false };
}

/** Every subscription of one subscriber (the subscriber's own feed), in id order for paging. */
export function buildSubscriptionsOf({ subscriberId, size }: { subscriberId: string; size: number }): Omit<estypes.SearchRequest, 'index'> {
  return {
    query: { bool: { filter: [{ term: { subscriberId } }] } },
    sort: [{ subscriptionId: { order: 'asc' } }],
    size,
    track_total_hits: false,
    _source: ['doc'],
  };
}

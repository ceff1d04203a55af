/** Disjunctive facet counts over the in-memory bitsets. */
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { PolicySearchFacets, PolicySearchRequest } from '../../ports/search-index.port.js';
import { andInto, countAnd, popcount } from './embedded.bitset.js';
import { MemoryState, type TagBitset, VALIDITIES } from './embedded.policy-memory.js';

export interface FilterMasks {
  /** Every filter but tags and validity, including the text match. */
  base: Uint32Array;
  /** OR of the chosen tags, per filtered dimension. */
  dimensions: Map<DimensionId, Uint32Array>;
  validity: Uint32Array | null;
}

/**
 * Disjunctive counts: a dimension's counts apply every filter except its own, and the validity
 * counts every filter except validity. Tags chosen in the request are listed even at zero.
 * `final` is the match under every filter, as the search found it.
 */
export function policyFacets({ memory, masks, final, request, today }: { memory: MemoryState; masks: FilterMasks; final: Uint32Array; request: PolicySearchRequest; today: string }): PolicySearchFacets {
  const words = memory.words;
  // Every filter but validity: the final match itself when no validity filter was asked for.
  const unfiltered = masks.validity ? combine({ words, base: masks.base, dimensions: masks.dimensions, skip: null }) : final;
  // Every dimension without a tag filter counts within the final match.
  const sharedCounts = tagCounts({ memory, scope: final, tags: null });
  const tags: PolicySearchFacets['tags'] = {};
  for (const [dimension, byTag] of memory.tagBits) {
    const counted = masks.dimensions.has(dimension) ? tagCounts({ memory, scope: matchUnder({ words, masks, skip: dimension }), tags: byTag }) : sharedCounts;
    const chosen = request.tagFilters[dimension] ?? [];
    let counts: Record<string, number> | null = null;
    for (const [tagId, bits] of byTag) {
      const count = counted[bits.ordinal] ?? 0;
      if (count > 0 || chosen.includes(tagId)) (counts ??= {})[tagId] = count;
    }
    for (const tagId of chosen) (counts ??= {})[tagId] ??= 0;
    if (counts) tags[dimension] = counts;
  }
  const validityCounts: PolicySearchFacets['validity'] = {};
  const bySlot = memory.validitySlots(today);
  const chosenValidity = request.validity ?? [];
  VALIDITIES.forEach((name, code) => {
    const bits = bySlot[code];
    const count = bits ? countAnd(unfiltered, bits) : 0;
    if (count > 0 || chosenValidity.includes(name)) validityCounts[name] = count;
  });
  return { tags, validity: validityCounts };
}

/**
 * Documents of `scope` per tag, by tag ordinal, for the tags of one dimension or (null) every tag.
 * Whichever costs less: a popcount of the scope ANDed with each tag's bitset, a fixed cost per
 * tag, or adding up the tags of each document in the scope, a cost per document, which wins for the
 * few hundred matches of a typical keyword or a tag-filtered search.
 */
function tagCounts({ memory, scope, tags }: { memory: MemoryState; scope: Uint32Array; tags: Map<string, TagBitset> | null }): Int32Array {
  const counts = new Int32Array(memory.tagOrdinalCount);
  const { slotTags } = memory;
  const tagCount = tags ? tags.size : memory.tagOrdinalCount;
  const byDocument = slotTags.complete && popcount(scope) * slotTags.perDocument(memory.size) < tagCount * scope.length;
  if (byDocument) {
    slotTags.tallyScope(scope, counts);
    return counts;
  }
  for (const byTag of tags ? [tags] : memory.tagBits.values()) {
    for (const bits of byTag.values()) counts[bits.ordinal] = countAnd(scope, bits.words);
  }
  return counts;
}

/**
 * The match under every filter but `skip`'s tag filter, validity included: with `skip` null, the
 * search's final match, which the facet counts then reuse.
 */
export function matchUnder({ words, masks, skip }: { words: number; masks: FilterMasks; skip: DimensionId | null }): Uint32Array {
  const match = combine({ words, base: masks.base, dimensions: masks.dimensions, skip });
  if (masks.validity) andInto(match, masks.validity);
  return match;
}

/** The base mask ANDed with every dimension's tag union except `skip`'s. */
function combine({ words, base, dimensions, skip }: { words: number; base: Uint32Array; dimensions: Map<DimensionId, Uint32Array>; skip: DimensionId | null }): Uint32Array {
  const result = new Uint32Array(words);
  result.set(base.subarray(0, words));
  for (const [dimension, union] of dimensions) if (dimension !== skip) andInto(result, union);
  return result;
}

/** Disjunctive facet counts over the in-memory bitsets. */
import type { DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { PolicySearchFacets, PolicySearchRequest } from '../../ports/search-index.port.js';
import { andInto, countAnd, forEachBit } from './embedded.bitset.js';
import { EFFECTIVE, MemoryState, VALIDITIES } from './embedded.policy-memory.js';

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
 */
export function policyFacets({ memory, masks, request, validity }: { memory: MemoryState; masks: FilterMasks; request: PolicySearchRequest; validity: Uint8Array }): PolicySearchFacets {
  const words = memory.words;
  const tags: PolicySearchFacets['tags'] = {};
  for (const [dimension, byTag] of memory.tagBits) {
    const scope = combine({ words, base: masks.base, dimensions: masks.dimensions, skip: dimension });
    if (masks.validity) andInto(scope, masks.validity);
    const chosen = new Set(request.tagFilters[dimension] ?? []);
    const counts: Record<string, number> = {};
    for (const [tagId, bits] of byTag) {
      const count = countAnd(scope, bits.words);
      if (count > 0 || chosen.has(tagId)) counts[tagId] = count;
    }
    for (const tagId of chosen) counts[tagId] ??= 0;
    if (Object.keys(counts).length > 0) tags[dimension] = counts;
  }
  const validityScope = combine({ words, base: masks.base, dimensions: masks.dimensions, skip: null });
  const validityCounts: PolicySearchFacets['validity'] = {};
  const tally = new Array<number>(VALIDITIES.length).fill(0);
  forEachBit(validityScope, (slot) => {
    const code = validity[slot] ?? EFFECTIVE;
    tally[code] = (tally[code] ?? 0) + 1;
  });
  const chosenValidity = new Set(request.validity ?? []);
  VALIDITIES.forEach((name, code) => {
    const count = tally[code] ?? 0;
    if (count > 0 || chosenValidity.has(name)) validityCounts[name] = count;
  });
  return { tags, validity: validityCounts };
}

/** The base mask ANDed with every dimension's tag union except `skip`'s. */
export function combine({ words, base, dimensions, skip }: { words: number; base: Uint32Array; dimensions: Map<DimensionId, Uint32Array>; skip: DimensionId | null }): Uint32Array {
  const result = new Uint32Array(words);
  result.set(base.subarray(0, words));
  for (const [dimension, union] of dimensions) if (dimension !== skip) andInto(result, union);
  return result;
}

/** Answers to repeated search requests, emptied by every write. */
import type { PolicySearchRequest, PolicySearchResult } from '../../ports/search-index.port.js';
import { deepFreeze } from '../../deep-freeze.js';
import { issuerKey, tagEntries } from './embedded.policy-memory.js';

/**
 * Results kept for repeated requests. The search page asks the same few questions over and over
 * (first pages, popular keywords, facet browsing), each costing milliseconds of CPU, while a
 * cached answer costs microseconds. A page of 20 hits with facets is some 20 KB, so the cache holds
 * a few megabytes, a few tens at the largest pages of 100.
 */
export const DEFAULT_RESULT_CACHE_SIZE = 256;

// ---------------------------------------------------------------------------------------------
// Result cache

/**
 * The request reduced to what decides its result, in a fixed order, so equivalent requests share
 * an entry: dimensions and validities in any order, an empty issuer or query as none. Tag ids keep
 * their order, which decides the key order of the facet counts of chosen tags.
 */
export function cacheKey(request: PolicySearchRequest): string {
  // A frozen request cannot change, so its key is made once: the search service asks `peekPolicies`
  // and then, on a miss, `searchPolicies` with the same request.
  if (!Object.isFrozen(request)) return keyOf(request);
  let key = frozenKeys.get(request);
  if (key === undefined) {
    key = keyOf(request);
    frozenKeys.set(request, key);
  }
  return key;
}

const frozenKeys = new WeakMap<PolicySearchRequest, string>();

function keyOf(request: PolicySearchRequest): string {
  const issuer = request.issuer === undefined || request.issuer.trim() === '' ? '' : issuerKey(request.issuer);
  const dimensions = tagEntries(request.tagFilters)
    .filter(([, tagIds]) => tagIds.length > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    request.q?.trim() ?? '',
    dimensions,
    [...new Set(request.validity ?? [])].sort(),
    issuer,
    request.issuedFrom ?? '',
    request.issuedTo ?? '',
    request.sort,
    request.offset,
    request.limit,
    request.facets,
    request.today,
  ]);
}

/**
 * Least recently used results by request, as Elasticsearch's request cache keeps them: every
 * write empties it, so an entry never outlives the documents it was computed from, and `today` is
 * part of the key, so a policy that expires overnight is reported expired the next day.
 */
export class ResultCache {
  private readonly entries = new Map<string, PolicySearchResult>();

  constructor(private capacity: number) {}

  get(key: string): PolicySearchResult | undefined {
    const result = this.entries.get(key);
    if (result === undefined) return undefined;
    // Re-inserting moves the key to the end of the Map's order, which is its recency.
    this.entries.delete(key);
    this.entries.set(key, result);
    return result;
  }

  /**
   * Keeps `result` for later callers and returns what this caller should hand on: the result
   * frozen when kept, because every later caller asking the same gets this very object, and as it
   * is when not (a cache of size 0): freezing a result nobody shares is a walk over a few hundred
   * objects for nothing.
   */
  keep(key: string, result: PolicySearchResult): PolicySearchResult {
    if (this.capacity <= 0) return result;
    deepFreeze(result);
    this.entries.delete(key);
    this.entries.set(key, result);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return result;
  }

  resize(capacity: number): void {
    this.capacity = Math.max(0, Math.floor(capacity));
    this.entries.clear();
  }

  clear(): void {
    this.entries.clear();
  }
}

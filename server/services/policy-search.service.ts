import type { FacetBucket, PolicySearchQuery, PolicySearchResponse, SearchHit, Validity } from '../../schemas/policy.schema.js';
import { VALIDITY_LABELS } from '../../schemas/policy.schema.js';
import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import { invalid } from '../errors.js';
import { deepFreeze } from '../deep-freeze.js';
import type { PolicySearchHitDoc, PolicySearchRequest, PolicySearchResult, SearchIndex } from '../ports/search-index.port.js';
import { shanghaiToday } from './validity.js';
import { SearchGate } from './search-gate.js';
import type { TaxonomyService } from './taxonomy.service.js';
import type { Taxonomy } from './taxonomy.js';

/** Searches computed at once: one for an engine on this event loop, several for one on another thread or across the network. */
const IN_PROCESS_SEARCHES = 1;
const REMOTE_SEARCHES = 16;
/**
 * How long in-process searches may hold the event loop before it polls the network again: a few
 * searches back to back, then whatever else arrived (a /healthz, a page) gets its turn.
 */
const IN_PROCESS_SLICE_MS = 5;
/** Searches that may wait for a slot, and for how long, before the answer is 503 search_busy. */
const SEARCH_QUEUE = 64;
const SEARCH_WAIT_MS = 2_000;

type ResponseFacets = NonNullable<PolicySearchResponse['facets']>;
type IndexFacets = NonNullable<PolicySearchResult['facets']>;

/** The response built from one index result, kept while the result and the taxonomy stay the same. */
interface BuiltResponse {
  taxonomy: Taxonomy;
  page: number;
  pageSize: number;
  response: PolicySearchResponse;
}

/**
 * A hit with its validity label, written out field by field: spreading the index's hit into a new
 * object took V8's generic copy, about 2 µs a hit against a few dozen nanoseconds for a literal.
 */
function labelledHit(hit: PolicySearchHitDoc): SearchHit {
  return {
    id: hit.id,
    version: hit.version,
    title: hit.title,
    docNumber: hit.docNumber,
    issuer: hit.issuer,
    level: hit.level,
    issuedAt: hit.issuedAt,
    validity: hit.validity,
    validityLabel: VALIDITY_LABELS[hit.validity],
    applicationWindow: hit.applicationWindow,
    snippet: hit.snippet,
    score: hit.score,
  };
}

export class PolicySearchService {
  private readonly gate: SearchGate;
  /**
   * The embedded index hands out one frozen result per cached request, so the labelled response
   * built from it is kept by the result's identity (and the taxonomy's: labels change with it).
   * It goes with its result: when the index drops a result, its response goes too.
   */
  private readonly built = new WeakMap<PolicySearchResult, BuiltResponse>();
  private readonly requests = new WeakMap<PolicySearchQuery, { taxonomy: Taxonomy; request: PolicySearchRequest }>();

  constructor(private readonly deps: { index: SearchIndex; taxonomy: TaxonomyService; now: () => Date; gate?: SearchGate }) {
    this.gate =
      deps.gate ??
      new SearchGate(
        deps.index.searchesOnCallerLoop
          ? { concurrency: IN_PROCESS_SEARCHES, sliceMs: IN_PROCESS_SLICE_MS, maxQueue: SEARCH_QUEUE, maxWaitMs: SEARCH_WAIT_MS }
          : { concurrency: REMOTE_SEARCHES, maxQueue: SEARCH_QUEUE, maxWaitMs: SEARCH_WAIT_MS },
      );
  }

  /**
   * A repeated search is answered from the index's cache without waiting for a computing slot; only
   * a search the index has to compute takes its turn through the gate. For a cached result the
   * response is frozen and the same object every time, so the HTTP layer can keep its JSON too.
   */
  async search(query: PolicySearchQuery): Promise<PolicySearchResponse> {
    const taxonomy = this.deps.taxonomy.current();
    const request = this.requestFor({ query, taxonomy });
    const result = this.deps.index.peekPolicies(request) ?? (await this.gate.run(() => this.deps.index.searchPolicies(request)));
    // A result the index shares (frozen, from its cache) gets a response shared the same way; any
    // other result is this request's alone, and so is its response.
    if (!Object.isFrozen(result)) return this.response({ query, taxonomy, result });
    const built = this.built.get(result);
    if (built && built.taxonomy === taxonomy && built.page === query.page && built.pageSize === query.pageSize) return built.response;
    const response = deepFreeze(this.response({ query, taxonomy, result }));
    this.built.set(result, { taxonomy, page: query.page, pageSize: query.pageSize, response });
    return response;
  }

  /**
   * The index request for a query, frozen so the index keys it once for the cache lookup and the
   * search that follows a miss. A query the HTTP layer hands over again (it keeps validated queries
   * frozen, by URL) gets the same request while the taxonomy and the day are the same, and with it
   * the index's key already made.
   */
  private requestFor({ query, taxonomy }: { query: PolicySearchQuery; taxonomy: Taxonomy }): PolicySearchRequest {
    const today = shanghaiToday(this.deps.now());
    const kept = this.requests.get(query);
    if (kept && kept.taxonomy === taxonomy && kept.request.today === today) return kept.request;
    const request = deepFreeze(this.indexRequest({ query, taxonomy, today }));
    if (Object.isFrozen(query)) this.requests.set(query, { taxonomy, request });
    return request;
  }

  private indexRequest({ query, taxonomy, today }: { query: PolicySearchQuery; taxonomy: Taxonomy; today: string }): PolicySearchRequest {
    return {
      ...(query.q ? { q: query.q } : {}),
      tagFilters: this.tagFilters({ taxonomy, tags: query.tags ?? [], levels: query.level ?? [] }),
      ...(query.validity ? { validity: query.validity } : {}),
      ...(query.issuer ? { issuer: query.issuer } : {}),
      ...(query.issuedFrom ? { issuedFrom: query.issuedFrom } : {}),
      ...(query.issuedTo ? { issuedTo: query.issuedTo } : {}),
      sort: query.sort ?? (query.q ? 'relevance' : 'issued_desc'),
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
      facets: query.facets,
      today,
    };
  }

  private response({ query, taxonomy, result }: { query: PolicySearchQuery; taxonomy: Taxonomy; result: PolicySearchResult }): PolicySearchResponse {
    return {
      total: result.total,
      page: query.page,
      pageSize: query.pageSize,
      hits: result.hits.map(labelledHit),
      facets: result.facets ? this.facets({ taxonomy, facets: result.facets }) : null,
    };
  }

  /** Labelled buckets, most documents first; a loop per dimension, as the page asks this on every search. */
  private facets({ taxonomy, facets }: { taxonomy: Taxonomy; facets: IndexFacets }): ResponseFacets {
    const dimensions: ResponseFacets['dimensions'] = [];
    for (const dimension of taxonomy.dimensions) {
      const counts = facets.tags[dimension.id];
      if (!counts) continue;
      const buckets: FacetBucket[] = [];
      for (const tagId in counts) {
        const count = counts[tagId] ?? 0;
        if (count === 0) continue;
        buckets.push({ tagId, label: taxonomy.label(tagId), count, parent: taxonomy.get(tagId)?.parent ?? null });
      }
      if (buckets.length === 0) continue;
      buckets.sort((a, b) => b.count - a.count || a.tagId.localeCompare(b.tagId));
      dimensions.push({ dimension: dimension.id, label: dimension.label, buckets });
    }
    return {
      dimensions,
      validity: (Object.keys(VALIDITY_LABELS) as Validity[]).map((validity) => ({ validity, label: VALIDITY_LABELS[validity], count: facets.validity[validity] ?? 0 })),
    };
  }

  /**
   * Filters name tags without their dimension; group them so the index can OR within and AND across
   * dimensions. A merged tag still in an old bookmark is read as the tag it was merged into.
   */
  private tagFilters({ taxonomy, tags, levels }: { taxonomy: Taxonomy; tags: string[]; levels: string[] }) {
    const out: Partial<Record<DimensionId, string[]>> = {};
    for (const requested of [...tags, ...levels]) {
      const tag = taxonomy.get(requested);
      if (!tag) throw invalid({ code: 'tag_unknown', message: `未知的标签：${requested}`, details: { field: 'tags', tagId: requested } });
      const id = tag.deprecated && tag.mergedInto ? tag.mergedInto : tag.id;
      const bucket = out[tag.dimension] ?? [];
      if (!bucket.includes(id)) bucket.push(id);
      out[tag.dimension] = bucket;
    }
    return out;
  }
}

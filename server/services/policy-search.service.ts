import type { PolicySearchQuery, PolicySearchResponse, Validity } from '../../schemas/policy.schema.js';
import { VALIDITY_LABELS } from '../../schemas/policy.schema.js';
import type { DimensionId } from '../../schemas/taxonomy.schema.js';
import { invalid } from '../errors.js';
import type { SearchIndex } from '../ports/search-index.port.js';
import { shanghaiToday } from './validity.js';
import { SearchGate } from './search-gate.js';
import type { TaxonomyService } from './taxonomy.service.js';
import type { Taxonomy } from './taxonomy.js';

/** Searches computed at once: one for an engine on this event loop, several for one across the network. */
const IN_PROCESS_SEARCHES = 1;
const REMOTE_SEARCHES = 16;
/** Searches that may wait for a slot, and for how long, before the answer is 503 search_busy. */
const SEARCH_QUEUE = 64;
const SEARCH_WAIT_MS = 2_000;

export class PolicySearchService {
  private readonly gate: SearchGate;

  constructor(private readonly deps: { index: SearchIndex; taxonomy: TaxonomyService; now: () => Date; gate?: SearchGate }) {
    this.gate =
      deps.gate ??
      new SearchGate({ concurrency: deps.index.kind === 'embedded' ? IN_PROCESS_SEARCHES : REMOTE_SEARCHES, maxQueue: SEARCH_QUEUE, maxWaitMs: SEARCH_WAIT_MS });
  }

  async search(query: PolicySearchQuery): Promise<PolicySearchResponse> {
    const taxonomy = this.deps.taxonomy.current();
    const tagFilters = this.tagFilters({ taxonomy, tags: query.tags ?? [], levels: query.level ?? [] });
    const result = await this.gate.run(() => this.deps.index.searchPolicies({
      ...(query.q ? { q: query.q } : {}),
      tagFilters,
      ...(query.validity ? { validity: query.validity } : {}),
      ...(query.issuer ? { issuer: query.issuer } : {}),
      ...(query.issuedFrom ? { issuedFrom: query.issuedFrom } : {}),
      ...(query.issuedTo ? { issuedTo: query.issuedTo } : {}),
      sort: query.sort ?? (query.q ? 'relevance' : 'issued_desc'),
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
      facets: query.facets,
      today: shanghaiToday(this.deps.now()),
    }));
    return {
      total: result.total,
      page: query.page,
      pageSize: query.pageSize,
      hits: result.hits.map((hit) => ({ ...hit, validityLabel: VALIDITY_LABELS[hit.validity] })),
      facets: result.facets
        ? {
            dimensions: taxonomy.dimensions.flatMap((dimension) => {
              const counts = result.facets?.tags[dimension.id];
              if (!counts) return [];
              const buckets = Object.entries(counts)
                .filter(([, count]) => count > 0)
                .map(([tagId, count]) => ({ tagId, label: taxonomy.label(tagId), count, parent: taxonomy.get(tagId)?.parent ?? null }))
                .sort((a, b) => b.count - a.count || a.tagId.localeCompare(b.tagId));
              return buckets.length > 0 ? [{ dimension: dimension.id, label: dimension.label, buckets }] : [];
            }),
            validity: (Object.keys(VALIDITY_LABELS) as Validity[]).map((validity) => ({
              validity,
              label: VALIDITY_LABELS[validity],
              count: result.facets?.validity[validity] ?? 0,
            })),
          }
        : null,
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

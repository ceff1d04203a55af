/**
 * Policy search as Elasticsearch requests: pure functions from the port's request to an
 * `estypes.SearchRequest`, and from the response back to the port's result, so the shape of every
 * query is checked by the compiler and by unit tests without a cluster.
 *
 * The behaviour is the embedded engine's:
 * - text, issuer and issue dates narrow the base set (`query`); tag and validity filters go to
 *   `post_filter`, so the facet aggregations can each leave their own dimension out (disjunctive
 *   facets: choosing 浦东新区 still shows what 徐汇区 would add);
 * - validity is derived at query time from `expiresAt` and the request's `today`, never stored;
 * - relevance ties break on the newer issue date, then the id; date orders put undated policies
 *   last and break ties on the id the way the embedded engine walks its date index.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { Validity } from '../../../schemas/policy.schema.js';
import { DIMENSION_IDS, type DimensionId } from '../../../schemas/taxonomy.schema.js';
import type { PolicySearchDoc, PolicySearchFacets, PolicySearchHitDoc, PolicySearchRequest, PolicySearchResult } from '../../ports/search-index.port.js';
import { normalizeText } from '../../text/text-normalizer.js';
import { policySnippet } from '../../text/highlight.js';
import { MAX_RESULT_WINDOW, POLICY_TEXT_FIELDS, type AnalyzerChoice } from './elasticsearch.mappings.js';
import { textQuery, weightedTextFields, type TextMode } from './elasticsearch.text-query.js';

export const VALIDITIES = ['effective', 'revised', 'repealed', 'expired'] as const satisfies readonly Validity[];
/** Tags counted per dimension; far above any dimension of the taxonomy, well under the bucket limit. */
export const TAG_FACET_SIZE = 2_000;

/** What a hit shows, kept as-is in `_source` and never indexed. */
export type PolicyDisplay = Pick<
  PolicySearchDoc,
  'version' | 'title' | 'docNumber' | 'issuer' | 'level' | 'issuedAt' | 'expiresAt' | 'validity' | 'applicationWindow' | 'body'
>;

/** A policy as stored in the index. */
export interface PolicyEsDoc {
  id: string;
  version: number;
  issuerKey: string;
  issuedAt: string | null;
  expiresAt: string | null;
  validity: Validity;
  /** The id again, for undated policies only: orders them by id after the dated ones in either direction. */
  undatedId: string | null;
  tags: Partial<Record<DimensionId, string[]>>;
  text: Record<keyof typeof POLICY_TEXT_FIELDS, string>;
  display: PolicyDisplay;
}

/** The day part of a date, the form ranges and sorts compare; an empty date is no date. */
export function calendarDay(date: string | null): string | null {
  return date ? date.slice(0, 10) : null;
}

/** The exact-match key of an issuer, as the embedded engine compares issuers. */
export function issuerKey(issuer: string): string {
  return normalizeText(issuer.trim());
}

export function toPolicyEsDoc(doc: PolicySearchDoc): PolicyEsDoc {
  return {
    id: doc.id,
    version: doc.version,
    issuerKey: issuerKey(doc.issuer),
    issuedAt: calendarDay(doc.issuedAt),
    expiresAt: calendarDay(doc.expiresAt),
    validity: doc.validity,
    undatedId: doc.issuedAt ? null : doc.id,
    tags: Object.fromEntries(DIMENSION_IDS.flatMap((dimension) => {
      const tags = doc.tagsByDimension[dimension];
      return tags && tags.length > 0 ? [[dimension, [...new Set(tags)]]] : [];
    })),
    text: {
      title: normalizeText(doc.title),
      tagText: normalizeText(doc.tagText),
      body: normalizeText(doc.body),
      docNumber: normalizeText(doc.docNumber ?? ''),
      issuer: normalizeText(doc.issuer),
    },
    display: {
      version: doc.version,
      title: doc.title,
      docNumber: doc.docNumber,
      issuer: doc.issuer,
      level: doc.level,
      issuedAt: doc.issuedAt,
      expiresAt: doc.expiresAt,
      validity: doc.validity,
      applicationWindow: doc.applicationWindow,
      body: doc.body,
    },
  };
}

/** Later copies of an id win, as if the upserts had been made one after another. */
export function latestBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const id = key(item);
    byKey.delete(id);
    byKey.set(id, item);
  }
  return [...byKey.values()];
}

// ---------------------------------------------------------------------------------------------
// Validity

/** Validity as of `today`: an `effective` policy whose expiry date has passed reports as `expired`. */
export function derivedValidity({ validity, expiresAt, today }: { validity: Validity; expiresAt: string | null; today: string }): Validity {
  return validity === 'effective' && expiresAt !== null && expiresAt !== '' && expiresAt.slice(0, 10) < today ? 'expired' : validity;
}

function expiredBefore(today: string): estypes.QueryDslQueryContainer {
  // `lt` with `/d` rounds down to the start of `today`: a policy expiring today is still effective today.
  return { range: { expiresAt: { lt: `${today}||/d` } } };
}

/** The documents whose derived validity is `validity` on `today`. */
export function validityClause({ validity, today }: { validity: Validity; today: string }): estypes.QueryDslQueryContainer {
  switch (validity) {
    case 'effective':
      return { bool: { filter: [{ term: { validity: 'effective' } }], must_not: [expiredBefore(today)] } };
    case 'expired':
      return {
        bool: {
          should: [{ term: { validity: 'expired' } }, { bool: { filter: [{ term: { validity: 'effective' } }, expiredBefore(today)] } }],
          minimum_should_match: 1,
        },
      };
    case 'revised':
    case 'repealed':
      return { term: { validity } };
  }
}

// ---------------------------------------------------------------------------------------------
// Request

export interface PolicyText {
  words: readonly string[];
  mode: TextMode;
}

/** The text part alone: what decides between every word and any word. */
export function policyTextQuery({ text, analyzer }: { text: PolicyText; analyzer: AnalyzerChoice }): estypes.QueryDslQueryContainer {
  return textQuery({ words: text.words, fields: weightedTextFields({ weights: POLICY_TEXT_FIELDS, analyzer }), mode: text.mode });
}

function chosenDimensions(request: PolicySearchRequest): [DimensionId, string[]][] {
  return DIMENSION_IDS.flatMap((dimension) => {
    const tags = request.tagFilters[dimension];
    return tags && tags.length > 0 ? [[dimension, [...new Set(tags)]] as [DimensionId, string[]]] : [];
  });
}

function baseFilters(request: PolicySearchRequest): estypes.QueryDslQueryContainer[] {
  const filters: estypes.QueryDslQueryContainer[] = [];
  if (request.issuer !== undefined && request.issuer.trim() !== '') filters.push({ term: { issuerKey: issuerKey(request.issuer) } });
  if (request.issuedFrom || request.issuedTo) {
    // Inclusive at both ends; an undated policy has no value and never falls in a range.
    filters.push({
      range: {
        // `gte …/d` rounds down to the first instant of the day, `lte …/d` up to its last.
        issuedAt: { ...(request.issuedFrom ? { gte: `${request.issuedFrom}||/d` } : {}), ...(request.issuedTo ? { lte: `${request.issuedTo}||/d` } : {}) },
      },
    });
  }
  return filters;
}

function validityFilter(request: PolicySearchRequest): estypes.QueryDslQueryContainer | null {
  const wanted = [...new Set(request.validity ?? [])];
  if (wanted.length === 0) return null;
  return { bool: { should: wanted.map((validity) => validityClause({ validity, today: request.today })), minimum_should_match: 1 } };
}

function tagClause([dimension, tags]: [DimensionId, string[]]): estypes.QueryDslQueryContainer {
  return { terms: { [`tags.${dimension}`]: tags } };
}

function allOf(clauses: estypes.QueryDslQueryContainer[]): estypes.QueryDslQueryContainer {
  return clauses.length === 0 ? { match_all: {} } : { bool: { filter: clauses } };
}

function sortFor({ request, scored }: { request: PolicySearchRequest; scored: boolean }): estypes.Sort {
  if (scored) return [{ _score: { order: 'desc' } }, { issuedAt: { order: 'desc', missing: '_last' } }, { id: { order: 'asc' } }];
  if (request.sort === 'issued_asc') return [{ issuedAt: { order: 'asc', missing: '_last' } }, { undatedId: { order: 'asc', missing: '_last' } }, { id: { order: 'asc' } }];
  return [{ issuedAt: { order: 'desc', missing: '_last' } }, { undatedId: { order: 'asc', missing: '_last' } }, { id: { order: 'desc' } }];
}

export const FACET_PREFIX = 'facet_';
export const VALIDITY_FACET = 'facet_validity';

function facetAggregations({ request, dimensions, validity }: { request: PolicySearchRequest; dimensions: [DimensionId, string[]][]; validity: estypes.QueryDslQueryContainer | null }): Record<string, estypes.AggregationsAggregationContainer> {
  const aggregations: Record<string, estypes.AggregationsAggregationContainer> = {};
  for (const dimension of DIMENSION_IDS) {
    const others = dimensions.filter(([chosen]) => chosen !== dimension).map(tagClause);
    aggregations[`${FACET_PREFIX}${dimension}`] = {
      filter: allOf(validity ? [...others, validity] : others),
      aggs: { tags: { terms: { field: `tags.${dimension}`, size: TAG_FACET_SIZE } } },
    };
  }
  aggregations[VALIDITY_FACET] = {
    filter: allOf(dimensions.map(tagClause)),
    aggs: {
      validity: { filters: { filters: Object.fromEntries(VALIDITIES.map((name) => [name, validityClause({ validity: name, today: request.today })])) } },
    },
  };
  return aggregations;
}

/** The page asked for, within the window the index allows. */
function pageOf(request: PolicySearchRequest): { from: number; size: number } {
  const from = Math.min(Math.max(0, Math.floor(request.offset)), MAX_RESULT_WINDOW);
  const size = Math.max(0, Math.min(Math.floor(request.limit), MAX_RESULT_WINDOW - from));
  return { from, size };
}

export const POLICY_SOURCE_FIELDS = ['id', 'display'];

export function buildPolicySearchRequest({ request, text, analyzer }: { request: PolicySearchRequest; text: PolicyText | null; analyzer: AnalyzerChoice }): estypes.SearchRequest {
  const dimensions = chosenDimensions(request);
  const validity = validityFilter(request);
  const scored = text !== null && request.sort === 'relevance';
  const postFilters = [...dimensions.map(tagClause), ...(validity ? [validity] : [])];
  const query: estypes.QueryDslQueryContainer = {
    bool: { ...(text ? { must: [policyTextQuery({ text, analyzer })] } : {}), filter: baseFilters(request) },
  };
  return {
    query,
    ...(postFilters.length > 0 ? { post_filter: allOf(postFilters) } : {}),
    ...(request.facets ? { aggregations: facetAggregations({ request, dimensions, validity }) } : {}),
    sort: sortFor({ request, scored }),
    ...(scored ? { track_scores: true } : {}),
    ...pageOf(request),
    track_total_hits: true,
    _source: POLICY_SOURCE_FIELDS,
  };
}

/** Counts the documents holding every query word, whatever the filters (the AND → OR decision). */
export function buildPolicyTextCountQuery({ words, analyzer }: { words: readonly string[]; analyzer: AnalyzerChoice }): estypes.QueryDslQueryContainer {
  return policyTextQuery({ text: { words, mode: 'all' }, analyzer });
}

// ---------------------------------------------------------------------------------------------
// Response

export interface TermsBucket {
  key: string | number;
  doc_count: number;
}

/** The aggregations the request above asks for, as the cluster returns them. */
export type PolicyFacetAggregations = Record<string, { doc_count: number; tags?: { buckets: TermsBucket[] }; validity?: { buckets: Partial<Record<Validity, { doc_count: number }>> } }>;

export function totalOf(total: estypes.SearchTotalHits | number | undefined): number {
  if (total === undefined) return 0;
  return typeof total === 'number' ? total : total.value;
}

export function parseFacets({ aggregations, request }: { aggregations: PolicyFacetAggregations | undefined; request: PolicySearchRequest }): PolicySearchFacets {
  const tags: PolicySearchFacets['tags'] = {};
  for (const dimension of DIMENSION_IDS) {
    const counts: Record<string, number> = {};
    for (const bucket of aggregations?.[`${FACET_PREFIX}${dimension}`]?.tags?.buckets ?? []) {
      if (bucket.doc_count > 0) counts[String(bucket.key)] = bucket.doc_count;
    }
    // Tags chosen in the request are listed even at zero, as the embedded engine lists them.
    for (const tagId of request.tagFilters[dimension] ?? []) counts[tagId] ??= 0;
    if (Object.keys(counts).length > 0) tags[dimension] = counts;
  }
  const buckets = aggregations?.[VALIDITY_FACET]?.validity?.buckets ?? {};
  const chosen = new Set(request.validity ?? []);
  const validity: PolicySearchFacets['validity'] = {};
  for (const name of VALIDITIES) {
    const count = buckets[name]?.doc_count ?? 0;
    if (count > 0 || chosen.has(name)) validity[name] = count;
  }
  return { tags, validity };
}

export interface PolicyHitSource {
  id: string;
  display: PolicyDisplay;
}

export function toPolicyHit({ source, score, terms, today }: { source: PolicyHitSource; score: number; terms: readonly string[]; today: string }): PolicySearchHitDoc {
  const { display } = source;
  return {
    id: source.id,
    version: display.version,
    title: display.title,
    docNumber: display.docNumber,
    issuer: display.issuer,
    level: display.level,
    issuedAt: display.issuedAt,
    validity: derivedValidity({ validity: display.validity, expiresAt: display.expiresAt, today }),
    applicationWindow: display.applicationWindow,
    snippet: policySnippet({ body: display.body, terms }),
    score,
  };
}

export function parsePolicySearchResponse({
  response,
  request,
  terms,
  scored,
}: {
  response: estypes.SearchResponse<PolicyHitSource, PolicyFacetAggregations>;
  request: PolicySearchRequest;
  terms: readonly string[];
  scored: boolean;
}): PolicySearchResult {
  const hits = response.hits.hits.flatMap((hit) => {
    const source = hit._source;
    if (!source) return [];
    return [toPolicyHit({ source, score: scored ? (hit._score ?? 0) : 0, terms, today: request.today })];
  });
  return {
    total: totalOf(response.hits.total),
    hits,
    facets: request.facets ? parseFacets({ aggregations: response.aggregations, request }) : null,
  };
}

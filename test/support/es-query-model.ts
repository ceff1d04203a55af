/**
 * A small model of Elasticsearch's structured query semantics, for testing the adapter's query
 * builders without a cluster: filters over keyword, boolean, number and `YYYY-MM-DD` date fields,
 * `filter`/`terms`/`filters` aggregations, field sorts and paging. Full-text queries are out of
 * scope (only a cluster can say how its analyzers match), and any clause this model does not know
 * throws, so a builder cannot slip an untested construct past it.
 *
 * The rules modelled are Elasticsearch's documented ones: a field holds every value of an array
 * (an empty array or null is no value); `bool` needs every `must`/`filter`, no `must_not`, and at
 * least `minimum_should_match` `should` clauses (default 1 when there is no `must`/`filter`, else
 * 0); date bounds rounded with `||/d` cover the whole day (`gte`/`lt` from its start, `gt`/`lte` to
 * its end).
 */
import type { estypes } from '@elastic/elasticsearch';

type Scalar = string | number | boolean;

export interface ModelDoc {
  _id: string;
  _source: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const splitPaths = new Map<string, string[]>();

/** Per stored source, the values read so far by path (sources are never changed in place). */
const valueCache = new WeakMap<object, Map<string, Scalar[]>>();

/** Every value a document holds at a dotted path, arrays flattened, nulls dropped. */
export function valuesAt(source: unknown, path: string): Scalar[] {
  if (!isRecord(source)) return readValuesAt(source, path);
  let byPath = valueCache.get(source);
  if (!byPath) {
    byPath = new Map();
    valueCache.set(source, byPath);
  }
  let values = byPath.get(path);
  if (!values) {
    values = readValuesAt(source, path);
    byPath.set(path, values);
  }
  return values;
}

function readValuesAt(source: unknown, path: string): Scalar[] {
  const out: Scalar[] = [];
  let parts = splitPaths.get(path);
  if (!parts) {
    parts = path.split('.');
    splitPaths.set(path, parts);
  }
  const visit = (value: unknown, rest: string[]): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, rest);
      return;
    }
    if (rest.length === 0) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push(value);
      return;
    }
    if (!isRecord(value)) return;
    const [head, ...tail] = rest;
    if (head !== undefined) visit(value[head], tail);
  };
  visit(source, parts);
  return out;
}

function single<T>(record: Partial<Record<string, T>>, what: string): [string, T] {
  const entries = Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined);
  if (entries.length !== 1 || !entries[0]) throw new Error(`${what}: expected exactly one field`);
  return entries[0];
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** A date bound as a day, and whether it was rounded to the day (`||/d`). */
function dayBound(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`range: only date strings are modelled, got ${String(value)}`);
  const match = /^(\d{4}-\d{2}-\d{2})(\|\|\/d)?$/.exec(value);
  if (!match?.[1]) throw new Error(`range: unsupported bound ${value}`);
  return match[1];
}

function rangeMatches(values: Scalar[], range: Record<string, unknown>): boolean {
  for (const key of Object.keys(range)) {
    if (!['gt', 'gte', 'lt', 'lte', 'format', 'boost'].includes(key)) throw new Error(`range: unsupported option ${key}`);
  }
  return values.some((raw) => {
    if (typeof raw !== 'string') return false;
    const day = raw.slice(0, 10);
    if (range.gte !== undefined && !(day >= dayBound(range.gte))) return false;
    if (range.gt !== undefined && !(day > dayBound(range.gt))) return false;
    if (range.lte !== undefined && !(day <= dayBound(range.lte))) return false;
    if (range.lt !== undefined && !(day < dayBound(range.lt))) return false;
    return true;
  });
}

/**
 * Queries the model leaves to its user (full text, percolation): a verdict, or undefined for a
 * query it does not handle either.
 */
export type QueryExtension = (query: estypes.QueryDslQueryContainer, doc: ModelDoc) => boolean | undefined;

type Predicate = (doc: ModelDoc) => boolean;

/**
 * Queries compiled once into predicates, per extension: a stored percolator query or a request's
 * query is then evaluated against thousands of documents without being re-read each time.
 */
const compiledQueries = new WeakMap<QueryExtension | typeof NO_EXTENSION, WeakMap<estypes.QueryDslQueryContainer, Predicate>>();
const NO_EXTENSION: QueryExtension = () => undefined;

export function matches(query: estypes.QueryDslQueryContainer, doc: ModelDoc, extension?: QueryExtension): boolean {
  return compiled(query, extension)(doc);
}

function compiled(query: estypes.QueryDslQueryContainer, extension: QueryExtension | undefined): Predicate {
  const key = extension ?? NO_EXTENSION;
  let cache = compiledQueries.get(key);
  if (!cache) {
    cache = new WeakMap();
    compiledQueries.set(key, cache);
  }
  let predicate = cache.get(query);
  if (!predicate) {
    predicate = compile(query, extension);
    cache.set(query, predicate);
  }
  return predicate;
}

function compile(query: estypes.QueryDslQueryContainer, extension: QueryExtension | undefined): Predicate {
  const keys = Object.keys(query);
  if (keys.length !== 1) throw new Error(`a query container holds exactly one query, got ${keys.join(', ') || 'none'}`);
  const core = compileCore(query, extension);
  if (!extension) return core;
  // The extension has the first word on every query, as it had before compilation.
  return (doc) => extension(query, doc) ?? core(doc);
}

function compileCore(query: estypes.QueryDslQueryContainer, extension: QueryExtension | undefined): Predicate {
  if (query.match_all) return () => true;
  if (query.match_none) return () => false;
  if (query.term) {
    const [field, spec] = single(query.term, 'term');
    const wanted = isRecord(spec) ? spec.value : spec;
    return (doc) => valuesAt(doc._source, field).some((value) => value === wanted);
  }
  if (query.terms) {
    const fields = Object.entries(query.terms).filter(([key]) => key !== 'boost' && key !== '_name');
    if (fields.length !== 1 || !fields[0]) throw new Error('terms: expected exactly one field');
    const [field, wanted] = fields[0];
    if (!Array.isArray(wanted)) throw new Error('terms: only literal lists are modelled');
    const set = new Set<unknown>(wanted);
    return (doc) => valuesAt(doc._source, field).some((value) => set.has(value));
  }
  if (query.ids) {
    const ids = new Set(asArray(query.ids.values));
    return (doc) => ids.has(doc._id);
  }
  if (query.exists) {
    const field = query.exists.field;
    return (doc) => valuesAt(doc._source, field).length > 0;
  }
  if (query.range) {
    const [field, range] = single(query.range, 'range');
    return (doc) => rangeMatches(valuesAt(doc._source, field), range as Record<string, unknown>);
  }
  if (query.constant_score) return compiled(query.constant_score.filter, extension);
  if (query.bool) {
    const { must, filter, should, must_not: mustNot, minimum_should_match: minimum, ...rest } = query.bool;
    for (const key of Object.keys(rest)) if (key !== 'boost' && key !== '_name') throw new Error(`bool: unsupported option ${key}`);
    if (typeof minimum === 'string') throw new Error('bool: only numeric minimum_should_match is modelled');
    const required = [...asArray(must), ...asArray(filter)].map((clause) => compiled(clause, extension));
    const excluded = asArray(mustNot).map((clause) => compiled(clause, extension));
    const optional = asArray(should).map((clause) => compiled(clause, extension));
    const needed = minimum ?? (required.length > 0 ? 0 : optional.length > 0 ? 1 : 0);
    return (doc) => {
      for (const clause of required) if (!clause(doc)) return false;
      for (const clause of excluded) if (clause(doc)) return false;
      if (needed === 0) return true;
      let count = 0;
      for (const clause of optional) if (clause(doc) && (count += 1) >= needed) return true;
      return false;
    };
  }
  // Left to the extension; a query nobody handles fails when it is evaluated.
  return () => {
    throw new Error(`unsupported query: ${keys0(query)}`);
  };
}

function keys0(query: estypes.QueryDslQueryContainer): string {
  return Object.keys(query)[0] ?? '';
}

// ---------------------------------------------------------------------------------------------
// Searching

export interface ModelBucket {
  key: string;
  doc_count: number;
}

export type ModelAggregate = {
  doc_count?: number;
  buckets?: ModelBucket[] | Record<string, { doc_count: number }>;
} & { [name: string]: ModelAggregate | number | ModelBucket[] | Record<string, { doc_count: number }> | undefined };

function aggregate(container: estypes.AggregationsAggregationContainer, docs: ModelDoc[], extension?: QueryExtension): ModelAggregate {
  const { aggs, aggregations, ...kinds } = container;
  const kind = Object.keys(kinds);
  if (kind.length !== 1) throw new Error(`an aggregation holds exactly one kind, got ${kind.join(', ')}`);
  const subs = aggs ?? aggregations ?? {};
  if (container.filter) {
    const filter = container.filter;
    const scope = docs.filter((doc) => matches(filter, doc, extension));
    const out: ModelAggregate = { doc_count: scope.length };
    for (const [name, sub] of Object.entries(subs)) out[name] = aggregate(sub, scope, extension);
    return out;
  }
  if (container.terms) {
    const field = container.terms.field;
    if (typeof field !== 'string') throw new Error('terms aggregation: field required');
    if (Object.keys(subs).length > 0) throw new Error('terms aggregation: sub-aggregations are not modelled');
    const counts = new Map<string, number>();
    for (const doc of docs) for (const value of new Set(valuesAt(doc._source, field))) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
    const buckets = [...counts].map(([key, count]) => ({ key, doc_count: count })).sort((a, b) => b.doc_count - a.doc_count || (a.key < b.key ? -1 : 1));
    return { buckets: buckets.slice(0, container.terms.size ?? 10) };
  }
  if (container.filters) {
    const filters = container.filters.filters;
    if (!isRecord(filters)) throw new Error('filters aggregation: only named filters are modelled');
    const buckets: Record<string, { doc_count: number }> = {};
    for (const [name, filter] of Object.entries(filters as Record<string, estypes.QueryDslQueryContainer>)) {
      buckets[name] = { doc_count: docs.filter((doc) => matches(filter, doc, extension)).length };
    }
    return { buckets };
  }
  throw new Error(`unsupported aggregation: ${kind[0]}`);
}

function compareScalars(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sortKeys(sort: estypes.Sort | undefined, scoring: boolean): { field: string; order: 'asc' | 'desc'; missingFirst: boolean }[] {
  return asArray(sort).map((entry) => {
    if (typeof entry === 'string') return { field: entry, order: 'asc', missingFirst: false };
    const [field, spec] = single(entry as Record<string, unknown>, 'sort');
    if (field === '_score' && !scoring) throw new Error('sort: _score needs a scoring function');
    if (spec === 'asc' || spec === 'desc') return { field, order: spec, missingFirst: false };
    if (!isRecord(spec)) throw new Error(`sort: unsupported spec for ${field}`);
    const order = spec.order === 'desc' ? 'desc' : 'asc';
    if (spec.missing !== undefined && spec.missing !== '_last' && spec.missing !== '_first') throw new Error('sort: only _first/_last are modelled');
    return { field, order, missingFirst: spec.missing === '_first' };
  });
}

/** Sort values of a document: the lowest value ascending, the highest descending (multi-valued fields). */
function sortValue(doc: ModelDoc, field: string, order: 'asc' | 'desc'): Scalar | undefined {
  const values = [...valuesAt(doc._source, field)].sort(compareScalars);
  return order === 'asc' ? values[0] : values.at(-1);
}

/** `_source` filtering by a list of field paths (no wildcards). */
export function pick(source: Record<string, unknown>, includes: estypes.SearchSourceConfig | undefined): Record<string, unknown> {
  if (includes === undefined || includes === true) return source;
  if (!Array.isArray(includes)) throw new Error('_source: only a list of fields is modelled');
  const out: Record<string, unknown> = {};
  for (const path of includes) {
    if (path.includes('*')) throw new Error('_source: wildcards are not modelled');
    const parts = path.split('.');
    let from: unknown = source;
    for (const part of parts) from = isRecord(from) ? from[part] : undefined;
    if (from === undefined) continue;
    let into = out;
    parts.slice(0, -1).forEach((part) => {
      const next = into[part];
      if (!isRecord(next)) into[part] = {};
      into = into[part] as Record<string, unknown>;
    });
    into[parts[parts.length - 1] ?? path] = from;
  }
  return out;
}

export interface ModelResponse {
  hits: { total: { value: number; relation: 'eq' }; hits: { _id: string; _score: number | null; _source: Record<string, unknown>; sort: Scalar[] }[] };
  aggregations?: Record<string, ModelAggregate>;
}

export interface SearchOptions {
  extension?: QueryExtension;
  /**
   * The documents each query (by its JSON) matched, for searches over a snapshot that cannot change
   * (a point in time): the pages of one paged search then filter the snapshot once, not once a page.
   */
  matchedCache?: Map<string, ModelDoc[]>;
  /** The relevance of a matching document, for `_score` sorts; without it every score is null. */
  score?: (query: estypes.QueryDslQueryContainer, doc: ModelDoc) => number;
}

function compareSortValues(a: readonly Scalar[], b: readonly unknown[], orders: readonly ('asc' | 'desc')[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || (typeof y !== 'string' && typeof y !== 'number' && typeof y !== 'boolean')) continue;
    const compared = compareScalars(x, y);
    if (compared !== 0) return orders[i] === 'desc' ? -compared : compared;
  }
  return 0;
}

interface OrderedHits {
  hits: ModelDoc[];
  ordered: ModelDoc[];
  scores: Map<string, number>;
  keyValues: Map<ModelDoc, (Scalar | undefined)[]>;
}

/** Orderings per snapshot cache (see `matchedCache`), dropped with the snapshot. */
const orderedCache = new WeakMap<Map<string, ModelDoc[]>, Map<string, OrderedHits>>();
const NO_CACHE = new Map<string, ModelDoc[]>();

function orderHits({ scope, query, postFilter, keys, score, extension }: {
  scope: ModelDoc[];
  query: estypes.QueryDslQueryContainer | undefined;
  postFilter: estypes.QueryDslQueryContainer | undefined;
  keys: ReturnType<typeof sortKeys>;
  score: SearchOptions['score'];
  extension: QueryExtension | undefined;
}): OrderedHits {
  const hits = postFilter ? scope.filter((doc) => matches(postFilter, doc, extension)) : scope;
  const scores = new Map<string, number>();
  if (score) for (const doc of hits) scores.set(doc._id, query ? score(query, doc) : 1);
  const valueOf = (doc: ModelDoc, field: string, order: 'asc' | 'desc'): Scalar | undefined => (field === '_score' ? scores.get(doc._id) : sortValue(doc, field, order));
  // Sort values are worked out once a document, not once a comparison.
  const keyValues = new Map(hits.map((doc) => [doc, keys.map(({ field, order }) => valueOf(doc, field, order))]));
  const ordered = [...hits].sort((a, b) => {
    const left = keyValues.get(a) ?? [];
    const right = keyValues.get(b) ?? [];
    for (const [i, { order, missingFirst }] of keys.entries()) {
      const x = left[i];
      const y = right[i];
      if (x === undefined && y === undefined) continue;
      if (x === undefined) return missingFirst ? -1 : 1;
      if (y === undefined) return missingFirst ? 1 : -1;
      const compared = compareScalars(x, y);
      if (compared !== 0) return order === 'asc' ? compared : -compared;
    }
    return 0;
  });
  return { hits, ordered, scores, keyValues };
}

/** A search over documents: query, post_filter, aggregations over the query's matches, sort, search_after, page. */
export function search(request: estypes.SearchRequest, docs: ModelDoc[], { extension, score, matchedCache }: SearchOptions = {}): ModelResponse {
  const known = new Set(['query', 'post_filter', 'aggregations', 'aggs', 'sort', 'from', 'size', 'track_total_hits', '_source', 'track_scores', 'search_after', 'pit']);
  for (const key of Object.keys(request)) if (!known.has(key)) throw new Error(`search: unsupported option ${key}`);
  const query = request.query;
  const filterScope = (): ModelDoc[] => (query ? docs.filter((doc) => matches(query, doc, extension)) : docs);
  const cacheKey = matchedCache ? JSON.stringify(query ?? null) : '';
  const scope = matchedCache?.get(cacheKey) ?? filterScope();
  matchedCache?.set(cacheKey, scope);
  const keys = sortKeys(request.sort ?? (score ? [{ _score: { order: 'desc' } }] : undefined), score !== undefined);
  // The pages of one paged search share their filtering and ordering over an unchanging snapshot.
  const orderKey = matchedCache ? `order:${JSON.stringify([query ?? null, request.post_filter ?? null, request.sort ?? null])}` : '';
  const cachedOrder = orderedCache.get(matchedCache ?? NO_CACHE)?.get(orderKey);
  const { hits, ordered, scores, keyValues } = cachedOrder ?? orderHits({ scope, query, postFilter: request.post_filter, keys, score, extension });
  if (matchedCache && !cachedOrder) {
    const byKey = orderedCache.get(matchedCache) ?? new Map<string, OrderedHits>();
    byKey.set(orderKey, { hits, ordered, scores, keyValues });
    orderedCache.set(matchedCache, byKey);
  }
  const sortValues = (doc: ModelDoc): Scalar[] => (keyValues.get(doc) ?? []).filter((value): value is Scalar => value !== undefined);
  const after = request.search_after;
  const orders = keys.map(({ order }) => order);
  const remaining = after ? ordered.filter((doc) => compareSortValues(sortValues(doc), after, orders) > 0) : ordered;
  const from = request.from ?? 0;
  const size = request.size ?? 10;
  const containers = request.aggregations ?? request.aggs;
  return {
    hits: {
      total: { value: hits.length, relation: 'eq' },
      hits: remaining.slice(from, from + size).map((doc) => ({
        _id: doc._id,
        _score: scores.get(doc._id) ?? null,
        _source: pick(doc._source, request._source),
        sort: sortValues(doc),
      })),
    },
    ...(containers ? { aggregations: Object.fromEntries(Object.entries(containers).map(([name, container]) => [name, aggregate(container, scope, extension)])) } : {}),
  };
}

/** A document as the cluster would keep it: JSON in, JSON out. */
export function stored(id: string, doc: object): ModelDoc {
  return { _id: id, _source: JSON.parse(JSON.stringify(doc)) as Record<string, unknown> };
}

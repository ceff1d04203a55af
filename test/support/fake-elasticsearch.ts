/**
 * An in-process HTTP server that answers the part of Elasticsearch 8's REST API the search adapter
 * uses, so the adapter's own code (the client calls, bulk writes and their failures, refreshes,
 * aliases and rebuilds, points in time and paging) runs end to end without a cluster.
 *
 * It is a model, not Elasticsearch. Structured queries follow test/support/es-query-model.ts;
 * phrase queries are substring matches on the stored (normalised) text, which is what the `cjk`
 * bigram analysis amounts to for Chinese, scored by the sum of the matching fields' boosts; the
 * percolator evaluates each stored query against the given document. Writes become searchable only
 * on refresh, GET and mget are real time, mappings are enforced (strict objects, strict dates),
 * templates apply by pattern and priority, and 429s can be injected.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { estypes } from '@elastic/elasticsearch';
import { matches, pick, search, stored, valuesAt, type ModelDoc, type QueryExtension } from './es-query-model.js';

type Json = Record<string, unknown>;

/**
 * The searchable state of an index as of one refresh. It never changes, so the documents each
 * query matched are kept with it: the pages of a paged search, and the same search repeated
 * before the next refresh, filter the documents once.
 */
interface Snapshot {
  docs: ModelDoc[];
  matched: Map<string, ModelDoc[]>;
}

function snapshotOf(docs: Map<string, Json>): Snapshot {
  return { docs: [...docs].map(([id, source]) => ({ _id: id, _source: source })), matched: new Map() };
}

interface FakeIndex {
  mappings: estypes.MappingTypeMapping;
  settings: Json;
  /** Real-time state (GET, mget). */
  docs: Map<string, Json>;
  /** What searches see: the state at the last refresh. */
  visible: Snapshot;
  /** Per document, the sequence number of its last write (optimistic concurrency). */
  seqNos: Map<string, number>;
  nextSeqNo: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
  ) {
    super(reason);
  }
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function validDate(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Field paths a stored (percolator) query names. */
function queryFields(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => queryFields(item, out));
  else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'term' || key === 'terms') && isRecord(value)) out.push(...Object.keys(value).filter((field) => field !== 'boost'));
      else queryFields(value, out);
    }
  }
  return out;
}

function mappedAt(mapping: estypes.MappingTypeMapping, path: string): estypes.MappingProperty | undefined {
  let properties = mapping.properties;
  let found: estypes.MappingProperty | undefined;
  for (const part of path.split('.')) {
    found = properties?.[part];
    if (!found) return undefined;
    properties = 'properties' in found ? found.properties : undefined;
  }
  return found;
}

function validate({ value, property, path, mapping }: { value: unknown; property: estypes.MappingProperty; path: string; mapping: estypes.MappingTypeMapping }): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) validate({ value: item, property, path, mapping });
    return;
  }
  const fail = (reason: string): never => {
    throw new HttpError(400, 'document_parsing_exception', `[${path}] ${reason}`);
  };
  switch (property.type) {
    case 'keyword':
      if (typeof value === 'object') fail('expected a keyword value');
      return;
    case 'text':
      if (typeof value !== 'string') fail('expected text');
      return;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('expected an integer');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('expected a boolean');
      return;
    case 'date':
      if (!validDate(value)) fail(`failed to parse date field [${String(value)}] with format [strict_date]`);
      return;
    case 'percolator':
      for (const field of queryFields(value)) if (!mappedAt(mapping, field)) fail(`percolator query names unmapped field [${field}]`);
      return;
    case 'object':
    case undefined: {
      if ('enabled' in property && property.enabled === false) return;
      if (!isRecord(value)) fail('expected an object');
      const properties = 'properties' in property ? (property.properties ?? {}) : {};
      validateObject({ source: value as Json, properties, path, mapping });
      return;
    }
    default:
      fail(`type ${property.type} is not modelled`);
  }
}

function validateObject({ source, properties, path, mapping }: { source: Json; properties: Record<string, estypes.MappingProperty>; path: string; mapping: estypes.MappingTypeMapping }): void {
  for (const [key, value] of Object.entries(source)) {
    const property = properties[key];
    const at = path ? `${path}.${key}` : key;
    // Every mapping the adapter writes is strict.
    if (!property) throw new HttpError(400, 'strict_dynamic_mapping_exception', `mapping set to strict, dynamic introduction of [${at}] is not allowed`);
    validate({ value, property, path: at, mapping });
  }
}

/** The percolated document as stored, once a request rather than once a stored query. */
const percolatedDocs = new WeakMap<estypes.QueryDslPercolateQuery, ModelDoc>();
function percolatedDoc(query: estypes.QueryDslPercolateQuery): ModelDoc {
  const cached = percolatedDocs.get(query);
  if (cached) return cached;
  const doc = stored('percolated', query.document ?? {});
  percolatedDocs.set(query, doc);
  return doc;
}

/** Phrase queries as substrings of the stored text (`.cjk` subfields read their parent field). */
const textExtension: QueryExtension = (query, doc) => {
  if (query.match_phrase) {
    const [field, spec] = Object.entries(query.match_phrase)[0] ?? ['', ''];
    const text = typeof spec === 'string' ? spec : (spec?.query ?? '');
    const source = field.endsWith('.cjk') ? field.slice(0, -4) : field;
    return text !== '' && valuesAt(doc._source, source).some((value) => typeof value === 'string' && value.includes(text));
  }
  if (query.percolate) {
    const stored_ = doc._source[query.percolate.field];
    if (!isRecord(stored_)) return false;
    return matches(stored_ as estypes.QueryDslQueryContainer, percolatedDoc(query.percolate), textExtension);
  }
  return undefined;
};

/** The sum of the boosts of the phrase clauses that match, as a stand-in for BM25. */
function scoreOf(query: estypes.QueryDslQueryContainer, doc: ModelDoc, extension: QueryExtension): number {
  if (query.match_phrase) {
    const spec = Object.values(query.match_phrase)[0];
    const boost = typeof spec === 'object' && spec !== null ? (spec.boost ?? 1) : 1;
    return matches(query, doc, extension) ? boost : 0;
  }
  if (query.bool) {
    const scored = [...[query.bool.must ?? []].flat(), ...[query.bool.should ?? []].flat()];
    return scored.reduce((sum, clause) => sum + (matches(clause, doc, extension) ? scoreOf(clause, doc, extension) : 0), 0);
  }
  if (query.constant_score) return query.constant_score.boost ?? 1;
  return 0;
}

export class FakeElasticsearch {
  private server: http.Server | null = null;
  private readonly templates = new Map<string, { patterns: RegExp[]; priority: number; template: Json }>();
  private readonly indices = new Map<string, FakeIndex>();
  private readonly aliases = new Map<string, Set<string>>();
  private readonly pits = new Map<string, Snapshot>();
  private pitCounter = 0;
  private rejectedRequests = 0;
  private rejectedItems = 0;
  /** Every request, method and path, for tests that check what the adapter asked for. */
  readonly requests: { method: string; path: string }[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `count` requests are refused whole with 429. */
  rejectRequests(count: number): void {
    this.rejectedRequests = count;
  }

  /** The next `count` bulk items are refused with 429 (the rest of their request succeeds). */
  rejectBulkItems(count: number): void {
    this.rejectedItems = count;
  }

  /** Concrete indices an alias points at. */
  aliasTargets(alias: string): string[] {
    return [...(this.aliases.get(alias) ?? [])];
  }

  indexNames(): string[] {
    return [...this.indices.keys()];
  }

  /** Overwrites an index's mapping `_meta`, as an index built by another version would carry. */
  setMappingMeta(index: string, meta: Json): void {
    const target = this.indices.get(index);
    if (target) target.mappings = { ...target.mappings, _meta: meta };
  }

  openPits(): number {
    return this.pits.size;
  }

  // -------------------------------------------------------------------------------------------

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const path = decodeURIComponent(url.pathname);
    this.requests.push({ method, path });
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      response.end(method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    try {
      if (this.rejectedRequests > 0 && path !== '/') {
        this.rejectedRequests -= 1;
        throw new HttpError(429, 'es_rejected_execution_exception', 'rejected execution (queue capacity reached)');
      }
      const [status, body] = this.route({ method, path, params: url.searchParams, raw });
      send(status, body);
    } catch (error) {
      if (error instanceof HttpError) send(error.status, { error: { type: error.type, reason: error.message, root_cause: [{ type: error.type, reason: error.message }] }, status: error.status });
      else send(500, { error: { type: 'fake_failure', reason: error instanceof Error ? error.stack : String(error) }, status: 500 });
    }
  }

  private route({ method, path, params, raw }: { method: string; path: string; params: URLSearchParams; raw: string }): [number, unknown] {
    const body = (): Json => (raw.trim() === '' ? {} : (JSON.parse(raw) as Json));
    const parts = path.split('/').filter(Boolean);
    const [first, second, third] = parts;
    if (parts.length === 0) return method === 'HEAD' ? [200, {}] : [200, { name: 'fake', cluster_name: 'fake', version: { number: '8.19.0', build_flavor: 'default' }, tagline: 'You Know, for Search' }];
    if (first === '_analyze') return [200, { tokens: [] }];
    if (first === '_index_template' && second) {
      if (method === 'DELETE') {
        if (!this.templates.delete(second)) throw new HttpError(404, 'resource_not_found_exception', `index template matching [${second}] not found`);
        return [200, { acknowledged: true }];
      }
      const template = body();
      const patterns = ([] as unknown[]).concat(template.index_patterns).map((p) => globToRegExp(String(p)));
      this.templates.set(second, { patterns, priority: Number(template.priority ?? 0), template: isRecord(template.template) ? template.template : {} });
      return [200, { acknowledged: true }];
    }
    if (first === '_aliases') return this.updateAliases(body());
    if (first === '_alias' && second) {
      const targets = this.aliasTargets(second);
      if (targets.length === 0) throw new HttpError(404, 'aliases_not_found_exception', `alias [${second}] missing`);
      return [200, Object.fromEntries(targets.map((index) => [index, { aliases: { [second]: {} } }]))];
    }
    if (first === '_bulk') return this.bulk({ raw, requireAlias: params.get('require_alias') === 'true' });
    if (first === '_pit' && method === 'DELETE') {
      const id = String(body().id ?? '');
      return [200, { succeeded: this.pits.delete(id), num_freed: 1 }];
    }
    if (first === '_search') return this.search({ target: null, request: body() });
    if (!first) throw new HttpError(400, 'illegal_argument_exception', 'no index');
    if (second === undefined) return this.indexLevel({ method, name: first, request: body });
    if (second === '_mapping') {
      const name = this.resolve(first);
      const target = this.index(name);
      if (method === 'PUT' || method === 'POST') {
        // Additive only, as a real mapping update: a field may be added, never changed.
        const properties = (body().properties ?? {}) as Record<string, estypes.MappingProperty>;
        for (const [field, property] of Object.entries(properties)) {
          const existing = target.mappings.properties?.[field];
          if (existing && JSON.stringify(existing) !== JSON.stringify(property)) throw new HttpError(400, 'illegal_argument_exception', `mapper [${field}] cannot be changed`);
        }
        target.mappings = { ...target.mappings, properties: { ...target.mappings.properties, ...properties } };
        return [200, { acknowledged: true }];
      }
      return [200, { [name]: { mappings: target.mappings } }];
    }
    if (second === '_refresh') {
      for (const name of this.resolveAll(first)) this.refresh(name);
      return [200, { _shards: { total: 1, successful: 1, failed: 0 } }];
    }
    if (second === '_count') {
      const request = body();
      const docs = this.visibleDocs(this.resolve(first));
      const query = request.query as estypes.QueryDslQueryContainer | undefined;
      return [200, { count: query ? docs.filter((doc) => matches(query, doc, textExtension)).length : docs.length }];
    }
    if (second === '_search') return this.search({ target: this.resolve(first), request: body() });
    if (second === '_pit') {
      const id = `pit-${(this.pitCounter += 1)}`;
      this.pits.set(id, this.index(this.resolve(first)).visible);
      return [200, { id, _shards: { total: 1, successful: 1, failed: 0 } }];
    }
    if (second === '_mget') {
      const name = this.resolve(first);
      const ids = ([] as unknown[]).concat(body().ids ?? []).map(String);
      const includes = params.get('_source')?.split(',');
      return [200, { docs: ids.map((id) => {
        const source = this.index(name).docs.get(id);
        return source ? { _index: name, _id: id, found: true, _source: pick(source, includes) } : { _index: name, _id: id, found: false };
      }) }];
    }
    if (second === '_delete_by_query') {
      const name = this.resolve(first);
      const query = body().query as estypes.QueryDslQueryContainer;
      const target = this.index(name);
      const doomed = this.visibleDocs(name).filter((doc) => matches(query, doc, textExtension));
      for (const doc of doomed) target.docs.delete(doc._id);
      if (params.get('refresh') === 'true') this.refresh(name);
      return [200, { deleted: doomed.length, failures: [] }];
    }
    if (second === '_doc' && third) {
      const name = this.resolve(first);
      const target = this.index(name);
      if (method === 'GET') {
        const source = target.docs.get(third);
        if (!source) return [404, { _index: name, _id: third, found: false }];
        return [200, { _index: name, _id: third, found: true, _seq_no: target.seqNos.get(third) ?? 0, _primary_term: 1, _source: source }];
      }
      const source = body();
      validateObject({ source, properties: target.mappings.properties ?? {}, path: '', mapping: target.mappings });
      const exists = target.docs.has(third);
      const conflict = (reason: string): never => {
        throw new HttpError(409, 'version_conflict_engine_exception', `[${third}]: version conflict, ${reason}`);
      };
      if (params.get('op_type') === 'create' && exists) conflict('document already exists');
      const ifSeqNo = params.get('if_seq_no');
      if (ifSeqNo !== null && (!exists || Number(ifSeqNo) !== target.seqNos.get(third) || params.get('if_primary_term') !== '1')) conflict(`required seqNo [${ifSeqNo}]`);
      this.write(target, third, source);
      return [exists ? 200 : 201, { _index: name, _id: third, result: exists ? 'updated' : 'created' }];
    }
    throw new HttpError(400, 'unsupported', `the fake does not model ${method} ${path}`);
  }

  private indexLevel({ method, name, request }: { method: string; name: string; request: () => Json }): [number, unknown] {
    if (method === 'HEAD') return [this.indices.has(name) || this.aliases.has(name) ? 200 : 404, {}];
    if (method === 'DELETE') {
      for (const index of name.split(',')) {
        if (!this.indices.delete(index)) throw new HttpError(404, 'index_not_found_exception', `no such index [${index}]`);
        for (const targets of this.aliases.values()) targets.delete(index);
      }
      for (const [alias, targets] of this.aliases) if (targets.size === 0) this.aliases.delete(alias);
      return [200, { acknowledged: true }];
    }
    if (method === 'PUT') {
      if (this.indices.has(name)) throw new HttpError(400, 'resource_already_exists_exception', `index [${name}] already exists`);
      if (this.aliases.has(name)) throw new HttpError(400, 'invalid_index_name_exception', `an alias named [${name}] exists`);
      const body = request();
      const template = [...this.templates.values()].filter(({ patterns }) => patterns.some((p) => p.test(name))).sort((a, b) => b.priority - a.priority)[0]?.template ?? {};
      const mappings = (body.mappings ?? template.mappings ?? {}) as estypes.MappingTypeMapping;
      const settings = (body.settings ?? template.settings ?? {}) as Json;
      this.indices.set(name, { mappings, settings, docs: new Map(), visible: snapshotOf(new Map()), seqNos: new Map(), nextSeqNo: 0 });
      return [200, { acknowledged: true, shards_acknowledged: true, index: name }];
    }
    // GET of indices by name or pattern (the uninstaller).
    const found: Json = {};
    for (const pattern of name.split(',')) {
      const regexp = globToRegExp(pattern);
      for (const [index, state] of this.indices) if (regexp.test(index)) found[index] = { mappings: state.mappings, settings: state.settings };
    }
    return [200, found];
  }

  private updateAliases(request: Json): [number, unknown] {
    const actions = Array.isArray(request.actions) ? request.actions : [];
    // All or nothing, as the real API: check every action before applying any.
    for (const action of actions) {
      if (!isRecord(action)) continue;
      const add = action.add;
      const removeIndex = action.remove_index;
      if (isRecord(add) && !this.indices.has(String(add.index))) throw new HttpError(404, 'index_not_found_exception', `no such index [${String(add.index)}]`);
      if (isRecord(removeIndex) && !this.indices.has(String(removeIndex.index))) throw new HttpError(404, 'index_not_found_exception', `no such index [${String(removeIndex.index)}]`);
    }
    for (const action of actions) {
      if (!isRecord(action)) continue;
      if (isRecord(action.add)) {
        const alias = String(action.add.alias);
        this.aliases.set(alias, new Set([...(this.aliases.get(alias) ?? []), String(action.add.index)]));
      }
      if (isRecord(action.remove_index)) this.indexLevel({ method: 'DELETE', name: String(action.remove_index.index), request: () => ({}) });
    }
    return [200, { acknowledged: true }];
  }

  private bulk({ raw, requireAlias }: { raw: string; requireAlias: boolean }): [number, unknown] {
    const lines = raw.split('\n').filter((line) => line.trim() !== '');
    const items: Json[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      const action = JSON.parse(lines[i] ?? '{}') as Json;
      const op = Object.keys(action)[0] ?? '';
      const meta = isRecord(action[op]) ? (action[op] as Json) : {};
      const source = op === 'delete' ? null : (JSON.parse(lines[(i += 1)] ?? '{}') as Json);
      const requested = String(meta._index ?? '');
      const id = String(meta._id ?? '');
      const item = (status: number, extra: Json): void => {
        if (status >= 400 && !(op === 'delete' && status === 404)) errors = true;
        items.push({ [op]: { _index: requested, _id: id, status, ...extra } });
      };
      if (this.rejectedItems > 0) {
        this.rejectedItems -= 1;
        item(429, { error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' } });
        continue;
      }
      if (requireAlias && !this.aliases.has(requested)) {
        item(404, { error: { type: 'index_not_found_exception', reason: `[require_alias] request flag is [true] and [${requested}] is not an alias` } });
        continue;
      }
      try {
        const target = this.index(this.resolve(requested));
        if (op === 'delete') {
          const existed = target.docs.delete(id);
          item(existed ? 200 : 404, { result: existed ? 'deleted' : 'not_found' });
          continue;
        }
        if (op !== 'index' || !source) throw new HttpError(400, 'illegal_argument_exception', `bulk action ${op} is not modelled`);
        validateObject({ source, properties: target.mappings.properties ?? {}, path: '', mapping: target.mappings });
        const created = !target.docs.has(id);
        this.write(target, id, source);
        item(created ? 201 : 200, { result: created ? 'created' : 'updated' });
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        item(error.status, { error: { type: error.type, reason: error.message } });
      }
    }
    return [200, { took: 1, errors, items }];
  }

  private search({ target, request }: { target: string | null; request: Json }): [number, unknown] {
    const { pit, ...rest } = request;
    let docs: ModelDoc[];
    let pitId: string | undefined;
    let matchedCache: Map<string, ModelDoc[]> | undefined;
    if (isRecord(pit)) {
      pitId = String(pit.id);
      const snapshot = this.pits.get(pitId);
      if (!snapshot) throw new HttpError(404, 'search_context_missing_exception', `no search context found for id [${pitId}]`);
      docs = snapshot.docs;
      matchedCache = snapshot.matched;
    } else {
      if (target === null) throw new HttpError(400, 'action_request_validation_exception', 'a search without an index needs a point in time');
      const snapshot = this.index(target).visible;
      docs = snapshot.docs;
      matchedCache = snapshot.matched;
    }
    const extension = textExtension;
    const result = search(rest as estypes.SearchRequest, docs, { extension, matchedCache, score: (query, doc) => scoreOf(query, doc, extension) });
    return [200, { took: 1, timed_out: false, _shards: { total: 1, successful: 1, failed: 0 }, ...(pitId ? { pit_id: pitId } : {}), ...result }];
  }

  private write(target: FakeIndex, id: string, source: Json): void {
    target.docs.set(id, source);
    target.seqNos.set(id, target.nextSeqNo);
    target.nextSeqNo += 1;
  }

  private refresh(name: string): void {
    const target = this.index(name);
    target.visible = snapshotOf(target.docs);
  }

  private visibleDocs(name: string): ModelDoc[] {
    return this.index(name).visible.docs;
  }

  private resolve(name: string): string {
    const targets = this.aliasTargets(name);
    if (targets.length > 1) throw new HttpError(400, 'illegal_argument_exception', `alias [${name}] has more than one index`);
    const resolved = targets[0] ?? name;
    if (!this.indices.has(resolved)) throw new HttpError(404, 'index_not_found_exception', `no such index [${name}]`);
    return resolved;
  }

  private resolveAll(name: string): string[] {
    return name.split(',').map((part) => this.resolve(part));
  }

  private index(name: string): FakeIndex {
    const found = this.indices.get(name);
    if (!found) throw new HttpError(404, 'index_not_found_exception', `no such index [${name}]`);
    return found;
  }
}

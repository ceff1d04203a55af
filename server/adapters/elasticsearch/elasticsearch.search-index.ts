/**
 * The scale-out `SearchIndex`: policy and FAQ search and audience matching on an Elasticsearch 8
 * cluster shared by every web and worker process.
 *
 * Every kind of document (policies, FAQs, profiles, subscriptions) is read and written through an
 * alias that points at exactly one concrete index. A rebuild (`clear`, `clearFaqs`,
 * `clearAudience`) creates a fresh concrete index from the template and moves the alias to it in
 * one atomic `_aliases` call that also deletes the old index, so readers always find an index
 * behind the alias. Watermarks live in a small meta index; unlike the embedded engine, whose
 * audience starts empty in every process, the cluster's data and watermarks outlive processes.
 *
 * Queries are built by the pure functions of the sibling modules (typed with `estypes`), and text
 * is normalised and snippets are painted here in the application, so results read like the
 * embedded engine's. Audience matches are decided by the shared matching rules.
 */
import { Client, errors, type estypes } from '@elastic/elasticsearch';
import { DomainError } from '../../errors.js';
import type { ProfileMatch } from '../../matching/match-semantics.js';
import { matchSubscriber } from '../../matching/match-semantics.js';
import type { AudienceMatch, AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import type { FaqSearchDoc, FaqSearchHitDoc, FaqSearchRequest } from '../../ports/faq-index.port.js';
import type { PolicySearchDoc, PolicySearchRequest, PolicySearchResult, SearchIndex } from '../../ports/search-index.port.js';
import {
  buildPercolateSearch,
  buildProfileLookup,
  buildSubscriptionsOf,
  fromProfileEsDoc,
  toProfileEsDoc,
  toSubscriptionEsDoc,
  type ProfileEsDoc,
} from './elasticsearch.audience-query.js';
import { AudienceSummaryAccumulator, audienceMatches, rebatch, type AudienceSource } from './elasticsearch.audience-stream.js';
import {
  buildFaqCandidatesRequest,
  buildFaqListRequest,
  faqTextQuery,
  rankFaqCandidates,
  toFaqCandidates,
  toFaqEsDoc,
  type FaqCandidateSource,
} from './elasticsearch.faq-query.js';
import { faqSnippet, markTerms } from '../../text/highlight.js';
import {
  INDEX_KINDS,
  PLUGIN_ANALYZERS,
  fingerprintOf,
  indexNames,
  indexTemplate,
  metaIndexBody,
  metaIndexName,
  metaProperties,
  sameFingerprint,
  type AnalyzerChoice,
  type IndexKind,
} from './elasticsearch.mappings.js';
import {
  buildPolicySearchRequest,
  buildPolicyTextCountQuery,
  latestBy,
  parsePolicySearchResponse,
  toPolicyEsDoc,
  totalOf,
  type PolicyFacetAggregations,
  type PolicyHitSource,
  type PolicyText,
} from './elasticsearch.policy-query.js';
import { highlightTerms, queryWords, type TextMode } from './elasticsearch.text-query.js';

export interface ElasticsearchSearchIndexOptions {
  url: string;
  analyzer: AnalyzerChoice;
  /** Names every index, alias and template of this installation: `<prefix>-policies`, … */
  indexPrefix: string;
  /** Per request, bulk requests and percolation pages included. */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Connection errors, timeouts and 502/503/504 are retried by the client itself. */
const CLIENT_MAX_RETRIES = 3;
/** Whole requests refused with 429 (a node's queues or circuit breakers are full). */
const TOO_MANY_REQUESTS_RETRIES = 4;
const TOO_MANY_REQUESTS_BASE_MS = 500;
/** Times a bulk item refused with 429 is sent again, `BULK_RETRY_WAIT_MS` apart (the bulk helper's own retry). */
const BULK_RETRIES = 5;
const BULK_RETRY_WAIT_MS = 2_000;
/** Low, so that the bulk requests of one call reach the cluster in roughly the order they were made. */
const BULK_CONCURRENCY = 2;
/** Outlives the gap between two pages of an audience, which includes writing a batch to the outbox. */
const PIT_KEEP_ALIVE = '5m';
/** Interested subscriptions per percolation page. */
const PERCOLATE_PAGE = 1_000;
/** Subscribers whose profiles are looked up in one request. */
const PROFILE_LOOKUP_PAGE = 500;
const SUBSCRIPTIONS_PAGE = 500;
/** Conditional watermark writes tried before giving way to processes writing at the same moment. */
const WATERMARK_WRITE_ATTEMPTS = 5;

type WatermarkKey = 'search' | 'faq' | 'audience';
const WATERMARK_OF: Record<IndexKind, WatermarkKey> = { policies: 'search', faqs: 'faq', profiles: 'audience', subscriptions: 'audience' };

type BulkOperation<T> = { op: 'index'; id: string; doc: T } | { op: 'delete'; id: string };

interface PointInTime {
  id: string;
}

/** A watermark with its rebuild generation and the document version that conditional writes check. */
interface StoredWatermark {
  seq: number;
  generation: number;
  seqNo: number;
  primaryTerm: number;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

function errorTypeOf(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body: unknown = error.body;
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const cause: unknown = body.error;
  return typeof cause === 'object' && cause !== null && 'type' in cause && typeof cause.type === 'string' ? cause.type : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The cause stays on the error for logs but out of its message and details, which reach HTTP
 * clients: a connection error names the cluster's internal address.
 */
function unavailable({ code, message, cause }: { code: string; message: string; cause?: unknown }): DomainError {
  const error = new DomainError({ type: 'unavailable', code, message });
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}

/** The cluster address without credentials, for messages that operators read. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

function isConnectionFailure(error: unknown): boolean {
  return error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError;
}

/** The action line of a bulk item, as the helper hands back a dropped one. */
function isDeleteAction(action: unknown): boolean {
  return typeof action === 'object' && action !== null && 'delete' in action;
}

function actionId(action: unknown): string {
  if (typeof action !== 'object' || action === null) return '?';
  for (const value of Object.values(action)) {
    if (typeof value === 'object' && value !== null && '_id' in value) return String(value._id);
  }
  return '?';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A unique, valid index name: lower case, sortable by creation time. */
function freshIndexName(alias: string): string {
  return `${alias}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export class ElasticsearchSearchIndex implements SearchIndex {
  readonly kind = 'elasticsearch';
  private readonly url: string;
  private readonly analyzer: AnalyzerChoice;
  private readonly prefix: string;
  private readonly requestTimeoutMs: number;
  private client: Client | null = null;
  /** Per watermark, the rebuild generation this process's current sync pass belongs to. */
  private readonly generations = new Map<WatermarkKey, number>();

  constructor({ url, analyzer, indexPrefix, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS }: ElasticsearchSearchIndexOptions) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(indexPrefix)) {
      throw new DomainError({ type: 'invalid', code: 'search_index_prefix_invalid', message: `索引前缀只能包含小写字母、数字、- 和 _：${indexPrefix}` });
    }
    this.url = url;
    this.analyzer = analyzer;
    this.prefix = indexPrefix;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  async open(): Promise<void> {
    if (this.client) return;
    const client = new Client({ node: this.url, requestTimeout: this.requestTimeoutMs, maxRetries: CLIENT_MAX_RETRIES, name: `policy-push:${this.prefix}` });
    try {
      const info = await client.info();
      const major = Number(info.version.number.split('.')[0]);
      if (major !== 8) throw new Error(`expected an Elasticsearch 8 cluster, found ${info.version.number}`);
      await this.checkAnalyzer(client);
      for (const kind of INDEX_KINDS) await client.indices.putIndexTemplate(indexTemplate({ prefix: this.prefix, kind, analyzer: this.analyzer }));
      await this.ensureMetaIndex(client);
      this.client = client;
      await this.ensureAliases();
    } catch (error) {
      this.client = null;
      await client.close().catch(() => undefined);
      if (error instanceof DomainError) throw error;
      // Start-up failures are read by operators on the console, so the message says what went wrong.
      throw unavailable({ code: 'search_index_unavailable', message: `无法打开 Elasticsearch 检索索引（${redacted(this.url)}）：${messageOf(error)}`, cause: error });
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  async ping(): Promise<void> {
    await this.call((client) => client.ping());
  }

  // -------------------------------------------------------------------------------------------
  // Policies

  async upsertPolicies(docs: PolicySearchDoc[]): Promise<void> {
    const latest = latestBy(docs, (doc) => doc.id);
    await this.bulk('policies', latest.map((doc) => ({ op: 'index', id: doc.id, doc: toPolicyEsDoc(doc) })));
  }

  async removePolicies(ids: string[]): Promise<void> {
    await this.bulk('policies', [...new Set(ids)].map((id) => ({ op: 'delete', id })));
  }

  async searchPolicies(request: PolicySearchRequest): Promise<PolicySearchResult> {
    const index = this.alias('policies');
    const words = queryWords(request.q);
    let text: PolicyText | null = null;
    if (words) text = { words, mode: await this.textMode({ index, words, query: buildPolicyTextCountQuery({ words, analyzer: this.analyzer }) }) };
    const body = buildPolicySearchRequest({ request, text, analyzer: this.analyzer });
    const response = await this.call((client) => client.search<PolicyHitSource, PolicyFacetAggregations>({ index, ...body }));
    return parsePolicySearchResponse({ response, request, terms: words ? highlightTerms(words) : [], scored: text !== null && request.sort === 'relevance' });
  }

  async clear(): Promise<void> {
    await this.rebuild(['policies']);
  }

  async getWatermark(): Promise<number> {
    return this.readWatermark('search');
  }

  async setWatermark(seq: number): Promise<void> {
    await this.writeWatermark({ key: 'search', seq });
  }

  async countPolicies(): Promise<number> {
    return this.count('policies');
  }

  // -------------------------------------------------------------------------------------------
  // FAQs

  async replaceFaqs({ policyIds, docs }: { policyIds: string[]; docs: FaqSearchDoc[] }): Promise<void> {
    const latest = latestBy(docs, (doc) => doc.faqId);
    const policies = [...new Set([...policyIds, ...latest.map((doc) => doc.policyId)])];
    // New FAQs first, then the policies' other FAQs go: a reader never sees a policy without its list.
    await this.bulk('faqs', latest.map((doc) => ({ op: 'index', id: doc.faqId, doc: toFaqEsDoc(doc) })));
    if (policies.length === 0) return;
    const index = this.alias('faqs');
    await this.call((client) =>
      client.deleteByQuery({
        index,
        query: { bool: { filter: [{ terms: { policyId: policies } }], must_not: latest.length > 0 ? [{ ids: { values: latest.map((doc) => doc.faqId) } }] : [] } },
        conflicts: 'proceed',
        refresh: true,
      }),
    );
  }

  async searchFaqs(request: FaqSearchRequest): Promise<{ total: number; hits: FaqSearchHitDoc[] }> {
    const index = this.alias('faqs');
    const words = queryWords(request.q);
    if (!words) {
      const response = await this.call((client) => client.search<{ doc: FaqSearchDoc }>({ index, ...buildFaqListRequest(request) }));
      const hits = response.hits.hits.flatMap((hit) => (hit._source ? [this.faqHit({ doc: hit._source.doc, terms: [], score: 0 })] : []));
      return { total: totalOf(response.hits.total), hits };
    }
    const mode = await this.textMode({ index, words, query: faqTextQuery({ words, mode: 'all', analyzer: this.analyzer }) });
    const response = await this.call((client) => client.search<FaqCandidateSource>({ index, ...buildFaqCandidatesRequest({ request, words, mode, analyzer: this.analyzer }) }));
    const ranked = rankFaqCandidates({ q: request.q ?? '', candidates: toFaqCandidates(response.hits.hits) });
    const offset = Math.max(0, request.offset);
    const page = ranked.slice(offset, offset + Math.max(0, request.limit));
    const docs = await this.faqDocs(page.map((candidate) => candidate.faqId));
    const terms = highlightTerms(words);
    const hits = page.flatMap((candidate) => {
      const doc = docs.get(candidate.faqId);
      return doc ? [this.faqHit({ doc, terms, score: candidate.score })] : [];
    });
    return { total: totalOf(response.hits.total), hits };
  }

  async clearFaqs(): Promise<void> {
    await this.rebuild(['faqs']);
  }

  async getFaqWatermark(): Promise<number> {
    return this.readWatermark('faq');
  }

  async setFaqWatermark(seq: number): Promise<void> {
    await this.writeWatermark({ key: 'faq', seq });
  }

  async countFaqs(): Promise<number> {
    return this.count('faqs');
  }

  // -------------------------------------------------------------------------------------------
  // Audience

  async upsertProfiles(profiles: ProfileDoc[]): Promise<void> {
    const latest = latestBy(profiles, (profile) => profile.subscriberId);
    await this.bulk('profiles', latest.map((profile) => ({ op: 'index', id: profile.subscriberId, doc: toProfileEsDoc(profile) })));
  }

  async removeProfiles(subscriberIds: string[]): Promise<void> {
    await this.bulk('profiles', [...new Set(subscriberIds)].map((id) => ({ op: 'delete', id })));
  }

  async upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void> {
    const latest = latestBy(subscriptions, (subscription) => subscription.id);
    await this.bulk('subscriptions', latest.map((subscription) => ({ op: 'index', id: subscription.id, doc: toSubscriptionEsDoc(subscription) })));
  }

  async removeSubscriptions(subscriptionIds: string[]): Promise<void> {
    await this.bulk('subscriptions', [...new Set(subscriptionIds)].map((id) => ({ op: 'delete', id })));
  }

  async clearAudience(): Promise<void> {
    await this.rebuild(['profiles', 'subscriptions']);
  }

  async getAudienceWatermark(): Promise<number> {
    return this.readWatermark('audience');
  }

  async setAudienceWatermark(seq: number): Promise<void> {
    await this.writeWatermark({ key: 'audience', seq });
  }

  /**
   * Counts need the whole audience: a province-wide policy is a full pass over its interested
   * subscriptions (the same work as writing its outbox), not a lookup.
   */
  async audienceSummary({ policy, sampleSize }: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary> {
    const summary = new AudienceSummaryAccumulator({ policy, sampleSize });
    for await (const chunk of this.audienceMatches(policy)) for (const match of chunk) summary.add(match);
    return summary.result();
  }

  async *audienceBatches({ policy, batchSize }: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]> {
    const matches = this.audienceMatches(policy);
    async function* onlyMatches(): AsyncGenerator<AudienceMatch[]> {
      for await (const chunk of matches) yield chunk.map(({ match }) => match);
    }
    yield* rebatch({ chunks: onlyMatches(), size: batchSize });
  }

  async matchSubscriber({ subscriberId, policies }: { subscriberId: string; policies: { key: string; policy: AudiencePolicy }[] }): Promise<{ key: string; match: AudienceMatch }[]> {
    const profile = await this.profileOf(subscriberId);
    if (!profile) return [];
    const subscriptions = await this.subscriptionsOf(subscriberId);
    return policies.flatMap(({ key, policy }) => {
      const match = matchSubscriber({ policy, profile, subscriptions });
      return match ? [{ key, match }] : [];
    });
  }

  // -------------------------------------------------------------------------------------------
  // Audience internals

  /** The audience in subscriber order over a consistent snapshot: one point in time per index. */
  private async *audienceMatches(policy: AudiencePolicy): AsyncGenerator<ProfileMatch[]> {
    const subscriptionsPit = await this.openPointInTime('subscriptions');
    let profilesPit: PointInTime | null = null;
    try {
      profilesPit = await this.openPointInTime('profiles');
      const profiles = profilesPit;
      const source: AudienceSource = {
        candidates: () => this.percolate({ policy, pit: subscriptionsPit }),
        profiles: ({ strict, loose }) => this.lookupProfiles({ policy, strict, loose, pit: profiles }),
      };
      yield* audienceMatches({ policy, source, lookupSize: PROFILE_LOOKUP_PAGE });
    } finally {
      await this.closePointInTime(subscriptionsPit);
      if (profilesPit) await this.closePointInTime(profilesPit);
    }
  }

  private async *percolate({ policy, pit }: { policy: AudiencePolicy; pit: PointInTime }): AsyncGenerator<SubscriptionDoc[]> {
    const request = buildPercolateSearch({ policy, size: PERCOLATE_PAGE });
    let after: estypes.SortResults | undefined;
    for (;;) {
      const response = await this.call((client) =>
        client.search<{ doc: SubscriptionDoc }>({ ...request, pit: { id: pit.id, keep_alive: PIT_KEEP_ALIVE }, ...(after ? { search_after: after } : {}) }),
      );
      if (response.pit_id) pit.id = response.pit_id;
      const hits = response.hits.hits;
      const docs = hits.flatMap((hit) => (hit._source ? [hit._source.doc] : []));
      if (docs.length > 0) yield docs;
      after = hits.at(-1)?.sort;
      if (hits.length < PERCOLATE_PAGE || !after) return;
    }
  }

  private async lookupProfiles({ policy, strict, loose, pit }: { policy: AudiencePolicy; strict: string[]; loose: string[]; pit: PointInTime }): Promise<ProfileDoc[]> {
    if (strict.length + loose.length === 0) return [];
    const request = buildProfileLookup({ criteria: policy.criteria, strict, loose });
    const response = await this.call((client) => client.search<ProfileEsDoc>({ ...request, pit: { id: pit.id, keep_alive: PIT_KEEP_ALIVE } }));
    if (response.pit_id) pit.id = response.pit_id;
    return response.hits.hits.flatMap((hit) => (hit._source ? [fromProfileEsDoc(hit._source)] : []));
  }

  private async profileOf(subscriberId: string): Promise<ProfileDoc | null> {
    const index = this.alias('profiles');
    try {
      // A GET is real time: it sees a profile written a moment ago, refreshed or not.
      const response = await this.call((client) => client.get<ProfileEsDoc>({ index, id: subscriberId }));
      return response.found && response._source ? fromProfileEsDoc(response._source) : null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  private async subscriptionsOf(subscriberId: string): Promise<SubscriptionDoc[]> {
    const index = this.alias('subscriptions');
    const request = buildSubscriptionsOf({ subscriberId, size: SUBSCRIPTIONS_PAGE });
    const out: SubscriptionDoc[] = [];
    let after: estypes.SortResults | undefined;
    for (;;) {
      const response = await this.call((client) => client.search<{ doc: SubscriptionDoc }>({ index, ...request, ...(after ? { search_after: after } : {}) }));
      const hits = response.hits.hits;
      for (const hit of hits) if (hit._source) out.push(hit._source.doc);
      after = hits.at(-1)?.sort;
      if (hits.length < SUBSCRIPTIONS_PAGE || !after) return out;
    }
  }

  private async openPointInTime(kind: IndexKind): Promise<PointInTime> {
    const index = this.alias(kind);
    const response = await this.call((client) => client.openPointInTime({ index, keep_alive: PIT_KEEP_ALIVE }));
    return { id: response.id };
  }

  /** Best effort: an unclosed point in time only lives until its keep-alive runs out. */
  private async closePointInTime(pit: PointInTime): Promise<void> {
    await this.client?.closePointInTime({ id: pit.id }).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // FAQ internals

  private faqHit({ doc, terms, score }: { doc: FaqSearchDoc; terms: readonly string[]; score: number }): FaqSearchHitDoc {
    return { doc, questionHtml: markTerms({ text: doc.question, terms }), answerSnippet: faqSnippet({ text: doc.answer, terms }), score };
  }

  private async faqDocs(ids: string[]): Promise<Map<string, FaqSearchDoc>> {
    if (ids.length === 0) return new Map();
    const index = this.alias('faqs');
    const response = await this.call((client) => client.mget<{ doc: FaqSearchDoc }>({ index, ids, _source: ['doc'] }));
    const docs = new Map<string, FaqSearchDoc>();
    for (const item of response.docs) {
      // A FAQ removed between the search and this read is simply left out of the page.
      if ('found' in item && item.found && item._source) docs.set(item._id, item._source.doc);
    }
    return docs;
  }

  // -------------------------------------------------------------------------------------------
  // Shared internals

  /** Every word when some document holds them all, whatever the filters; otherwise any word. */
  private async textMode({ index, words, query }: { index: string; words: string[]; query: estypes.QueryDslQueryContainer }): Promise<TextMode> {
    if (words.length <= 1) return 'all';
    const response = await this.call((client) => client.count({ index, query }));
    return response.count > 0 ? 'all' : 'any';
  }

  private async count(kind: IndexKind): Promise<number> {
    const index = this.alias(kind);
    return (await this.call((client) => client.count({ index }))).count;
  }

  private alias(kind: IndexKind): string {
    return indexNames({ prefix: this.prefix, kind }).alias;
  }

  private connection(): Client {
    if (!this.client) throw new DomainError({ type: 'unavailable', code: 'search_index_closed', message: '搜索索引尚未打开' });
    return this.client;
  }

  /**
   * Runs a request, retrying it when the cluster answers 429 for the whole request (full jitter,
   * doubling), and turns an unreachable cluster into the domain's `unavailable`.
   */
  private async call<T>(request: (client: Client) => Promise<T>): Promise<T> {
    const client = this.connection();
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(client);
      } catch (error) {
        if (statusOf(error) === 429 && attempt < TOO_MANY_REQUESTS_RETRIES) {
          await sleep(Math.random() * TOO_MANY_REQUESTS_BASE_MS * 2 ** attempt);
          continue;
        }
        if (isConnectionFailure(error)) throw unavailable({ code: 'search_index_unavailable', message: '检索服务暂时不可用，请稍后再试', cause: error });
        throw error;
      }
    }
  }

  /**
   * Writes through the client's bulk helper (which retries items refused with 429), then refreshes
   * the index so the next read sees the write, as the embedded engine's reads do. Items that still
   * fail are reported together; deleting an id the index does not hold is not a failure.
   */
  private async bulk<T>(kind: IndexKind, operations: BulkOperation<T>[]): Promise<void> {
    if (operations.length === 0) return;
    const index = this.alias(kind);
    const failures: { id: string; status: number; reason: string }[] = [];
    await this.call(async (client) => {
      failures.length = 0;
      const stats = await client.helpers.bulk<BulkOperation<T>>(
        {
          datasource: operations,
          onDocument: (operation) => (operation.op === 'index' ? [{ index: { _index: index, _id: operation.id } }, operation.doc] : { delete: { _index: index, _id: operation.id } }),
          onDrop: (dropped) => {
            if (dropped.status === 404 && isDeleteAction(dropped.operation)) return;
            failures.push({ id: actionId(dropped.operation), status: dropped.status, reason: dropped.error?.reason ?? dropped.error?.type ?? 'rejected' });
          },
          retries: BULK_RETRIES,
          wait: BULK_RETRY_WAIT_MS,
          concurrency: BULK_CONCURRENCY,
          // Writing to the alias only: a missing alias must fail, not auto-create an unmapped index under its name.
          require_alias: true,
          refreshOnCompletion: index,
        },
        { requestTimeout: this.requestTimeoutMs },
      );
      return stats;
    });
    if (failures.length > 0) {
      throw new DomainError({
        type: 'unavailable',
        code: 'search_index_write_failed',
        message: `写入检索索引 ${index} 时有 ${failures.length} 条失败：${failures.slice(0, 3).map((f) => `${f.id}（${f.status} ${f.reason}）`).join('；')}`,
        details: { index, failures: failures.slice(0, 50) },
      });
    }
  }

  private async watermarkDoc(key: WatermarkKey): Promise<StoredWatermark | null> {
    const index = metaIndexName(this.prefix);
    try {
      // A GET is real time: it sees the last write, refreshed or not.
      const response = await this.call((client) => client.get<{ seq: number; generation?: number }>({ index, id: key }));
      if (!response.found || !response._source || response._seq_no === undefined || response._primary_term === undefined) return null;
      return { seq: response._source.seq, generation: response._source.generation ?? 0, seqNo: response._seq_no, primaryTerm: response._primary_term };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** Reading a watermark starts a sync pass: the pass belongs to the rebuild generation it read. */
  private async readWatermark(key: WatermarkKey): Promise<number> {
    const stored = await this.watermarkDoc(key);
    this.generations.set(key, stored?.generation ?? 0);
    return stored?.seq ?? 0;
  }

  /**
   * Records progress unless a rebuild began since this process read the watermark. Without that
   * check, a sync pass in another process that straddles a rebuild would write its old progress
   * over the reset, and the rebuild would skip everything before it. The write is conditional on
   * the document's sequence number, so a concurrent reset cannot slip in between check and write.
   */
  private async writeWatermark({ key, seq }: { key: WatermarkKey; seq: number }): Promise<void> {
    const index = metaIndexName(this.prefix);
    for (let attempt = 0; attempt < WATERMARK_WRITE_ATTEMPTS; attempt++) {
      const current = await this.watermarkDoc(key);
      const generation = this.generations.get(key) ?? current?.generation ?? 0;
      if (current && current.generation !== generation) return;
      try {
        await this.call((client) =>
          client.index({
            index,
            id: key,
            document: { seq, generation },
            ...(current ? { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm } : { op_type: 'create' as const }),
          }),
        );
        this.generations.set(key, generation);
        return;
      } catch (error) {
        // Another process wrote in between: look again.
        if (statusOf(error) !== 409) throw error;
      }
    }
    // Other writers kept winning: their writes record progress of their own; this one can go.
  }

  /** Starts a new rebuild generation at watermark 0; passes of the previous one stop recording progress. */
  private async resetWatermark(key: WatermarkKey): Promise<void> {
    const index = metaIndexName(this.prefix);
    for (let attempt = 0; ; attempt++) {
      const current = await this.watermarkDoc(key);
      const generation = (current?.generation ?? 0) + 1;
      try {
        await this.call((client) =>
          client.index({
            index,
            id: key,
            document: { seq: 0, generation },
            ...(current ? { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm } : { op_type: 'create' as const }),
          }),
        );
        this.generations.set(key, generation);
        return;
      } catch (error) {
        if (statusOf(error) !== 409 || attempt + 1 >= WATERMARK_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Indices and aliases

  private async checkAnalyzer(client: Client): Promise<void> {
    if (this.analyzer === 'cjk') return;
    const analyzer = PLUGIN_ANALYZERS[this.analyzer];
    try {
      await client.indices.analyze({ analyzer, text: '知识产权质押融资' });
    } catch (error) {
      throw new DomainError({
        type: 'unavailable',
        code: 'search_analyzer_missing',
        message: `ELASTICSEARCH_ANALYZER=${this.analyzer}，但集群没有 ${analyzer} 分析器（需安装 ${this.analyzer === 'smartcn' ? 'analysis-smartcn' : 'analysis-ik'} 插件），或改用 cjk：${messageOf(error)}`,
      });
    }
  }

  private async ensureMetaIndex(client: Client): Promise<void> {
    const index = metaIndexName(this.prefix);
    if (await client.indices.exists({ index })) {
      await client.indices.putMapping({ index, properties: metaProperties() });
      return;
    }
    try {
      await client.indices.create({ index, ...metaIndexBody() });
    } catch (error) {
      // Another process created it first.
      if (errorTypeOf(error) !== 'resource_already_exists_exception') throw error;
    }
  }

  private async aliasTargets(alias: string): Promise<string[]> {
    try {
      return Object.keys(await this.call((client) => client.indices.getAlias({ name: alias })));
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
  }

  private async indexMeta(index: string): Promise<Record<string, unknown> | undefined> {
    const response = await this.call((client) => client.indices.getMapping({ index }));
    return response[index]?.mappings._meta;
  }

  /** Creates a concrete index from its template and checks that the template, not another one, shaped it. */
  private async createIndex({ kind, name }: { kind: IndexKind; name: string }): Promise<boolean> {
    let created = true;
    try {
      await this.call((client) => client.indices.create({ index: name }));
    } catch (error) {
      if (errorTypeOf(error) !== 'resource_already_exists_exception') throw error;
      created = false;
    }
    const fingerprint = fingerprintOf({ kind, analyzer: this.analyzer });
    if (!sameFingerprint(fingerprint, await this.indexMeta(name))) {
      throw new DomainError({
        type: 'unavailable',
        code: 'search_index_template_mismatch',
        message: `索引 ${name} 的映射不是本程序的模板（${JSON.stringify(fingerprint)}）：请检查是否有更高优先级的索引模板匹配 ${indexNames({ prefix: this.prefix, kind }).pattern}`,
      });
    }
    return created;
  }

  /**
   * At start: every alias exists and points at one index built by this schema version and
   * analyzer. A missing alias gets its first index under a fixed name, so processes starting
   * together agree on it; an index of another version is replaced by an empty one and its
   * watermark reset, so the sync rebuilds it. The two audience indices share one watermark and are
   * replaced together.
   */
  private async ensureAliases(): Promise<void> {
    const stale: IndexKind[] = [];
    for (const kind of INDEX_KINDS) {
      const { alias } = indexNames({ prefix: this.prefix, kind });
      const targets = await this.aliasTargets(alias);
      if (targets.length > 1) {
        throw new DomainError({ type: 'unavailable', code: 'search_alias_ambiguous', message: `别名 ${alias} 指向多个索引（${targets.join(', ')}），请只保留一个` });
      }
      const current = targets[0];
      if (current === undefined) {
        const fingerprint = fingerprintOf({ kind, analyzer: this.analyzer });
        const initial = `${alias}-v${fingerprint.schema}-${fingerprint.analyzer}-initial`;
        const created = await this.createIndex({ kind, name: initial });
        if (created) await this.resetWatermark(WATERMARK_OF[kind]);
        await this.call((client) => client.indices.updateAliases({ actions: [{ add: { index: initial, alias } }] }));
        continue;
      }
      if (!sameFingerprint(fingerprintOf({ kind, analyzer: this.analyzer }), await this.indexMeta(current))) stale.push(kind);
    }
    if (stale.some((kind) => WATERMARK_OF[kind] === 'audience')) stale.push('profiles', 'subscriptions');
    const groups = new Map<WatermarkKey, IndexKind[]>();
    for (const kind of new Set(stale)) groups.set(WATERMARK_OF[kind], [...(groups.get(WATERMARK_OF[kind]) ?? []), kind]);
    for (const kinds of groups.values()) await this.rebuild(kinds);
  }

  /**
   * Empty replacements for the given kinds (which share one watermark). The watermark is reset
   * before the swap: a crash in between leaves the old data with watermark 0, which the sync
   * simply re-applies, never an empty index with a watermark that claims it is full. When another
   * process swapped the alias meanwhile, its rebuild stands and ours is dropped.
   */
  private async rebuild(kinds: IndexKind[]): Promise<void> {
    const key = WATERMARK_OF[kinds[0] ?? 'policies'];
    const plan = await Promise.all(
      kinds.map(async (kind) => {
        const { alias } = indexNames({ prefix: this.prefix, kind });
        return { kind, alias, name: freshIndexName(alias), previous: await this.aliasTargets(alias) };
      }),
    );
    const created: string[] = [];
    try {
      for (const step of plan) {
        // Listed first: an index created but refused by the template check is cleaned up too.
        created.push(step.name);
        await this.createIndex({ kind: step.kind, name: step.name });
      }
      await this.resetWatermark(key);
      const actions: estypes.IndicesUpdateAliasesAction[] = plan.flatMap(({ alias, name, previous }) => [
        { add: { index: name, alias } },
        ...previous.map((index) => ({ remove_index: { index } })),
      ]);
      await this.call((client) => client.indices.updateAliases({ actions }));
    } catch (error) {
      const raced = await Promise.all(plan.map(async ({ alias, previous }) => (await this.aliasTargets(alias).catch(() => previous)).join() !== previous.join()));
      for (const name of created) await this.client?.indices.delete({ index: name }).catch(() => undefined);
      if (raced.some(Boolean) && statusOf(error) === 404) return;
      throw error;
    }
  }
}

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
import { DomainError } from '../../errors.js';
import { matchSubscriber } from '../../matching/match-semantics.js';
import type { AudienceMatch, AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../../ports/audience-index.port.js';
import type { FaqSearchDoc, FaqSearchHitDoc, FaqSearchRequest } from '../../ports/faq-index.port.js';
import type { PolicySearchDoc, PolicySearchRequest, PolicySearchResult, SearchIndex } from '../../ports/search-index.port.js';
import { faqSnippet, highlightTerms, markTerms } from '../../text/highlight.js';
import { toProfileEsDoc, toSubscriptionEsDoc } from './elasticsearch.audience-query.js';
import { ElasticsearchAudienceReader } from './elasticsearch.audience-reader.js';
import { AudienceSummaryAccumulator, rebatch } from './elasticsearch.audience-stream.js';
import { DEFAULT_RETRY_POLICY, ElasticsearchConnection, type ElasticsearchRetryPolicy } from './elasticsearch.connection.js';
import { buildFaqCandidatesRequest, buildFaqListRequest, faqTextQuery, rankFaqCandidates, toFaqCandidates, toFaqEsDoc, type FaqCandidateSource } from './elasticsearch.faq-query.js';
import { ElasticsearchIndexLifecycle } from './elasticsearch.index-lifecycle.js';
import { INDEX_KINDS, indexTemplate, type AnalyzerChoice } from './elasticsearch.mappings.js';
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
import { queryWords } from './elasticsearch.text-query.js';

export interface ElasticsearchSearchIndexOptions {
  url: string;
  analyzer: AnalyzerChoice;
  /** Names every index, alias and template of this installation: `<prefix>-policies`, … */
  indexPrefix: string;
  /** Per request, bulk requests and percolation pages included. */
  requestTimeoutMs?: number;
  /** Waits between retries; the defaults suit a real cluster. */
  retry?: Partial<ElasticsearchRetryPolicy>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class ElasticsearchSearchIndex implements SearchIndex {
  readonly kind = 'elasticsearch';
  readonly searchesOnCallerLoop = false;
  private readonly analyzer: AnalyzerChoice;
  private readonly connection: ElasticsearchConnection;
  private readonly indices: ElasticsearchIndexLifecycle;
  private readonly audience: ElasticsearchAudienceReader;

  constructor({ url, analyzer, indexPrefix, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, retry = {} }: ElasticsearchSearchIndexOptions) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(indexPrefix)) {
      throw new DomainError({ type: 'invalid', code: 'search_index_prefix_invalid', message: `索引前缀只能包含小写字母、数字、- 和 _：${indexPrefix}` });
    }
    this.analyzer = analyzer;
    this.connection = new ElasticsearchConnection({ url, prefix: indexPrefix, requestTimeoutMs, retry: { ...DEFAULT_RETRY_POLICY, ...retry } });
    this.indices = new ElasticsearchIndexLifecycle({ connection: this.connection, analyzer });
    this.audience = new ElasticsearchAudienceReader({ connection: this.connection });
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  async open(): Promise<void> {
    await this.connection.open(async (client) => {
      const info = await client.info();
      const major = Number(info.version.number.split('.')[0]);
      if (major !== 8) throw new Error(`expected an Elasticsearch 8 cluster, found ${info.version.number}`);
      await this.indices.checkAnalyzer(client);
      for (const kind of INDEX_KINDS) await client.indices.putIndexTemplate(indexTemplate({ prefix: this.connection.prefix, kind, analyzer: this.analyzer }));
      await this.indices.ensureMetaIndex(client);
      await this.indices.ensureAliases();
    });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async ping(): Promise<void> {
    await this.connection.call((client) => client.ping());
  }

  // -------------------------------------------------------------------------------------------
  // Policies

  async upsertPolicies(docs: PolicySearchDoc[]): Promise<void> {
    const latest = latestBy(docs, (doc) => doc.id);
    await this.connection.bulk('policies', latest.map((doc) => ({ op: 'index', id: doc.id, doc: toPolicyEsDoc(doc) })));
  }

  async removePolicies(ids: string[]): Promise<void> {
    await this.connection.bulk('policies', [...new Set(ids)].map((id) => ({ op: 'delete', id })));
  }

  async searchPolicies(request: PolicySearchRequest): Promise<PolicySearchResult> {
    const index = this.connection.alias('policies');
    const words = queryWords(request.q);
    let text: PolicyText | null = null;
    if (words) text = { words, mode: await this.connection.textMode({ index, words, query: buildPolicyTextCountQuery({ words, analyzer: this.analyzer }) }) };
    const body = buildPolicySearchRequest({ request, text, analyzer: this.analyzer });
    const response = await this.connection.call((client) => client.search<PolicyHitSource, PolicyFacetAggregations>({ index, ...body }));
    return parsePolicySearchResponse({ response, request, terms: words ? highlightTerms(words) : [], scored: text !== null && request.sort === 'relevance' });
  }

  /** Elasticsearch keeps its own request cache; every search goes there. */
  peekPolicies(): PolicySearchResult | null {
    return null;
  }

  async clear(): Promise<void> {
    await this.indices.rebuild(['policies']);
  }

  async getWatermark(): Promise<number> {
    return this.indices.readWatermark('search');
  }

  async setWatermark(seq: number): Promise<void> {
    await this.indices.writeWatermark({ key: 'search', seq });
  }

  async countPolicies(): Promise<number> {
    return this.connection.count('policies');
  }

  // -------------------------------------------------------------------------------------------
  // FAQs

  async replaceFaqs({ policyIds, docs }: { policyIds: string[]; docs: FaqSearchDoc[] }): Promise<void> {
    const latest = latestBy(docs, (doc) => doc.faqId);
    const policies = [...new Set([...policyIds, ...latest.map((doc) => doc.policyId)])];
    // New FAQs first, then the policies' other FAQs go: a reader never sees a policy without its list.
    await this.connection.bulk('faqs', latest.map((doc) => ({ op: 'index', id: doc.faqId, doc: toFaqEsDoc(doc) })));
    if (policies.length === 0) return;
    const index = this.connection.alias('faqs');
    await this.connection.call((client) =>
      client.deleteByQuery({
        index,
        query: { bool: { filter: [{ terms: { policyId: policies } }], must_not: latest.length > 0 ? [{ ids: { values: latest.map((doc) => doc.faqId) } }] : [] } },
        conflicts: 'proceed',
        refresh: true,
      }),
    );
  }

  async searchFaqs(request: FaqSearchRequest): Promise<{ total: number; hits: FaqSearchHitDoc[] }> {
    const index = this.connection.alias('faqs');
    const words = queryWords(request.q);
    if (!words) {
      const response = await this.connection.call((client) => client.search<{ doc: FaqSearchDoc }>({ index, ...buildFaqListRequest(request) }));
      const hits = response.hits.hits.flatMap((hit) => (hit._source ? [this.faqHit({ doc: hit._source.doc, terms: [], score: 0 })] : []));
      return { total: totalOf(response.hits.total), hits };
    }
    const mode = await this.connection.textMode({ index, words, query: faqTextQuery({ words, mode: 'all', analyzer: this.analyzer }) });
    const response = await this.connection.call((client) => client.search<FaqCandidateSource>({ index, ...buildFaqCandidatesRequest({ request, words, mode, analyzer: this.analyzer }) }));
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
    await this.indices.rebuild(['faqs']);
  }

  async getFaqWatermark(): Promise<number> {
    return this.indices.readWatermark('faq');
  }

  async setFaqWatermark(seq: number): Promise<void> {
    await this.indices.writeWatermark({ key: 'faq', seq });
  }

  async countFaqs(): Promise<number> {
    return this.connection.count('faqs');
  }

  // -------------------------------------------------------------------------------------------
  // Audience

  async upsertProfiles(profiles: ProfileDoc[]): Promise<void> {
    const latest = latestBy(profiles, (profile) => profile.subscriberId);
    await this.connection.bulk('profiles', latest.map((profile) => ({ op: 'index', id: profile.subscriberId, doc: toProfileEsDoc(profile) })));
  }

  async removeProfiles(subscriberIds: string[]): Promise<void> {
    await this.connection.bulk('profiles', [...new Set(subscriberIds)].map((id) => ({ op: 'delete', id })));
  }

  async upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void> {
    const latest = latestBy(subscriptions, (subscription) => subscription.id);
    await this.connection.bulk('subscriptions', latest.map((subscription) => ({ op: 'index', id: subscription.id, doc: toSubscriptionEsDoc(subscription) })));
  }

  async removeSubscriptions(subscriptionIds: string[]): Promise<void> {
    await this.connection.bulk('subscriptions', [...new Set(subscriptionIds)].map((id) => ({ op: 'delete', id })));
  }

  async clearAudience(): Promise<void> {
    await this.indices.rebuild(['profiles', 'subscriptions']);
  }

  async getAudienceWatermark(): Promise<number> {
    return this.indices.readWatermark('audience');
  }

  async setAudienceWatermark(seq: number): Promise<void> {
    await this.indices.writeWatermark({ key: 'audience', seq });
  }

  /**
   * Counts need the whole audience: a province-wide policy is a full pass over its interested
   * subscriptions (the same work as writing its outbox), not a lookup.
   */
  async audienceSummary({ policy, sampleSize }: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary> {
    const summary = new AudienceSummaryAccumulator({ policy, sampleSize });
    for await (const chunk of this.audience.audienceMatches(policy)) for (const match of chunk) summary.add(match);
    return summary.result();
  }

  async *audienceBatches({ policy, batchSize }: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]> {
    const matches = this.audience.audienceMatches(policy);
    async function* onlyMatches(): AsyncGenerator<AudienceMatch[]> {
      for await (const chunk of matches) yield chunk.map(({ match }) => match);
    }
    yield* rebatch({ chunks: onlyMatches(), size: batchSize });
  }

  async matchSubscriber({ subscriberId, policies }: { subscriberId: string; policies: { key: string; policy: AudiencePolicy }[] }): Promise<{ key: string; match: AudienceMatch }[]> {
    const profile = await this.audience.profileOf(subscriberId);
    if (!profile) return [];
    const subscriptions = await this.audience.subscriptionsOf(subscriberId);
    return policies.flatMap(({ key, policy }) => {
      const match = matchSubscriber({ policy, profile, subscriptions });
      return match ? [{ key, match }] : [];
    });
  }

  // -------------------------------------------------------------------------------------------
  // FAQ internals

  private faqHit({ doc, terms, score }: { doc: FaqSearchDoc; terms: readonly string[]; score: number }): FaqSearchHitDoc {
    return { doc, questionHtml: markTerms({ text: doc.question, terms }), answerSnippet: faqSnippet({ text: doc.answer, terms }), score };
  }

  private async faqDocs(ids: string[]): Promise<Map<string, FaqSearchDoc>> {
    if (ids.length === 0) return new Map();
    const index = this.connection.alias('faqs');
    const response = await this.connection.call((client) => client.mget<{ doc: FaqSearchDoc }>({ index, ids, _source: ['doc'] }));
    const docs = new Map<string, FaqSearchDoc>();
    for (const item of response.docs) {
      // A FAQ removed between the search and this read is simply left out of the page.
      if ('found' in item && item.found && item._source) docs.set(item._id, item._source.doc);
    }
    return docs;
  }
}

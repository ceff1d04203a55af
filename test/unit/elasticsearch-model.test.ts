/**
 * The Elasticsearch adapter's queries run against a model of Elasticsearch's structured query
 * semantics (test/support/es-query-model.ts) and compared with the embedded engine and the shared
 * matching rules. This is the guard that runs without a cluster: what the cluster's analyzers do
 * with text is only checked by the contract suite against a real server.
 */
import { expect } from 'chai';
import type { estypes } from '@elastic/elasticsearch';
import {
  buildPercolateSearch,
  buildProfileLookup,
  fromProfileEsDoc,
  percolatedPolicy,
  toProfileEsDoc,
  toSubscriptionEsDoc,
  type ProfileEsDoc,
} from '../../server/adapters/elasticsearch/elasticsearch.audience-query.js';
import { AudienceSummaryAccumulator, audienceMatches, rebatch, type AudienceSource } from '../../server/adapters/elasticsearch/elasticsearch.audience-stream.js';
import { faqSnippet, highlightTerms, markTerms, policySnippet } from '../../server/text/highlight.js';
import {
  buildPolicySearchRequest,
  latestBy,
  parsePolicySearchResponse,
  toPolicyEsDoc,
  type PolicyFacetAggregations,
  type PolicyHitSource,
} from '../../server/adapters/elasticsearch/elasticsearch.policy-query.js';
import { queryWords } from '../../server/adapters/elasticsearch/elasticsearch.text-query.js';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import { matchSubscriber, type ProfileMatch } from '../../server/matching/match-semantics.js';
import type { AudienceIndex, AudienceMatch, AudiencePolicy, AudienceSummary, ProfileDoc, SubscriptionDoc } from '../../server/ports/audience-index.port.js';
import type { FaqSearchDoc } from '../../server/ports/faq-index.port.js';
import type { PolicySearchRequest, PolicySearchResult } from '../../server/ports/search-index.port.js';
import { audienceIndexContract } from '../contract/audience-index.contract.js';
import { CONTRACT_POLICIES, CONTRACT_TODAY } from '../contract/search-index.contract.js';
import { matches, search, stored, type ModelDoc, type ModelResponse } from '../support/es-query-model.js';

// ---------------------------------------------------------------------------------------------
// Policy filters, facets, sorting and paging against the embedded engine

/** The model's answer in the client's response shape; the model returns exactly what was stored. */
function asSearchResponse(response: ModelResponse): estypes.SearchResponse<PolicyHitSource, PolicyFacetAggregations> {
  return {
    took: 0,
    timed_out: false,
    _shards: { total: 1, successful: 1, failed: 0 },
    hits: { total: response.hits.total, hits: response.hits.hits.map((hit) => ({ _index: 'model', _id: hit._id, _score: hit._score, _source: hit._source as unknown as PolicyHitSource, sort: hit.sort })) },
    ...(response.aggregations ? { aggregations: response.aggregations as unknown as PolicyFacetAggregations } : {}),
  };
}

const TODAYS = [CONTRACT_TODAY, '2024-06-30', '2024-12-31', '2025-01-01'];

/** Requests without query words: everything the model can answer, which is everything but text. */
function structuredRequests(): Partial<PolicySearchRequest>[] {
  const requests: Partial<PolicySearchRequest>[] = [
    {},
    { facets: true },
    { sort: 'issued_asc', facets: true },
    { sort: 'issued_desc', offset: 2, limit: 3 },
    { sort: 'issued_asc', offset: 6, limit: 5 },
    { tagFilters: { region: ['reg-zhangjiang', 'reg-xuhui'] }, facets: true },
    { tagFilters: { region: ['reg-pudong'] }, facets: true },
    { tagFilters: { region: ['reg-pudong'], policy_type: ['ptype-subsidy'], ip_type: ['ipt-patent'] }, facets: true },
    { tagFilters: { region: ['reg-xuhui'], ip_type: ['ipt-trade-secret'] }, facets: true },
    { tagFilters: { region: ['reg-nowhere'], need: ['need-funding', 'need-financing'] }, facets: true },
    { issuer: '浦东新区知识产权局', facets: true },
    { issuer: ' 粵港澳大灣區知識產權合作辦公室 ' },
    { issuedFrom: '2022-06-01', issuedTo: '2023-08-20', facets: true },
    { issuedFrom: '2024-01-01' },
    { issuedTo: '2021-09-01', sort: 'issued_asc' },
    { validity: ['effective'], facets: true },
    { validity: ['expired'], facets: true },
    { validity: ['revised', 'repealed'], tagFilters: { need: ['need-funding'] }, facets: true },
    { validity: ['effective', 'expired'], tagFilters: { region: ['reg-shanghai'] }, issuer: '上海市知识产权局', facets: true },
    { limit: 0, facets: true },
    { offset: 100, limit: 3 },
  ];
  return TODAYS.flatMap((today) => requests.map((request) => ({ ...request, today })));
}

function fullRequest(overrides: Partial<PolicySearchRequest>): PolicySearchRequest {
  return { tagFilters: {}, sort: 'relevance', offset: 0, limit: 50, facets: false, today: CONTRACT_TODAY, ...overrides };
}

describe('Elasticsearch adapter over a model of the cluster', function () {
  describe('policy filters, facets, sorting and paging', function () {
    let embedded: EmbeddedSearchIndex;
    const docs: ModelDoc[] = CONTRACT_POLICIES.map((doc) => stored(doc.id, toPolicyEsDoc(doc)));

    before(async function () {
      embedded = new EmbeddedSearchIndex({ file: ':memory:', resultCacheSize: 0 });
      await embedded.open();
      await embedded.upsertPolicies(CONTRACT_POLICIES);
    });

    after(async function () {
      await embedded.close();
    });

    it('answers every structured request exactly as the embedded engine does', async function () {
      for (const overrides of structuredRequests()) {
        const request = fullRequest(overrides);
        const built = buildPolicySearchRequest({ request, text: null, analyzer: 'cjk' });
        const actual: PolicySearchResult = parsePolicySearchResponse({ response: asSearchResponse(search(built, docs)), request, terms: [], scored: false });
        expect(actual, JSON.stringify(overrides)).to.deep.equal(await embedded.searchPolicies(request));
      }
    });

    it('pages a date order without gaps or repeats, undated policies last in id order', async function () {
      const undated = CONTRACT_POLICIES.slice(0, 3).map((doc, i) => ({ ...doc, id: `undated-${3 - i}`, issuedAt: null }));
      const sameDay = CONTRACT_POLICIES.slice(3, 6).map((doc, i) => ({ ...doc, id: `same-day-${i}`, issuedAt: '2023-08-20' }));
      const extended = [...CONTRACT_POLICIES, ...undated, ...sameDay];
      const more = new EmbeddedSearchIndex({ file: ':memory:', resultCacheSize: 0 });
      await more.open();
      try {
        await more.upsertPolicies(extended);
        const modelDocs = extended.map((doc) => stored(doc.id, toPolicyEsDoc(doc)));
        for (const sort of ['issued_desc', 'issued_asc'] as const) {
          for (const [offset, limit] of [[0, 50], [0, 4], [4, 4], [8, 4], [12, 4]] as const) {
            const request = fullRequest({ sort, offset, limit });
            const built = buildPolicySearchRequest({ request, text: null, analyzer: 'cjk' });
            const actual = parsePolicySearchResponse({ response: asSearchResponse(search(built, modelDocs)), request, terms: [], scored: false });
            expect(actual.hits.map((hit) => hit.id), `${sort} ${offset}+${limit}`).to.deep.equal((await more.searchPolicies(request)).hits.map((hit) => hit.id));
          }
        }
      } finally {
        await more.close();
      }
    });
  });

  describe('snippets and highlighted questions', function () {
    it('paints policy snippets exactly as the embedded engine does', async function () {
      const embedded = new EmbeddedSearchIndex({ file: ':memory:' });
      await embedded.open();
      try {
        const base = CONTRACT_POLICIES[0];
        if (!base) throw new Error('fixture missing');
        const filler = '本市持续优化营商环境，提升政务服务水平。'.repeat(20);
        const long = { ...base, id: 'long-body', body: `${filler}首次提到质押。${filler}知识产权质押融资贴息比例为百分之五十，质押融资单户上限五十万元。${filler}` };
        const all = [...CONTRACT_POLICIES, long];
        await embedded.upsertPolicies(all);
        const byId = new Map(all.map((doc) => [doc.id, doc]));
        for (const q of ['商业秘密', '知识产权保险', '知识产权质押融资', '专利资助', '專利資助', 'pct', '质押融资 贴息', '海外维权', '专利 张江', '开放许可']) {
          const words = queryWords(q) ?? [];
          const result = await embedded.searchPolicies(fullRequest({ q }));
          expect(result.hits.length, q).to.be.greaterThan(0);
          for (const hit of result.hits) {
            const body = byId.get(hit.id)?.body ?? '';
            expect(policySnippet({ body, terms: highlightTerms(words) }), `${q} in ${hit.id}`).to.equal(hit.snippet);
          }
        }
        for (const hit of (await embedded.searchPolicies(fullRequest({}))).hits) {
          expect(policySnippet({ body: byId.get(hit.id)?.body ?? '', terms: [] })).to.equal(hit.snippet);
        }
      } finally {
        await embedded.close();
      }
    });

    it('marks FAQ questions and answers exactly as the embedded engine does', async function () {
      const embedded = new EmbeddedSearchIndex({ file: ':memory:' });
      await embedded.open();
      try {
        const faq = (faqId: string, question: string, answer: string): FaqSearchDoc => ({
          faqId,
          policyId: `p-${faqId}`,
          policyVersion: 1,
          policyTitle: '上海市专利资助办法',
          docNumber: null,
          issuer: '上海市知识产权局',
          validity: 'effective',
          expiresAt: null,
          question,
          answer,
          category: null,
          position: 0,
          updatedAt: '2026-01-01T00:00:00.000Z',
          tagText: '',
          tagsByDimension: {},
        });
        const docs = [
          faq('a', '<b>资助</b> & "引号"', '<script>x</script>资助'),
          faq('b', '專利資助需要提交哪些材料？', `${'申报前请仔细阅读办法全文。'.repeat(6)}需要提交专利资助申请表、授权公告文本和费用凭证。`),
          faq('c', '小微企业质押贷款的利息能补贴多少？', '按实际支付利息的60%贴息，知识产权质押融资单户上限五十万元。'),
        ];
        await embedded.replaceFaqs({ policyIds: [], docs });
        for (const q of ['资助', '专利资助 材料', '知识产权质押融资', '贴息', '利息']) {
          const terms = highlightTerms(queryWords(q) ?? []);
          const result = await embedded.searchFaqs({ q, tagFilters: {}, offset: 0, limit: 10, today: CONTRACT_TODAY });
          expect(result.hits.length, q).to.be.greaterThan(0);
          for (const hit of result.hits) {
            expect(markTerms({ text: hit.doc.question, terms }), q).to.equal(hit.questionHtml);
            expect(faqSnippet({ text: hit.doc.answer, terms }), q).to.equal(hit.answerSnippet);
          }
        }
      } finally {
        await embedded.close();
      }
    });
  });

  describe('audience', function () {
    audienceIndexContract({ name: 'elasticsearch queries over the model', create: async () => new ModelAudienceIndex() });

    it('streams complete subscriber groups when a subscriber straddles pages', async function () {
      const policy: AudiencePolicy = { criteria: {}, tags: { need: ['n-fund'] }, terms: new Set() };
      const subscription = (id: string, subscriberId: string): SubscriptionDoc => ({
        id,
        subscriberId,
        criteria: { need: { mode: 'any', tags: ['n-fund'] } },
        keywords: [],
        keywordTerms: [],
        channels: ['email'],
        frequency: 'immediate',
        eligibleOnly: true,
      });
      const pages: SubscriptionDoc[][] = [[subscription('s1', 'a'), subscription('s2', 'b')], [subscription('s3', 'b'), subscription('s4', 'b')], [subscription('s5', 'c')]];
      const looked: string[][] = [];
      const source: AudienceSource = {
        candidates: async function* () {
          yield* pages;
        },
        profiles: async ({ strict, loose }) => {
          looked.push([...strict, ...loose]);
          return [...strict, ...loose].map((subscriberId) => ({ subscriberId, kind: 'enterprise' as const, parkId: null, attributes: {}, reachable: ['email' as const] }));
        },
      };
      const chunks: ProfileMatch[][] = [];
      for await (const chunk of audienceMatches({ policy, source, lookupSize: 1 })) chunks.push(chunk);
      expect(looked).to.deep.equal([['a'], ['b'], ['c']]);
      expect(chunks.flat().map(({ match }) => [match.subscriberId, match.subscriptions.map((s) => s.subscriptionId)])).to.deep.equal([
        ['a', ['s1']],
        ['b', ['s2', 's3', 's4']],
        ['c', ['s5']],
      ]);
      const batches: number[][] = [];
      for await (const batch of rebatch({ chunks: (async function* () { yield [1, 2]; yield []; yield [3, 4, 5]; yield [6]; })(), size: 4 })) batches.push(batch);
      expect(batches).to.deep.equal([[1, 2, 3, 4], [5, 6]]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// An AudienceIndex that stores the adapter's documents and answers with the adapter's queries,
// evaluated by the model: percolation is "the stored query matches the percolated document".

const PERCOLATE_PAGE = 37;
const LOOKUP_PAGE = 50;

class ModelAudienceIndex implements AudienceIndex {
  private profiles = new Map<string, ModelDoc>();
  private subscriptions = new Map<string, ModelDoc>();
  private watermark = 0;

  async upsertProfiles(profiles: ProfileDoc[]): Promise<void> {
    for (const profile of latestBy(profiles, (p) => p.subscriberId)) this.profiles.set(profile.subscriberId, stored(profile.subscriberId, toProfileEsDoc(profile)));
  }

  async removeProfiles(subscriberIds: string[]): Promise<void> {
    for (const id of subscriberIds) this.profiles.delete(id);
  }

  async upsertSubscriptions(subscriptions: SubscriptionDoc[]): Promise<void> {
    for (const subscription of latestBy(subscriptions, (s) => s.id)) this.subscriptions.set(subscription.id, stored(subscription.id, toSubscriptionEsDoc(subscription)));
  }

  async removeSubscriptions(subscriptionIds: string[]): Promise<void> {
    for (const id of subscriptionIds) this.subscriptions.delete(id);
  }

  async clearAudience(): Promise<void> {
    this.profiles = new Map();
    this.subscriptions = new Map();
    this.watermark = 0;
  }

  async getAudienceWatermark(): Promise<number> {
    return this.watermark;
  }

  async setAudienceWatermark(seq: number): Promise<void> {
    this.watermark = seq;
  }

  async audienceSummary({ policy, sampleSize }: { policy: AudiencePolicy; sampleSize: number }): Promise<AudienceSummary> {
    const summary = new AudienceSummaryAccumulator({ policy, sampleSize });
    for await (const chunk of audienceMatches({ policy, source: this.source(policy), lookupSize: LOOKUP_PAGE })) for (const match of chunk) summary.add(match);
    return summary.result();
  }

  async *audienceBatches({ policy, batchSize }: { policy: AudiencePolicy; batchSize: number }): AsyncIterable<AudienceMatch[]> {
    const chunks = audienceMatches({ policy, source: this.source(policy), lookupSize: LOOKUP_PAGE });
    async function* onlyMatches(): AsyncGenerator<AudienceMatch[]> {
      for await (const chunk of chunks) yield chunk.map(({ match }) => match);
    }
    yield* rebatch({ chunks: onlyMatches(), size: batchSize });
  }

  async matchSubscriber({ subscriberId, policies }: { subscriberId: string; policies: { key: string; policy: AudiencePolicy }[] }): Promise<{ key: string; match: AudienceMatch }[]> {
    const stored = this.profiles.get(subscriberId);
    if (!stored) return [];
    const profile = fromProfileEsDoc(stored._source as unknown as ProfileEsDoc);
    const subscriptions = [...this.subscriptions.values()].map(subscriptionOf).filter((s) => s.subscriberId === subscriberId);
    return policies.flatMap(({ key, policy }) => {
      const match = matchSubscriber({ policy, profile, subscriptions });
      return match ? [{ key, match }] : [];
    });
  }

  private source(policy: AudiencePolicy): AudienceSource {
    const request = buildPercolateSearch({ policy, size: PERCOLATE_PAGE });
    // The model cannot percolate; it checks that the request percolates this policy and evaluates each stored query itself.
    expect(request.query).to.deep.equal({ bool: { filter: [{ percolate: { field: 'query', document: percolatedPolicy(policy) } }] } });
    const document = stored('policy', percolatedPolicy(policy));
    const interested = [...this.subscriptions.values()].filter((doc) => matches(doc._source.query as estypes.QueryDslQueryContainer, document));
    const ordered = search({ sort: request.sort, size: interested.length, _source: request._source }, interested).hits.hits;
    const profiles = [...this.profiles.values()];
    return {
      candidates: async function* () {
        for (let at = 0; at < ordered.length; at += PERCOLATE_PAGE) yield ordered.slice(at, at + PERCOLATE_PAGE).map((hit) => (hit._source.doc as SubscriptionDoc));
      },
      profiles: async ({ strict, loose }) => {
        const lookup = buildProfileLookup({ criteria: policy.criteria, strict, loose });
        return search(lookup, profiles).hits.hits.map((hit) => fromProfileEsDoc(hit._source as unknown as ProfileEsDoc));
      },
    };
  }
}

function subscriptionOf(doc: ModelDoc): SubscriptionDoc {
  return doc._source.doc as SubscriptionDoc;
}

/**
 * The Elasticsearch adapter itself, client calls and all, against an in-process model of the REST
 * API (test/support/fake-elasticsearch.ts): the contract suites, then what a real cluster cannot be
 * made to do on demand (429s, refused documents, an index of an older schema, a rebuild race).
 * Relevance comes from the model's stand-in scoring; the real analyzers and BM25 are only exercised
 * by elasticsearch-search-index.test.ts against a cluster.
 */
import { expect } from 'chai';
import { deleteElasticsearchInstallation } from '../../server/adapters/elasticsearch/elasticsearch.admin.js';
import { SCHEMA_VERSION } from '../../server/adapters/elasticsearch/elasticsearch.mappings.js';
import { ElasticsearchSearchIndex } from '../../server/adapters/elasticsearch/elasticsearch.search-index.js';
import type { AudiencePolicy, ProfileDoc, SubscriptionDoc } from '../../server/ports/audience-index.port.js';
import type { PolicySearchRequest } from '../../server/ports/search-index.port.js';
import { FakeElasticsearch } from '../support/fake-elasticsearch.js';
import { audienceIndexContract } from './audience-index.contract.js';
import { faqIndexContract } from './faq-index.contract.js';
import { CONTRACT_POLICIES, CONTRACT_TODAY, searchIndexContract } from './search-index.contract.js';

function request(overrides: Partial<PolicySearchRequest> = {}): PolicySearchRequest {
  return { tagFilters: {}, sort: 'issued_desc', offset: 0, limit: 50, facets: false, today: CONTRACT_TODAY, ...overrides };
}

describe('ElasticsearchSearchIndex over a model of the REST API', function () {
  const fake = new FakeElasticsearch();
  let counter = 0;
  const prefix = 'fake';
  // The model answers at once and refusals are injected on purpose: waiting between retries would only add wall-clock time.
  const noWaits = { tooManyRequestsBaseMs: 0, bulkItemWaitMs: 0 };
  const create = (indexPrefix = prefix): ElasticsearchSearchIndex => new ElasticsearchSearchIndex({ url: fake.url, analyzer: 'cjk', indexPrefix, retry: noWaits });
  const fresh = (): string => `fake-${(counter += 1)}`;

  before(async function () {
    await fake.start();
  });

  after(async function () {
    await fake.stop();
  });

  searchIndexContract({ name: 'elasticsearch adapter, model cluster', create: async () => create(), traits: { exactScoresAcrossRewrites: false } });

  audienceIndexContract({
    name: 'elasticsearch adapter, model cluster',
    create: async () => {
      const index = create();
      await index.open();
      return index;
    },
    close: (index) => index.close(),
  });

  faqIndexContract({
    name: 'elasticsearch adapter, model cluster',
    open: async () => {
      const index = create();
      await index.open();
      await index.clearFaqs();
      return { index, close: () => index.close() };
    },
  });

  describe('specific behaviour', function () {
    it('creates its templates, meta index and one index per alias at first start, and agrees with a process starting beside it', async function () {
      const indexPrefix = fresh();
      const [a, b] = [create(indexPrefix), create(indexPrefix)];
      await Promise.all([a.open(), b.open()]);
      try {
        for (const kind of ['policies', 'faqs', 'profiles', 'subscriptions']) {
          expect(fake.aliasTargets(`${indexPrefix}-${kind}`), kind).to.have.length(1);
        }
        expect(fake.indexNames()).to.include(`${indexPrefix}-meta`);
        await a.upsertPolicies(CONTRACT_POLICIES);
        expect(await b.countPolicies()).to.equal(CONTRACT_POLICIES.length);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('rebuilds behind the alias: the old index goes in the same swap, the watermark first', async function () {
      const indexPrefix = fresh();
      const index = create(indexPrefix);
      await index.open();
      try {
        await index.upsertPolicies(CONTRACT_POLICIES);
        await index.setWatermark(12);
        const [before] = fake.aliasTargets(`${indexPrefix}-policies`);
        await index.clear();
        const [after] = fake.aliasTargets(`${indexPrefix}-policies`);
        expect(after).to.not.equal(before);
        expect(fake.indexNames()).to.not.include(before);
        expect(await index.getWatermark()).to.equal(0);
        expect((await index.searchPolicies(request({ facets: true }))).total).to.equal(0);
        const swaps = fake.requests.filter((r) => r.path === '/_aliases').length;
        await index.clearAudience();
        // Profiles and subscriptions move in one atomic request.
        expect(fake.requests.filter((r) => r.path === '/_aliases').length).to.equal(swaps + 1);
      } finally {
        await index.close();
      }
    });

    it('replaces an index built by another schema version at start and resets its watermark', async function () {
      const indexPrefix = fresh();
      const first = create(indexPrefix);
      await first.open();
      await first.upsertPolicies(CONTRACT_POLICIES);
      await first.setWatermark(30);
      await first.setFaqWatermark(31);
      await first.close();
      const [old] = fake.aliasTargets(`${indexPrefix}-policies`);
      if (!old) throw new Error('no policy index');
      fake.setMappingMeta(old, { kind: 'policies', schema: SCHEMA_VERSION - 1, analyzer: 'cjk' });
      const second = create(indexPrefix);
      await second.open();
      try {
        expect(fake.aliasTargets(`${indexPrefix}-policies`)).to.not.include(old);
        expect(await second.getWatermark()).to.equal(0);
        expect(await second.countPolicies()).to.equal(0);
        expect(await second.getFaqWatermark()).to.equal(31);
      } finally {
        await second.close();
      }
    });

    it('records no progress for a sync pass that straddles a rebuild in another process', async function () {
      const indexPrefix = fresh();
      const syncing = create(indexPrefix);
      const rebuilding = create(indexPrefix);
      await syncing.open();
      await rebuilding.open();
      try {
        await syncing.setWatermark(40);
        // A pass starts by reading the watermark, then the other process rebuilds.
        expect(await syncing.getWatermark()).to.equal(40);
        await rebuilding.clear();
        await syncing.setWatermark(90);
        expect(await rebuilding.getWatermark()).to.equal(0);
        // The rebuild's own pass records progress, and so does the next pass of the other process.
        await rebuilding.setWatermark(10);
        expect(await syncing.getWatermark()).to.equal(10);
        await syncing.setWatermark(20);
        expect(await rebuilding.getWatermark()).to.equal(20);
      } finally {
        await syncing.close();
        await rebuilding.close();
      }
    });

    it('drops its own index when another process swapped the alias first', async function () {
      const indexPrefix = fresh();
      const a = create(indexPrefix);
      const b = create(indexPrefix);
      await a.open();
      await b.open();
      try {
        await Promise.all([a.clear(), b.clear()]);
        expect(fake.aliasTargets(`${indexPrefix}-policies`)).to.have.length(1);
        expect(fake.indexNames().filter((name) => name.startsWith(`${indexPrefix}-policies-`))).to.have.length(1);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('retries items and whole requests refused with 429', async function () {
      const index = create(fresh());
      await index.open();
      try {
        fake.rejectBulkItems(3);
        await index.upsertPolicies(CONTRACT_POLICIES);
        expect(await index.countPolicies()).to.equal(CONTRACT_POLICIES.length);
        fake.rejectRequests(2);
        expect((await index.searchPolicies(request())).total).to.equal(CONTRACT_POLICIES.length);
      } finally {
        await index.close();
      }
    }).timeout(30_000);

    it('reports every refused document by id and keeps the others', async function () {
      const index = create(fresh());
      await index.open();
      try {
        const base = CONTRACT_POLICIES[0];
        if (!base) throw new Error('fixture missing');
        let caught: unknown = null;
        await index.upsertPolicies([base, { ...base, id: 'bad-date', issuedAt: '2024-13-45' }, { ...base, id: 'bad-expiry', expiresAt: 'soon' }]).catch((error: unknown) => {
          caught = error;
        });
        expect(caught).to.have.property('code', 'search_index_write_failed');
        expect(caught).to.have.property('message').that.contains('bad-date').and.contains('bad-expiry');
        expect(await index.countPolicies()).to.equal(1);
        // Removing ids the index does not hold is not a failure.
        await index.removePolicies(['never-indexed', base.id]);
        expect(await index.countPolicies()).to.equal(0);
      } finally {
        await index.close();
      }
    });

    it('surfaces an unreachable cluster as unavailable', async function () {
      // No client retries: each would wait a random backoff before failing the same way.
      const index = new ElasticsearchSearchIndex({ url: 'http://127.0.0.1:1', analyzer: 'cjk', indexPrefix: 'nowhere', requestTimeoutMs: 2_000, retry: { clientMaxRetries: 0 } });
      let caught: unknown = null;
      await index.open().catch((error: unknown) => {
        caught = error;
      });
      expect(caught).to.have.property('type', 'unavailable');
      expect(caught).to.have.property('code', 'search_index_unavailable');
    });

    it('refuses an index prefix Elasticsearch would refuse', function () {
      expect(() => new ElasticsearchSearchIndex({ url: fake.url, analyzer: 'cjk', indexPrefix: 'Policy Push' })).to.throw('索引前缀');
    });

    it('pages a large audience through points in time and closes them, even when the reader stops early', async function () {
      const index = create(fresh());
      await index.open();
      try {
        const profiles: ProfileDoc[] = Array.from({ length: 2_600 }, (_, i) => ({ subscriberId: `e-${String(i).padStart(5, '0')}`, kind: 'enterprise', parkId: null, attributes: i % 3 === 0 ? {} : { region: ['r-sh'] }, reachable: ['email'] }));
        const subscriptions: SubscriptionDoc[] = profiles.flatMap((profile, i) =>
          Array.from({ length: 1 + (i % 2) }, (_, j) => ({
            id: `${profile.subscriberId}-s${j}`,
            subscriberId: profile.subscriberId,
            criteria: { need: { mode: 'any' as const, tags: ['n-fund'] } },
            keywords: [],
            keywordTerms: [],
            channels: ['email' as const],
            frequency: 'immediate' as const,
            eligibleOnly: j === 0,
          })),
        );
        await index.upsertProfiles(profiles);
        await index.upsertSubscriptions(subscriptions);
        const policy: AudiencePolicy = { criteria: { region: ['r-sh'] }, tags: { need: ['n-fund'] }, terms: new Set() };
        const seen: string[] = [];
        for await (const batch of index.audienceBatches({ policy, batchSize: 700 })) seen.push(...batch.map((match) => match.subscriberId));
        expect(seen).to.have.length(profiles.length);
        expect(new Set(seen).size).to.equal(seen.length);
        expect(fake.openPits()).to.equal(0);
        for await (const batch of index.audienceBatches({ policy, batchSize: 10 })) {
          expect(batch).to.have.length(10);
          break;
        }
        expect(fake.openPits()).to.equal(0);
        const summary = await index.audienceSummary({ policy, sampleSize: 2 });
        expect(summary.subscribers).to.equal(profiles.length);
        expect(summary.unknownByDimension.region).to.equal(Math.ceil(profiles.length / 3));
      } finally {
        await index.close();
      }
    }).timeout(60_000);

    it('uninstalls every index and template of a prefix', async function () {
      const indexPrefix = fresh();
      const index = create(indexPrefix);
      await index.open();
      await index.close();
      const { indices } = await deleteElasticsearchInstallation({ url: fake.url, indexPrefix });
      expect(indices).to.have.length(5);
      expect(fake.indexNames().filter((name) => name.startsWith(`${indexPrefix}-`))).to.deep.equal([]);
    });
  });
});

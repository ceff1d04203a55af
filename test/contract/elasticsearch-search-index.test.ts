/**
 * The SearchIndex, AudienceIndex and FaqIndex contract suites against a real Elasticsearch 8
 * cluster, when ELASTICSEARCH_URL names one:
 *
 *   ELASTICSEARCH_URL=http://localhost:9200 [ELASTICSEARCH_ANALYZER=smartcn] npx mocha test/contract/elasticsearch-search-index.test.ts
 *
 * Each run works under a fresh index prefix and deletes its indices and templates afterwards, so
 * it can point at a cluster that serves other installations.
 */
import { expect } from 'chai';
import { deleteElasticsearchInstallation } from '../../server/adapters/elasticsearch/elasticsearch.admin.js';
import type { AnalyzerChoice } from '../../server/adapters/elasticsearch/elasticsearch.mappings.js';
import { ElasticsearchSearchIndex } from '../../server/adapters/elasticsearch/elasticsearch.search-index.js';
import { audienceIndexContract } from './audience-index.contract.js';
import { faqIndexContract } from './faq-index.contract.js';
import { CONTRACT_POLICIES, CONTRACT_TODAY, searchIndexContract } from './search-index.contract.js';

const url = process.env.ELASTICSEARCH_URL;
const ANALYZERS: readonly AnalyzerChoice[] = ['cjk', 'smartcn', 'ik'];

function analyzerFromEnv(): AnalyzerChoice {
  const value = process.env.ELASTICSEARCH_ANALYZER ?? 'cjk';
  const analyzer = ANALYZERS.find((candidate) => candidate === value);
  if (!analyzer) throw new Error(`ELASTICSEARCH_ANALYZER must be one of ${ANALYZERS.join(', ')}, not ${value}`);
  return analyzer;
}

if (!url) {
  console.log('  Elasticsearch contract suites skipped: ELASTICSEARCH_URL is not set (e.g. ELASTICSEARCH_URL=http://localhost:9200).');
} else {
  const clusterUrl = url;
  const analyzer = analyzerFromEnv();
  const indexPrefix = `contract-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const create = (): ElasticsearchSearchIndex => new ElasticsearchSearchIndex({ url: clusterUrl, analyzer, indexPrefix });

  describe(`ElasticsearchSearchIndex (${clusterUrl}, ${analyzer}, prefix ${indexPrefix})`, function () {
    // Index creation and alias swaps are cluster-state updates: slower than anything embedded.
    this.timeout(120_000);

    after(async function () {
      await deleteElasticsearchInstallation({ url: clusterUrl, indexPrefix });
    });

    searchIndexContract({
      name: `elasticsearch (${analyzer})`,
      create: async () => create(),
      // Lucene keeps deleted documents in its BM25 statistics until segments merge.
      traits: { exactScoresAcrossRewrites: false },
    });

    audienceIndexContract({
      name: `elasticsearch (${analyzer})`,
      create: async () => {
        const index = create();
        await index.open();
        return index;
      },
      close: (index) => index.close(),
    });

    faqIndexContract({
      name: `elasticsearch (${analyzer})`,
      open: async () => {
        const index = create();
        await index.open();
        // The suite expects an empty FAQ index; this run's indices outlive each test.
        await index.clearFaqs();
        return { index, close: () => index.close() };
      },
    });

    describe('specific behaviour', function () {
      it('has kind "elasticsearch" and refuses to work before open', async function () {
        const index = create();
        expect(index.kind).to.equal('elasticsearch');
        let caught: unknown = null;
        await index.countPolicies().catch((error: unknown) => {
          caught = error;
        });
        expect(caught).to.have.property('type', 'unavailable');
      });

      it('keeps documents and watermarks across processes and rebuilds behind the alias', async function () {
        const first = create();
        await first.open();
        try {
          await first.clear();
          await first.upsertPolicies(CONTRACT_POLICIES);
          await first.setWatermark(7);
          await first.setAudienceWatermark(8);
          await first.setFaqWatermark(9);
        } finally {
          await first.close();
        }
        const second = create();
        await second.open();
        try {
          expect([await second.getWatermark(), await second.getAudienceWatermark(), await second.getFaqWatermark()]).to.deep.equal([7, 8, 9]);
          expect(await second.countPolicies()).to.equal(CONTRACT_POLICIES.length);
          await second.clear();
          expect(await second.getWatermark()).to.equal(0);
          expect(await second.countPolicies()).to.equal(0);
          // Only the policy index was rebuilt.
          expect([await second.getAudienceWatermark(), await second.getFaqWatermark()]).to.deep.equal([8, 9]);
          await second.upsertPolicies(CONTRACT_POLICIES.slice(0, 2));
          const result = await second.searchPolicies({ tagFilters: {}, sort: 'issued_desc', offset: 0, limit: 10, facets: true, today: CONTRACT_TODAY });
          expect(result.total).to.equal(2);
        } finally {
          await second.close();
        }
      });

      it('reports the write of a document the mapping refuses instead of dropping it', async function () {
        const index = create();
        await index.open();
        try {
          const base = CONTRACT_POLICIES[0];
          if (!base) throw new Error('fixture missing');
          let caught: unknown = null;
          // An issue date that is no date is refused by the date field; the failure names the document.
          await index.upsertPolicies([{ ...base, id: 'bad-date', issuedAt: '2024-13-45' }]).catch((error: unknown) => {
            caught = error;
          });
          expect(caught).to.have.property('code', 'search_index_write_failed');
          expect(caught).to.have.property('message').that.contains('bad-date');
        } finally {
          await index.close();
        }
      });
    });
  });
}

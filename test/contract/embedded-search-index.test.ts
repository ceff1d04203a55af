import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import { ThreadedSearchIndex } from '../../server/adapters/embedded-search/embedded-thread.search-index.js';
import type { PolicySearchDoc, PolicySearchRequest } from '../../server/ports/search-index.port.js';
import { addUserTerms } from '../../server/text/segmenter.js';
import { CONTRACT_POLICIES, CONTRACT_TODAY, searchIndexContract } from './search-index.contract.js';

function request(overrides: Partial<PolicySearchRequest> = {}): PolicySearchRequest {
  return { tagFilters: {}, sort: 'relevance', offset: 0, limit: 20, facets: false, today: CONTRACT_TODAY, ...overrides };
}

describe('EmbeddedSearchIndex', function () {
  let dir: string;
  let counter = 0;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search-'));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const nextFile = (): string => {
    counter += 1;
    return path.join(dir, `search-${counter}.sqlite`);
  };

  searchIndexContract({ name: 'embedded (temp file)', create: async () => new EmbeddedSearchIndex({ file: nextFile() }) });

  searchIndexContract({ name: 'embedded (in memory)', create: async () => new EmbeddedSearchIndex({ file: ':memory:' }) });

  searchIndexContract({ name: 'embedded on its own thread (temp file)', create: async () => new ThreadedSearchIndex({ file: nextFile() }) });

  describe('specific behaviour', function () {
    it('has kind "embedded"', function () {
      expect(new EmbeddedSearchIndex({ file: ':memory:' }).kind).to.equal('embedded');
    });

    it('keeps documents, memory state and watermark across reopening', async function () {
      const file = nextFile();
      const first = new EmbeddedSearchIndex({ file });
      await first.open();
      await first.upsertPolicies(CONTRACT_POLICIES);
      await first.removePolicies(['cnipa-open-licensing']);
      await first.setWatermark(7);
      const before = await first.searchPolicies(request({ q: '专利资助', facets: true }));
      await first.close();

      const second = new EmbeddedSearchIndex({ file });
      await second.open();
      try {
        expect(await second.getWatermark()).to.equal(7);
        expect(await second.countPolicies()).to.equal(CONTRACT_POLICIES.length - 1);
        expect(await second.searchPolicies(request({ q: '专利资助', facets: true }))).to.deep.equal(before);
        // A freed slot is reused without disturbing the others.
        const base = CONTRACT_POLICIES[0];
        if (!base) throw new Error('fixture missing');
        await second.upsertPolicies([{ ...base, id: 'after-reopen', title: '专利开放许可声明办事指引' }]);
        expect((await second.searchPolicies(request({ q: '专利开放许可' }))).hits[0]?.id).to.equal('after-reopen');
        expect(await second.countPolicies()).to.equal(CONTRACT_POLICIES.length);
      } finally {
        await second.close();
      }
    });

    it('answers keyword queries while the word index is rebuilt after reopening, and the same once it is complete', async function () {
      const file = nextFile();
      const base = CONTRACT_POLICIES[0];
      if (!base) throw new Error('fixture missing');
      const many = Array.from({ length: 1_300 }, (_, i) => ({
        ...base,
        id: `many-${i}`,
        title: i % 50 === 0 ? `专利导航项目第${i}号通知` : `年度工作通知第${i}号`,
        body: i % 3 === 0 ? '支持企业开展专利导航。' : '加强管理工作。',
      }));
      const first = new EmbeddedSearchIndex({ file, resultCacheSize: 0 });
      await first.open();
      await first.upsertPolicies(many);
      await first.close();

      const index = new EmbeddedSearchIndex({ file, resultCacheSize: 0 });
      await index.open();
      try {
        expect(index.warming).to.equal(true);
        const during = await index.searchPolicies(request({ q: '专利导航', facets: true }));
        // Written while the rebuild has not reached the end: found once it has.
        await index.upsertPolicies([{ ...base, id: 'late-arrival', title: '专利导航成果转化办法', body: '专利导航成果。' }]);
        await index.removePolicies(['many-1299']);
        await index.wordIndexReady();
        expect(index.warming).to.equal(false);
        const after = await index.searchPolicies(request({ q: '专利导航', facets: true }));
        // One added, one (many-1299, which holds the words) removed.
        expect(after.total).to.equal(during.total);
        expect(after.hits.map((hit) => hit.id)).to.include('late-arrival');
        const reference = new EmbeddedSearchIndex({ file: ':memory:', resultCacheSize: 0, wordIndex: false });
        await reference.open();
        await reference.upsertPolicies([...many.slice(0, 1_299), { ...base, id: 'late-arrival', title: '专利导航成果转化办法', body: '专利导航成果。' }]);
        const expected = await reference.searchPolicies(request({ q: '专利导航', facets: true }));
        await reference.close();
        expect(after.hits.map((hit) => hit.id)).to.deep.equal(expected.hits.map((hit) => hit.id));
        expect(after.total).to.equal(expected.total);
      } finally {
        await index.close();
      }
    });

    it('falls back to any query word when no policy has them all', async function () {
      const index = new EmbeddedSearchIndex({ file: ':memory:' });
      await index.open();
      try {
        await index.upsertPolicies(CONTRACT_POLICIES);
        const result = await index.searchPolicies(request({ q: '专利资助 量子通信' }));
        expect(result.total).to.be.greaterThan(0);
        expect(result.hits.slice(0, 2).map((hit) => hit.id).sort()).to.deep.equal(['pd-patent-subsidy-2018', 'pd-patent-subsidy-2022']);
      } finally {
        await index.close();
      }
    });

    it('treats a query without searchable characters as no query', async function () {
      const index = new EmbeddedSearchIndex({ file: ':memory:' });
      await index.open();
      try {
        await index.upsertPolicies(CONTRACT_POLICIES);
        const result = await index.searchPolicies(request({ q: '*（）！' }));
        expect(result.total).to.equal(CONTRACT_POLICIES.length);
      } finally {
        await index.close();
      }
    });

    it('refuses to work before open', async function () {
      const index = new EmbeddedSearchIndex({ file: ':memory:' });
      let caught: unknown = null;
      await index.countPolicies().catch((error: unknown) => {
        caught = error;
      });
      expect(caught).to.have.property('type', 'unavailable');
    });

    it('drops an index written by another schema version and starts again from watermark 0', async function () {
      const file = nextFile();
      const index = new EmbeddedSearchIndex({ file });
      await index.open();
      await index.upsertPolicies(CONTRACT_POLICIES);
      await index.setWatermark(99);
      await index.close();

      const raw = new Database(file);
      raw.prepare("UPDATE meta SET value = 'obsolete' WHERE key = 'schema_version'").run();
      raw.close();

      await index.open();
      try {
        expect(await index.countPolicies()).to.equal(0);
        expect(await index.getWatermark()).to.equal(0);
      } finally {
        await index.close();
      }
    });

    describe('words inside longer words', function () {
      let index: EmbeddedSearchIndex;

      function doc(id: string, title: string, body: string): PolicySearchDoc {
        const base = CONTRACT_POLICIES[0];
        if (!base) throw new Error('fixture missing');
        return { ...base, id, title, body, tagText: '', docNumber: null, tagsByDimension: {} };
      }

      before(async function () {
        // Taxonomy labels become whole words at start; these two hide shorter words inside them.
        addUserTerms(['专精特新中小企业', '张江科学城']);
        index = new EmbeddedSearchIndex({ file: ':memory:' });
        await index.open();
        await index.upsertPolicies([
          doc('label-in-title', '上海市专精特新中小企业认定管理办法', '认定工作每年组织一次。'),
          doc('word-in-title', '关于支持专精特新企业发展的若干措施', '支持企业提升创新能力。'),
          doc('label-in-body', '中小企业服务指南', '已认定的专精特新中小企业可优先推荐。'),
          doc('place-in-title', '张江科学城知识产权服务办法', '设立服务窗口。'),
          doc('place-in-body', '浦东新区科技服务通知', '服务范围覆盖张江科学城及周边园区。'),
          doc('across-words', '关于提高企业创新能力的通知', '提高企业研发投入。'),
        ]);
      });

      after(async function () {
        await index.close();
      });

      it('finds a dictionary word inside a longer one, title matches first', async function () {
        const found = (await index.searchPolicies(request({ q: '专精特新' }))).hits.map((hit) => hit.id);
        expect(found.slice(0, 2).sort()).to.deep.equal(['label-in-title', 'word-in-title']);
        expect(found.slice(2)).to.deep.equal(['label-in-body']);
      });

      it('finds a word the dictionary does not know inside a longer one, title matches first', async function () {
        const found = (await index.searchPolicies(request({ q: '张江' }))).hits.map((hit) => hit.id);
        expect(found).to.deep.equal(['place-in-title', 'place-in-body']);
        const snippet = (await index.searchPolicies(request({ q: '张江' }))).hits[1]?.snippet ?? '';
        expect(snippet).to.contain('<mark>张江</mark>科学城');
      });

      it('does not join the end of one word to the start of the next', async function () {
        const found = (await index.searchPolicies(request({ q: '高企' }))).hits.map((hit) => hit.id);
        expect(found).to.not.include('across-words');
      });
    });

    describe('result cache', function () {
      const probes: Partial<PolicySearchRequest>[] = [
        { q: '专利资助', facets: true },
        { q: '知识产权', tagFilters: { region: ['reg-shanghai'], need: ['need-funding', 'need-financing'] }, facets: true },
        { facets: true, validity: ['expired', 'effective'] },
        { q: '专利', sort: 'issued_asc', offset: 1, limit: 3 },
      ];

      async function loaded(options: { resultCacheSize?: number } = {}): Promise<EmbeddedSearchIndex> {
        const index = new EmbeddedSearchIndex({ file: ':memory:', ...options });
        await index.open();
        await index.upsertPolicies(CONTRACT_POLICIES);
        return index;
      }

      it('answers a repeated request exactly as an index without a cache does', async function () {
        const cached = await loaded();
        const uncached = await loaded({ resultCacheSize: 0 });
        try {
          for (const probe of probes) {
            const expected = await uncached.searchPolicies(request(probe));
            expect(await cached.searchPolicies(request(probe)), JSON.stringify(probe)).to.deep.equal(expected);
            expect(await cached.searchPolicies(request(probe)), JSON.stringify(probe)).to.deep.equal(expected);
            expect(await uncached.searchPolicies(request(probe)), JSON.stringify(probe)).to.deep.equal(expected);
          }
          // The same request written differently shares the answer.
          const reordered = await cached.searchPolicies(
            request({ q: ' 知识产权 ', tagFilters: { need: ['need-funding', 'need-financing'], region: ['reg-shanghai'] }, facets: true }),
          );
          expect(reordered).to.deep.equal(await uncached.searchPolicies(request(probes[1])));
        } finally {
          await cached.close();
          await uncached.close();
        }
      });

      it('hands out one frozen answer: a caller cannot change what the next caller gets', async function () {
        const index = await loaded();
        try {
          const first = await index.searchPolicies(request({ q: '专利资助', facets: true }));
          const pristine = structuredClone(first);
          const hit = first.hits[0];
          if (!hit || !first.facets) throw new Error('expected hits and facets');
          const facets = first.facets;
          expect(() => Object.assign(hit, { title: 'changed' })).to.throw(TypeError);
          expect(() => first.hits.pop()).to.throw(TypeError);
          expect(() => Object.assign(facets.validity, { effective: -1 })).to.throw(TypeError);
          expect(() => Object.assign(facets.tags.region ?? {}, { 'reg-shanghai': -1 })).to.throw(TypeError);
          const again = await index.searchPolicies(request({ q: '专利资助', facets: true }));
          expect(again).to.equal(first);
          expect(again).to.deep.equal(pristine);
          expect(index.peekPolicies(request({ q: '专利资助', facets: true }))).to.equal(first);
          expect(index.peekPolicies(request({ q: '专利资助', facets: false }))).to.equal(null);
        } finally {
          await index.close();
        }
      });

      it('forgets every answer on upsert, remove, clear and reopen', async function () {
        const file = nextFile();
        const index = new EmbeddedSearchIndex({ file });
        await index.open();
        try {
          await index.upsertPolicies(CONTRACT_POLICIES);
          const base = CONTRACT_POLICIES[0];
          if (!base) throw new Error('fixture missing');
          const navigation = request({ q: '专利导航', facets: true });
          expect((await index.searchPolicies(navigation)).total).to.equal(0);
          await index.upsertPolicies([{ ...base, id: 'navigation', title: '专利导航项目管理办法' }]);
          expect((await index.searchPolicies(navigation)).hits.map((hit) => hit.id)).to.deep.equal(['navigation']);
          await index.upsertPolicies([{ ...base, id: 'navigation', title: '专利导航项目管理办法（修订）', version: 2 }]);
          expect((await index.searchPolicies(navigation)).hits[0]).to.include({ version: 2 });
          await index.removePolicies(['navigation']);
          expect((await index.searchPolicies(navigation)).total).to.equal(0);
          await index.upsertPolicies([{ ...base, id: 'navigation', title: '专利导航项目管理办法' }]);
          expect((await index.searchPolicies(navigation)).total).to.equal(1);
          await index.close();

          // Another writer changes the file while this index is closed.
          const other = new EmbeddedSearchIndex({ file });
          await other.open();
          await other.removePolicies(['navigation']);
          await other.close();
          await index.open();
          expect((await index.searchPolicies(navigation)).total).to.equal(0);

          await index.clear();
          expect((await index.searchPolicies(request({ q: '专利资助' }))).total).to.equal(0);
        } finally {
          await index.close();
        }
      });

      it('keeps results per day, so a policy expires on its date', async function () {
        const index = await loaded();
        try {
          const on = (today: string) => index.searchPolicies(request({ q: '专利资助', tagFilters: { region: ['reg-pudong'] }, today }));
          const validityOn = async (today: string) => (await on(today)).hits.find((hit) => hit.id === 'pd-patent-subsidy-2022')?.validity;
          expect(await validityOn('2024-12-31')).to.equal('effective');
          expect(await validityOn('2025-01-01')).to.equal('expired');
          expect(await validityOn('2024-12-31')).to.equal('effective');
        } finally {
          await index.close();
        }
      });

      it('can be turned off and on again', async function () {
        const index = await loaded();
        try {
          const expected = await index.searchPolicies(request({ q: '专利资助' }));
          index.setResultCacheSize(0);
          const uncached = await index.searchPolicies(request({ q: '专利资助' }));
          expect(uncached).to.deep.equal(expected);
          // Nothing shares an answer the cache does not keep, so it is the caller's own, unfrozen.
          expect(Object.isFrozen(uncached) || Object.isFrozen(uncached.hits)).to.equal(false);
          expect(await index.searchPolicies(request({ q: '专利资助' }))).not.to.equal(uncached);
          index.setResultCacheSize(8);
          expect(await index.searchPolicies(request({ q: '专利资助' }))).to.deep.equal(expected);
          expect(await index.searchPolicies(request({ q: '专利资助' }))).to.deep.equal(expected);
        } finally {
          await index.close();
        }
      });
    });

    it('snippets a long body around the densest window of query words', async function () {
      const index = new EmbeddedSearchIndex({ file: ':memory:' });
      await index.open();
      try {
        const base = CONTRACT_POLICIES[0];
        if (!base) throw new Error('fixture missing');
        const filler = '本市持续优化营商环境，提升政务服务水平。'.repeat(20);
        const body = `${filler}首次提到质押。${filler}知识产权质押融资贴息比例为百分之五十，质押融资单户上限五十万元。${filler}`;
        await index.upsertPolicies([{ ...base, id: 'long-body', body }]);
        const result = await index.searchPolicies(request({ q: '质押融资 贴息' }));
        const snippet = result.hits[0]?.snippet ?? '';
        expect(snippet.startsWith('…')).to.equal(true);
        expect(snippet.endsWith('…')).to.equal(true);
        const marked = [...snippet.matchAll(/<mark>(.*?)<\/mark>/g)].map((match) => match[1]).join('|');
        expect(marked).to.contain('质押融资');
        expect(marked).to.contain('贴息');
        expect(snippet).to.not.contain('首次提到');
      } finally {
        await index.close();
      }
    });

    it('counts facets by document or by tag bitset alike, also once a document holds more tags than a slot keeps', async function () {
      const base = CONTRACT_POLICIES[0];
      if (!base) throw new Error('fixture missing');
      const dimensions = ['region', 'industry', 'need'] as const;
      // 40 documents with three tags each from a pool of 60: a narrow filter leaves few documents
      // and many tags, where counting document by document is cheaper.
      const docs: PolicySearchDoc[] = Array.from({ length: 40 }, (_, i) => ({
        ...base,
        id: `facet-${i}`,
        tagsByDimension: Object.fromEntries(dimensions.map((dimension, d) => [dimension, [`${dimension}-${(i * (d + 3)) % 20}`]])),
      }));
      const crowded: PolicySearchDoc = {
        ...base,
        id: 'facet-crowded',
        tagsByDimension: { industry: Array.from({ length: 30 }, (_, i) => `industry-${i}`), region: ['region-0'], need: ['need-0', 'need-0'] },
      };
      const expected = ({ held, filter }: { held: PolicySearchDoc[]; filter: { dimension: string; tagId: string } | null }) => {
        const tags: Record<string, Record<string, number>> = {};
        for (const dimension of dimensions) {
          const scope = held.filter((doc) => !filter || filter.dimension === dimension || (doc.tagsByDimension[filter.dimension as 'region'] ?? []).includes(filter.tagId));
          const counts: Record<string, number> = {};
          for (const doc of scope) for (const tagId of new Set(doc.tagsByDimension[dimension] ?? [])) counts[tagId] = (counts[tagId] ?? 0) + 1;
          if (filter?.dimension === dimension) counts[filter.tagId] ??= 0;
          if (Object.keys(counts).length > 0) tags[dimension] = counts;
        }
        return tags;
      };
      const index = new EmbeddedSearchIndex({ file: ':memory:', resultCacheSize: 0 });
      await index.open();
      try {
        for (const held of [docs, [...docs, crowded]]) {
          await index.upsertPolicies(held);
          for (const filter of [null, { dimension: 'region', tagId: 'region-3' }, { dimension: 'need', tagId: 'need-5' }]) {
            const result = await index.searchPolicies(request({ facets: true, ...(filter ? { tagFilters: { [filter.dimension]: [filter.tagId] } } : {}) }));
            expect(result.facets?.tags, `${held.length} documents, filter ${JSON.stringify(filter)}`).to.deep.equal(expected({ held, filter }));
          }
        }
        await index.removePolicies(['facet-crowded', 'facet-0']);
        const result = await index.searchPolicies(request({ facets: true, tagFilters: { region: ['region-0'] } }));
        expect(result.facets?.tags).to.deep.equal(expected({ held: docs.slice(1), filter: { dimension: 'region', tagId: 'region-0' } }));
      } finally {
        await index.close();
      }
    });
  });
});

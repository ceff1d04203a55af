import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import type { PolicySearchRequest } from '../../server/ports/search-index.port.js';
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
  });
});

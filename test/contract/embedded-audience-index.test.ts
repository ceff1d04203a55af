import { expect } from 'chai';
import { EmbeddedAudienceIndex } from '../../server/adapters/embedded-search/embedded.audience-index.js';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import { ThreadedSearchIndex } from '../../server/adapters/embedded-search/embedded-thread.search-index.js';
import type { SearchIndex } from '../../server/ports/search-index.port.js';
import { audienceIndexContract } from './audience-index.contract.js';

describe('EmbeddedAudienceIndex', function () {
  audienceIndexContract({ name: 'embedded (standalone)', create: async () => new EmbeddedAudienceIndex() });

  /** A whole search index, opened, whose audience part is under test. */
  const opened = (create: () => SearchIndex) => async (): Promise<SearchIndex> => {
    const index = create();
    await index.open();
    return index;
  };

  audienceIndexContract({ name: 'embedded search index (delegating)', create: opened(() => new EmbeddedSearchIndex({ file: ':memory:' })), close: (index) => index.close() });

  audienceIndexContract({ name: 'embedded search index on its own thread (delegating)', create: opened(() => new ThreadedSearchIndex({ file: ':memory:' })), close: (index) => index.close() });

  describe('specific behaviour', function () {
    it('starts from watermark 0 on every open, since profiles live in memory only', async function () {
      const index = new EmbeddedSearchIndex({ file: ':memory:' });
      await index.open();
      await index.upsertProfiles([{ subscriberId: 'a', kind: 'enterprise', parkId: null, attributes: {}, reachable: ['email'] }]);
      await index.setAudienceWatermark(12);
      await index.close();
      await index.open();
      try {
        expect(await index.getAudienceWatermark()).to.equal(0);
      } finally {
        await index.close();
      }
    });

    it('refuses audience calls before open, like the rest of the search index', async function () {
      const index = new EmbeddedSearchIndex({ file: ':memory:' });
      let caught: unknown = null;
      await index.getAudienceWatermark().catch((error: unknown) => {
        caught = error;
      });
      expect(caught).to.have.property('type', 'unavailable');
    });

    it('frees ordinals for reuse and compacts replaced criteria', async function () {
      const index = new EmbeddedAudienceIndex();
      const subscription = (id: string, tag: string) => ({
        id,
        subscriberId: `ent-${id}`,
        criteria: { need: { mode: 'any' as const, tags: [tag] } },
        keywords: [],
        keywordTerms: [],
        channels: ['email' as const],
        frequency: 'immediate' as const,
        eligibleOnly: true,
      });
      for (let round = 0; round < 20; round++) {
        await index.upsertSubscriptions(Array.from({ length: 500 }, (_, i) => subscription(`s${i}`, `need-${round}`)));
      }
      expect(index.countSubscriptions()).to.equal(500);
      await index.removeSubscriptions(Array.from({ length: 500 }, (_, i) => `s${i}`));
      expect(index.countSubscriptions()).to.equal(0);
      expect(index.countSubscribers()).to.equal(0);
      await index.upsertProfiles([{ subscriberId: 'x', kind: 'enterprise', parkId: null, attributes: {}, reachable: [] }]);
      await index.upsertSubscriptions([subscription('y', 'need-1'), { ...subscription('z', 'need-1'), subscriberId: 'x' }]);
      expect([index.countProfiles(), index.countSubscribers()]).to.deep.equal([1, 2]);
      await index.removeProfiles(['x']);
      expect(index.countSubscribers()).to.equal(2);
      await index.removeSubscriptions(['y', 'z']);
      expect(index.countSubscribers()).to.equal(0);
    });
  });
});

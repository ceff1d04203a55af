import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import { faqIndexContract } from './faq-index.contract.js';

describe('EmbeddedFaqIndex', () => {
  faqIndexContract({
    name: 'embedded search index (temp file)',
    open: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faq-index-'));
      const index = new EmbeddedSearchIndex({ file: path.join(dir, 'search.sqlite') });
      await index.open();
      return {
        index,
        close: async () => {
          await index.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  });
});

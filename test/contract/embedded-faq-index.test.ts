import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import { ThreadedSearchIndex } from '../../server/adapters/embedded-search/embedded-thread.search-index.js';
import type { SearchIndex } from '../../server/ports/search-index.port.js';
import { faqIndexContract } from './faq-index.contract.js';

function onTempFile(create: (file: string) => SearchIndex): () => Promise<{ index: SearchIndex; close: () => Promise<void> }> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faq-index-'));
    const index = create(path.join(dir, 'search.sqlite'));
    await index.open();
    return {
      index,
      close: async () => {
        await index.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

describe('EmbeddedFaqIndex', () => {
  faqIndexContract({ name: 'embedded search index (temp file)', open: onTempFile((file) => new EmbeddedSearchIndex({ file })) });

  faqIndexContract({ name: 'embedded search index on its own thread (temp file)', open: onTempFile((file) => new ThreadedSearchIndex({ file })) });
});

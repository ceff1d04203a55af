import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestPlatform } from '../support/test-platform.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Web and workers may run as separate processes on one data folder. The embedded search engine keeps
 * per-process memory over the shared index file, so only the process that serves search may write it:
 * two writers would each hand out the same document slots.
 */
describe('the search index shared by web and worker processes', function () {
  this.timeout(60_000);

  it('is left alone by a workers-only process and written by the web process', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-index-owner-'));
    try {
      const workers = await startTestPlatform({ demo: true, dataDir, env: { ROLES: 'workers', SEARCH_SYNC_INTERVAL_MS: '100' } });
      try {
        const latest = await workers.platform.services.store.policies.latestSeq();
        expect(latest, 'the demo library is in the store').to.be.greaterThan(0);
        // Several sync intervals: a workers-only process that indexed would have moved the watermark by now.
        await settle(500);
        expect(await workers.platform.services.index.getWatermark()).to.equal(0);
      } finally {
        await workers.close();
      }

      const web = await startTestPlatform({ demo: true, dataDir, env: { ROLES: 'web' } });
      try {
        const latest = await web.platform.services.store.policies.latestSeq();
        expect(await web.platform.services.index.getWatermark()).to.equal(latest);
        const found = await web.api<{ total: number }>({ path: '/api/v1/policies?pageSize=1' });
        expect(found.status).to.equal(200);
        expect(found.body.total).to.be.greaterThan(0);
      } finally {
        await web.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

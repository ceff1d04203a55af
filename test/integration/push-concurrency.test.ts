import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { seedEmailOutbox } from '../../bench/support/push-seed.js';
import { createPushAdapters } from '../../server/adapters/adapter-factory.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices } from '../../server/platform.js';
import { PushDispatcher } from '../../server/push/push-platform.js';
import { TEST_TAXONOMY_TAGS } from '../support/fixtures.js';
import { waitFor } from '../support/smtp-sink.js';

describe('two dispatchers on one outbox (separate store connections)', function () {
  this.timeout(30_000);

  it('never share a delivery: each is sent once, both do part of the work', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-two-'));
    const config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent', PUSH_CHANNELS: 'email', PUSH_POLL_MS: '10' });
    const logger = createLogger({ level: 'silent' });
    const first = await openServices({ config, logger });
    await first.taxonomy.seed({ dimensions: [], tags: TEST_TAXONOMY_TAGS });
    await seedEmailOutbox({ services: first, count: 1500, domain: 'two.example.cn' });
    const second = await openServices({ config, logger });
    const now = () => new Date();
    const a = new PushDispatcher({ config, store: first.store, push: first.push, logger, now, ...createPushAdapters({ config, logger, now }) });
    const b = new PushDispatcher({ config, store: second.store, push: second.push, logger, now, ...createPushAdapters({ config, logger, now }) });
    try {
      a.start();
      b.start();
      await waitFor(async () => (await first.store.deliveryLog.queueStats()).length === 0, { timeoutMs: 20_000, intervalMs: 50 });
      await Promise.all([a.stop(), b.stop()]);
      const files = fs.readdirSync(path.join(dir, 'outbox')).filter((f) => f.endsWith('.eml'));
      const refs = files.map((f) => /^X-Policy-Push-Ref: (.+)$/m.exec(fs.readFileSync(path.join(dir, 'outbox', f), 'utf8'))?.[1]?.trim());
      expect(files).to.have.length(1500);
      expect(new Set(refs).size).to.equal(1500);
      const db = first.store.deliveryLog;
      const attempts = await db.listAttempts({ deliveryIds: Array.from({ length: 1500 }, (_, i) => i + 1), messageIds: [] });
      expect(attempts.filter((x) => x.outcome === 'sent')).to.have.length(1500);
      const byWorker = new Map<string, number>();
      for (const attempt of attempts) byWorker.set(attempt.worker ?? '', (byWorker.get(attempt.worker ?? '') ?? 0) + 1);
      expect([...byWorker.keys()].sort()).to.deep.equal([a.owner, b.owner].sort());
      expect(Math.min(...byWorker.values())).to.be.greaterThan(100);
    } finally {
      await closeServices(second);
      await closeServices(first);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

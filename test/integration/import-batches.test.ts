import { expect } from 'chai';
import { storeBusy } from '../../server/errors.js';
import type { BatchWriteResult } from '../../server/ports/store.port.js';
import { SubscriberImportService, type ImportProgress } from '../../server/services/subscriber-import.service.js';
import type { PreparedSubscriber } from '../../server/services/subscriber.service.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

const rows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => JSON.stringify({ kind: 'enterprise', name: `批量企业${from + i}`, creditCode: syntheticCreditCode(from + i), profile: {}, contacts: [] }));

describe('subscriber import in batches', function () {
  this.timeout(60_000);
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform();
  });
  after(async () => t.close());

  it('writes whole batches only, reports committed progress, and resumes where it stopped', async () => {
    const { subscribers, store } = t.platform.services;
    const text = [...rows(1, 250), JSON.stringify({ kind: 'enterprise', name: '坏行' }), ...rows(251, 500)].join('\n');
    let calls = 0;
    // The store stays locked past the busy timeout during the third batch.
    const flaky = new SubscriberImportService({
      subscribers: {
        prepareNew: (input) => subscribers.prepareNew(input),
        insertBatch: async (prepared: PreparedSubscriber[]): Promise<BatchWriteResult> => {
          calls += 1;
          if (calls === 3) throw storeBusy({ retryAfterSeconds: 5 });
          return subscribers.insertBatch(prepared);
        },
      },
    });
    const seen: { progress: ImportProgress; stored: number }[] = [];
    const report = await flaky.importText({
      text,
      format: 'jsonl',
      batchSize: 100,
      onProgress: (progress) => void store.subscribers.count().then((stored) => seen.push({ progress, stored })),
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(report.imported).to.equal(200);
    expect(report.stopped?.resumeFromLine).to.equal(201);
    expect(report.stopped?.code).to.equal('store_busy');
    expect(await store.subscribers.count()).to.equal(200);
    // The bar moved only on commits, by what the store then held.
    expect(seen.map((s) => [s.progress.done, s.progress.committedThroughLine, s.stored])).to.deep.equal([
      [100, 100, 100],
      [200, 200, 200],
    ]);

    const resumed = await t.platform.services.subscriberImporter.importText({ text, format: 'jsonl', batchSize: 100, fromLine: report.stopped?.resumeFromLine ?? 0 });
    expect(resumed.stopped).to.equal(undefined);
    expect(resumed.imported).to.equal(300);
    expect(resumed.errors.map((e) => [e.line, e.code])).to.deep.equal([[251, 'validation_failed']]);
    expect(await store.subscribers.count()).to.equal(500);
  });

  it('leaves out only the row a uniqueness rule refuses within a batch', async () => {
    const duplicate = JSON.stringify({ kind: 'enterprise', name: '重复企业', creditCode: syntheticCreditCode(1_001), profile: {}, contacts: [] });
    const before = await t.platform.services.store.subscribers.count();
    const report = await t.platform.services.subscriberImporter.importText({ text: [...rows(1_001, 1_003), duplicate].join('\n'), format: 'jsonl' });
    expect(report.imported).to.equal(3);
    expect(report.errors.map((e) => [e.line, e.code])).to.deep.equal([[4, 'credit_code_taken']]);
    expect(await t.platform.services.store.subscribers.count()).to.equal(before + 3);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { EmbeddedSearchIndex } from '../../server/adapters/embedded-search/embedded.search-index.js';
import type { PolicySearchDoc } from '../../server/ports/search-index.port.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface StaffPolicy {
  id: string;
  status: string;
  currentVersion: number | null;
}

/**
 * Another process holding the store's write lock, as the worker role or an import does mid-batch.
 * Resolves once the lock is taken; the lock is held for `holdMs`, or until the process is stopped.
 */
async function holdWriteLock({ file, holdMs = 600_000 }: { file: string; holdMs?: number }): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("UPDATE meta SET value = value WHERE key = 'policy_change_seq'").run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.exit(0); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
  });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode === null && child.signalCode === null ? child.once('exit', () => resolve()) : resolve()));

async function publishThroughWorkflow({ t, body }: { t: TestPlatform; body: Record<string, unknown> }): Promise<{ id: string; published: { status: number; body: StaffPolicy } }> {
  // 保密审查 and 合法性审查 are recorded by two different people.
  const reviewers = [await t.user({ id: `confidentiality-${Date.now()}`, role: 'reviewer' }), await t.user({ id: `legality-${Date.now()}`, role: 'reviewer' })];
  const created = await t.api<StaffPolicy>({ method: 'POST', path: '/api/v1/policies', token: TEST_ADMIN_TOKEN, body });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  const id = created.body.id;
  await recordExemption({ t, id, token: TEST_ADMIN_TOKEN });
  expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: TEST_ADMIN_TOKEN })).status).to.equal(200);
  for (const [index, kind] of ['confidentiality', 'legality'].entries()) {
    const reviewed = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewers[index], body: { kind, decision: 'approved' } });
    expect(reviewed.status, JSON.stringify(reviewed.body)).to.equal(200);
  }
  const published = await t.api<StaffPolicy>({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: TEST_ADMIN_TOKEN });
  return { id, published };
}

/** An index whose writes can be made to fail, as an unreachable Elasticsearch cluster or a locked file would. */
class FailingSearchIndex extends EmbeddedSearchIndex {
  failing = false;

  override async upsertPolicies(docs: PolicySearchDoc[]): Promise<void> {
    if (this.failing) throw new Error('search index unreachable');
    return super.upsertPolicies(docs);
  }
}

describe('store shared with other processes', function () {
  this.timeout(30_000);

  describe('a write that meets another process’s lock', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform({ env: { SQLITE_BUSY_TIMEOUT_MS: '300' } });
    });
    after(async () => t.close());

    it('waits for a lock released within the busy timeout and succeeds', async () => {
      const holder = await holdWriteLock({ file: path.join(t.dataDir, 'platform.sqlite'), holdMs: 150 });
      const created = await t.api<StaffPolicy>({ method: 'POST', path: '/api/v1/policies', token: TEST_ADMIN_TOKEN, body: policyBody({ docNumber: '浦知规〔2026〕71号' }) });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      await exited(holder);
    });

    it('answers 503 with Retry-After and writes nothing when the lock outlasts the busy timeout', async () => {
      const holder = await holdWriteLock({ file: path.join(t.dataDir, 'platform.sqlite') });
      try {
        const refused = await t.api<{ error: { code: string; message: string } }>({
          method: 'POST',
          path: '/api/v1/policies',
          token: TEST_ADMIN_TOKEN,
          body: policyBody({ id: 'p-locked-out', docNumber: '浦知规〔2026〕72号' }),
        });
        expect(refused.status, JSON.stringify(refused.body)).to.equal(503);
        expect(refused.body.error.code).to.equal('store_busy');
        expect(refused.body.error.message).to.match(/系统正忙/);
        expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
      } finally {
        holder.kill();
        await exited(holder);
      }
      const missing = await t.api({ path: '/api/v1/staff/policies/p-locked-out', token: TEST_ADMIN_TOKEN });
      expect(missing.status).to.equal(404);
      const retried = await t.api({ method: 'POST', path: '/api/v1/policies', token: TEST_ADMIN_TOKEN, body: policyBody({ id: 'p-locked-out', docNumber: '浦知规〔2026〕72号' }) });
      expect(retried.status, JSON.stringify(retried.body)).to.equal(201);
    });
  });

  describe('a publish whose index update fails after commit', () => {
    let t: TestPlatform;
    let index: FailingSearchIndex;
    before(async () => {
      t = await startTestPlatform({
        searchIndex: ({ dataDir }) => {
          index = new FailingSearchIndex({ file: path.join(dataDir, 'search.sqlite') });
          return index;
        },
      });
    });
    after(async () => t.close());

    it('succeeds (the version is committed) and the index catches up later', async () => {
      index.failing = true;
      const { id, published } = await publishThroughWorkflow({ t, body: policyBody({ docNumber: '浦知规〔2026〕73号', title: '浦东新区索引故障演练办法' }) });
      expect(published.status, JSON.stringify(published.body)).to.equal(200);
      expect(published.body.status).to.equal('published');
      expect(published.body.currentVersion).to.equal(1);
      const publicView = await t.api({ path: `/api/v1/policies/${id}` });
      expect(publicView.status).to.equal(200);
      const before = await t.api<{ hits: { id: string }[] }>({ path: `/api/v1/policies?q=${encodeURIComponent('索引故障演练')}` });
      expect(before.body.hits.map((h) => h.id)).to.not.include(id);

      index.failing = false;
      await t.platform.services.searchSync.catchUp();
      const after = await t.api<{ hits: { id: string }[] }>({ path: `/api/v1/policies?q=${encodeURIComponent('索引故障演练')}` });
      expect(after.body.hits.map((h) => h.id)).to.include(id);
    });
  });
});

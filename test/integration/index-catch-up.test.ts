import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSearchIndex } from '../../server/adapters/adapter-factory.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices, startPlatform, type RunningPlatform } from '../../server/platform.js';
import type { SearchIndex } from '../../server/ports/search-index.port.js';
import { TEST_ADMIN_TOKEN } from '../support/test-platform.js';

/**
 * After an import the web process listens at once and serves while its search index catches up
 * with the store; readiness answers 503 `catching_up` meanwhile, then `ready`.
 */
describe('starting after an import: listen at once, catch up while serving', function () {
  this.timeout(120_000);
  let dir: string;
  let platform: RunningPlatform | null = null;
  let release: () => void = () => {};

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catch-up-'));
    const config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ROLES: 'web', ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    const tools = await openServices({ config, logger: createLogger({ level: 'silent' }), syncSearch: false });
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        id: `catch-up-${i}`,
        title: `关于知识产权质押融资贴息的通知（第${i + 1}号）`,
        issuer: '上海市知识产权局',
        docNumber: `沪知局〔2026〕${i + 1}号`,
        issuedAt: '2026-03-01',
        effectiveAt: '2026-03-01',
        expiresAt: null,
        disclosure: 'public',
        state: 'published',
        publishedAt: '2026-03-01T02:00:00.000Z',
        body: '为推动知识产权质押融资，对符合条件的企业给予贴息支持。\n一、支持对象\n本市科技型中小企业。',
      }),
    );
    const report = await tools.importer.importLines({ lines });
    expect(report.imported, JSON.stringify(report.errors)).to.equal(30);
    await closeServices(tools);

    // The index writes wait for the test's word, so the catch-up is still running while we look.
    const gate = new Promise<void>((resolve) => (release = resolve));
    const real = await createSearchIndex({ config });
    // Every other method runs on `held` itself (it opens its own state), so the held write must too.
    const held: SearchIndex = Object.create(real) as SearchIndex;
    const upsert = real.upsertPolicies.bind(held);
    held.upsertPolicies = async (docs) => {
      await gate;
      return upsert(docs);
    };
    const started = startPlatform({ config, logger: createLogger({ level: 'silent' }), searchIndex: held });
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000));
    const outcome = await Promise.race([started, timeout]);
    if (outcome === 'timeout') {
      release();
      throw new Error('the web process did not listen until its index had caught up');
    }
    platform = outcome;
  });

  after(async () => {
    release();
    await platform?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function get(pathname: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${platform?.url}${pathname}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('answers while catching up, says so on /readyz, and becomes ready once the index has every policy', async () => {
    expect((await get('/healthz')).status).to.equal(200);
    const anonymous = await get('/readyz');
    expect(anonymous.status).to.equal(503);
    expect(anonymous.body).to.deep.equal({ status: 'catching_up' });
    const detailed = await get('/readyz', TEST_ADMIN_TOKEN);
    const checks = detailed.body.checks as { search: string; searchLag: number };
    expect(checks.search).to.equal('catching_up');
    expect(checks.searchLag).to.be.greaterThan(0);
    const meanwhile = await get(`/api/v1/policies?${new URLSearchParams({ q: '质押融资' }).toString()}`);
    expect(meanwhile.status).to.equal(200);

    release();
    let ready = await get('/readyz');
    for (let i = 0; i < 100 && ready.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await get('/readyz');
    }
    expect(ready.body).to.deep.equal({ status: 'ready' });
    const after = await get(`/api/v1/policies?${new URLSearchParams({ q: '质押融资', pageSize: '50' }).toString()}`);
    expect(after.body.total).to.equal(30);
  });
});

import { execFile } from 'node:child_process';
import { demoPushImportLines } from '../../server/demo/demo-pushes.js';
import { recordExemption } from '../support/interpretation.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { policyImportLineSchema, type PolicySearchResponse } from '../../schemas/policy.schema.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices, type Services } from '../../server/platform.js';
import { SYSTEM_IMPORTER } from '../../server/services/actor.js';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

const run = promisify(execFile);

const demoLines = fs
  .readFileSync(new URL('../../server/demo/policies.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => policyImportLineSchema.parse(JSON.parse(line)))
  // A fresh demo start also publishes the two push demo policies through the workflow.
  .concat(demoPushImportLines());

/** Public in their latest version and published: what the index should hold. */
function publicDemoCount(): number {
  return demoLines.filter((line) => {
    if (line.state === 'draft') return false;
    const disclosure = line.revisions.reduce((current, revision) => revision.changes.disclosure ?? current, line.disclosure);
    return disclosure === 'public';
  }).length;
}

/** Searches whose full responses (hits, order, scores, snippets, facets) must survive a rebuild. */
const PROBES: Record<string, string>[] = [
  { pageSize: '100' },
  { q: '专利资助', pageSize: '100' },
  { q: '知识产权质押融资', pageSize: '100' },
  { q: '我们公司能申请专利资助吗', pageSize: '100' },
  { q: '香港企业', pageSize: '100' },
  { q: '專利資助', pageSize: '100' },
  { q: 'ＰＣＴ' },
  { tags: 'region-shanghai,need-patent-funding', pageSize: '100' },
  { tags: 'region-pudong', validity: 'revised,effective', sort: 'issued_asc' },
  { issuer: '上海市知识产权局', issuedFrom: '2024-01-01', issuedTo: '2026-06-30' },
  { q: '专利', page: '2', pageSize: '5' },
];

async function snapshot(t: TestPlatform): Promise<PolicySearchResponse[]> {
  const out: PolicySearchResponse[] = [];
  for (const probe of PROBES) {
    const res = await t.api<PolicySearchResponse>({ path: `/api/v1/policies?${new URLSearchParams(probe).toString()}` });
    expect(res.status, JSON.stringify(probe)).to.equal(200);
    out.push(res.body);
  }
  return out;
}

function withoutScores(responses: PolicySearchResponse[]): unknown[] {
  return responses.map((res) => ({ ...res, hits: res.hits.map(({ score: _score, ...hit }) => hit) }));
}

async function searchIds(t: TestPlatform, params: Record<string, string>): Promise<string[]> {
  const res = await t.api<PolicySearchResponse>({ path: `/api/v1/policies?${new URLSearchParams({ pageSize: '100', ...params }).toString()}` });
  expect(res.status).to.equal(200);
  return res.body.hits.map((h) => h.id);
}

async function searchLag(t: TestPlatform): Promise<number> {
  const ready = await t.api<{ checks: { searchLag: number } }>({ path: '/readyz', token: TEST_ADMIN_TOKEN });
  return ready.body.checks.searchLag;
}

function searchFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('search.sqlite'));
}

/** A second process-like instance on the same data directory that writes without indexing. */
async function openBeside(dir: string): Promise<Services> {
  const config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent' });
  return openServices({ config, logger: createLogger({ level: 'silent' }), syncSearch: false });
}

function publishedLine(fields: Record<string, unknown>): string {
  return JSON.stringify({
    issuer: '上海市知识产权局',
    level: 'level-municipal',
    issuedAt: '2026-11-01',
    effectiveAt: '2026-11-01',
    state: 'published',
    publishedAt: '2026-11-02T10:00:00+08:00',
    ...fields,
  });
}

describe('the search index is derived data', () => {
  let dir: string;
  let t: TestPlatform | null = null;
  let baseline: PolicySearchResponse[];

  async function start(): Promise<TestPlatform> {
    // Web only: no background worker, so what gets indexed, and when, is up to the test.
    t = await startTestPlatform({ demo: true, dataDir: dir, env: { ROLES: 'web' } });
    return t;
  }

  async function stop(): Promise<void> {
    await t?.close();
    t = null;
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search-recovery-'));
    baseline = await snapshot(await start());
    expect(baseline[0]?.total).to.equal(publicDemoCount());
  });
  after(async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds itself from the store when its files are deleted', async () => {
    await stop();
    const files = searchFiles(dir);
    expect(files).to.include('search.sqlite');
    for (const name of files) fs.rmSync(path.join(dir, name));
    expect(searchFiles(dir)).to.be.empty;

    const restarted = await start();
    expect(searchFiles(dir)).to.include('search.sqlite');
    expect(await snapshot(restarted)).to.deep.equal(baseline);
    expect(await searchLag(restarted)).to.equal(0);
  });

  it('is rebuilt by the reindex command on a stopped platform', async () => {
    await stop();
    // Damage the index without moving its watermark: a plain restart would not notice.
    const beside = await openBeside(dir);
    const removed = ['sh-ipa-2023-001', 'pd-ipa-2025-002', 'sh-ipa-2025-088'];
    try {
      const before = await beside.index.countPolicies();
      const watermark = await beside.index.getWatermark();
      await beside.index.removePolicies(removed);
      expect(await beside.index.countPolicies()).to.equal(before - removed.length);
      expect(await beside.index.getWatermark()).to.equal(watermark);
    } finally {
      await closeServices(beside);
    }

    const tsx = path.resolve('node_modules/.bin/tsx');
    const env = { ...process.env, DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent' };
    const result = await run(tsx, ['server/cli/reindex.cli.ts'], { env }).then(
      (r) => ({ code: 0, ...r }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code, result.stderr).to.equal(0);
    const done = /重建完成：(\d+) 个政策中有 (\d+) 个公开文件已编入索引。/.exec(result.stdout);
    expect(done, result.stdout).not.to.equal(null);
    expect(Number(done?.[1])).to.equal(demoLines.length);
    expect(Number(done?.[2])).to.equal(publicDemoCount());

    const restarted = await start();
    // bm25 scores depend on how this process's segmenter was taught (other tests add taxonomy
    // terms to it); everything a reader sees must be identical.
    expect(withoutScores(await snapshot(restarted))).to.deep.equal(withoutScores(baseline));
    expect(await searchLag(restarted)).to.equal(0);
  });

  describe('writes the index missed', () => {
    let platform: TestPlatform;

    before(async () => {
      platform = t ?? (await start());
    });

    it('picks up a policy another instance published, on catch-up', async () => {
      const beside = await openBeside(dir);
      try {
        const report = await beside.importer.importLines({
          lines: [
            publishedLine({
              id: 'missed-seed-ip-2026',
              docNumber: '沪知局〔2026〕901号',
              title: '上海市种业知识产权质押融资试点工作方案',
              body: '一、试点内容\n支持种业企业以植物新品种权开展知识产权质押融资，对符合条件的贷款给予贴息。',
              tags: ['need-ip-pledge-financing', 'ip-plant-variety'],
              criteria: { region: ['region-pudong'] },
            }),
          ],
        });
        expect(report.errors).to.deep.equal([]);
        // A missed write on an existing document too: repeal a demo policy.
        await beside.policies.repeal({ actor: SYSTEM_IMPORTER, id: 'sh-ipa-2024-002', body: { repealedAt: '2026-11-20', reason: '已被新的海外纠纷应对办法替代' } });
      } finally {
        await closeServices(beside);
      }

      // The store has both writes; the running index has neither yet.
      expect(await searchLag(platform)).to.be.greaterThan(0);
      expect(await searchIds(platform, { q: '种业知识产权质押融资' })).not.to.include('missed-seed-ip-2026');
      expect(await searchIds(platform, { tags: 'region-pudong' })).not.to.include('missed-seed-ip-2026');
      expect(await searchIds(platform, { validity: 'repealed' })).not.to.include('sh-ipa-2024-002');

      const applied = await platform.platform.services.searchSync.catchUp();
      expect(applied).to.equal(2);

      const found = await searchIds(platform, { q: '种业知识产权质押融资' });
      expect(found[0]).to.equal('missed-seed-ip-2026');
      expect(await searchIds(platform, { tags: 'region-shanghai' })).to.include('missed-seed-ip-2026');
      expect(await searchIds(platform, { validity: 'repealed' })).to.include('sh-ipa-2024-002');
      expect((await platform.api({ path: '/api/v1/policies/missed-seed-ip-2026' })).status).to.equal(200);
      expect(await searchLag(platform)).to.equal(0);
      const all = await platform.api<PolicySearchResponse>({ path: '/api/v1/policies?pageSize=1' });
      expect(all.body.total).to.equal(publicDemoCount() + 1);
    });

    it('re-applies a published policy the index lost, once its watermark is rolled back', async () => {
      const drafter = await platform.user({ id: 'drafter-recovery', role: 'drafter' });
      const reviewer = await platform.user({ id: 'reviewer-recovery', role: 'reviewer' });
      const legalReviewer = await platform.user({ id: 'reviewer-recovery-legal', role: 'reviewer' });
      const created = await platform.api<{ id: string }>({
        method: 'POST',
        path: '/api/v1/policies',
        token: drafter,
        body: policyBody({ docNumber: '浦知规〔2026〕77号', title: '浦东新区知识产权质押融资风险补偿试点办法', tags: ['need-ip-pledge-financing'] }),
      });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const id = created.body.id;
      await recordExemption({ t: platform, id, token: drafter });
      await platform.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter });
      for (const kind of ['confidentiality', 'legality']) {
        await platform.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
      }
      expect((await platform.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter })).status).to.equal(200);
      const query = { q: '知识产权质押融资风险补偿' };
      expect(await searchIds(platform, query)).to.include(id);
      const listed = await searchIds(platform, {});

      const { index, searchSync } = platform.platform.services;
      await index.removePolicies([id]);
      await index.setWatermark(0);
      expect(await searchIds(platform, query)).not.to.include(id);
      expect(await searchLag(platform)).to.be.greaterThan(0);

      await searchSync.catchUp();
      expect(await searchIds(platform, query)).to.include(id);
      expect(await searchIds(platform, { tags: 'region-pudong,need-ip-pledge-financing' })).to.include(id);
      expect(await searchIds(platform, {})).to.deep.equal(listed);
      expect(await searchLag(platform)).to.equal(0);
    });
  });
});

describe('re-applying changes the index already holds', () => {
  let t: TestPlatform;

  before(async () => {
    t = await startTestPlatform({ demo: true, env: { ROLES: 'web' } });
  });
  after(async () => t.close());

  it('changes nothing: same hits, same order, same scores', async () => {
    const before = await snapshot(t);
    const { index, searchSync } = t.platform.services;
    await index.setWatermark(0);
    expect(await searchSync.catchUp()).to.equal(demoLines.length);
    const after = await snapshot(t);
    PROBES.forEach((probe, i) => {
      expect(after[i]?.hits.map((h) => h.id), `order of ${JSON.stringify(probe)}`).to.deep.equal(before[i]?.hits.map((h) => h.id));
    });
    PROBES.forEach((probe, i) => {
      expect(after[i]?.hits.map((h) => h.score), `scores of ${JSON.stringify(probe)}`).to.deep.equal(before[i]?.hits.map((h) => h.score));
    });
    expect(after).to.deep.equal(before);
  });
});

describe('the search-sync worker', () => {
  let t: TestPlatform;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'search-worker-'));
    t = await startTestPlatform({ dataDir: dir, env: { SEARCH_SYNC_INTERVAL_MS: '100' } });
  });
  after(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('indexes what another instance wrote without being asked', async () => {
    const beside = await openBeside(dir);
    try {
      const report = await beside.importer.importLines({
        lines: [
          publishedLine({
            id: 'worker-pledge-2026',
            docNumber: '沪知局〔2026〕902号',
            title: '上海市知识产权质押融资贴息补充通知',
            body: '对知识产权质押融资贷款按实际利息的30%给予贴息。',
            tags: ['need-pledge'],
            criteria: { region: ['region-zhangjiang'] },
          }),
        ],
      });
      expect(report.errors).to.deep.equal([]);
    } finally {
      await closeServices(beside);
    }

    const deadline = Date.now() + 5_000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      ids = await searchIds(t, { q: '质押融资贴息补充', tags: 'region-shanghai' });
      if (ids.includes('worker-pledge-2026')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(ids).to.include('worker-pledge-2026');
    expect(await searchLag(t)).to.equal(0);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';

const ADMIN = 'multi-process-admin-token-0123456789';
const IMPORT_ROWS = 3_000;
const TSX = path.resolve('node_modules/.bin/tsx');

interface Running {
  child: ChildProcess;
  output: () => string;
}

/** One role (or command) as its own OS process on the shared data folder, as in docs/operations.md. */
function launch({ args, env }: { args: string[]; env: Record<string, string> }): Running {
  const child = spawn(TSX, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

async function waitFor<T>({ what, timeoutMs, probe }: { what: string; timeoutMs: number; probe: () => Promise<T | null> | T | null }): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const exitOf = (child: ChildProcess) =>
  new Promise<number>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code ?? -1))));

describe('web, workers and an import as separate processes on one data folder', function () {
  this.timeout(180_000);
  let dir: string;
  let url: string;
  const processes: Running[] = [];
  const statuses: { what: string; status: number; body: string }[] = [];

  async function api<T>({ method = 'GET', route, token = ADMIN, body }: { method?: string; route: string; token?: string; body?: unknown }): Promise<{ status: number; body: T }> {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    statuses.push({ what: `${method} ${route}`, status: response.status, body: text.slice(0, 300) });
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multi-process-'));
  });
  after(async () => {
    for (const { child } of processes) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(processes.map(({ child }) => exitOf(child)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged write, answers no 500, imports whole batches and keeps the workers going', async () => {
    const env = {
      DATA_DIR: dir,
      DEMO_DATA: '0',
      ADMIN_TOKEN: ADMIN,
      APP_SECRET: 'multi-process-secret-0123456789abcdef0123',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: '0',
      SEARCH_SYNC_INTERVAL_MS: '200',
      MATCHER_INTERVAL_MS: '200',
      PUSH_POLL_MS: '200',
      PUSH_CHANNELS: 'email',
    };
    const web = launch({ args: ['server/main.ts'], env: { ...env, ROLES: 'web' } });
    processes.push(web);
    url = await waitFor({ what: 'the web role to listen', timeoutMs: 60_000, probe: () => /已启动：(http:\/\/\S+)/.exec(web.output())?.[1] ?? null });

    // A subscriber whose subscription the published policy will match, written before the worker starts.
    const signedUp = await api<{ subscriber: { id: string }; token: string }>({
      method: 'POST',
      route: '/api/v1/subscribers',
      body: { kind: 'enterprise', name: '并发测试企业', creditCode: syntheticCreditCode(900_001), profile: {}, contacts: [{ channel: 'wechat', address: '并发测试群' }] },
    });
    expect(signedUp.status, JSON.stringify(signedUp.body)).to.equal(201);
    const subscription = await api<{ id: string }>({
      method: 'POST',
      route: '/api/v1/me/subscriptions',
      token: signedUp.body.token,
      body: { name: '专利', keywords: ['专利'], channels: ['wechat'], eligibleOnly: false },
    });
    expect(subscription.status, JSON.stringify(subscription.body)).to.equal(201);
    // 保密审查 and 合法性审查 are recorded by two different people.
    const reviewers = await Promise.all(
      ['confidentiality', 'legality'].map((kind) => api<{ token: string }>({ method: 'POST', route: '/api/v1/users', body: { id: `reviewer-mp-${kind}`, role: 'reviewer', name: `审查${kind}` } })),
    );
    for (const reviewer of reviewers) expect(reviewer.status).to.equal(201);

    const workers = launch({ args: ['server/main.ts'], env: { ...env, ROLES: 'workers' } });
    processes.push(workers);

    const csv = ['name,creditCode', ...Array.from({ length: IMPORT_ROWS }, (_, i) => `导入企业${i + 1},${syntheticCreditCode(i + 1)}`)].join('\n');
    const file = path.join(dir, 'enterprises.csv');
    fs.writeFileSync(file, `${csv}\n`);
    const importer = launch({ args: ['server/cli/import-subscribers.cli.ts', file], env });
    processes.push(importer);
    const imported = exitOf(importer.child);

    // Web writes while the worker role and the import write the same file.
    const acknowledged = { subscribers: [] as string[], policies: [] as string[], keywords: [] as string[] };
    let published: string | null = null;
    let importDone = false;
    void imported.then(() => (importDone = true));
    for (let round = 0; round < 200 && (round < 12 || !importDone); round += 1) {
      const created = await api<{ subscriber: { id: string } }>({
        method: 'POST',
        route: '/api/v1/subscribers',
        body: { kind: 'enterprise', name: `注册企业${round}`, creditCode: syntheticCreditCode(800_000 + round), profile: {}, contacts: [] },
      });
      if (created.status === 201) acknowledged.subscribers.push(created.body.subscriber.id);
      const draft = await api<{ id: string }>({
        method: 'POST',
        route: '/api/v1/policies',
        body: { title: `并发草稿${round}`, issuer: '上海市知识产权局', body: '第一条　专利资助。' },
      });
      if (draft.status === 201) acknowledged.policies.push(draft.body.id);
      const keywords = ['专利', `关键词${round}`];
      const changed = await api({ method: 'PATCH', route: `/api/v1/me/subscriptions/${subscription.body.id}`, token: signedUp.body.token, body: { keywords } });
      if (changed.status === 200) acknowledged.keywords = keywords;
      if (round === 2 && draft.status === 201) {
        const id = draft.body.id;
        const steps = [
          api({ method: 'PATCH', route: `/api/v1/policies/${id}/interpretation`, body: { revision: 0, exemption: { reason: '测试用文件，无需解读' } } }),
        ];
        for (const step of steps) expect((await step).status).to.equal(200);
        expect((await api({ method: 'POST', route: `/api/v1/policies/${id}/submit` })).status).to.equal(200);
        for (const [index, kind] of ['confidentiality', 'legality'].entries()) {
          const token = reviewers[index]?.body.token;
          expect((await api({ method: 'POST', route: `/api/v1/policies/${id}/review`, token, body: { kind, decision: 'approved' } })).status).to.equal(200);
        }
        expect((await api({ method: 'POST', route: `/api/v1/policies/${id}/publish` })).status).to.equal(200);
        published = id;
      }
    }

    // The import: every row, in whole batches, with a report that says so.
    expect(await imported, importer.output()).to.equal(0);
    expect(importer.output()).to.include(`已导入 ${IMPORT_ROWS} 家，失败 0 行`);

    // No request failed as an internal error (a 503 would say when to retry; with the default timeout there is none).
    expect(statuses.filter((s) => s.status >= 500), JSON.stringify(statuses.filter((s) => s.status >= 500).slice(0, 3))).to.deep.equal([]);
    expect(acknowledged.subscribers.length).to.be.greaterThan(10);
    expect(acknowledged.policies.length).to.be.greaterThan(10);

    // Every acknowledged write is there.
    for (const id of acknowledged.subscribers) expect((await api({ route: `/api/v1/subscribers/${id}` })).status).to.equal(200);
    for (const id of acknowledged.policies) expect((await api({ route: `/api/v1/staff/policies/${id}` })).status).to.equal(200);
    const mine = await api<{ keywords: string[] }[]>({ route: '/api/v1/me/subscriptions', token: signedUp.body.token });
    expect(mine.body.map((s) => s.keywords)).to.deep.include(acknowledged.keywords);
    const enterprises = await api<{ total: number }>({ route: '/api/v1/subscribers?kind=enterprise&pageSize=1' });
    expect(enterprises.body.total).to.equal(IMPORT_ROWS + acknowledged.subscribers.length + 1);

    // The worker role made progress meanwhile: the published version was matched into the outbox.
    expect(published).to.not.equal(null);
    const deliveries = await waitFor({
      what: 'the worker to match the published policy',
      timeoutMs: 30_000,
      probe: () => {
        const db = new Database(path.join(dir, 'platform.sqlite'), { readonly: true });
        try {
          const count = Number(db.prepare('SELECT COUNT(*) FROM deliveries WHERE policy_id = ?').pluck().get(published));
          return count > 0 ? count : null;
        } finally {
          db.close();
        }
      },
    });
    expect(deliveries).to.equal(1);
  });
});

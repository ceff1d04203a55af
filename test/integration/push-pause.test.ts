/**
 * A pause holds for every worker process: two worker roles run as their own OS processes on one
 * data folder, pacing WeChat sends two seconds apart; the pause is recorded from a third process
 * (this one). No send may start more than a second after the pause was recorded, and the paused
 * work stays in the outbox, unleased, for whoever resumes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { DeliveryAttempt, NewDelivery } from '../../schemas/delivery.schema.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices, type Services } from '../../server/platform.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { TEST_TAXONOMY_TAGS } from '../support/fixtures.js';
import { waitFor } from '../support/smtp-sink.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const COUNT = 12;
const PACING_MS = 2000;
const BOUND_MS = 1000;

function launch({ env }: { env: Record<string, string> }): { child: ChildProcess; output: () => string } {
  const child = spawn(TSX, ['server/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code ?? -1))));

async function seedWechatOutbox({ services, count }: { services: Services; count: number }): Promise<void> {
  const at = new Date().toISOString();
  const report = await services.importer.importLines({
    lines: [
      JSON.stringify({
        id: 'pause-2026-001',
        docNumber: '沪知局〔2026〕77号',
        title: '上海市专利转化专项资助申报指南（暂停演练）',
        issuer: '上海市知识产权局',
        level: 'level-municipal',
        issuedAt: '2026-03-01',
        effectiveAt: '2026-03-01',
        state: 'published',
        publishedAt: '2026-03-01T02:00:00.000Z',
        body: '为促进专利转化运用，制定本指南。\n第一条　本市注册企业实施专利转化项目的，给予资助。',
        tags: ['need-patent-funding'],
      }),
    ],
  });
  if (report.imported !== 1) throw new Error(JSON.stringify(report.errors));
  const rows: NewDelivery[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `sub-pause-${i}`;
    await services.store.subscribers.insert({
      subscriber: {
        id,
        kind: 'enterprise',
        name: `暂停演练企业${i}号`,
        creditCode: syntheticCreditCode(300_000 + i),
        profile: {},
        parkId: null,
        contacts: [{ id: `c-pause-${i}`, channel: 'wechat', address: `暂停演练联络员${i}`, label: null, confirmedAt: null, invalidAt: null }],
        createdAt: at,
        updatedAt: at,
        revision: 1,
      },
      tokenHash: `pause-token-${i}`,
    });
    await services.store.subscriptions.insert({
      id: `s-pause-${i}`,
      subscriberId: id,
      name: '专利资助',
      criteria: { need: { mode: 'any', tags: ['need-patent-funding'] } },
      keywords: [],
      channels: ['wechat'],
      frequency: 'immediate',
      eligibleOnly: true,
      createdAt: at,
      endedAt: null,
      endReason: null,
      replaces: null,
    });
    rows.push({
      policyId: 'pause-2026-001',
      version: 1,
      subscriberId: id,
      channel: 'wechat',
      frequency: 'immediate',
      subscriptionIds: [`s-pause-${i}`],
      explanation: { eligible: true, eligibility: {}, unknown: [], subscriptions: [{ subscriptionId: `s-pause-${i}`, matchedTags: { need: ['need-patent-funding'] }, matchedKeywords: [] }] },
      urgent: false,
    });
  }
  await services.store.outbox.enqueue(rows, at);
}

describe('a channel pause holds within a second in every worker process', function () {
  this.timeout(120_000);
  let dir: string;
  let services: Services;
  const workers: { child: ChildProcess; output: () => string }[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-push-pause-'));
    const config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '0', LOG_LEVEL: 'silent' });
    services = await openServices({ config, logger: createLogger({ level: 'silent' }) });
    await services.taxonomy.seed({ dimensions: [], tags: TEST_TAXONOMY_TAGS });
    await seedWechatOutbox({ services, count: COUNT });
  });
  after(async () => {
    for (const { child } of workers) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(workers.map(({ child }) => exitOf(child)));
    await closeServices(services);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sentAttempts = async (): Promise<DeliveryAttempt[]> =>
    (await services.store.deliveryLog.listAttempts({ deliveryIds: Array.from({ length: COUNT }, (_, i) => i + 1), messageIds: [] })).filter((a) => a.outcome === 'sent');

  it('no send starts later than one second after the pause is recorded; the rest stays queued and unleased', async () => {
    const env = {
      DATA_DIR: dir,
      DEMO_DATA: '0',
      LOG_LEVEL: 'warn',
      ROLES: 'workers',
      PUSH_CHANNELS: 'wechat',
      WECHAT_DRY_RUN: '1',
      WECHAT_INTERVAL_MS: String(PACING_MS),
      WECHAT_JITTER_MS: '0',
      WECHAT_DAILY_BUDGET: '1000',
      PUSH_POLL_MS: '50',
      MATCHER_INTERVAL_MS: '3600000',
      SCHEDULER_INTERVAL_MS: '3600000',
    };
    workers.push(launch({ env }), launch({ env }));
    // Both lanes are in their pacing cycle once each has sent: each holds its next message then.
    await waitFor(async () => new Set((await sentAttempts()).map((a) => a.worker)).size === 2 || null, { timeoutMs: 60_000, intervalMs: 20 });
    const control = await services.push.control.setControl({ channel: 'wechat', paused: true, reason: '暂停演练', by: 'test' });
    const pausedAt = Date.parse(control.updatedAt ?? '');
    // Whatever a lane had claimed goes back to the outbox, unleased, within a pacing interval or so.
    const queuedNow = async () => (await services.store.outbox.listForPolicy({ policyId: 'pause-2026-001', limit: 100, offset: 0 })).items.filter((d) => d.status !== 'sent');
    await waitFor(async () => (await queuedNow()).every((d) => d.status === 'pending' && d.leaseUntil === null) || null, { timeoutMs: 15_000, intervalMs: 50 });
    // And stays there: observe for longer than a pacing interval, in which a held message would have gone out.
    await new Promise((resolve) => setTimeout(resolve, PACING_MS * 2));
    const sent = await sentAttempts();
    // The attempt is written after the send; its time less the send's duration is not earlier than the send began.
    const lateStarts = sent.map((a) => Date.parse(a.at) - (a.durationMs ?? 0) - pausedAt).filter((afterPause) => afterPause > BOUND_MS);
    expect(lateStarts, `sends that started more than ${BOUND_MS} ms after the pause (ms after it)`).to.deep.equal([]);
    expect(sent.length).to.be.lessThan(COUNT);
    const queued = await queuedNow();
    expect(queued).to.have.length(COUNT - sent.length);
    expect(queued.filter((d) => d.status !== 'pending' || d.leaseUntil !== null).map((d) => d.id), 'deliveries a paused lane still holds').to.deep.equal([]);
    for (const { output } of workers) expect(output()).not.to.match(/"level":\s*"?(error|50)/);
  });
});

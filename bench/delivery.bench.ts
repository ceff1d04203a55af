import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { loadConfig } from '../server/config.js';
import { loadDemoTaxonomy } from '../server/demo/demo-data.js';
import { createLogger } from '../server/logger.js';
import { closeServices, openServices } from '../server/platform.js';
import { renderPolicyEmail } from '../server/push/email/email-templates.js';
import { createPushAdapters } from '../server/adapters/adapter-factory.js';
import { createSmtpTransport } from '../server/adapters/nodemailer/nodemailer.mail-transport.js';
import type { OutgoingEmail } from '../server/ports/mail-transport.port.js';
import { PushDispatcher } from '../server/push/push-platform.js';
import type { BenchRow } from './bench-table.js';
import { seedEmailOutbox } from './support/push-seed.js';
import { benchWechatChannels } from './wechat-channels.bench.js';

const EMAILS = 5_000;
const ROUNDS = 3;
const DEFAULT_SOCKET_EMAILS = 500;
const POOL = 5;
const TARGET_PER_SECOND = 1000;
const TARGET_RATIO = 0.7;

interface Sink {
  url: string;
  count(): Promise<number>;
  stop(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./support/smtp-sink.process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => {
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready' && m.port) resolve(m.port);
    });
  });
  const count = () =>
    new Promise<number>((resolve) => {
      const listener = (m: { type?: string; received?: number }) => {
        if (m.type !== 'count') return;
        child.off('message', listener);
        resolve(m.received ?? 0);
      };
      child.on('message', listener);
      child.send({ type: 'count' });
    });
  return { url: `smtp://127.0.0.1:${port}`, count, stop: () => new Promise<void>((resolve) => (child.send({ type: 'stop' }), child.on('exit', () => resolve()))) };
}

/** A message of the size and shape the dispatcher sends, rendered once. */
function representativeMessage(): OutgoingEmail {
  const footer = {
    preferencesUrl: 'http://localhost:3000/me/preferences',
    feedUrl: 'http://localhost:3000/feeds/subscriptions/s-load-1.abcdefghijklmnopqrstuvwxyz012345.atom',
    unsubscribeUrl: 'http://localhost:3000/unsubscribe/s.s-load-1.d1.abcdefghijklmnopqrstuvwxyz012345',
    unsubscribeLabel: '退订“专利资助”',
    unsubscribeAllUrl: 'http://localhost:3000/unsubscribe/a.sub-load-1.d1.abcdefghijklmnopqrstuvwxyz012345',
  };
  const rendered = renderPolicyEmail({
    recipientName: '负载测试企业1号有限公司',
    view: {
      policyId: 'push-load-2026-001',
      version: 1,
      title: '上海市专利转化专项资助申报指南',
      docNumber: '沪知局〔2026〕99号',
      issuer: '上海市知识产权局',
      issuedAt: '2026-03-01',
      publishedAt: '2026-03-01T02:00:00.000Z',
      summary: '为促进专利转化运用，支持企业实施专利产业化，制定本指南。',
      highlights: [],
      applicationWindow: { opensAt: '2026-03-01', closesAt: '2099-12-31' },
      url: 'http://localhost:3000/policies/push-load-2026-001',
    },
    reasons: ['您的订阅“专利资助”匹配：诉求“专利资助”', '符合适用条件：地区“上海市”'],
    footer,
  });
  return {
    from: '政策推送平台 <noreply@policy-push.local>',
    to: ['ip1@bench.example.cn'],
    ...rendered,
    headers: { 'List-Unsubscribe': `<${footer.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Policy-Push-Ref': 'delivery:1' },
  };
}

/** Sends `count` copies with `concurrency` sends outstanding, as the dispatcher's lane does. */
async function loop({ send, count, concurrency }: { send: (i: number) => Promise<unknown>; count: number; concurrency: number }): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next;
        next += 1;
        await send(i);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/**
 * Emails per second to a local SMTP server (its own process): the whole dispatcher (claim with a
 * lease, compose from the store, render, sign, send over the pooled transport, record results)
 * against a bare nodemailer loop sending one pre-rendered message over the same pool settings
 * (5 connections, TCP_NODELAY). The stock-socket row shows why the transport sets TCP_NODELAY.
 */
export async function benchDelivery(): Promise<BenchRow[]> {
  const sink = await startSink();
  const message = representativeMessage();
  const concurrency = POOL * 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-delivery-'));
  try {
    const config = loadConfig({
      DATA_DIR: dir,
      DEMO_DATA: '0',
      LOG_LEVEL: 'silent',
      SMTP_URL: sink.url,
      SMTP_POOL_SIZE: String(POOL),
      PUSH_CHANNELS: 'email',
      PUSH_POLL_MS: '10',
      // The rate limits are raised above what the server takes: this measures the dispatcher, not its brakes.
      EMAIL_RATE_PER_SECOND: '100000',
      EMAIL_ACCOUNT_RATE_PER_SECOND: '100000',
    });
    const logger = createLogger({ level: 'silent' });
    const services = await openServices({ config, logger });
    await services.taxonomy.seed({ dimensions: [], tags: loadDemoTaxonomy().tags });
    const { policyId } = await seedEmailOutbox({ services, count: EMAILS * ROUNDS + 2000, domain: 'bench.example.cn' });

    const tuned = createSmtpTransport({ url: sink.url, poolSize: POOL });
    await loop({ send: (i) => tuned.send({ ...message, to: [`warm${i}@bench.example.cn`] }), count: 500, concurrency });
    const bare: number[] = [];
    const dispatched: number[] = [];
    let recordedAll = true;
    // Interleaved rounds, so a noisy neighbour on the machine hits both sides alike; medians are reported.
    for (let round = 0; round < ROUNDS; round += 1) {
      bare.push(await loop({ send: (i) => tuned.send({ ...message, to: [`ip${round}-${i}@bench.example.cn`] }), count: EMAILS, concurrency }));
      const before = await sink.count();
      const now = () => new Date();
      const dispatcher = new PushDispatcher({ config, store: services.store, push: services.push, logger, now, ...createPushAdapters({ config, logger, now }) });
      const started = performance.now();
      dispatcher.start();
      // The sink counts over IPC, so watching progress costs the dispatcher nothing; stop() then
      // writes the last results and releases what was not sent, and its time is part of the figure.
      while ((await sink.count()) - before < EMAILS) await new Promise((r) => setTimeout(r, 10));
      await dispatcher.stop();
      const elapsed = (performance.now() - started) / 1000;
      dispatched.push(((await sink.count()) - before) / elapsed);
      const stats = await services.store.deliveryLog.queueStats();
      if (stats.some((row) => row.status !== 'pending')) recordedAll = false;
    }
    tuned.close();

    const port = Number(new URL(sink.url).port);
    const stock = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port, secure: false, maxConnections: POOL, maxMessages: Infinity });
    const stockRate = await loop({ send: (i) => stock.sendMail({ ...message, to: [`stock${i}@bench.example.cn`] }), count: DEFAULT_SOCKET_EMAILS, concurrency });
    stock.close();
    // The official WeChat drivers in the same run and table, against the local platform in its own process.
    const wechat = await benchWechatChannels({ services, config, logger, policyId });
    await closeServices(services);

    const bareRate = median(bare);
    const rate = median(dispatched);
    const met = rate >= TARGET_PER_SECOND && rate / bareRate >= TARGET_RATIO;
    return [
      { name: 'bare nodemailer loop, pooled, TCP_NODELAY', n: EMAILS, reqPerSec: bareRate, note: `median of ${ROUNDS}: ${bare.map((r) => r.toFixed(0)).join(' / ')}; one pre-rendered message` },
      { name: 'bare nodemailer loop, pooled, stock sockets', n: DEFAULT_SOCKET_EMAILS, reqPerSec: stockRate, ratio: stockRate / bareRate, note: 'Nagle + delayed ACK: ~40 ms per message per connection' },
      {
        name: 'dispatcher: outbox → SMTP, recorded',
        n: EMAILS,
        reqPerSec: rate,
        ratio: rate / bareRate,
        note: `median of ${ROUNDS}: ${dispatched.map((r) => r.toFixed(0)).join(' / ')}; ${recordedAll ? 'all results recorded' : 'results MISSING'}; targets ≥ ${TARGET_PER_SECOND}/s, ≥ ${TARGET_RATIO} → ${met ? 'met' : 'NOT met'}`,
      },
      ...wechat,
    ];
  } finally {
    await sink.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

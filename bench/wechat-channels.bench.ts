import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NewDelivery } from '../schemas/delivery.schema.js';
import type { Channel, Subscriber } from '../schemas/subscriber.schema.js';
import type { Subscription } from '../schemas/subscription.schema.js';
import { createWechatPlatformApis } from '../server/adapters/adapter-factory.js';
import type { Config } from '../server/config.js';
import type { Logger } from '../server/logger.js';
import type { Services } from '../server/platform.js';
import { PushDispatcher } from '../server/push/push-platform.js';
import { syntheticCreditCode } from '../server/subscribers/credit-code.js';
import type { BenchRow } from './bench-table.js';

export const BENCH_APP_ID = 'wx0bench0000000001';
export const BENCH_APP_SECRET = 'bench0secret0000000000000000000a';
const NOTICES = 2_000;
const ROBOTS = 300;
const CONCURRENCY = 8;

interface PlatformProcess {
  url: string;
  count(): Promise<number>;
  stop(): Promise<void>;
}

export async function startWechatPlatform(): Promise<PlatformProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./support/wechat-platform.process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_APP_ID, BENCH_APP_SECRET },
  });
  const url = await new Promise<string>((resolve) => {
    child.on('message', (m: { type?: string; url?: string }) => {
      if (m.type === 'ready' && m.url) resolve(m.url);
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
  return { url, count, stop: () => new Promise<void>((resolve) => (child.send({ type: 'stop' }), child.on('exit', () => resolve()))) };
}

/** `count` subscribers reachable on `channel` (a bound openid, or a park robot) with one pending delivery each. */
async function seed({ services, channel, count, policyId }: { services: Services; channel: Extract<Channel, 'wechat_oa' | 'wecom_robot'>; count: number; policyId: string }): Promise<void> {
  const at = new Date().toISOString();
  const rows: NewDelivery[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `sub-${channel}-${String(i).padStart(6, '0')}`;
    const contactId = `c-${channel}-${i}`;
    const park = channel === 'wecom_robot';
    const subscriber: Subscriber = {
      id,
      kind: park ? 'park' : 'enterprise',
      name: park ? `负载测试园区${i}号` : `服务号负载测试企业${i}号有限公司`,
      creditCode: park ? null : syntheticCreditCode(300_000 + i),
      profile: { region: ['region-shanghai'] },
      parkId: null,
      contacts: [{ id: contactId, channel, address: park ? `园区${i}号企业群` : `o_bench_${String(i).padStart(8, '0')}`, label: null, confirmedAt: at, invalidAt: null }],
      createdAt: at,
      updatedAt: at,
      revision: 1,
    };
    await services.store.subscribers.insert({ subscriber, tokenHash: `${channel}-token-${i}` });
    if (park) {
      await services.store.wechatChannels.saveRobot({ contactId, parkId: id, groupName: `园区${i}号企业群`, webhookKey: `bench-robot-key-${i}`, status: 'ok', lastError: null, lastCheckedAt: null, updatedBy: 'bench', updatedAt: at });
    }
    const subscription: Subscription = {
      id: `s-${channel}-${i}`,
      subscriberId: id,
      name: '专利资助',
      criteria: { need: { mode: 'any', tags: ['need-patent-funding'] } },
      keywords: [],
      channels: [channel],
      frequency: 'immediate',
      eligibleOnly: true,
      createdAt: at,
      endedAt: null,
      endReason: null,
      replaces: null,
    };
    await services.store.subscriptions.insert(subscription);
    rows.push({
      policyId,
      version: 1,
      subscriberId: id,
      channel,
      frequency: 'immediate',
      subscriptionIds: [subscription.id],
      explanation: { eligible: true, eligibility: { region: ['region-shanghai'] }, unknown: [], subscriptions: [{ subscriptionId: subscription.id, matchedTags: { need: ['need-patent-funding'] }, matchedKeywords: [] }] },
      urgent: false,
    });
  }
  await services.store.outbox.enqueue(rows, at);
}

/**
 * The official WeChat drivers against the local platform in its own process, in the delivery
 * section next to the e-mail figures: notices per second through the whole dispatcher (claim,
 * compose, field limits, shared token, send, record) against bare API calls over the same HTTP
 * client, and group robot messages (one per robot, so the 20-a-minute limit does not bind).
 */
export async function benchWechatChannels({ services, config, logger, policyId }: { services: Services; config: Config; logger: Logger; policyId: string }): Promise<BenchRow[]> {
  const platform = await startWechatPlatform();
  try {
    const settings = { ...config, PUSH_CHANNELS: ['wechat_oa', 'wecom_robot'] as Config['PUSH_CHANNELS'], WECHAT_OA_API_BASE: platform.url, WECHAT_OA_AUTHORIZE_BASE: platform.url, WECOM_ROBOT_BASE: platform.url };
    await services.store.wechatChannels.saveOfficialAccount({
      appId: BENCH_APP_ID,
      appSecret: BENCH_APP_SECRET,
      templateId: 'TPL-bench-0001',
      fields: { title: 'thing1', issuer: 'thing2', date: 'time3', kind: 'phrase4', number: 'character_string5' },
      updatedBy: 'bench',
      updatedAt: new Date().toISOString(),
    });
    await seed({ services, channel: 'wechat_oa', count: NOTICES, policyId });
    await seed({ services, channel: 'wecom_robot', count: ROBOTS, policyId });

    const apis = createWechatPlatformApis({ config: settings });
    const token = await apis.officialAccount.fetchToken({ appId: BENCH_APP_ID, secret: BENCH_APP_SECRET });
    if (!token.ok) throw new Error(`bench token refused: ${token.errmsg}`);
    const data = { thing1: { value: '上海市专利转化专项资助申报…' }, thing2: { value: '上海市知识产权局' }, time3: { value: '2026-03-01 10:00' }, phrase4: { value: '新政策' }, character_string5: { value: '202699' } };
    let next = 0;
    const bareStarted = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < NOTICES) {
          next += 1;
          await apis.officialAccount.sendSubscribeNotice({ accessToken: token.accessToken, openid: `o_bare_${next}`, templateId: 'TPL-bench-0001', page: 'http://localhost:3000/', data });
        }
      }),
    );
    const bareRate = NOTICES / ((performance.now() - bareStarted) / 1000);

    const drain = async (channel: 'wechat_oa' | 'wecom_robot', expected: number) => {
      const before = await platform.count();
      const now = () => new Date();
      const dispatcher = new PushDispatcher({ config: settings, store: services.store, push: services.push, logger, now, mail: null, chat: null, ...(channel === 'wechat_oa' ? { officialAccount: apis.officialAccount } : { groupRobots: apis.groupRobots }) });
      const started = performance.now();
      dispatcher.start();
      while ((await platform.count()) - before < expected) await new Promise((r) => setTimeout(r, 10));
      await dispatcher.stop();
      const rate = ((await platform.count()) - before) / ((performance.now() - started) / 1000);
      const recorded = (await services.store.deliveryLog.queueStats()).filter((row) => row.channel === channel).every((row) => row.status === 'sent');
      return { rate, recorded };
    };
    const official = await drain('wechat_oa', NOTICES);
    const robots = await drain('wecom_robot', ROBOTS);
    return [
      { name: '服务号: bare bizsend loop, local platform', n: NOTICES, reqPerSec: bareRate, note: `${CONCURRENCY} requests outstanding; one token, pre-built data` },
      {
        name: 'dispatcher: outbox → 服务号 notices, recorded',
        n: NOTICES,
        reqPerSec: official.rate,
        ratio: official.rate / bareRate,
        note: `lane of ${CONCURRENCY}; token shared through the store; ${official.recorded ? 'all results recorded' : 'results MISSING'}`,
      },
      {
        name: 'dispatcher: outbox → group robots, recorded',
        n: ROBOTS,
        reqPerSec: robots.rate,
        note: `one message to each of ${ROBOTS} robots (the 20/min per-robot limit does not bind); ${robots.recorded ? 'all results recorded' : 'results MISSING'}`,
      },
    ];
  } finally {
    await platform.stop();
  }
}

import fs from 'node:fs';
import { expect } from 'chai';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import type { WechatyChatGateway } from '../../server/adapters/wechaty/wechaty.chat-gateway.js';
import type { PushDispatcher } from '../../server/push/push-platform.js';
import { openPushFixture, type PushFixture } from '../support/push-fixture.js';
import { waitFor } from '../support/smtp-sink.js';

const INTERVAL_MS = 120;
const JITTER_MS = 40;

describe('push by WeChat: mock puppet, pacing, park digests, logged-out pause, kill switch, dry-run, budget', function () {
  this.timeout(30_000);
  let f: PushFixture;
  let dispatcher: PushDispatcher<WechatyChatGateway>;
  let park: Subscriber;
  let alpha: Subscriber;
  let beta: Subscriber;
  let alphaSub: Subscription;
  let betaSub: Subscription;
  let parkSub: Subscription;

  const inbox = () => dispatcher.gateway?.mockInbox() ?? [];

  before(async () => {
    f = await openPushFixture({
      start: '2026-03-02T01:00:00.000Z',
      env: { PUSH_CHANNELS: 'wechat', WECHAT_INTERVAL_MS: String(INTERVAL_MS), WECHAT_JITTER_MS: String(JITTER_MS), WECHAT_DAILY_BUDGET: '100' },
    });
    for (const [id, title] of [
      ['pd-wx-a', '浦东新区知识产权质押融资贴息办法'],
      ['pd-wx-b', '浦东新区专利保险补贴实施细则'],
      ['pd-wx-c', '浦东新区高价值专利培育计划'],
      ['pd-wx-d', '浦东新区知识产权维权援助办法'],
    ] as const) {
      await f.importPolicy({ id, title, docNumber: `浦知〔2026〕${id.slice(-1).charCodeAt(0)}号` });
    }
    park = await f.subscriber({ kind: 'park', name: '张江科学城园区服务中心', contacts: [{ channel: 'wechat', address: '张江企业服务群', label: null }] });
    alpha = await f.subscriber({ name: '张江甲科技有限公司', contacts: [{ channel: 'wechat', address: '甲公司政策联络员', label: null }], parkId: park.id });
    beta = await f.subscriber({ name: '张江乙生物有限公司', contacts: [{ channel: 'wechat', address: '乙公司政策联络员', label: null }], parkId: park.id });
    alphaSub = await f.subscribe({ subscriber: alpha, channels: ['wechat'] });
    betaSub = await f.subscribe({ subscriber: beta, channels: ['wechat'] });
    parkSub = await f.subscribe({ subscriber: park, channels: ['wechat'], frequency: 'daily', name: '园区企业相关政策' });
    dispatcher = f.dispatcher();
    dispatcher.start();
    await waitFor(() => dispatcher.gateway?.loggedIn);
  });
  after(async () => f.close());

  it('reaches each enterprise contact once per delivery, about one message per interval', async () => {
    await f.enqueue([
      { policyId: 'pd-wx-a', subscription: alphaSub, channel: 'wechat' },
      { policyId: 'pd-wx-a', subscription: betaSub, channel: 'wechat' },
      { policyId: 'pd-wx-b', subscription: alphaSub, channel: 'wechat' },
      { policyId: 'pd-wx-b', subscription: betaSub, channel: 'wechat' },
      { policyId: 'pd-wx-a', subscription: parkSub, channel: 'wechat' },
    ]);
    await waitFor(() => inbox().length >= 4 && inbox());
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 2));
    const received = inbox();
    expect(received).to.have.length(4);
    const to = (name: string) => received.filter((m) => m.name === name);
    expect(to('甲公司政策联络员').map((m) => m.type)).to.deep.equal(['contact', 'contact']);
    expect(to('乙公司政策联络员')).to.have.length(2);
    for (const message of received) {
      expect(message.text).to.match(/^【政策推送】/);
      expect(message.text).to.include('推送理由');
      expect(message.text).to.include('/unsubscribe/');
    }
    expect(to('甲公司政策联络员').map((m) => m.text.split('\n')[0])).to.have.members(['【政策推送】浦东新区知识产权质押融资贴息办法', '【政策推送】浦东新区专利保险补贴实施细则']);
    // The park's own subscription is daily: nothing in the group yet.
    expect(to('张江企业服务群')).to.have.length(0);
    const gaps = received.slice(1).map((m, i) => Date.parse(m.at) - Date.parse(received[i]?.at ?? m.at));
    for (const gap of gaps) expect(gap).to.be.at.least(INTERVAL_MS - JITTER_MS - 5);
    const log = fs.readFileSync(dispatcher.gateway?.mockLogFile ?? '', 'utf8').trim().split('\n');
    expect(log).to.have.length(4);
  });

  it('sends the park group one digest listing the new policies for its enterprises, once per run', async () => {
    f.setNow('2026-03-03T00:31:00.000Z');
    const runs = await f.services.push.scheduler.runDigests();
    expect(runs.find((r) => r.runKey === 'daily:2026-03-03')?.created).to.equal(1);
    const again = await f.services.push.scheduler.runDigests();
    expect(again.every((r) => r.alreadyRan)).to.equal(true);
    const digest = await waitFor(() => inbox().find((m) => m.name === '张江企业服务群'));
    expect(digest.type).to.equal('room');
    expect(digest.text).to.include('园区政策速递');
    expect(digest.text).to.include('浦东新区知识产权质押融资贴息办法');
    expect(digest.text).to.include('浦东新区专利保险补贴实施细则');
    expect(digest.text).to.include('涉及本园区 2 家企业');
    expect(digest.text).to.include('张江甲科技有限公司');
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 2));
    expect(inbox().filter((m) => m.name === '张江企业服务群')).to.have.length(1);
    const parkDelivery = (await f.store.outbox.listForSubscriber({ subscriberId: park.id, limit: 10 }))[0];
    expect(parkDelivery?.status).to.equal('sent');
    expect(parkDelivery?.messageId).to.be.a('number');
  });

  it('pauses the WeChat queue while the bot is logged out, and resumes after login', async () => {
    const gateway = dispatcher.gateway;
    if (!gateway) throw new Error('no gateway');
    await gateway.mockLogout();
    const before = inbox().length;
    await f.enqueue([{ policyId: 'pd-wx-c', subscription: alphaSub, channel: 'wechat' }]);
    const paused = await waitFor(() => dispatcher.laneFor('wechat')?.status().state === 'paused' && dispatcher.laneFor('wechat')?.status());
    expect(paused.reason).to.include('未登录');
    expect(gateway.status().state).to.equal('logged_out');
    const lanes = await f.store.deliveryLeases.listLanes({ since: '2026-01-01T00:00:00.000Z' });
    expect(lanes.find((l) => l.channel === 'wechat')?.state).to.equal('paused');
    await new Promise((r) => setTimeout(r, 200));
    expect(inbox().length).to.equal(before);
    const waiting = (await f.store.outbox.listForPolicy({ policyId: 'pd-wx-c', limit: 10, offset: 0 })).items[0];
    expect(waiting?.status).to.equal('pending');
    expect(waiting?.attempts).to.equal(0);
    await gateway.mockLogin();
    await waitFor(() => inbox().find((m) => m.text.includes('浦东新区高价值专利培育计划')));
  });

  it('holds everything back while the kill switch is on', async () => {
    await f.store.pushSettings.setControl({ channel: 'wechat', paused: true, reason: '演练', by: 'admin', at: f.now().toISOString() });
    await waitFor(() => dispatcher.laneFor('wechat')?.status().reason?.includes('已暂停'), { timeoutMs: 3000 });
    const before = inbox().length;
    await f.enqueue([{ policyId: 'pd-wx-d', subscription: alphaSub, channel: 'wechat' }]);
    await new Promise((r) => setTimeout(r, 400));
    expect(inbox().length).to.equal(before);
    await f.store.pushSettings.setControl({ channel: 'wechat', paused: false, reason: null, by: 'admin', at: f.now().toISOString() });
    await waitFor(() => inbox().find((m) => m.text.includes('浦东新区知识产权维权援助办法')), { timeoutMs: 5000 });
  });

  it('dry-run records the push as sent (marked dry-run) without sending, and the daily budget pauses the lane', async () => {
    await dispatcher.stop();
    const before = inbox().length;
    const dry = f.dispatcher({ config: { WECHAT_DRY_RUN: true } });
    dry.start();
    await f.enqueue([{ policyId: 'pd-wx-d', subscription: betaSub, channel: 'wechat' }]);
    const row = await waitFor(async () => (await f.store.outbox.listForPolicy({ policyId: 'pd-wx-d', limit: 10, offset: 0 })).items.find((d) => d.subscriberId === beta.id && d.status === 'sent'));
    expect(row.dryRun).to.equal(true);
    expect(inbox().length).to.equal(before);
    const log = await f.services.push.log.forPolicy({ policyId: 'pd-wx-d' });
    expect(log.counts.find((c) => c.channel === 'wechat' && c.status === 'sent')?.dryRun).to.equal(1);
    expect(log.channels.find((c) => c.channel === 'wechat')?.dryRun).to.equal(true);
    await dry.stop();

    // Three real sends happened on today's Shanghai date (digest, c, d); a budget of three is used up.
    const capped = f.dispatcher({ config: { WECHAT_DAILY_BUDGET: 3 } });
    capped.start();
    // The new bot may still be logging in at first (a pause of its own); the budget pause follows.
    const paused = await waitFor(() => capped.laneFor('wechat')?.status().reason?.includes('今日发送上限') && capped.laneFor('wechat')?.status());
    expect(paused.state).to.equal('paused');
    expect(paused.reason).to.include('今日发送上限');
    await capped.stop();
  });
});

import { expect } from 'chai';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import { officialAccountBodySchema, wecomRobotBodySchema } from '../../schemas/wechat-channels.schema.js';
import { createWechatPlatformApis } from '../../server/adapters/adapter-factory.js';
import { workerId } from '../../server/push/dispatcher.js';
import { AccessTokenCache } from '../../server/push/official/access-token.service.js';
import { OfficialAccountDriver } from '../../server/push/official/official-account.driver.js';
import type { Notice } from '../../server/push/official/notice.js';
import type { Actor } from '../../server/services/actor.js';
import { FakeWechatPlatform } from '../support/fake-wechat-platform.js';
import { openPushFixture, type PushFixture } from '../support/push-fixture.js';
import { waitFor } from '../support/smtp-sink.js';

const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
const ADMIN: Actor = { id: 'admin', name: '管理员', role: 'admin' };
const LONG_TITLE = '浦东新区关于进一步支持科技型中小企业开展知识产权质押融资并给予贴息补助的实施办法';

describe('official WeChat channels: 服务号 notices and park group robots through the outbox and dispatcher', function () {
  this.timeout(60_000);
  let fake: FakeWechatPlatform;
  let f: PushFixture;

  const channels = () => f.services.push.wechatChannels;
  const reload = (s: Subscriber) => f.services.subscribers.get({ id: s.id });
  const deliveries = async (s: Subscriber) => f.store.outbox.listForSubscriber({ subscriberId: s.id, limit: 100 });

  /** The follower opens the bind link in WeChat: authorise at the platform, come back with a code. */
  async function bind({ subscriber, openid }: { subscriber: Subscriber; openid: string }): Promise<Subscriber> {
    fake.followers.add(openid);
    fake.nextFollower = openid;
    const token = new URL(channels().bindLink({ subscriberId: subscriber.id })).searchParams.get('t') ?? '';
    const authorize = await channels().authorizeRedirect({ token });
    const answer = await fetch(authorize.replace('#wechat_redirect', ''), { redirect: 'manual' });
    expect(answer.status).to.equal(302);
    const back = new URL(answer.headers.get('location') ?? '');
    expect(back.pathname).to.equal('/account/wechat/callback');
    await channels().completeBinding({ code: back.searchParams.get('code') ?? '', state: back.searchParams.get('state') ?? '' });
    return reload(subscriber);
  }

  before(async () => {
    fake = await new FakeWechatPlatform().start();
    fake.apps.set(APP_ID, APP_SECRET);
    fake.robotLimit = 3;
    fake.robotWindowMs = 1000;
    f = await openPushFixture({
      start: '2026-03-02T01:00:00.000Z',
      env: {
        PUSH_CHANNELS: 'wechat_oa,wecom_robot',
        WECHAT_OA_API_BASE: fake.url,
        WECHAT_OA_AUTHORIZE_BASE: fake.url,
        WECOM_ROBOT_BASE: fake.url,
        WECHAT_OA_BACKOFF_MS: '5000',
        WECOM_ROBOT_PER_MINUTE: '3',
        WECOM_ROBOT_WINDOW_MS: '1000',
        PUSH_RETRY_BASE_MS: '50',
        PUSH_RETRY_MAX_MS: '100',
      },
    });
    await f.importPolicy({ id: 'pd-oa-a', title: LONG_TITLE, docNumber: '浦知〔2026〕7号' });
    await f.importPolicy({ id: 'pd-oa-b', title: '浦东新区专利保险补贴实施细则', docNumber: '浦知〔2026〕8号' });
    await f.importPolicy({ id: 'pd-oa-c', title: '浦东新区高价值专利培育计划', docNumber: '浦知〔2026〕9号' });
    for (let i = 1; i <= 7; i++) await f.importPolicy({ id: `pd-rl-${i}`, title: `浦东新区知识产权公共服务专项第${i}号通知`, docNumber: `浦知〔2026〕${20 + i}号` });
    await channels().saveOfficialAccount({
      actor: ADMIN,
      body: officialAccountBodySchema.parse({
        appId: APP_ID,
        appSecret: APP_SECRET,
        templateId: 'TPL-policy-notice-001',
        fields: { title: 'thing1', issuer: 'thing2', date: 'time3', kind: 'phrase4', number: 'character_string5' },
      }),
    });
  });
  after(async () => {
    await f.close();
    await fake.stop();
  });

  it('binds an openid through the web authorisation and sends the bound contact a notice cut to the field limits', async () => {
    const alpha = await bind({ subscriber: await f.subscriber({ name: '张江甲科技有限公司', contacts: [] }), openid: 'o_alpha_follower_0001' });
    const contact = alpha.contacts.find((c) => c.channel === 'wechat_oa');
    expect(contact?.address).to.equal('o_alpha_follower_0001');
    expect(contact?.confirmedAt).to.be.a('string');
    const subscription = await f.subscribe({ subscriber: alpha, channels: ['wechat_oa'] });
    await f.enqueue([{ policyId: 'pd-oa-a', subscription, channel: 'wechat_oa' }]);
    const lane = f.dispatcher().laneFor('wechat_oa');
    await lane?.drain({ timeoutMs: 5000 });

    expect(fake.notices).to.have.length(1);
    const notice = fake.notices[0];
    expect(notice?.openid).to.equal('o_alpha_follower_0001');
    expect(notice?.templateId).to.equal('TPL-policy-notice-001');
    // The notice opens the policy through the signed redirect that records the first open.
    expect(notice?.page).to.match(/\/r\/d\d+\.[\w-]+/);
    const title = notice?.data.thing1?.value ?? '';
    expect(Array.from(title)).to.have.length(20);
    expect(title.endsWith('…')).to.equal(true);
    expect(LONG_TITLE.startsWith(title.slice(0, -1))).to.equal(true);
    expect(notice?.data.thing2?.value).to.equal('浦东新区知识产权局');
    expect(notice?.data.time3?.value).to.match(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(notice?.data.phrase4?.value).to.equal('新政策');
    // character_string takes letters, digits and symbols only.
    expect(notice?.data.character_string5?.value).to.equal('20267');
    const [delivery] = await deliveries(alpha);
    expect(delivery?.status).to.equal('sent');
  });

  it('ends a contact who refused notices (43101) for this channel, and queues nothing more for it', async () => {
    const beta = await bind({ subscriber: await f.subscriber({ name: '张江乙生物有限公司', contacts: [] }), openid: 'o_beta_follower_0002' });
    fake.refused.add('o_beta_follower_0002');
    const subscription = await f.subscribe({ subscriber: beta, channels: ['wechat_oa'] });
    await f.enqueue([{ policyId: 'pd-oa-a', subscription, channel: 'wechat_oa' }]);
    await f.dispatcher().laneFor('wechat_oa')?.drain({ timeoutMs: 5000 });
    const [refused] = await deliveries(beta);
    expect(refused?.status).to.equal('failed_permanent');
    expect(refused?.errorClass).to.equal('recipient_refused');
    expect(refused?.lastError).to.include('43101');
    const ended = (await reload(beta)).contacts.find((c) => c.channel === 'wechat_oa');
    expect(ended?.invalidAt).to.be.a('string');

    await f.enqueue([{ policyId: 'pd-oa-b', subscription, channel: 'wechat_oa' }]);
    await f.dispatcher().laneFor('wechat_oa')?.drain({ timeoutMs: 5000 });
    const next = (await deliveries(beta)).find((d) => d.policyId === 'pd-oa-b');
    expect(next?.status).to.equal('skipped');
    expect(next?.errorClass).to.equal('no_contact');
    expect(fake.notices.filter((n) => n.openid === 'o_beta_follower_0002')).to.have.length(0);
  });

  it('backs off on 45009: the lane pauses without spending an attempt and sends once the back-off is over', async () => {
    const gamma = await bind({ subscriber: await f.subscriber({ name: '张江丙信息有限公司', contacts: [] }), openid: 'o_gamma_follower_0003' });
    const subscription = await f.subscribe({ subscriber: gamma, channels: ['wechat_oa'] });
    await f.enqueue([{ policyId: 'pd-oa-b', subscription, channel: 'wechat_oa' }]);
    fake.rateLimitNext = 1;
    const lane = f.dispatcher().laneFor('wechat_oa');
    lane?.start();
    await waitFor(() => lane?.status().state === 'paused' && (lane.status().reason ?? '').includes('45009'));
    const [held] = await deliveries(gamma);
    expect(held?.status).to.equal('pending');
    expect(held?.attempts).to.equal(0);
    expect(fake.notices.filter((n) => n.openid === 'o_gamma_follower_0003')).to.have.length(0);

    f.setNow('2026-03-02T01:00:06.000Z');
    await waitFor(() => fake.notices.some((n) => n.openid === 'o_gamma_follower_0003'));
    await lane?.stop();
    const [sent] = await deliveries(gamma);
    expect(sent?.status).to.equal('sent');
    expect(fake.notices.filter((n) => n.openid === 'o_gamma_follower_0003')).to.have.length(1);
  });

  it('refreshes an expired token (42001) once, shared by two worker processes, and retries the send', async () => {
    fake.followers.add('o_delta_follower_0004');
    const apis = createWechatPlatformApis({ config: f.config });
    const driverOf = () =>
      new OfficialAccountDriver({ api: apis.officialAccount, store: f.store, tokens: new AccessTokenCache({ store: f.store, api: apis.officialAccount, owner: workerId(), now: f.now, waitMs: 20 }), backoffMs: 1000, now: f.now });
    const first = driverOf();
    const second = driverOf();
    const notice: Notice = { kind: 'test', title: '令牌刷新测试', issuer: '政策推送平台', docNumber: null, at: f.now().toISOString(), url: 'http://localhost/', reasons: [], daysLeft: null, items: [], unsubscribeUrl: null };
    const contact = { id: 'c-delta', channel: 'wechat_oa' as const, address: 'o_delta_follower_0004', label: null, confirmedAt: f.now().toISOString(), invalidAt: null };
    // Both processes hold the current token.
    await first.deliver({ notice, recipients: [contact] });
    await second.deliver({ notice, recipients: [contact] });
    const tokensBefore = fake.tokenRequests;
    const expiredBefore = fake.answers.filter((a) => a.errcode === 42001).length;

    fake.expireTokens();
    const results = await Promise.all([first.deliver({ notice, recipients: [contact] }), second.deliver({ notice, recipients: [contact] })]);
    for (const result of results) expect(result.response).to.include('已送达');
    expect(fake.answers.filter((a) => a.errcode === 42001).length - expiredBefore).to.equal(2);
    expect(fake.tokenRequests - tokensBefore).to.equal(1);
    const stored = await f.store.wechatChannels.getToken(AccessTokenCache.nameOf(APP_ID));
    expect(stored?.token).to.be.a('string');
    expect(stored?.leaseOwner).to.equal(null);
  });

  it('sends a park robot a markdown digest of the policies for the park', async () => {
    fake.robotKeys.add('robot-key-zhangjiang-0001');
    const park = await f.subscriber({ kind: 'park', name: '张江科学城园区服务中心', contacts: [] });
    await channels().saveRobot({ actor: ADMIN, body: wecomRobotBodySchema.parse({ parkId: park.id, groupName: '张江企业服务群', webhook: `${fake.url}/cgi-bin/webhook/send?key=robot-key-zhangjiang-0001` }) });
    const withRobot = await reload(park);
    const subscription = await f.subscribe({ subscriber: withRobot, channels: ['wecom_robot'], frequency: 'daily', name: '园区企业相关政策' });
    await f.enqueue(['pd-oa-a', 'pd-oa-b', 'pd-oa-c'].map((policyId) => ({ policyId, subscription, channel: 'wecom_robot' as const })));
    f.setNow('2026-03-03T01:00:00.000Z');
    await f.services.push.scheduler.runDigests();
    await f.dispatcher().laneFor('wecom_robot')?.drain({ timeoutMs: 5000 });

    const messages = fake.robotMessages.filter((m) => m.key === 'robot-key-zhangjiang-0001');
    expect(messages).to.have.length(1);
    const content = messages[0]?.content ?? '';
    expect(messages[0]?.msgtype).to.equal('markdown');
    expect(content).to.match(/^### 园区政策速递 · 张江科学城园区服务中心/);
    expect(content).to.include('本期共 3 条政策');
    for (const title of [LONG_TITLE, '浦东新区专利保险补贴实施细则', '浦东新区高价值专利培育计划']) expect(content).to.include(`[${title}](`);
    expect(content).to.include('推送原因');
    expect(Buffer.byteLength(content, 'utf8')).to.be.at.most(4096);
    const [robot] = await channels().robotViews({ parkId: park.id });
    expect(robot?.status).to.equal('ok');
  });

  it('marks a robot whose webhook is invalid (93000) and shows it to the park', async () => {
    const park = await f.subscriber({ kind: 'park', name: '金桥园区服务中心', contacts: [] });
    await channels().saveRobot({ actor: ADMIN, body: wecomRobotBodySchema.parse({ parkId: park.id, groupName: '金桥企业群', webhook: 'robot-key-deleted-0002' }) });
    const subscription = await f.subscribe({ subscriber: await reload(park), channels: ['wecom_robot'] });
    await f.enqueue([{ policyId: 'pd-oa-b', subscription, channel: 'wecom_robot' }]);
    await f.dispatcher().laneFor('wecom_robot')?.drain({ timeoutMs: 5000 });
    const [failed] = await deliveries(park);
    expect(failed?.status).to.equal('failed_permanent');
    expect(failed?.errorClass).to.equal('webhook_invalid');
    expect(failed?.lastError).to.include('93000');
    const [robot] = await channels().robotViews({ parkId: park.id });
    expect(robot?.status).to.equal('invalid');
    expect(robot?.statusLabel).to.include('Webhook 无效');
    expect(robot?.lastError).to.include('93000');
    expect(robot?.keyHint).to.equal('****0002');
    const contact = (await reload(park)).contacts.find((c) => c.channel === 'wecom_robot');
    expect(contact?.invalidAt).to.be.a('string');
  });

  it('keeps each robot within its per-minute limit: every message arrives and the platform never answers 45009', async () => {
    const park = await f.subscriber({ kind: 'park', name: '外高桥园区服务中心', contacts: [] });
    fake.robotKeys.add('robot-key-waigaoqiao-0003');
    await channels().saveRobot({ actor: ADMIN, body: wecomRobotBodySchema.parse({ parkId: park.id, groupName: '外高桥企业群', webhook: 'robot-key-waigaoqiao-0003' }) });
    const subscription = await f.subscribe({ subscriber: await reload(park), channels: ['wecom_robot'] });
    await f.enqueue(Array.from({ length: 7 }, (_, i) => ({ policyId: `pd-rl-${i + 1}`, subscription, channel: 'wecom_robot' as const })));
    const limitedBefore = fake.answers.filter((a) => a.path === '/cgi-bin/webhook/send' && a.errcode === 45009).length;
    await f.dispatcher().laneFor('wecom_robot')?.drain({ timeoutMs: 15_000 });

    const received = fake.robotMessages.filter((m) => m.key === 'robot-key-waigaoqiao-0003');
    expect(received).to.have.length(7);
    expect(fake.answers.filter((a) => a.path === '/cgi-bin/webhook/send' && a.errcode === 45009).length).to.equal(limitedBefore);
    // The platform's own rule, checked on its receipts: no four messages inside one window.
    const times = received.map((m) => m.at).sort((a, b) => a - b);
    for (let i = 3; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 3] ?? 0)).to.be.at.least(1000);
    expect((await deliveries(park)).every((d) => d.status === 'sent')).to.equal(true);
  });
});

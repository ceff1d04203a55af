import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { FormClient } from '../support/browserless-client.js';
import { policyBody } from '../support/fixtures.js';
import { recordExemption } from '../support/interpretation.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

async function until<T>(read: () => Promise<T | null | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('web portal over HTTP: park push history, one-click unsubscribe pages, delivery statistics', function () {
  this.timeout(60_000);
  let t: TestPlatform;
  let drafter: string;
  let policyId: string;
  let parkId: string;
  let subscriptionId: string;
  let park: FormClient;

  before(async () => {
    t = await startTestPlatform({ env: { PUSH_POLL_MS: '50', MATCHER_INTERVAL_MS: '100', WECHAT_INTERVAL_MS: '0', WECHAT_JITTER_MS: '0' } });
    drafter = await t.user({ id: 'wang', role: 'drafter', name: '王起草' });
    const reviewer = await t.user({ id: 'zhao', role: 'reviewer', name: '赵审查' });
    const legalReviewer = await t.user({ id: 'qian', role: 'reviewer', name: '钱审查' });

    // A park with a WeChat group subscribes to pledge financing on that channel.
    park = new FormClient(t.url);
    await park.get('/account/sign-up');
    const signUp = { kind: 'park', name: '张江园区服务中心', creditCode: '', email: 'ops@zj-park.example', password: 'a long enough password', passwordConfirm: 'a long enough password' };
    expect((await park.post('/account/sign-up', signUp)).status).to.equal(303);
    await park.get('/account/park/groups');
    expect((await park.post('/account/park/groups', { address: '张江园区企业服务群', label: '' })).status).to.equal(303);
    await park.get('/account/subscriptions/new');
    expect((await park.post('/account/subscriptions', { name: '园区质押融资', c_need: 'need-pledge', channels: 'wechat', frequency: 'immediate' })).status).to.equal(303);
    const account = await t.platform.services.store.webAccounts.findAccountByEmail('ops@zj-park.example');
    parkId = account?.subscriberId ?? '';
    subscriptionId = (await t.platform.services.store.subscriptions.listBySubscriber({ subscriberId: parkId, includeEnded: false }))[0]?.id ?? '';

    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody() });
    policyId = created.body.id;
    await recordExemption({ t, id: policyId, token: drafter });
    await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/submit`, token: drafter, body: {} });
    for (const kind of ['confidentiality', 'legality']) await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${policyId}/publish`, token: drafter, body: {} })).status).to.equal(200);
    await until(async () => (await t.platform.services.store.webAccounts.listPushHistory({ subscriberId: parkId, limit: 5 })).deliveries.find((d) => d.status === 'sent'), 'the WeChat push to the park');
  });

  after(async () => t.close());

  it('shows a park what was pushed to it and to its WeChat groups, with the reason and the member enterprises concerned', async () => {
    const page = await park.get('/account/park/pushes');
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('浦东新区知识产权质押融资贴息办法').and.contain('政策推送').and.contain('微信群“张江园区企业服务群”');
    expect(page.text).to.contain('您的订阅“园区质押融资”匹配');

    // The daily park digest (planned at 08:30) lists policies new for its member enterprises.
    const { subscriber: member } = await t.platform.services.subscribers.create({
      body: { kind: 'enterprise', name: '张江<成员>企业', creditCode: syntheticCreditCode(9101), profile: {}, parkId, contacts: [] },
    });
    const db = new Database(path.join(t.dataDir, 'platform.sqlite'));
    const at = new Date().toISOString();
    const payload = { kind: 'digest', frequency: 'daily', runKey: 'daily:2026-11-20', parkItems: [{ policyId, version: 1, memberIds: [member.id] }], parkCoveredThrough: 1 };
    db.prepare(`INSERT INTO push_messages (kind, dedupe_key, subscriber_id, channel, payload, status, sent_at, created_at, updated_at) VALUES ('digest', ?, ?, 'wechat', ?, 'sent', ?, ?, ?)`).run(
      `digest:test:${parkId}`,
      parkId,
      JSON.stringify(payload),
      at,
      at,
      at,
    );
    db.close();
    const withDigest = await park.get('/account/park/pushes');
    expect(withDigest.text).to.contain('园区政策速递（每日汇总）').and.contain('涉及成员企业 1 家：张江&lt;成员&gt;企业');

    // Only parks have this page.
    const enterprise = new FormClient(t.url);
    await enterprise.get('/account/sign-up');
    await enterprise.post('/account/sign-up', { kind: 'enterprise', name: '普通企业', creditCode: syntheticCreditCode(9102), email: 'e@x.example', password: 'a long enough password', passwordConfirm: 'a long enough password' });
    expect((await enterprise.get('/account/park/pushes')).status).to.equal(403);
  });

  it('lands a one-click link on a confirmation page that needs no sign-in, and unsubscribes once', async () => {
    // The link a push carries names that push, so the statistics can count what it caused.
    const pushed = (await t.platform.services.store.webAccounts.listPushHistory({ subscriberId: parkId, limit: 5 })).deliveries[0];
    const url = t.platform.services.push.unsubscribe.url({ target: { scope: 'subscription', subscriptionId }, origin: { source: 'delivery', id: pushed?.id ?? 0 } });
    const link = new URL(url).pathname;
    const stranger = new FormClient(t.url);
    const landing = await stranger.get(link);
    expect(landing.status).to.equal(200);
    expect(landing.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(landing.headers.get('cache-control')).to.equal('no-store');
    expect(landing.text).to.contain('确认退订').and.contain('园区质押融资');
    const live = () => t.platform.services.store.subscriptions.listBySubscriber({ subscriberId: parkId, includeEnded: false });
    expect(await live(), 'opening the link changes nothing').to.have.length(1);

    expect((await stranger.post(`${link}/confirm`, {}, { csrf: false })).status).to.equal(403);
    const done = await stranger.post(`${link}/confirm`, {});
    expect(done.status).to.equal(200);
    expect(done.text).to.contain('退订成功');
    expect(await live()).to.have.length(0);
    const again = await stranger.post(`${link}/confirm`, {});
    expect(again.text).to.contain('无需重复退订');

    expect((await stranger.get(`${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`)).status).to.equal(404);
    // The RFC 8058 target stays the push module's: a mail provider posts it without cookies or a token.
    const oneClick = await fetch(`${t.url}${link}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).to.equal(200);
    expect(await oneClick.text()).to.contain('无需重复');
  });

  it('gives drafters and reviewers the delivery statistics of each version, by channel and status', async () => {
    const anonymous = await new FormClient(t.url).get(`/staff/policies/${policyId}/deliveries`);
    expect(anonymous.status).to.equal(303);
    const staff = new FormClient(t.url);
    await staff.get('/staff/sign-in');
    await staff.post('/staff/sign-in', { token: drafter });
    const page = await staff.get(`/staff/policies/${policyId}/deliveries`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('按渠道和状态').and.contain('<th scope="row">微信</th>').and.contain('已发送');
    expect(page.text).to.contain('引起的退订').and.contain('退订单个订阅 1');
  });
});

import { expect } from 'chai';
import type { Delivery } from '../../schemas/delivery.schema.js';
import type { PushPrecision, PushStatistics } from '../../schemas/push-tracking.schema.js';
import { PushTrackingService } from '../../server/push/tracking/push-tracking.service.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { createSweeperWorker } from '../../workers/sweeper.worker.js';
import { createLogger } from '../../server/logger.js';
import { FormClient } from '../support/browserless-client.js';
import { policyBody } from '../support/fixtures.js';
import { startSmtpSink, waitFor, type ReceivedMail } from '../support/smtp-sink.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface Enterprise {
  subscriber: { id: string; contacts: { id: string }[] };
  token: string;
}

describe('measured precision: tracked links, 与我无关 feedback, statistics and retention over real HTTP and SMTP', function () {
  this.timeout(60_000);
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let t: TestPlatform;
  let drafter: string;
  let policy: { id: string; title: string };
  let alpha: Enterprise;
  let beta: Enterprise;
  let alphaSubscription: { id: string };
  let alphaMail: ReceivedMail;
  let betaMail: ReceivedMail;
  let deliveries: Delivery[];

  /** Links in a message point at PUBLIC_BASE_URL; the test server listens on a random port. */
  const local = (url: string) => `${t.url}${new URL(url).pathname}${new URL(url).search}`;
  const linksIn = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[0]);
  const store = () => t.platform.services.store;
  const deliveryOf = (enterprise: Enterprise) => {
    const found = deliveries.find((d) => d.subscriberId === enterprise.subscriber.id);
    if (!found) throw new Error('no delivery');
    return found;
  };

  async function enterprise({ name, index, email }: { name: string; index: number; email: string }): Promise<Enterprise> {
    const res = await t.api<Enterprise>({
      method: 'POST',
      path: '/api/v1/subscribers',
      token: TEST_ADMIN_TOKEN,
      body: { kind: 'enterprise', name, creditCode: syntheticCreditCode(index), profile: { region: ['region-zhangjiang'], qualification: ['qual-high-tech'] }, contacts: [{ channel: 'email', address: email }] },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    for (const contact of res.body.subscriber.contacts) {
      const token = t.platform.services.subscribers.confirmationToken({ contactId: contact.id });
      expect((await t.api({ path: `/api/v1/contacts/confirm?token=${encodeURIComponent(token)}` })).status).to.equal(200);
    }
    return res.body;
  }

  async function subscribe(token: string, body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/me/subscriptions', token, body: { channels: ['email'], ...body } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  before(async () => {
    sink = await startSmtpSink();
    t = await startTestPlatform({
      env: { SMTP_URL: sink.url, PUSH_CHANNELS: 'email', PUSH_POLL_MS: '30', MATCHER_INTERVAL_MS: '100', PUSH_SWEEP_INTERVAL_MS: '1000', SCHEDULER_INTERVAL_MS: '3600000' },
    });
    drafter = await t.user({ id: 'drafter-precision', role: 'drafter' });
    const reviewer = await t.user({ id: 'reviewer-precision', role: 'reviewer' });
    const legal = await t.user({ id: 'reviewer-precision-legal', role: 'reviewer' });
    alpha = await enterprise({ name: '张江甲芯片公司', index: 31, email: 'alpha@precision.example.cn' });
    beta = await enterprise({ name: '张江乙生物公司', index: 32, email: 'beta@precision.example.cn' });
    // Two conditions: removing the matched tag leaves the keyword, so the one-click narrowing is offered.
    alphaSubscription = await subscribe(alpha.token, { name: '质押融资', criteria: { need: { mode: 'any', tags: ['need-pledge'] } }, keywords: ['贴息'] });
    await subscribe(beta.token, { name: '融资政策', criteria: { need: { mode: 'any', tags: ['need-pledge'] } } });

    const title = '浦东新区知识产权质押融资贴息办法（精准度）';
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ title, docNumber: '浦知规〔2026〕301号' }) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id;
    await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}/interpretation`, token: drafter, body: { revision: 0, exemption: { reason: '推送测试，免予解读' } } });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter })).status).to.equal(200);
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewer, body: { kind: 'confidentiality', decision: 'approved' } });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: legal, body: { kind: 'legality', decision: 'approved' } });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter })).status).to.equal(200);
    policy = { id, title };
    alphaMail = await waitFor(() => sink.received.find((m) => m.to.includes('alpha@precision.example.cn') && m.subject.includes(title)));
    betaMail = await waitFor(() => sink.received.find((m) => m.to.includes('beta@precision.example.cn') && m.subject.includes(title)));
    deliveries = await waitFor(async () => {
      const items = (await store().outbox.listForPolicy({ policyId: id, limit: 10, offset: 0 })).items;
      return items.length === 2 && items.every((d) => d.status === 'sent') ? items : null;
    });
  });
  after(async () => {
    await t?.close();
    await sink?.close();
  });

  it('sends every policy link through the signed redirect, with a 与我无关 link and the privacy page in both parts', () => {
    const delivery = deliveryOf(alpha);
    for (const part of [alphaMail.text ?? '', alphaMail.html ?? '']) {
      expect(linksIn(part, /http:\/\/localhost:3000\/r\/[\w.-]+/g).length, 'tracked links').to.be.greaterThan(0);
      expect(part).to.include(`/r/d${delivery.id}.`);
      expect(part).to.not.match(new RegExp(`localhost:3000/policies/${policy.id}`));
      expect(part).to.include('与我无关');
      expect(part).to.match(/\/feedback\/d\d+\.[\w-]+/);
      expect(part).to.include('http://localhost:3000/privacy');
    }
    // The one-click unsubscribe stays a direct link (RFC 8058): no redirect before it.
    expect(alphaMail.headers.get('list-unsubscribe')).to.match(/^<http:\/\/localhost:3000\/unsubscribe\/[^>]+>$/);
  });

  it('redirects to the policy page and records the first open only: not for HEAD, not for a link scanner', async () => {
    const delivery = deliveryOf(alpha);
    const link = local(linksIn(alphaMail.text ?? '', /http:\/\/localhost:3000\/r\/[\w.-]+/g)[0] ?? '');
    const head = await fetch(link, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).to.equal(302);
    const scanner = await fetch(link, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (compatible; Barracuda Sentinel link scanner)' } });
    expect(scanner.status).to.equal(302);
    expect(await store().pushTracking.getOpen({ source: 'delivery', id: delivery.id })).to.equal(null);

    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).to.equal(302);
    expect(first.headers.get('location')).to.equal(`/policies/${policy.id}`);
    expect(first.headers.get('referrer-policy')).to.equal('no-referrer');
    const opened = await store().pushTracking.getOpen({ source: 'delivery', id: delivery.id });
    expect(opened?.openedAt).to.be.a('string');
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).to.equal(302);
    expect(await store().pushTracking.getOpen({ source: 'delivery', id: delivery.id })).to.deep.equal(opened);
    const page = await fetch(`${t.url}${first.headers.get('location')}`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include(policy.title);
  });

  it('refuses a tampered token and a token for another host with a Chinese 400 page, recording nothing', async () => {
    const delivery = deliveryOf(beta);
    const link = local(linksIn(betaMail.text ?? '', /http:\/\/localhost:3000\/r\/[\w.-]+/g)[0] ?? '');
    const tampered = link.replace(`/r/d${delivery.id}.`, `/r/d${deliveryOf(alpha).id}.`);
    expect(tampered).to.not.equal(link);
    const refused = await fetch(tampered, { redirect: 'manual' });
    expect(refused.status).to.equal(400);
    expect(refused.headers.get('location')).to.equal(null);
    expect(await refused.text()).to.include('链接无效或已被改动');

    // Even a correctly signed token must not send anyone to another host.
    const signer = t.platform.services.signer;
    for (const target of ['//evil.example/phish', 'https://evil.example/phish', '/\\evil.example']) {
      const token = signer.sign({ purpose: 'push-open', value: `d${delivery.id}.${Buffer.from(target).toString('base64url')}` });
      const response = await fetch(`${t.url}/r/${token}`, { redirect: 'manual' });
      expect(response.status, target).to.equal(400);
      expect(response.headers.get('location'), target).to.equal(null);
      expect(await response.text()).to.include('本站以外');
    }
    // Links to another host are never wrapped in the first place.
    expect(t.platform.services.push.tracking.trackedLink({ ref: { source: 'delivery', id: delivery.id }, url: 'https://evil.example/x' })).to.equal('https://evil.example/x');
    expect(await store().pushTracking.getOpen({ source: 'delivery', id: delivery.id })).to.equal(null);
  });

  it('shows the 与我无关 form on GET, records nothing without the form token, and records the reasons once on POST', async () => {
    const delivery = deliveryOf(beta);
    const link = local(linksIn(betaMail.text ?? '', /http:\/\/localhost:3000\/feedback\/[\w.-]+/g)[0] ?? '');
    const path = new URL(link).pathname;
    const browser = new FormClient(t.url);
    const form = await browser.get(path);
    expect(form.status).to.equal(200);
    for (const label of ['行业不符', '地区不符', '规模不符', '已不需要', '其他']) expect(form.text).to.include(label);
    expect(await store().pushTracking.getFeedback({ source: 'delivery', id: delivery.id })).to.equal(null);

    const forged = await browser.post(path, { reasons: 'industry' }, { csrf: false });
    expect(forged.status).to.equal(403);
    expect(await store().pushTracking.getFeedback({ source: 'delivery', id: delivery.id })).to.equal(null);

    const done = await browser.post(path, { reasons: ['industry', 'size'], note: '我们做生物医药，不需要质押融资' });
    expect(done.status).to.equal(200);
    expect(done.text).to.include('感谢您的反馈');
    expect(await store().pushTracking.getFeedback({ source: 'delivery', id: delivery.id })).to.deep.include({ reasons: ['industry', 'size'], note: '我们做生物医药，不需要质押融资' });
    const twice = await browser.post(path, { reasons: 'other' });
    expect(twice.text).to.include('无需重复提交');
    expect((await store().pushTracking.getFeedback({ source: 'delivery', id: delivery.id }))?.reasons).to.deep.equal(['industry', 'size']);

    const tampered = await new FormClient(t.url).get(path.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(tampered.status).to.equal(400);
  });

  it('offers to narrow the subscription and removes the matched tag in one click', async () => {
    const link = local(linksIn(alphaMail.text ?? '', /http:\/\/localhost:3000\/feedback\/[\w.-]+/g)[0] ?? '');
    const path = new URL(link).pathname;
    const browser = new FormClient(t.url);
    await browser.get(path);
    const done = await browser.post(path, { reasons: 'not_needed' });
    expect(done.text).to.include('不再按');
    expect(done.text).to.include(`/account/subscriptions/${alphaSubscription.id}/edit`);
    const narrowed = await browser.post(`${path}/narrow`, { subscriptionId: alphaSubscription.id, tagId: 'need-pledge' });
    expect(narrowed.status, narrowed.text).to.equal(200);
    expect(narrowed.text).to.include('订阅已调整');
    const subscription = await store().subscriptions.get(alphaSubscription.id);
    expect(subscription?.criteria.need).to.equal(undefined);
    expect(subscription?.keywords).to.deep.equal(['贴息']);
  });

  it('shows the open and the 与我无关 click in the statistics with the right rates, per policy, channel and tag', async () => {
    const byPolicy = await t.api<PushStatistics>({ path: '/api/v1/push/statistics?groupBy=policy', token: drafter });
    expect(byPolicy.status, JSON.stringify(byPolicy.body)).to.equal(200);
    const row = byPolicy.body.rows.find((r) => r.key === policy.id);
    expect(row).to.deep.include({ label: policy.title, delivered: 2, opened: 1, openRate: 0.5, irrelevant: 2, irrelevantRate: 1, unsubscribedAfter: 0 });
    expect(row?.medianOpenSeconds).to.be.a('number');
    const byChannel = await t.api<PushStatistics>({ path: '/api/v1/push/statistics?groupBy=channel', token: drafter });
    expect(byChannel.body.rows).to.have.length(1);
    expect(byChannel.body.rows[0]).to.deep.include({ key: 'email', label: '电子邮件', delivered: 2, opened: 1 });
    const byTag = await t.api<PushStatistics>({ path: '/api/v1/push/statistics?groupBy=tag', token: drafter });
    expect(byTag.body.rows.find((r) => r.key === 'need-pledge')).to.deep.include({ delivered: 2, opened: 1, irrelevant: 2 });
    const precision = await t.api<PushPrecision>({ path: '/api/v1/push/precision', token: drafter });
    expect(precision.body.tags[0]).to.deep.include({ key: 'need-pledge', irrelevant: 2, delivered: 2, irrelevantRate: 1 });
    expect(precision.body.reasons).to.deep.include({ reason: 'industry', label: '行业不符', count: 1 });

    const anonymous = await t.api({ path: '/api/v1/push/statistics' });
    expect(anonymous.status).to.equal(401);
    const staff = new FormClient(t.url);
    await staff.get('/staff/sign-in');
    await staff.post('/staff/sign-in', { token: drafter });
    const page = await staff.get('/staff/push/statistics?groupBy=policy');
    expect(page.status).to.equal(200);
    expect(page.text).to.include(policy.title);
    expect(page.text).to.include('50.0%');
    const precisionPage = await staff.get('/staff/push/precision');
    expect(precisionPage.text).to.include('精准度分析');
  });

  it('describes what is recorded on a public privacy page linked from the footer', async () => {
    const page = await new FormClient(t.url).get('/privacy');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('180 天');
    expect(page.text).to.include('不记录');
    expect((await new FormClient(t.url).get('/')).text).to.include('href="/privacy"');
  });

  it('purges opens and feedback past the retention period in the sweeper', async () => {
    const services = t.platform.services;
    const later = new Date(Date.now() + 181 * 86_400_000);
    const tracking = new PushTrackingService({
      store: services.store,
      signer: services.signer,
      taxonomy: services.taxonomy,
      subscriptions: services.subscriptions,
      baseUrl: 'http://localhost:3000',
      now: () => later,
      retentionDays: 180,
      followDays: 7,
    });
    const sweeper = createSweeperWorker({ store: services.store, intervalMs: 60_000, maxAttempts: 5, now: () => later, logger: createLogger({ level: 'silent' }), purgeTracking: () => tracking.purge() });
    await sweeper.tick();
    expect(await store().pushTracking.getOpen({ source: 'delivery', id: deliveryOf(alpha).id })).to.equal(null);
    expect(await store().pushTracking.getFeedback({ source: 'delivery', id: deliveryOf(beta).id })).to.equal(null);
    const after = await t.api<PushStatistics>({ path: '/api/v1/push/statistics?groupBy=policy', token: drafter });
    expect(after.body.rows.find((r) => r.key === policy.id)).to.deep.include({ delivered: 2, opened: 0, irrelevant: 0 });
  });
});

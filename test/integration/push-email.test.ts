import { expect } from 'chai';
import type { Delivery, DeliveryLog } from '../../schemas/delivery.schema.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { policyBody } from '../support/fixtures.js';
import { startSmtpSink, waitFor, type ReceivedMail } from '../support/smtp-sink.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

interface SubscriberWithToken {
  subscriber: { id: string; contacts: { id: string; channel: string; address: string; confirmedAt: string | null; invalidAt: string | null }[] };
  token: string;
}

describe('push by email: real SMTP server, double opt-in, one-click unsubscribe, failures', function () {
  this.timeout(30_000);
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let t: TestPlatform;
  let drafter: string;
  let reviewer: string;
  let legalReviewer: string;
  let policySeq = 0;

  const mailTo = (address: string) => sink.received.filter((m) => m.to.includes(address));
  const pushesTo = (address: string) => mailTo(address).filter((m) => m.subject.startsWith('【政策推送】'));
  /** The link in a message points at PUBLIC_BASE_URL; the test server listens on a random port. */
  const local = (url: string) => `${t.url}${new URL(url).pathname}${new URL(url).search}`;

  async function enterprise({ name, index, email }: { name: string; index: number; email: string }): Promise<SubscriberWithToken> {
    const res = await t.api<SubscriberWithToken>({
      method: 'POST',
      path: '/api/v1/subscribers',
      token: TEST_ADMIN_TOKEN,
      body: { kind: 'enterprise', name, creditCode: syntheticCreditCode(index), profile: { region: ['region-zhangjiang'], qualification: ['qual-high-tech'] }, contacts: [{ channel: 'email', address: email }] },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  async function confirm(subscriber: SubscriberWithToken): Promise<void> {
    for (const contact of subscriber.subscriber.contacts) {
      const token = t.platform.services.subscribers.confirmationToken({ contactId: contact.id });
      expect((await t.api({ path: `/api/v1/contacts/confirm?token=${encodeURIComponent(token)}` })).status).to.equal(200);
    }
  }

  async function subscribe(token: string, body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/me/subscriptions', token, body: { channels: ['email'], ...body } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  async function publish(overrides: Record<string, unknown> = {}): Promise<{ id: string; title: string; docNumber: string }> {
    policySeq += 1;
    const title = `浦东新区知识产权质押融资贴息办法（第${policySeq}批）`;
    const docNumber = `浦知规〔2026〕${100 + policySeq}号`;
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ title, docNumber, ...overrides }) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id;
    // 三同步: a policy is submitted with its interpretation package, or with a recorded exemption.
    const exempted = await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}/interpretation`, token: drafter, body: { revision: 0, exemption: { reason: '推送流程测试，免予解读' } } });
    expect(exempted.status, JSON.stringify(exempted.body)).to.equal(200);
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter })).status).to.equal(200);
    for (const kind of ['confidentiality', 'legality']) {
      await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewer : reviewer, body: { kind, decision: 'approved' } });
    }
    const published = await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter });
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
    await waitFor(async () => (await t.platform.services.store.matchingJobs.get({ policyId: id, version: 1 }))?.status === 'done');
    return { id, title, docNumber };
  }

  async function deliveriesOf(policyId: string): Promise<Delivery[]> {
    return (await t.platform.services.store.outbox.listForPolicy({ policyId, limit: 100, offset: 0 })).items;
  }

  before(async () => {
    sink = await startSmtpSink();
    t = await startTestPlatform({
      env: {
        SMTP_URL: sink.url,
        PUSH_CHANNELS: 'email',
        PUSH_POLL_MS: '30',
        MATCHER_INTERVAL_MS: '100',
        PUSH_RETRY_BASE_MS: '40',
        PUSH_RETRY_MAX_MS: '120',
        PUSH_SWEEP_INTERVAL_MS: '1000',
        SCHEDULER_INTERVAL_MS: '3600000',
      },
    });
    drafter = await t.user({ id: 'drafter-push', role: 'drafter' });
    reviewer = await t.user({ id: 'reviewer-push', role: 'reviewer' });
    legalReviewer = await t.user({ id: 'reviewer-push-legal', role: 'reviewer' });
  });
  after(async () => {
    await t.close();
    await sink.close();
  });

  let alpha: SubscriberWithToken;
  let alphaKeyword: { id: string };
  let alphaPledge: { id: string };

  it('sends a confirmation first and nothing else to an unconfirmed address (double opt-in)', async () => {
    alpha = await enterprise({ name: '张江甲芯片公司', index: 11, email: 'alpha@zj-chip.example.cn' });
    alphaKeyword = await subscribe(alpha.token, { name: '贴息政策', keywords: ['贴息'] });
    alphaPledge = await subscribe(alpha.token, { name: '质押融资', criteria: { need: { mode: 'any', tags: ['need-pledge'] } } });
    const confirmation = await waitFor(() => mailTo('alpha@zj-chip.example.cn').find((m) => m.subject.includes('请确认')));
    expect(confirmation.text).to.include('alpha@zj-chip.example.cn');
    expect(confirmation.headers.has('list-unsubscribe')).to.equal(false);

    const before = await publish();
    expect((await deliveriesOf(before.id)).filter((d) => d.subscriberId === alpha.subscriber.id)).to.have.length(0);
    expect(pushesTo('alpha@zj-chip.example.cn')).to.have.length(0);

    const link = /(http\S+\/account\/contacts\/confirm\?token=\S+)/.exec(confirmation.text ?? '')?.[1];
    expect(link).to.be.a('string');
    const token = new URL(link ?? '').searchParams.get('token') ?? '';
    expect((await t.api({ path: `/api/v1/contacts/confirm?token=${encodeURIComponent(token)}` })).status).to.equal(200);
    const stored = await t.platform.services.store.subscribers.get(alpha.subscriber.id);
    expect(stored?.contacts[0]?.confirmedAt).to.be.a('string');
  });

  let pushed: { id: string; title: string; docNumber: string };
  let pushMail: ReceivedMail;

  it('delivers one zh-CN message per delivery with both parts, the reasons and RFC 8058 headers', async () => {
    pushed = await publish({ applicationWindow: { opensAt: '2026-03-01', closesAt: '2026-12-31' } });
    const [delivery] = (await deliveriesOf(pushed.id)).filter((d) => d.subscriberId === alpha.subscriber.id);
    expect(delivery?.channel).to.equal('email');
    pushMail = await waitFor(() => pushesTo('alpha@zj-chip.example.cn').find((m) => m.subject.includes(pushed.title)));
    await waitFor(async () => (await deliveriesOf(pushed.id)).find((d) => d.id === delivery?.id && d.status === 'sent'));

    expect(pushMail.to).to.deep.equal(['alpha@zj-chip.example.cn']);
    expect(pushMail.subject).to.equal(`【政策推送】${pushed.title}`);
    expect(pushMail.headers.get('x-policy-push-ref')).to.equal(`delivery:${delivery?.id}`);
    for (const part of [pushMail.text ?? '', pushMail.html ?? '']) {
      expect(part).to.include(pushed.title);
      expect(part).to.include(pushed.docNumber);
      expect(part).to.include('浦东新区知识产权局');
      expect(part).to.include('2026-12-31');
      expect(part).to.include('为什么推送给您');
      expect(part).to.include('质押融资');
      expect(part).to.include(`/r/d${delivery?.id}.`);
      expect(part).to.include('/feeds/subscriptions/');
      expect(part).to.include('退订全部推送');
    }
    expect(pushMail.html).to.match(/^<!DOCTYPE html>/);
    expect(pushMail.headers.get('list-unsubscribe')).to.match(/^<http:\/\/localhost:3000\/unsubscribe\/[^>]+>$/);
    expect(pushMail.headers.get('list-unsubscribe-post')).to.equal('List-Unsubscribe=One-Click');
    // Exactly one message per delivery.
    const refs = sink.received.map((m) => m.headers.get('x-policy-push-ref')).filter(Boolean);
    expect(new Set(refs).size).to.equal(refs.length);
  });

  it('one-click unsubscribe (POST from the header) ends only that subscription and is idempotent', async () => {
    const url = local(/^<(.+)>$/.exec(pushMail.headers.get('list-unsubscribe') ?? '')?.[1] ?? '');
    const oneClick = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const first = await oneClick();
    expect(first.status).to.equal(200);
    expect(await first.text()).to.include('已退订');
    const second = await oneClick();
    expect(second.status).to.equal(200);
    expect(await second.text()).to.include('无需重复');

    const subscriptions = await t.platform.services.store.subscriptions.listBySubscriber({ subscriberId: alpha.subscriber.id, includeEnded: true });
    const ended = subscriptions.filter((s) => s.endedAt !== null).map((s) => s.id);
    expect(ended).to.have.length(1);
    expect([alphaKeyword.id, alphaPledge.id]).to.include(ended[0]);

    const log = await t.api<DeliveryLog>({ path: `/api/v1/policies/${pushed.id}/deliveries`, token: drafter });
    expect(log.status).to.equal(200);
    expect(log.body.unsubscribes.total).to.equal(1);
    expect(log.body.unsubscribes.byScope.subscription).to.equal(1);
  });

  it('the footer link shows a confirmation page on GET and unsubscribes from everything on POST', async () => {
    const link = /退订全部推送：(\S+)/.exec(pushMail.text ?? '')?.[1] ?? '';
    const page = await fetch(local(link));
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('确认退订');
    expect((await t.platform.services.store.subscriptions.listBySubscriber({ subscriberId: alpha.subscriber.id, includeEnded: false })).length).to.equal(1);
    const done = await fetch(local(link), { method: 'POST' });
    expect(done.status).to.equal(200);
    expect(await t.platform.services.store.subscriptions.listBySubscriber({ subscriberId: alpha.subscriber.id, includeEnded: false })).to.have.length(0);
    expect((await t.platform.services.store.pushSettings.getPreferences(alpha.subscriber.id)).deadlineReminders).to.equal(false);
    const tampered = await fetch(local(link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))), { method: 'POST' });
    expect(tampered.status).to.equal(404);
  });

  it('marks an address refused with 5xx invalid, retries 4xx with backoff, and records every attempt', async () => {
    const bad = await enterprise({ name: '张江乙无效邮箱公司', index: 12, email: 'gone@zj-b.example.cn' });
    const busy = await enterprise({ name: '张江丙繁忙邮箱公司', index: 13, email: 'busy@zj-c.example.cn' });
    await confirm(bad);
    await confirm(busy);
    await subscribe(bad.token, { name: '贴息', keywords: ['贴息'] });
    await subscribe(busy.token, { name: '贴息', keywords: ['贴息'] });
    let busyRefusals = 0;
    sink.setReject((address) => {
      if (address === 'gone@zj-b.example.cn') return 550;
      if (address === 'busy@zj-c.example.cn' && busyRefusals < 2) {
        busyRefusals += 1;
        return 451;
      }
      return null;
    });
    const policy = await publish();
    const settled = await waitFor(async () => {
      const rows = await deliveriesOf(policy.id);
      const b = rows.find((d) => d.subscriberId === bad.subscriber.id);
      const c = rows.find((d) => d.subscriberId === busy.subscriber.id);
      return b?.status === 'failed_permanent' && c?.status === 'sent' ? { b, c } : null;
    });
    sink.setReject(() => null);
    expect(settled.b.errorClass).to.equal('recipient_rejected');
    expect(settled.c.attempts).to.equal(3);
    const contact = (await t.platform.services.store.subscribers.get(bad.subscriber.id))?.contacts[0];
    expect(contact?.invalidAt).to.be.a('string');
    expect(pushesTo('busy@zj-c.example.cn').filter((m) => m.subject.includes(policy.title))).to.have.length(1);

    const log = await t.api<DeliveryLog>({ path: `/api/v1/policies/${policy.id}/deliveries?subscriberId=${busy.subscriber.id}`, token: drafter });
    expect(log.status, JSON.stringify(log.body)).to.equal(200);
    expect(log.body.counts).to.deep.include({ channel: 'email', status: 'failed_permanent', count: 1, dryRun: 0 });
    expect(log.body.failures.map((f) => f.subscriberId)).to.include(bad.subscriber.id);
    expect(log.body.byErrorClass.map((e) => e.errorClass)).to.include('recipient_rejected');
    const history = log.body.subscriber?.deliveries[0];
    expect(history?.attemptLog.map((a) => a.outcome)).to.deep.equal(['failed_temporary', 'failed_temporary', 'sent']);
    expect(history?.attemptLog[0]?.errorClass).to.equal('mailbox_temporary');
    expect(history?.reasons.join('')).to.include('贴息');

    // Later pushes leave the invalid address out: the audience no longer counts it as reachable.
    const later = await publish();
    await waitFor(() => pushesTo('busy@zj-c.example.cn').find((m) => m.subject.includes(later.title)));
    expect((await deliveriesOf(later.id)).filter((d) => d.subscriberId === bad.subscriber.id && d.status !== 'skipped')).to.have.length(0);
    expect(mailTo('gone@zj-b.example.cn').filter((m) => m.subject.includes(later.title))).to.have.length(0);
  });

  it('explains why a subscriber did not get a policy, and serves Prometheus metrics', async () => {
    const other = await enterprise({ name: '张江丁未订阅公司', index: 14, email: 'none@zj-d.example.cn' });
    const log = await t.api<DeliveryLog>({ path: `/api/v1/policies/${pushed.id}/deliveries?subscriberId=${other.subscriber.id}`, token: drafter });
    expect(log.status).to.equal(200);
    expect(log.body.subscriber?.deliveries).to.have.length(0);
    expect(log.body.subscriber?.whyNot.join(' ')).to.include('没有有效的订阅');
    expect((await t.api({ path: `/api/v1/policies/${pushed.id}/deliveries` })).status).to.equal(401);

    const metrics = await fetch(`${t.url}/metrics`);
    expect(metrics.headers.get('content-type')).to.include('text/plain');
    const text = await metrics.text();
    expect(text).to.match(/policy_push_attempts_total\{channel="email",outcome="sent"\} \d+/);
    expect(text).to.match(/policy_push_failures_total\{channel="email",error_class="recipient_rejected"\} 1/);
    expect(text).to.include('policy_push_queue_depth');
    expect(text).to.match(/policy_push_publish_to_sent_seconds_count\{channel="email"\} \d+/);

    const ready = await t.api<{ checks: { push: { lanes: { channel: string; state: string; account: string }[] } } }>({ path: '/readyz', token: TEST_ADMIN_TOKEN });
    expect(ready.status).to.equal(200);
    expect(ready.body.checks.push.lanes.map((l) => [l.channel, l.state, l.account])).to.deep.equal([['email', 'running', `smtp:${new URL(sink.url).host}`]]);
  });
});

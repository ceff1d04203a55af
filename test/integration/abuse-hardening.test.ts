import { expect } from 'chai';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { FormClient } from '../support/browserless-client.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

async function staffSignIn(t: TestPlatform, token: string, headers: Record<string, string> = {}) {
  const client = new FormClient(t.url);
  await client.get('/staff/sign-in');
  return client.post('/staff/sign-in', { token }, { headers });
}

describe('abuse: sign-in limits, probes, metrics and park membership over HTTP', function () {
  this.timeout(60_000);

  describe('default settings (no proxy trusted)', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform();
    });
    after(async () => t.close());

    it('never locks out a correct staff token, however many failures came from the same address', async () => {
      const drafter = await t.user({ id: 'nat-drafter', role: 'drafter' });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await staffSignIn(t, `wrong-token-${i}`)).status);
      expect(statuses.slice(0, 10)).to.deep.equal(Array(10).fill(400));
      const limited = await staffSignIn(t, 'wrong-token-again');
      expect(limited.status).to.equal(429);
      expect(limited.headers.get('retry-after')).to.match(/^\d+$/);
      expect(limited.text).to.contain('尝试次数过多');
      expect((await staffSignIn(t, drafter)).status, 'a colleague behind the same address still signs in').to.equal(303);
      expect((await staffSignIn(t, TEST_ADMIN_TOKEN)).status).to.equal(303);
    });

    it('ignores X-Forwarded-For unless TRUST_PROXY is set: forged addresses share the real one', async () => {
      // The previous test left this address over its limit; a forged header does not escape it.
      const forged = await staffSignIn(t, 'still-wrong', { 'x-forwarded-for': '203.0.113.77' });
      expect(forged.status).to.equal(429);
    });

    it('answers anonymous probes with up or down only, and administrators with the details', async () => {
      const anonymous = await t.api<Record<string, unknown>>({ path: '/readyz' });
      expect(anonymous.status).to.equal(200);
      expect(anonymous.body).to.deep.equal({ status: 'ready' });
      const health = await t.api<Record<string, unknown>>({ path: '/healthz' });
      expect(health.body).to.deep.equal({ status: 'ok' });
      const drafter = await t.user({ id: 'probe-drafter', role: 'drafter' });
      expect((await t.api<Record<string, unknown>>({ path: '/readyz', token: drafter })).body).to.not.have.property('checks');
      const admin = await t.api<{ status: string; checks: Record<string, unknown> }>({ path: '/readyz', token: TEST_ADMIN_TOKEN });
      expect(admin.body.checks).to.include.keys('store', 'search', 'push');
      expect((await t.api<Record<string, unknown>>({ path: '/healthz', token: TEST_ADMIN_TOKEN })).body).to.include.keys('version', 'roles');
    });

    it('serves /metrics to this machine only by default, and not through a proxy', async () => {
      expect((await fetch(`${t.url}/metrics`)).status).to.equal(200);
      expect((await fetch(`${t.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status).to.equal(403);
    });
  });

  describe('behind a proxy (TRUST_PROXY=loopback) with METRICS_TOKEN and METRICS_ALLOW', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform({ env: { TRUST_PROXY: 'loopback', METRICS_TOKEN, METRICS_ALLOW: '10.0.0.0/8' } });
    });
    after(async () => t.close());

    it('counts failures per client the proxy reports, never successes', async () => {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      for (let i = 0; i < 20; i += 1) expect((await staffSignIn(t, TEST_ADMIN_TOKEN, from('198.51.100.1'))).status).to.equal(303);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i += 1) statuses.push((await staffSignIn(t, `wrong-${i}`, from('198.51.100.1'))).status);
      expect(statuses.slice(0, 10), 'twenty successes before did not count').to.deep.equal(Array(10).fill(400));
      expect(statuses[10]).to.equal(429);
      expect((await staffSignIn(t, 'wrong-elsewhere', from('198.51.100.2'))).status, 'another client behind the same proxy').to.equal(400);
      expect((await staffSignIn(t, TEST_ADMIN_TOKEN, from('198.51.100.1'))).status).to.equal(303);
    });

    it('lets /metrics in by bearer token or allowed client address only', async () => {
      expect((await fetch(`${t.url}/metrics`)).status, 'loopback is not implied once a setting is made').to.equal(403);
      expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).to.equal(200);
      expect((await fetch(`${t.url}/metrics`, { headers: { 'x-forwarded-for': '10.1.2.3' } })).status).to.equal(200);
      expect((await fetch(`${t.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).to.equal(403);
    });
  });

  describe('enterprise sign-in', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform();
    });
    after(async () => t.close());

    it('locks one account after its failures, except on the browser that signed in to it before', async () => {
      const owner = new FormClient(t.url);
      await owner.get('/account/sign-up');
      const fields = { kind: 'enterprise', name: '锁定测试企业', creditCode: syntheticCreditCode(8101), email: 'locked@guess.example', password: 'a long enough password', passwordConfirm: 'a long enough password' };
      expect((await owner.post('/account/sign-up', fields)).status).to.equal(303);
      await owner.post('/account/sign-out', {});
      const attacker = new FormClient(t.url);
      await attacker.get('/account/sign-in');
      for (let i = 0; i < 8; i += 1) expect((await attacker.post('/account/sign-in', { email: 'locked@guess.example', password: `guess-${i}` })).status).to.equal(400);
      const locked = await attacker.post('/account/sign-in', { email: 'locked@guess.example', password: 'a long enough password' });
      expect(locked.status, 'a new browser waits, so guessing learns nothing').to.equal(429);
      expect(locked.headers.get('retry-after')).to.match(/^\d+$/);
      await attacker.get('/account/sign-in');
      expect((await attacker.post('/account/sign-in', { email: 'other@guess.example', password: 'whatever password' })).status, 'other accounts are not locked').to.equal(400);
      await owner.get('/account/sign-in');
      expect((await owner.post('/account/sign-in', { email: 'locked@guess.example', password: 'a long enough password' })).status, 'the owner still signs in').to.equal(303);
    });
  });

  describe('park membership', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform();
    });
    after(async () => t.close());

    const create = async (body: Record<string, unknown>) => {
      const res = await t.api<{ subscriber: Subscriber; token: string }>({ method: 'POST', path: '/api/v1/subscribers', token: TEST_ADMIN_TOKEN, body });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body;
    };

    it('keeps a self-named park a pending request until the park confirms it, and lets the park refuse or remove', async () => {
      const park = await create({ kind: 'park', name: '确认测试园区' });
      const other = await create({ kind: 'park', name: '另一园区' });
      const member = await create({ kind: 'enterprise', name: '老成员企业', creditCode: syntheticCreditCode(8201), parkId: park.subscriber.id });
      const asking = await create({ kind: 'enterprise', name: '申请企业', creditCode: syntheticCreditCode(8202) });
      const spammer = await create({ kind: 'enterprise', name: '冒充企业', creditCode: syntheticCreditCode(8203) });
      const members = async () => (await t.api<{ items: Subscriber[] }>({ path: '/api/v1/me/members', token: park.token })).body.items.map((s) => s.name);

      const patched = await t.api<Subscriber>({ method: 'PATCH', path: '/api/v1/me', token: asking.token, body: { parkId: park.subscriber.id } });
      expect(patched.status).to.equal(200);
      expect(patched.body.parkId, 'a request is no membership').to.equal(null);
      expect(patched.body.parkRequest).to.include({ parkId: park.subscriber.id, status: 'pending' });
      await t.api({ method: 'PATCH', path: '/api/v1/me', token: spammer.token, body: { parkId: park.subscriber.id } });
      expect(await members()).to.deep.equal(['老成员企业']);
      expect((await t.api<Subscriber>({ path: `/api/v1/subscribers?parkId=${park.subscriber.id}`, token: TEST_ADMIN_TOKEN })).body).to.deep.include({ total: 1 });

      const requests = await t.api<{ items: Subscriber[] }>({ path: '/api/v1/me/member-requests', token: park.token });
      expect(requests.body.items.map((s) => s.name)).to.deep.equal(['申请企业', '冒充企业']);
      expect((await t.api({ method: 'POST', path: `/api/v1/me/members/${asking.subscriber.id}/decision`, token: other.token, body: { decision: 'confirm' } })).status, 'another park cannot answer').to.equal(404);
      expect((await t.api({ method: 'POST', path: `/api/v1/me/members/${asking.subscriber.id}/decision`, token: asking.token, body: { decision: 'confirm' } })).status, 'an enterprise cannot confirm itself').to.equal(403);

      const confirmed = await t.api<Subscriber>({ method: 'POST', path: `/api/v1/me/members/${asking.subscriber.id}/decision`, token: park.token, body: { decision: 'confirm' } });
      expect(confirmed.body.parkId).to.equal(park.subscriber.id);
      const refused = await t.api<Subscriber>({ method: 'POST', path: `/api/v1/me/members/${spammer.subscriber.id}/decision`, token: park.token, body: { decision: 'refuse' } });
      expect(refused.body.parkRequest).to.include({ status: 'refused' });
      expect(await members()).to.deep.equal(['老成员企业', '申请企业']);
      const seen = await t.api<{ subscriber: Subscriber }>({ path: '/api/v1/me', token: spammer.token });
      expect(seen.body.subscriber.parkRequest?.status, 'the enterprise sees the answer').to.equal('refused');
      const again = await t.api<Subscriber>({ method: 'PATCH', path: '/api/v1/me', token: spammer.token, body: { parkId: park.subscriber.id } });
      expect(again.body.parkRequest?.status, 'asking again does not reopen a refusal').to.equal('refused');

      await t.api({ method: 'POST', path: `/api/v1/me/members/${member.subscriber.id}/decision`, token: park.token, body: { decision: 'remove' } });
      expect(await members()).to.deep.equal(['申请企业']);
    });

    it('shows the park its requests on the portal and the enterprise its status', async () => {
      const parkClient = new FormClient(t.url);
      await parkClient.get('/account/sign-up');
      expect((await parkClient.post('/account/sign-up', { kind: 'park', name: '门户园区', creditCode: '', email: 'park@portal.example', password: 'a long enough password', passwordConfirm: 'a long enough password' })).status).to.equal(303);
      const parks = await t.api<{ items: Subscriber[] }>({ path: '/api/v1/subscribers?kind=park&pageSize=100', token: TEST_ADMIN_TOKEN });
      const park = parks.body.items.find((p) => p.name === '门户园区');
      const company = new FormClient(t.url);
      await company.get('/account/sign-up');
      await company.post('/account/sign-up', { kind: 'enterprise', name: '门户申请企业', creditCode: syntheticCreditCode(8301), email: 'company@portal.example', password: 'a long enough password', passwordConfirm: 'a long enough password' });
      await company.get('/account/profile');
      expect((await company.post('/account/profile', { name: '门户申请企业', parkId: park?.id ?? '' })).status).to.equal(303);
      expect((await company.get('/account/profile')).text).to.contain('data-park-status="pending"');

      const page = await parkClient.get('/account/park/members');
      expect(page.text).to.contain('入园申请').and.contain('门户申请企业').and.contain('共 0 家成员企业');
      const subscriberId = /action="\/account\/park\/members\/([^/"]+)\/decision"/.exec(page.text)?.[1] ?? '';
      expect((await parkClient.post(`/account/park/members/${subscriberId}/decision`, { decision: 'confirm' })).status).to.equal(303);
      expect((await parkClient.get('/account/park/members')).text).to.contain('共 1 家成员企业');
      expect((await company.get('/account/profile')).text).to.contain('data-park-status="confirmed"');
    });
  });
});

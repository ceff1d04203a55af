import { expect } from 'chai';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { FormClient } from '../support/browserless-client.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

describe('web portal over HTTP: sessions, CSRF, headers, escaping', () => {
  let t: TestPlatform;

  before(async () => {
    t = await startTestPlatform();
  });
  after(async () => t.close());

  async function signUp(client: FormClient, { email, name, index }: { email: string; name: string; index: number }) {
    await client.get('/account/sign-up');
    return client.post('/account/sign-up', {
      kind: 'enterprise',
      name,
      creditCode: syntheticCreditCode(index),
      email,
      password: 'a long enough password',
      passwordConfirm: 'a long enough password',
    });
  }

  it('serves pages with a strict CSP and HttpOnly, SameSite=Lax cookies, and leaves the JSON API as it was', async () => {
    const client = new FormClient(t.url);
    const home = await client.get('/');
    expect(home.status).to.equal(200);
    expect(home.headers.get('content-security-policy')).to.contain("script-src 'self'").and.contain("frame-ancestors 'none'").and.not.contain('unsafe-inline');
    expect(home.headers.get('x-frame-options')).to.equal('DENY');
    const csrfCookie = home.headers.getSetCookie().find((c) => c.startsWith('pp_csrf='));
    expect(csrfCookie).to.match(/HttpOnly/).and.match(/SameSite=Lax/).and.not.match(/Secure/);
    expect(home.text).to.contain('<html lang="zh-CN">');

    const api = await fetch(`${t.url}/api/v1/policies?pageSize=1`);
    expect(api.headers.get('content-type')).to.contain('application/json');
    const json = await fetch(`${t.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, body: 'id=x' });
    expect(json.status, 'the API still refuses form bodies').to.equal(415);
    expect((await client.get('/no-such-page')).status).to.equal(404);
    const missing = await client.get('/policies/no-such-policy');
    expect(missing.status).to.equal(404);
    expect(missing.text).to.match(/页面不存在|未找到/);
  });

  it('refuses form posts without a valid token or from another origin, and changes nothing', async () => {
    const client = new FormClient(t.url);
    await client.get('/account/sign-up');
    const fields = { kind: 'enterprise', name: '跨站企业', creditCode: syntheticCreditCode(7001), email: 'csrf@x.example', password: 'a long enough password', passwordConfirm: 'a long enough password' };
    expect((await client.post('/account/sign-up', fields, { csrf: false })).status).to.equal(403);
    expect((await client.post('/account/sign-up', { ...fields, _csrf: 'forged' }, { csrf: false })).status).to.equal(403);
    expect((await client.post('/account/sign-up', fields, { headers: { origin: 'https://evil.example' } })).status).to.equal(403);
    expect(await t.platform.services.store.webAccounts.findAccountByEmail('csrf@x.example')).to.equal(null);
  });

  it('signs up into a session, escapes what the user typed, and signs out for good', async () => {
    const client = new FormClient(t.url);
    const created = await signUp(client, { email: 'Owner@Escape.example', name: '<img src=x onerror=alert(1)>公司', index: 7002 });
    expect(created.status).to.equal(303);
    expect(created.headers.get('location')).to.equal('/account/profile');
    const sessionCookie = created.headers.getSetCookie().find((c) => c.startsWith('pp_session='));
    expect(sessionCookie).to.match(/HttpOnly/).and.match(/SameSite=Lax/).and.match(/Max-Age=\d+/);
    const profile = await client.get('/account/profile');
    expect(profile.status).to.equal(200);
    expect(profile.headers.get('cache-control')).to.equal('no-store');
    expect(profile.text).to.contain('&lt;img src=x onerror=alert(1)&gt;公司').and.not.contain('<img src=x');
    const session = client.cookies.get('pp_session') ?? '';

    await client.post('/account/sign-out', {});
    const stale = new FormClient(t.url);
    stale.cookies.set('pp_session', session);
    const after = await stale.get('/account');
    expect(after.status, 'the old session cookie no longer works').to.equal(303);
    expect(after.headers.get('location')).to.equal('/account/sign-in?next=%2Faccount');

    const again = new FormClient(t.url);
    await again.get('/account/sign-in');
    const signedIn = await again.post('/account/sign-in', { email: 'owner@escape.example', password: 'a long enough password', next: '//evil.example' });
    expect(signedIn.status).to.equal(303);
    expect(signedIn.headers.get('location'), 'never returns to another site').to.equal('/account');
  });

  it('slows down password guessing against one account', async () => {
    const client = new FormClient(t.url);
    await signUp(client, { email: 'target@guess.example', name: '被猜测企业', index: 7003 });
    const attacker = new FormClient(t.url);
    await attacker.get('/account/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await attacker.post('/account/sign-in', { email: 'target@guess.example', password: `guess-${i}-wrong` })).status);
    expect(statuses.slice(0, 8)).to.deep.equal(Array(8).fill(400));
    expect(statuses.slice(8)).to.deep.equal([429, 429]);
    const blocked = await attacker.post('/account/sign-in', { email: 'target@guess.example', password: 'a long enough password' });
    expect(blocked.status, 'even the right password waits out the window').to.equal(429);
    expect(blocked.headers.get('retry-after')).to.match(/^\d+$/);
  });

  it('ends a staff session when the token behind it is re-keyed', async () => {
    const staff = new FormClient(t.url);
    await staff.get('/staff/sign-in');
    expect((await staff.post('/staff/sign-in', { token: 'wrong-token' })).status).to.equal(400);
    const ok = await staff.post('/staff/sign-in', { token: TEST_ADMIN_TOKEN });
    expect(ok.status).to.equal(303);
    expect((await staff.get('/staff/users')).status).to.equal(200);
    await t.platform.services.users.bootstrapAdmin({ token: 'a-new-admin-token-0123456789abcdef' });
    const after = await staff.get('/staff/users');
    expect(after.status).to.equal(303);
    expect(after.headers.get('location')).to.match(/^\/staff\/sign-in/);
    await t.platform.services.users.bootstrapAdmin({ token: TEST_ADMIN_TOKEN });
  });

  it('deletes an account with all its data and leaves a tombstone for the matching engines', async () => {
    const client = new FormClient(t.url);
    await signUp(client, { email: 'leaving@delete.example', name: '即将注销企业', index: 7004 });
    const store = t.platform.services.store;
    const account = await store.webAccounts.findAccountByEmail('leaving@delete.example');
    expect(account).to.not.equal(null);
    const subscriberId = account?.subscriberId ?? '';
    await client.get('/account/subscriptions/new');
    expect((await client.post('/account/subscriptions', { name: '资金', c_need: 'need-funding', channels: 'email', frequency: 'immediate', eligibleOnly: '1' })).status).to.equal(303);
    const before = await store.subscribers.latestSeq();

    await client.get('/account/security');
    expect((await client.post('/account/security/delete', { deletePassword: 'wrong password here', confirmDelete: '1' })).status).to.equal(400);
    const deleted = await client.post('/account/security/delete', { deletePassword: 'a long enough password', confirmDelete: '1' });
    expect(deleted.status).to.equal(303);
    expect(await store.subscribers.get(subscriberId)).to.equal(null);
    expect(await store.subscriptions.listBySubscriber({ subscriberId, includeEnded: true })).to.deep.equal([]);
    expect((await store.subscribers.changesSince({ afterSeq: before, limit: 10 })).map((c) => c.id)).to.include(subscriberId);
    expect((await client.get('/account')).status).to.equal(303);
  });

  it('uses __Host- names and the Secure flag once the site is served over https', async () => {
    const secure = await startTestPlatform({ env: { PUBLIC_BASE_URL: 'https://policy.example.gov.cn' } });
    try {
      const response = await fetch(`${secure.url}/`);
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-pp_csrf='));
      expect(cookie).to.match(/Secure/).and.match(/Path=\//).and.match(/HttpOnly/);
      expect(response.headers.get('strict-transport-security')).to.equal('max-age=31536000');
    } finally {
      await secure.close();
    }
  });
});

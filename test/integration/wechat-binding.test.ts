import net from 'node:net';
import { expect } from 'chai';
import { officialAccountBodySchema } from '../../schemas/wechat-channels.schema.js';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { wecomRobotBodySchema } from '../../schemas/wechat-channels.schema.js';
import { FormClient } from '../support/browserless-client.js';
import { FakeWechatPlatform } from '../support/fake-wechat-platform.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

const APP_ID = 'wx00112233445566aa';
const APP_SECRET = 'aabbccddeeff00112233445566778899';

/** A port free right now, so the portal's PUBLIC_BASE_URL (the OAuth redirect_uri) can name it before it starts. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('服务号 binding: a contact opens the link in WeChat and the openid lands on the account (real HTTP end to end)', function () {
  this.timeout(60_000);
  let fake: FakeWechatPlatform;
  let t: TestPlatform;

  before(async () => {
    fake = await new FakeWechatPlatform().start();
    fake.apps.set(APP_ID, APP_SECRET);
    const port = await freePort();
    t = await startTestPlatform({
      env: { PORT: String(port), PUBLIC_BASE_URL: `http://localhost:${port}`, WECHAT_OA_API_BASE: fake.url, WECHAT_OA_AUTHORIZE_BASE: fake.url, WECOM_ROBOT_BASE: fake.url, PUSH_CHANNELS: 'email' },
    });
    await t.platform.services.push.wechatChannels.saveOfficialAccount({
      actor: { id: 'admin', name: '管理员', role: 'admin' },
      body: officialAccountBodySchema.parse({ appId: APP_ID, appSecret: APP_SECRET, templateId: 'TPL-bind-0001', fields: { title: 'thing1', issuer: null, date: null, kind: null, number: null } }),
    });
  });
  after(async () => {
    await t.close();
    await fake.stop();
  });

  const newEnterprise = async (name: string, index: number) =>
    (await t.platform.services.subscribers.create({ body: { kind: 'enterprise', name, creditCode: syntheticCreditCode(index), profile: {}, parkId: null, contacts: [] } })).subscriber;

  it('follows the bind link through the platform authorisation back to the portal and stores the openid', async () => {
    const enterprise = await newEnterprise('临港甲智能装备有限公司', 901);
    const link = t.platform.services.push.wechatChannels.bindLink({ subscriberId: enterprise.id });
    expect(link.startsWith(`${t.url}/account/wechat/bind?t=`)).to.equal(true);
    fake.followers.add('o_lingang_0001');
    fake.nextFollower = 'o_lingang_0001';

    // WeChat's browser: the portal redirects to the authorisation, the platform back to the callback.
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).to.equal(302);
    const authorize = new URL(first.headers.get('location') ?? '');
    expect(authorize.origin).to.equal(fake.url);
    expect(authorize.pathname).to.equal('/connect/oauth2/authorize');
    expect(authorize.searchParams.get('appid')).to.equal(APP_ID);
    expect(authorize.searchParams.get('scope')).to.equal('snsapi_base');
    expect(authorize.searchParams.get('redirect_uri')).to.equal(`${t.url}/account/wechat/callback`);
    expect(authorize.hash).to.equal('#wechat_redirect');
    const page = await fetch(authorize.toString().replace('#wechat_redirect', ''), { redirect: 'follow' });
    expect(page.status).to.equal(200);
    expect(page.url.startsWith(`${t.url}/account/wechat/callback?`)).to.equal(true);
    const html = await page.text();
    expect(html).to.include('绑定成功');
    expect(html).to.include('临港甲智能装备有限公司');

    const bound = await t.platform.services.subscribers.get({ id: enterprise.id });
    const contact = bound.contacts.find((c) => c.channel === 'wechat_oa');
    expect(contact?.address).to.equal('o_lingang_0001');
    expect(contact?.confirmedAt).to.be.a('string');
    expect(contact?.invalidAt).to.equal(null);
  });

  it('refuses a forged state and a code used twice, and binds nothing', async () => {
    const enterprise = await newEnterprise('临港乙新材料有限公司', 902);
    const forged = await fetch(`${t.url}/account/wechat/callback?code=abc&state=${encodeURIComponent(`${enterprise.id}~9999999999.forged-mac-forged-mac-forged-mac`)}`);
    expect(forged.status).to.equal(400);
    expect(await forged.text()).to.include('绑定链接无效');

    fake.followers.add('o_lingang_0002');
    fake.nextFollower = 'o_lingang_0002';
    const first = await fetch(t.platform.services.push.wechatChannels.bindLink({ subscriberId: enterprise.id }), { redirect: 'manual' });
    const authorize = (first.headers.get('location') ?? '').replace('#wechat_redirect', '');
    const back = await fetch(authorize, { redirect: 'manual' });
    const callback = back.headers.get('location') ?? '';
    expect((await fetch(callback)).status).to.equal(200);
    const again = await fetch(callback);
    expect(again.status).to.equal(400);
    expect(await again.text()).to.include('40029');
    const contacts = (await t.platform.services.subscribers.get({ id: enterprise.id })).contacts.filter((c) => c.channel === 'wechat_oa');
    expect(contacts.map((c) => c.address)).to.deep.equal(['o_lingang_0002']);
  });

  it('tells the follower when the authorisation was declined (no code)', async () => {
    const declined = await fetch(`${t.url}/account/wechat/callback?state=x`);
    expect(declined.status).to.equal(400);
    expect(await declined.text()).to.include('未获得微信授权');
  });

  it('offers 服务号通知 on the subscription form once the enterprise is bound, and shows the bind link on its page', async () => {
    const client = new FormClient(t.url);
    await client.get('/account/sign-up');
    const signUp = { kind: 'enterprise', name: '临港丙生物医药有限公司', creditCode: syntheticCreditCode(903), email: 'ip@lingang-c.example', password: 'a long enough password', passwordConfirm: 'a long enough password' };
    expect((await client.post('/account/sign-up', signUp)).status).to.equal(303);
    const before = await client.get('/account/subscriptions/new');
    expect(before.text).not.to.include('value="wechat_oa"');
    const page = await client.get('/account/wechat');
    expect(page.status).to.equal(200);
    const link = /href="([^"]*\/account\/wechat\/bind\?t=[^"]+)"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect(link).to.not.equal('');

    fake.followers.add('o_lingang_0003');
    fake.nextFollower = 'o_lingang_0003';
    const authorize = ((await fetch(link, { redirect: 'manual' })).headers.get('location') ?? '').replace('#wechat_redirect', '');
    expect((await fetch(authorize, { redirect: 'follow' })).status).to.equal(200);
    const after = await client.get('/account/subscriptions/new');
    expect(after.text).to.include('value="wechat_oa"');
    expect((await client.get('/account/wechat')).text).to.include('已绑定');
  });

  it('shows a park manager its robot and an invalid webhook', async () => {
    const client = new FormClient(t.url);
    await client.get('/account/sign-up');
    const signUp = { kind: 'park', name: '临港新片区园区服务中心', creditCode: '', email: 'ops@lingang-park.example', password: 'a long enough password', passwordConfirm: 'a long enough password' };
    expect((await client.post('/account/sign-up', signUp)).status).to.equal(303);
    const parkId = (await t.platform.services.store.webAccounts.findAccountByEmail('ops@lingang-park.example'))?.subscriberId ?? '';
    expect((await client.get('/account/park/robots')).text).to.include('管理员尚未为本园区登记群机器人');
    const channels = t.platform.services.push.wechatChannels;
    const robot = await channels.saveRobot({ actor: { id: 'admin', name: '管理员', role: 'admin' }, body: wecomRobotBodySchema.parse({ parkId, groupName: '临港企业服务群', webhook: 'robot-key-lingang-gone' }) });
    const result = await channels.testRobot({ contactId: robot.contactId });
    expect(result.ok).to.equal(false);
    expect(result.message).to.include('93000');
    const page = await client.get('/account/park/robots');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('临港企业服务群');
    expect(page.text).to.include('Webhook 无效');
    expect(page.text).to.include('****gone');
    expect(page.text).not.to.include('robot-key-lingang-gone');
  });
});

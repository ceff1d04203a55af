/**
 * The official WeChat channels in a real browser: an administrator configures the office's 服务号
 * and a park group robot and presses "发送测试消息"; the messages reach the local WeChat platform
 * through the real drivers, and an invalid webhook is reported and marked.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { FakeWechatPlatform } from '../support/fake-wechat-platform.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, screenshotBoth, watchConsole } from './support/browser.js';
import { expectPageBasics } from './support/page-checks.js';

const APP_ID = 'wx99887766554433aa';
const APP_SECRET = '99887766554433aabbccddeeff001122';

describe('WeChat channels page: 服务号 and park robot configured by an administrator, tested with one click', function () {
  this.timeout(180_000);
  let fake: FakeWechatPlatform;
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    fake = await new FakeWechatPlatform().start();
    fake.apps.set(APP_ID, APP_SECRET);
    fake.followers.add('o_admin_phone_0001');
    fake.robotKeys.add('robot-key-browser-0001');
    t = await startTestPlatform({ env: { WECHAT_OA_API_BASE: fake.url, WECHAT_OA_AUTHORIZE_BASE: fake.url, WECOM_ROBOT_BASE: fake.url, PUSH_CHANNELS: 'email' } });
    await t.platform.services.subscribers.create({ body: { kind: 'park', name: '漕河泾开发区服务中心', creditCode: null, profile: {}, parkId: null, contacts: [] } });
    browser = await launchBrowser();
    const context = await newContext({ browser, baseURL: t.url, viewport: 'phone' });
    page = await context.newPage();
    problems = watchConsole(page);
    await page.goto('/staff/sign-in');
    await page.getByLabel('访问令牌').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL('**/staff');
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    await fake?.stop();
  });

  afterEach(() => {
    expect(problems.splice(0), 'console errors').to.deep.equal([]);
  });

  it('saves the 服务号 without showing the secret again, and a test notice reaches the follower', async () => {
    await page.getByRole('link', { name: '微信渠道' }).first().click();
    await page.waitForURL('**/staff/wechat-channels');
    await expectPageBasics(page);
    await page.getByLabel('AppID').fill(APP_ID);
    await page.getByLabel('AppSecret').fill(APP_SECRET);
    await page.getByLabel('订阅通知模板 ID').fill('TPL-browser-0001');
    await page.getByRole('button', { name: '保存服务号配置' }).click();
    expect(await page.locator('.test-result').textContent()).to.include('服务号配置已保存');
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).to.include('****1122');
    expect(body).not.to.include(APP_SECRET);

    await page.getByLabel('测试接收人 openid').fill('o_admin_phone_0001');
    await page.getByRole('button', { name: '发送测试消息', exact: true }).click();
    expect(await page.locator('.test-result').textContent()).to.include('发送成功');
    expect(fake.notices).to.have.length(1);
    expect(fake.notices[0]?.openid).to.equal('o_admin_phone_0001');
    expect(fake.notices[0]?.templateId).to.equal('TPL-browser-0001');
    expect(fake.notices[0]?.data.phrase4?.value).to.equal('测试消息');

    await page.getByLabel('测试接收人 openid').fill('o_not_a_follower_9');
    await page.getByRole('button', { name: '发送测试消息', exact: true }).click();
    expect(await page.locator('.test-result').textContent()).to.include('40003');
  });

  it('registers a park robot, sends it a test message, and marks an invalid webhook', async () => {
    await page.getByLabel('群名称').fill('漕河泾企业服务群');
    await page.getByLabel('Webhook 地址').fill(`${fake.url}/cgi-bin/webhook/send?key=robot-key-browser-0001`);
    await page.getByRole('button', { name: '保存群机器人' }).click();
    expect(await page.locator('.test-result').textContent()).to.include('已保存');
    await page.getByRole('button', { name: /发送测试消息.*漕河泾企业服务群/ }).click();
    expect(await page.locator('.test-result').textContent()).to.include('发送成功');
    expect(fake.robotMessages).to.have.length(1);
    expect(fake.robotMessages[0]?.content).to.include('### 政策推送平台测试消息');
    const row = page.locator('li.card', { hasText: '漕河泾企业服务群' });
    expect(await row.textContent()).to.include('正常');

    await page.getByLabel('群名称').fill('漕河泾旧群');
    await page.getByLabel('Webhook 地址').fill('robot-key-removed-0002');
    await page.getByRole('button', { name: '保存群机器人' }).click();
    await page.getByRole('button', { name: /发送测试消息.*漕河泾旧群/ }).click();
    expect(await page.locator('.test-result').textContent()).to.include('93000');
    expect(await page.locator('li.card', { hasText: '漕河泾旧群' }).textContent()).to.include('Webhook 无效');
    await page.goto('/staff/wechat-channels');
    expect(await page.locator('li.card', { hasText: '漕河泾旧群' }).textContent()).to.include('93000');
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'wechat-channels' });
  });
});

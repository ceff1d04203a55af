/**
 * Measured precision in a real browser at phone width: the policy link of a pushed e-mail opens the
 * policy through the signed redirect, the 与我无关 link takes a reason, and a drafter sees both on
 * the statistics page.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, watchConsole } from './support/browser.js';
import { onServer, waitForMail } from './support/mail.js';
import { expectPageBasics } from './support/page-checks.js';

describe('push precision in the browser: open a pushed link, say 与我无关, read the figures', function () {
  this.timeout(180_000);
  let t: TestPlatform;
  let browser: Browser;
  let drafter: string;
  let policy = { id: '', title: '浦东新区知识产权质押融资贴息办法（成效统计）' };
  const problems: string[] = [];

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    // No SMTP server: the platform writes each message as an .eml file under DATA_DIR/outbox.
    t = await startTestPlatform({ env: { PUSH_CHANNELS: 'email', PUSH_POLL_MS: '30', MATCHER_INTERVAL_MS: '100', SCHEDULER_INTERVAL_MS: '3600000' } });
    browser = await launchBrowser();
    drafter = await t.user({ id: 'drafter-browser-precision', role: 'drafter', name: '李起草' });
    const reviewer = await t.user({ id: 'reviewer-browser-precision', role: 'reviewer' });
    const legal = await t.user({ id: 'reviewer-browser-precision-legal', role: 'reviewer' });
    const created = await t.api<{ subscriber: { contacts: { id: string }[] }; token: string }>({
      method: 'POST',
      path: '/api/v1/subscribers',
      token: TEST_ADMIN_TOKEN,
      body: { kind: 'enterprise', name: '张江丙材料公司', creditCode: syntheticCreditCode(41), profile: { region: ['region-zhangjiang'], qualification: ['qual-high-tech'] }, contacts: [{ channel: 'email', address: 'gamma@precision.example.cn' }] },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    for (const contact of created.body.subscriber.contacts) {
      const token = t.platform.services.subscribers.confirmationToken({ contactId: contact.id });
      expect((await t.api({ path: `/api/v1/contacts/confirm?token=${encodeURIComponent(token)}` })).status).to.equal(200);
    }
    const subscribed = await t.api({ method: 'POST', path: '/api/v1/me/subscriptions', token: created.body.token, body: { name: '质押融资', channels: ['email'], criteria: { need: { mode: 'any', tags: ['need-pledge'] } } } });
    expect(subscribed.status, JSON.stringify(subscribed.body)).to.equal(201);
    const draft = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafter, body: policyBody({ title: policy.title, docNumber: '浦知规〔2026〕401号' }) });
    expect(draft.status, JSON.stringify(draft.body)).to.equal(201);
    const id = draft.body.id;
    await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}/interpretation`, token: drafter, body: { revision: 0, exemption: { reason: '推送测试，免予解读' } } });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafter });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewer, body: { kind: 'confidentiality', decision: 'approved' } });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: legal, body: { kind: 'legality', decision: 'approved' } });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafter })).status).to.equal(200);
    policy = { ...policy, id };
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(problems.splice(0), 'console errors').to.deep.equal([]);
  });

  async function phonePage(): Promise<Page> {
    const context = await newContext({ browser, baseURL: t.url, viewport: 'phone' });
    const page = await context.newPage();
    const seen = watchConsole(page);
    page.on('close', () => problems.push(...seen));
    return page;
  }

  it('opens the policy from the e-mail, records 与我无关 with a reason, and shows both on the staff statistics page', async () => {
    const mail = await waitForMail({ dataDir: t.dataDir, to: 'gamma@precision.example.cn', subject: '【政策推送】' });
    const html = mail.html ?? '';
    const policyLink = /href="(http:\/\/localhost:3000\/r\/[^"]+)"/.exec(html)?.[1];
    const feedbackLink = /href="(http:\/\/localhost:3000\/feedback\/[^"]+)"/.exec(html)?.[1];
    expect(policyLink, 'tracked policy link').to.be.a('string');
    expect(feedbackLink, '与我无关 link').to.be.a('string');

    const reader = await phonePage();
    await reader.goto(onServer({ url: policyLink ?? '', base: t.url }));
    await reader.waitForURL(`**/policies/${policy.id}`);
    expect(await reader.locator('h1').textContent()).to.include(policy.title);

    await reader.goto(onServer({ url: feedbackLink ?? '', base: t.url }));
    await expectPageBasics(reader);
    await reader.getByLabel('行业不符').check();
    await reader.getByLabel(/补充说明/).fill('本企业从事新材料，不涉及质押融资');
    await reader.getByRole('button', { name: '提交“与我无关”' }).click();
    await reader.getByRole('heading', { name: '感谢您的反馈' }).waitFor();
    await expectPageBasics(reader);
    await reader.close();

    const staff = await phonePage();
    await staff.goto('/staff/sign-in');
    await staff.getByLabel('访问令牌').fill(drafter);
    await staff.getByRole('button', { name: '登录' }).click();
    await staff.waitForURL('**/staff');
    await staff.getByRole('link', { name: '推送成效' }).first().click();
    await staff.waitForURL('**/staff/push/statistics');
    await expectPageBasics(staff);
    const row = staff.locator('tbody tr', { hasText: policy.title });
    const cells = await row.locator('td').allTextContents();
    // 送达 1, 打开 1, 打开率 100%, 与我无关 1, 比例 100%, 退订 0, 中位数
    expect(cells.slice(0, 5)).to.deep.equal(['1', '1', '100.0%', '1', '100.0%']);
    await staff.getByRole('link', { name: '精准度分析' }).click();
    await staff.waitForURL('**/staff/push/precision');
    await expectPageBasics(staff);
    expect(await staff.locator('table', { hasText: '标签规则' }).locator('tbody tr').first().textContent()).to.include('1');
    expect(await staff.locator('table', { hasText: '原因' }).textContent()).to.include('行业不符');
    await staff.close();
  });
});

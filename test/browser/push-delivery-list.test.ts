/**
 * The staff delivery list in a real browser at phone width (390 px): filter by channel, read why a
 * paused channel's push still waits, page on, and find the export link carrying the filters.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { NewDelivery } from '../../schemas/delivery.schema.js';
import type { Channel, Subscriber } from '../../schemas/subscriber.schema.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, watchConsole } from './support/browser.js';
import { expectPageBasics } from './support/page-checks.js';

const AT = '2026-06-01T02:00:00.000Z';

function subscriber(id: string, name: string, contacts: Subscriber['contacts']): Subscriber {
  return { id, kind: 'enterprise', name, creditCode: null, profile: {}, parkId: null, contacts, createdAt: AT, updatedAt: AT, revision: 1 };
}

function delivery(subscriberId: string, channel: Channel): NewDelivery {
  return { policyId: 'p-browser-list', version: 1, subscriberId, channel, frequency: 'immediate', subscriptionIds: [`sub-${subscriberId}`], explanation: { eligible: true, eligibility: {}, unknown: [], subscriptions: [] }, urgent: false };
}

describe('staff delivery list in the browser at phone width', function () {
  this.timeout(180_000);
  let t: TestPlatform;
  let browser: Browser;
  let drafter: string;
  const problems: string[] = [];

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    t = await startTestPlatform({ env: { ROLES: 'web', PUSH_CHANNELS: '', MATCHER_INTERVAL_MS: '3600000', SCHEDULER_INTERVAL_MS: '3600000' } });
    browser = await launchBrowser();
    drafter = await t.user({ id: 'drafter-browser-list', role: 'drafter', name: '王起草' });
    const store = t.platform.services.store;
    for (let i = 1; i <= 3; i += 1) {
      const contacts = [
        { id: `c-${i}-mail`, channel: 'email' as const, address: `user${i}@example.com`, label: null, confirmedAt: AT, invalidAt: null },
        { id: `c-${i}-wx`, channel: 'wechat' as const, address: `微信联系人${i}`, label: null, confirmedAt: AT, invalidAt: null },
      ];
      await store.subscribers.insert({ subscriber: subscriber(`s-${i}`, `浦东第${i}科技有限公司（知识产权运营中心）`, contacts), tokenHash: `h-${i}` });
      await store.outbox.enqueue([delivery(`s-${i}`, 'email'), delivery(`s-${i}`, 'wechat')], AT);
    }
    const paused = await t.api({ method: 'PUT', path: '/api/v1/push/channels/wechat', token: TEST_ADMIN_TOKEN, body: { paused: true, reason: '微信号维护' } });
    expect(paused.status, JSON.stringify(paused.body)).to.equal(200);
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

  it('filters by channel, shows the paused-channel reason, pages on and offers the filtered export', async () => {
    const staff = await phonePage();
    await staff.goto('/staff/sign-in');
    await staff.getByLabel('访问令牌').fill(drafter);
    await staff.getByRole('button', { name: '登录' }).click();
    await staff.waitForURL('**/staff');
    await staff.goto('/staff/push/deliveries?limit=2');
    await expectPageBasics(staff);
    expect(await staff.locator('tbody tr').count()).to.equal(2);
    await staff.getByRole('link', { name: '下一页' }).click();
    await staff.waitForURL(/cursor=a\d+/);
    await expectPageBasics(staff);
    await staff.getByRole('link', { name: '上一页' }).click();
    await staff.waitForURL(/cursor=b\d+/);
    expect(await staff.locator('tbody tr').count()).to.equal(2);

    await staff.goto('/staff/push/deliveries');
    await staff.getByLabel('渠道').selectOption('wechat');
    await staff.getByRole('button', { name: '筛选' }).click();
    await staff.waitForURL(/channel=wechat/);
    await expectPageBasics(staff);
    const rows = staff.locator('tbody tr');
    expect(await rows.count()).to.equal(3);
    expect(await rows.first().textContent()).to.include('渠道已暂停（微信号维护）');
    expect(await rows.first().textContent()).to.include('微***');
    const exportLink = staff.getByRole('link', { name: '导出 CSV' });
    expect(await exportLink.getAttribute('href')).to.equal('/staff/push/deliveries.csv?channel=wechat');
    await staff.close();
  });
});

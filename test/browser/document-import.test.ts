/**
 * 从文件导入 in a real browser: a drafter uploads a Word file, checks the fields read from it,
 * confirms and lands on the new draft; a file that cannot be decoded is refused next to the file
 * field with its line; the pages read at 1280 and 390 px.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { invalidByteOnLine7, sampleDocx } from '../support/ingest-fixtures.js';
import { browserAvailability, launchBrowser, newContext, watchConsole } from './support/browser.js';
import { expectPageBasics } from './support/page-checks.js';

describe('drafter page 从文件导入', function () {
  this.timeout(180_000);
  let t: TestPlatform;
  let browser: Browser;
  let drafterToken: string;
  const consoleProblems: string[] = [];

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    t = await startTestPlatform();
    browser = await launchBrowser();
    drafterToken = await t.user({ id: 'li-drafter', role: 'drafter', name: '李起草' });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(consoleProblems.splice(0), 'console errors').to.deep.equal([]);
  });

  async function signedIn(viewport: 'desktop' | 'phone'): Promise<Page> {
    const context = await newContext({ browser, baseURL: t.url, viewport });
    const page = await context.newPage();
    const problems = watchConsole(page);
    page.on('close', () => consoleProblems.push(...problems));
    await page.goto('/staff/sign-in');
    await page.getByLabel('访问令牌').fill(drafterToken);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL('**/staff');
    return page;
  }

  it('reads a Word file, shows the proposed fields and creates the draft on confirmation', async () => {
    const page = await signedIn('desktop');
    await page.goto('/staff/policies/new');
    await page.getByRole('link', { name: /从文件导入/ }).click();
    await page.waitForURL('**/staff/policies/new/import');
    await expectPageBasics(page);
    await page.getByLabel('文件').setInputFiles({ name: '措施.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: sampleDocx() });
    await page.getByRole('button', { name: '读取文件' }).click();
    await page.getByRole('heading', { name: '核对并建立草稿' }).waitFor();
    await expectPageBasics(page);
    expect(await page.getByLabel('标题').inputValue()).to.equal('关于促进专利转化运用的若干措施');
    expect(await page.getByLabel('正文（已修复）').inputValue()).to.include('（一）支持高校专利许可');
    expect(await page.getByRole('heading', { name: /修复记录/ }).count()).to.equal(1);
    expect(await page.getByRole('heading', { name: /可疑行/ }).count()).to.equal(1);
    expect(await page.locator('dl.facts').textContent()).to.include('Word 文档');
    await page.getByLabel('发文机关').fill('上海市知识产权局');
    await page.getByRole('button', { name: '确认并建立草稿' }).click();
    await page.waitForURL(/\/staff\/policies\/[a-z0-9-]+$/);
    const id = new URL(page.url()).pathname.split('/').pop() ?? '';
    const stored = await t.platform.services.store.policies.get(id);
    expect(stored).to.include({ title: '关于促进专利转化运用的若干措施', issuer: '上海市知识产权局', status: 'draft' });
    expect(stored?.body).to.include('二、强化服务保障');
    await page.close();
  });

  it('refuses a file it cannot decode next to the file field, naming the line, and stores nothing', async () => {
    const page = await signedIn('phone');
    const before = (await t.platform.services.store.policies.list({ limit: 1, offset: 0 })).total;
    await page.goto('/staff/policies/new/import');
    await expectPageBasics(page);
    await page.getByLabel('文件').setInputFiles({ name: '坏字节.txt', mimeType: 'text/plain', buffer: invalidByteOnLine7() });
    const response = page.waitForResponse((r) => r.url().endsWith('/staff/policies/new/import') && r.request().method() === 'POST');
    await page.getByRole('button', { name: '读取文件' }).click();
    expect((await response).status()).to.equal(400);
    await page.locator('.field-error').first().waitFor();
    expect(await page.locator('.field-error').first().textContent()).to.include('第 7 行');
    await expectPageBasics(page);
    expect((await t.platform.services.store.policies.list({ limit: 1, offset: 0 })).total).to.equal(before);
    await page.close();
  });

  it('shows the confirm page readably on a phone', async () => {
    const page = await signedIn('phone');
    await page.goto('/staff/policies/new/import');
    await page.getByLabel('文件').setInputFiles({ name: '措施.docx', mimeType: 'application/octet-stream', buffer: sampleDocx() });
    await page.getByRole('button', { name: '读取文件' }).click();
    await page.getByRole('heading', { name: '核对并建立草稿' }).waitFor();
    await expectPageBasics(page);
    await page.close();
  });
});

import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, screenshotBoth, watchConsole } from './support/browser.js';
import { expectPageBasics } from './support/page-checks.js';

const PLEDGE_BODY = `为支持浦东新区高新技术企业以知识产权融资，制定本细则。
第一条　本细则适用于注册在浦东新区的高新技术企业。
第二条　企业以专利权质押获得贷款的，按贷款利息的60%给予贴息。
（一）单个企业年度贴息不超过80万元；
（二）评估费按实际发生额的50%给予补助。
第三条　本细则自发布之日起施行。`;

describe('web portal in a real browser', function () {
  this.timeout(120_000);
  let t: TestPlatform;
  let browser: Browser;
  let drafterToken: string;
  let reviewerToken: string;
  const consoleProblems: string[] = [];

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    t = await startTestPlatform({ demo: true });
    browser = await launchBrowser();
    drafterToken = await t.user({ id: 'zhang-drafter', role: 'drafter', name: '张起草' });
    reviewerToken = await t.user({ id: 'li-reviewer', role: 'reviewer', name: '李审查' });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    // CSP violations and script errors surface as console errors.
    expect(consoleProblems.splice(0), 'console errors').to.deep.equal([]);
  });

  async function openPage(viewport: 'desktop' | 'phone' = 'desktop'): Promise<Page> {
    const context = await newContext({ browser, baseURL: t.url, viewport });
    const page = await context.newPage();
    const problems = watchConsole(page);
    page.on('close', () => consoleProblems.push(...problems));
    return page;
  }

  /**
   * 三同步: a policy goes to review with its interpretation package or a recorded exemption. The
   * package editor is not part of the portal yet, so these flows record the exemption through the API.
   */
  async function exemptFromInterpretation(policyId: string): Promise<void> {
    const res = await t.api({ method: 'PATCH', path: `/api/v1/policies/${policyId}/interpretation`, token: drafterToken, body: { revision: 0, exemption: { reason: '浏览器测试：免予解读' } } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }

  async function staffSignIn(page: Page, token: string): Promise<void> {
    await page.goto('/staff/sign-in');
    await page.getByLabel('访问令牌').fill(token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL('**/staff');
  }

  it('a public visitor searches, narrows by a need, opens a policy and reads its articles', async () => {
    const page = await openPage();
    await page.goto('/');
    await expectPageBasics(page);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).to.equal('跳到主要内容');
    await screenshotBoth({ page, name: 'public-01-home' });

    await page.getByRole('searchbox', { name: '搜索政策文件' }).fill('质押融资');
    await page.getByRole('button', { name: '搜索政策' }).click();
    await page.waitForURL(/\/search\?q=/);
    await expectPageBasics(page);
    expect(await page.locator('.card mark').count(), 'highlighted matches').to.be.greaterThan(0);
    const total = await page.locator('p[role=status]').innerText();
    expect(total).to.match(/共 \d+ 件/);
    await screenshotBoth({ page, name: 'public-02-search' });

    // A facet is a link: the narrowed list has its own URL, so it can be bookmarked and shared.
    await page.locator('.facets a', { hasText: '知识产权质押融资' }).first().click();
    await page.waitForURL(/tags=need-ip-pledge-financing/);
    const bookmark = page.url();
    const firstTitle = await page.locator('.card h3 a').first().innerText();
    const again = await openPage();
    await again.goto(bookmark);
    expect(await again.locator('.card h3 a').first().innerText()).to.equal(firstTitle);
    await again.close();

    await page.locator('.card h3 a').first().click();
    await page.waitForURL(/\/policies\//);
    await expectPageBasics(page);
    expect(await page.locator('h1').innerText()).to.equal(firstTitle);
    expect(await page.locator('.badge').first().innerText()).to.equal('现行有效');
    const firstArticle = page.locator('.toc a').first();
    const anchor = await firstArticle.getAttribute('href');
    expect(anchor).to.match(/^#/);
    await firstArticle.click();
    expect(new URL(page.url()).hash).to.equal(anchor);
    expect(await page.locator(`${anchor ?? ''}`).isVisible()).to.equal(true);
    await screenshotBoth({ page, name: 'public-03-policy' });
    await page.close();
  });

  it('an enterprise signs up, sets its profile, subscribes and sees a newly published policy in its feed with the reason', async () => {
    const page = await openPage();
    await page.goto('/account/sign-up');
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'enterprise-01-sign-up' });
    await page.getByLabel('企业或园区名称').fill('上海<测试>科技有限公司');
    await page.getByRole('textbox', { name: /统一社会信用代码/ }).fill(syntheticCreditCode(424242));
    await page.getByLabel('登录邮箱').fill('ip@test-enterprise.example');
    await page.getByLabel('密码', { exact: true }).fill('correct horse battery');
    await page.getByLabel('再次输入密码').fill('correct horse battery');
    await page.getByRole('button', { name: '注册' }).click();
    await page.waitForURL('**/account/profile');
    expect(await page.getByRole('status').first().innerText()).to.contain('注册成功');
    // The name went through the form as text: angle brackets come back escaped, not as markup.
    expect(await page.getByLabel('企业名称').inputValue()).to.equal('上海<测试>科技有限公司');

    await page.locator('summary', { hasText: '地区/园区' }).click();
    await page.getByRole('checkbox', { name: '浦东新区' }).check();
    await page.locator('summary', { hasText: '资质' }).click();
    await page.getByRole('checkbox', { name: '高新技术企业', exact: true }).check();
    await page.locator('summary', { hasText: '企业规模' }).click();
    await page.getByRole('checkbox', { name: '小型' }).check();
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'enterprise-02-profile' });
    await page.getByRole('button', { name: '保存资料' }).click();
    await page.waitForURL('**/account/profile');
    expect(await page.getByRole('status').first().innerText()).to.contain('资料已保存');
    expect(await page.getByRole('checkbox', { name: '浦东新区' }).isChecked()).to.equal(true);

    await page.goto('/account/subscriptions/new');
    await page.getByLabel('订阅名称').fill('质押融资贴息');
    await page.locator('summary', { hasText: '需求' }).first().click();
    await page.getByRole('checkbox', { name: '知识产权质押融资' }).check();
    await page.getByRole('checkbox', { name: '微信' }).check();
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'enterprise-03-subscription-form' });
    await page.getByRole('button', { name: '创建订阅' }).click();
    await page.waitForURL('**/account/subscriptions');
    expect(await page.locator('.panel h2').first().innerText()).to.equal('质押融资贴息');
    await screenshotBoth({ page, name: 'enterprise-04-subscriptions' });

    // A drafter publishes a policy for Pudong high-tech enterprises about pledge financing.
    const drafted = await t.api<{ id: string }>({
      method: 'POST',
      path: '/api/v1/policies',
      token: drafterToken,
      body: {
        title: '浦东新区知识产权质押融资贴息实施细则（2026年版）',
        docNumber: '浦知规〔2026〕9号',
        issuer: '浦东新区知识产权局',
        level: 'level-district',
        issuedAt: '2026-11-01',
        effectiveAt: '2026-11-01',
        body: PLEDGE_BODY,
        criteria: { region: ['region-pudong'], qualification: ['qual-high-tech'] },
        tags: ['need-ip-pledge-financing', 'ptype-subsidy'],
      },
    });
    expect(drafted.status, JSON.stringify(drafted.body)).to.equal(201);
    const id = drafted.body.id;
    await exemptFromInterpretation(id);
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafterToken, body: {} })).status).to.equal(200);
    for (const kind of ['confidentiality', 'legality']) {
      expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewerToken, body: { kind, decision: 'approved' } })).status).to.equal(200);
    }
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafterToken, body: {} })).status).to.equal(200);

    await page.goto('/account');
    await expectPageBasics(page);
    const card = page.locator('.card', { hasText: '浦东新区知识产权质押融资贴息实施细则（2026年版）' });
    await card.waitFor();
    const reasons = await card.locator('.reasons').innerText();
    expect(reasons).to.contain('您的订阅“质押融资贴息”匹配');
    expect(reasons).to.contain('知识产权质押融资');
    expect(reasons).to.contain('符合适用条件');
    await screenshotBoth({ page, name: 'enterprise-05-feed' });

    // Signing out ends the session; signing in again brings the same account back.
    await page.getByRole('button', { name: '退出' }).click();
    await page.waitForURL(`${t.url}/`);
    await page.goto('/account');
    await page.waitForURL(/\/account\/sign-in\?next=/);
    await page.getByLabel('邮箱').fill('ip@test-enterprise.example');
    await page.getByLabel('密码').fill('correct horse battery');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL('**/account');
    expect(await page.locator('.who').innerText()).to.equal('上海<测试>科技有限公司');

    await page.goto('/account/security');
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'enterprise-06-security' });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByLabel('输入密码以确认').fill('correct horse battery');
    await page.getByRole('checkbox', { name: '我了解删除后无法恢复' }).check();
    await page.getByRole('button', { name: '永久删除' }).click();
    await page.waitForURL(`${t.url}/`);
    expect(await page.getByRole('status').first().innerText()).to.contain('已删除');
    const gone = await t.platform.services.store.webAccounts.findAccountByEmail('ip@test-enterprise.example');
    expect(gone).to.equal(null);
    await page.close();
  });

  it('a drafter creates a policy, previews the audience, gets it reviewed and publishes it', async () => {
    const drafter = await openPage();
    await staffSignIn(drafter, drafterToken);
    await expectPageBasics(drafter);
    await screenshotBoth({ page: drafter, name: 'drafter-01-worklist' });

    await drafter.getByRole('link', { name: '新建政策' }).click();
    await drafter.getByLabel('标题').fill('张江科学城知识产权质押融资风险补偿办法');
    await drafter.getByLabel('文号').fill('张科规〔2026〕3号');
    await drafter.getByLabel('发文机关').fill('张江科学城管理局');
    await drafter.getByLabel('发文层级').selectOption('level-park');
    await drafter.getByLabel('正文', { exact: true }).fill(PLEDGE_BODY.replace('浦东新区', '张江科学城'));
    await drafter.getByRole('button', { name: '预览条款结构' }).click();
    await drafter.locator('#preview-title').waitFor();
    expect(await drafter.locator('#preview-title').innerText()).to.contain('识别出 3 条');
    // The preview kept everything typed so far.
    expect(await drafter.getByLabel('标题').inputValue()).to.equal('张江科学城知识产权质押融资风险补偿办法');
    await drafter.locator('summary', { hasText: '地区/园区' }).click();
    await drafter.getByRole('checkbox', { name: '浦东新区' }).check();
    await drafter.getByRole('checkbox', { name: '知识产权质押融资' }).check();
    await drafter.getByLabel('开始日期').fill('2026-12-01');
    await drafter.getByLabel('截止日期').fill('2027-01-31');
    await expectPageBasics(drafter);
    await screenshotBoth({ page: drafter, name: 'drafter-02-editor-preview' });
    await drafter.getByRole('button', { name: '保存草稿' }).click();
    await drafter.waitForURL(/\/staff\/policies\/p-/);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('政策草稿已创建');
    const policyUrl = drafter.url();

    await drafter.getByRole('link', { name: '受众预览' }).click();
    await drafter.waitForURL(/\/audience$/);
    await expectPageBasics(drafter);
    const reach = Number((await drafter.locator('.stat').innerText()).replace(/,/g, ''));
    expect(reach, 'demo enterprises in Pudong subscribed to pledge financing').to.be.greaterThan(0);
    expect(await drafter.locator('.reasons li').count()).to.be.greaterThan(0);
    await screenshotBoth({ page: drafter, name: 'drafter-03-audience' });

    await exemptFromInterpretation(policyUrl.split('/').at(-1) ?? '');
    await drafter.goto(policyUrl);
    await drafter.getByRole('button', { name: '送审' }).click();
    await drafter.waitForURL(policyUrl);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('已送审');

    const reviewer = await openPage();
    await staffSignIn(reviewer, reviewerToken);
    await reviewer.goto(policyUrl);
    for (const kind of ['保密审查', '合法性审查']) {
      await reviewer.getByRole('radio', { name: kind }).check();
      await reviewer.getByRole('radio', { name: '通过' }).check();
      await reviewer.getByRole('textbox', { name: /审查意见/ }).fill(`${kind}无问题`);
      if (kind === '合法性审查') await screenshotBoth({ page: reviewer, name: 'drafter-04-review' });
      await reviewer.getByRole('button', { name: '提交审查意见' }).click();
      await reviewer.waitForURL(policyUrl);
    }
    expect(await reviewer.locator('.badge-status').first().innerText()).to.equal('已通过审查');
    await reviewer.close();

    await drafter.reload();
    await drafter.getByRole('button', { name: '发布' }).click();
    await drafter.waitForURL(policyUrl);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('已发布');
    await screenshotBoth({ page: drafter, name: 'drafter-05-published' });
    await drafter.getByRole('link', { name: '查看公开页面' }).click();
    expect(await drafter.locator('h1').innerText()).to.equal('张江科学城知识产权质押融资风险补偿办法');
    expect(await drafter.locator('.policy-head .facts').innerText()).to.contain('申报期');
    await drafter.close();
  });
});

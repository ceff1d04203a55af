import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { syntheticCreditCode } from '../../server/subscribers/credit-code.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, screenshotBoth, watchConsole } from './support/browser.js';
import { onServer, waitForMail } from './support/mail.js';
import { expectPageBasics } from './support/page-checks.js';

const PLEDGE_BODY = `为支持浦东新区高新技术企业以知识产权融资，制定本细则。
第一条　本细则适用于注册在浦东新区的高新技术企业。
第二条　企业以专利权质押获得贷款的，按贷款利息的60%给予贴息。
（一）单个企业年度贴息不超过80万元；
（二）评估费按实际发生额的50%给予补助。
第三条　本细则自发布之日起施行。`;

const ZHANGJIANG_TRIAL = `为支持张江科学城高新技术企业以知识产权融资，制定本办法。
第一条　本办法适用于注册在张江科学城的高新技术企业。
第二条　企业以专利权质押获得贷款的，按贷款利息的50%给予贴息。
（一）单个企业年度贴息不超过50万元；
（二）评估费按实际发生额的30%给予补助。
第三条　本办法自发布之日起施行。`;

/** A 1200×675 PNG drawn for the test: the graphic a drafter uploads. */
async function graphicPng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675"><rect width="1200" height="675" fill="#f3f6f9"/>
    ${[0, 1, 2, 3].map((i) => `<rect x="${60 + i * 280}" y="260" width="240" height="150" rx="16" fill="#0b3d75"/><circle cx="${180 + i * 280}" cy="200" r="30" fill="#f2b632"/>`).join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('web portal in a real browser', function () {
  this.timeout(180_000);
  let t: TestPlatform;
  let browser: Browser;
  let drafterToken: string;
  let reviewerToken: string;
  let legalReviewerToken: string;
  const consoleProblems: string[] = [];
  /** Asked by the visitor in the first flow, answered by the drafter in the last. */
  const visitorQuestion = '我们是张江的小微企业，专利质押贷款还没还清，可以先申请贴息吗？';
  /** Published in the enterprise flow; its delivery statistics are read in the last one. */
  let pushedPolicyId = '';

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    // Workers run fast so the confirmation, the push and the unsubscribe happen within the test.
    t = await startTestPlatform({
      demo: true,
      env: { PUSH_POLL_MS: '100', MATCHER_INTERVAL_MS: '200', SEARCH_SYNC_INTERVAL_MS: '500', WECHAT_INTERVAL_MS: '20', WECHAT_JITTER_MS: '0' },
    });
    browser = await launchBrowser();
    drafterToken = await t.user({ id: 'zhang-drafter', role: 'drafter', name: '张起草' });
    reviewerToken = await t.user({ id: 'li-reviewer', role: 'reviewer', name: '李审查' });
    legalReviewerToken = await t.user({ id: 'qian-reviewer', role: 'reviewer', name: '钱审查' });
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

  async function staffSignIn(page: Page, token: string): Promise<void> {
    await page.goto('/staff/sign-in');
    await page.getByLabel('访问令牌').fill(token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL('**/staff');
  }

  /** A part of one policy's workspace, by its tab (other links on the page may share the words). */
  async function openTab(page: Page, name: string): Promise<void> {
    await page.locator('nav.subnav').getByRole('link', { name, exact: true }).click();
  }

  /**
   * Drafts, reviews and publishes a policy with its interpretation package through the API, for the
   * flows that need one published by someone else (the drafter flow does all of it in the browser).
   */
  async function publishThroughApi(body: Record<string, unknown>): Promise<string> {
    const drafted = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafterToken, body });
    expect(drafted.status, JSON.stringify(drafted.body)).to.equal(201);
    const id = drafted.body.id;
    const packaged = await t.api({
      method: 'PATCH',
      path: `/api/v1/policies/${id}/interpretation`,
      token: drafterToken,
      body: {
        revision: 0,
        keyPoints: ['质押贷款利息贴息', '年度贴息设上限', '评估费给予补助'],
        sections: {
          background: '支持高新技术企业以知识产权融资。',
          mainContent: '企业以专利权质押获得贷款的，按利息的一定比例贴息，评估费给予补助。',
          scope: '注册在本区的高新技术企业。',
          eligibility: '以专利权质押取得银行贷款并按期付息。',
          benefits: '贴息和评估费补助。',
          enforcement: '贴息按实际支付的利息计算。',
          guide: { steps: [{ title: '在线申报', detail: '' }], materials: [{ name: '贷款合同' }], phone: '021-12345678' },
        },
      },
    });
    expect(packaged.status, JSON.stringify(packaged.body)).to.equal(200);
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafterToken, body: {} })).status).to.equal(200);
    for (const kind of ['confidentiality', 'legality']) {
      expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: kind === 'legality' ? legalReviewerToken : reviewerToken, body: { kind, decision: 'approved' } })).status).to.equal(200);
    }
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafterToken, body: {} })).status).to.equal(200);
    return id;
  }

  it('a public visitor searches, opens a policy, reads its interpretation, FAQ and comparison, and asks a question', async () => {
    const page = await openPage();
    await page.goto('/');
    await expectPageBasics(page);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).to.equal('跳到主要内容');
    await screenshotBoth({ page, name: 'public-01-home' });

    // The home page's FAQ box answers a plain question before any policy is opened.
    await page.getByRole('searchbox', { name: '搜索常见问题' }).fill('我们公司能申请专利资助吗');
    await page.getByRole('button', { name: '搜索常见问题' }).click();
    await page.waitForURL(/\/faq\?q=/);
    await expectPageBasics(page);
    expect(await page.locator('p[role=status]').innerText()).to.match(/共 \d+ 条相关问答/);
    expect(await page.locator('.card h3 mark').count(), 'highlighted words in the questions').to.be.greaterThan(0);
    await screenshotBoth({ page, name: 'public-02-faq-search' });

    await page.goto('/');
    await page.getByRole('searchbox', { name: '搜索政策文件' }).fill('质押融资');
    await page.getByRole('button', { name: '搜索政策' }).click();
    await page.waitForURL(/\/search\?q=/);
    await expectPageBasics(page);
    expect(await page.locator('.card mark').count(), 'highlighted matches').to.be.greaterThan(0);
    expect(await page.locator('p[role=status]').innerText()).to.match(/共 \d+ 件/);
    await screenshotBoth({ page, name: 'public-03-search' });

    // A facet is a link: the narrowed list has its own URL, so it can be bookmarked and shared.
    await page.locator('.facets a', { hasText: '知识产权质押融资' }).first().click();
    await page.waitForURL(/tags=need-ip-pledge-financing/);
    const bookmark = page.url();
    const firstTitle = await page.locator('.card h3 a').first().innerText();
    const again = await openPage();
    await again.goto(bookmark);
    expect(await again.locator('.card h3 a').first().innerText()).to.equal(firstTitle);
    await again.close();

    // The current Pudong pledge-financing rules: revised in 2025, with a package, FAQs and a comparison.
    await page.getByRole('searchbox', { name: '关键词' }).fill('贴息贴费实施办法');
    await page.getByRole('button', { name: '搜索' }).first().click();
    await page.waitForURL(/\/search\?q=/);
    await page.locator('.card h3 a', { hasText: '浦东新区知识产权质押融资贴息贴费实施办法' }).first().click();
    await page.waitForURL(/\/policies\/pd-ipa-2025-002/);
    await expectPageBasics(page);
    expect(await page.locator('.badge').first().innerText()).to.equal('现行有效');
    const firstArticle = page.locator('.toc a').first();
    const anchor = await firstArticle.getAttribute('href');
    expect(anchor).to.match(/^#/);
    await firstArticle.click();
    expect(new URL(page.url()).hash).to.equal(anchor);

    // 政策解读: the summary card is an image with its key points as alt text.
    const card = page.locator('#interpretation .summary-card img');
    expect(await card.getAttribute('alt')).to.contain('政策一图读懂').and.contain('要点');
    expect(await page.locator('#interpretation .key-points li').count()).to.be.greaterThan(2);
    expect(await page.locator('#interpretation h3', { hasText: '办事指引' }).count()).to.equal(1);

    // 常见问题 on the same page: each question opens to its answer.
    const faq = page.locator('#faq details.faq').first();
    await faq.locator('summary').click();
    expect(await faq.locator('.answer').isVisible()).to.equal(true);
    expect((await faq.locator('.answer').innerText()).length).to.be.greaterThan(10);

    // 新旧对照: word-level marks are <del>/<ins> with words for screen readers, not colour alone.
    const table = page.locator('#comparison table.compare-table');
    expect(await table.locator('caption').innerText()).to.contain('新旧条文对照');
    expect(await table.locator('del').count()).to.be.greaterThan(0);
    expect(await table.locator('ins').count()).to.be.greaterThan(0);
    expect(await table.locator('ins .visually-hidden').first().textContent()).to.contain('新增');
    expect(await table.locator('.badge-change').allInnerTexts()).to.include.members(['新增', '删除', '修改']);
    expect(await table.innerText(), "the drafter's note").to.contain('评估费不再单独补贴');
    await screenshotBoth({ page, name: 'public-04-policy' });
    const phone = await openPage('phone');
    await phone.goto('/policies/pd-ipa-2025-002#comparison');
    await expectPageBasics(phone);
    await phone.close();

    // 我要提问: the question is plain text; markup typed into it stays text.
    await page.getByLabel('您的问题').fill(`${visitorQuestion}<b>急</b>`);
    await page.getByLabel('称呼').fill('王经理');
    await page.getByRole('button', { name: '提交问题' }).click();
    await page.waitForURL(/\/questions\/q-/);
    await expectPageBasics(page);
    expect(await page.getByRole('status').first().innerText()).to.contain('已收到您的问题');
    expect(await page.locator('#my-question + p, .panel p').first().innerText()).to.contain('<b>急</b>');
    expect(await page.locator('b', { hasText: '急' }).count(), 'no markup from the question').to.equal(0);
    expect(await page.locator('.facts').innerText()).to.contain('待答复');
    await screenshotBoth({ page, name: 'public-05-my-question' });

    // Too short: the form comes back with the message next to the field and what was typed.
    await page.goto('/policies/pd-ipa-2025-002#question');
    await page.getByLabel('您的问题').fill('贴息？');
    await page.getByRole('button', { name: '提交问题' }).click();
    await page.locator('.error-summary').waitFor();
    expect(await page.locator('.error-summary').innerText()).to.contain('问题太短');
    expect(await page.getByLabel('您的问题').inputValue()).to.equal('贴息？');
    await page.close();
  });

  it('an enterprise signs up, confirms its e-mail, sets its profile, subscribes, sees a new policy in its feed with the reason, and unsubscribes in one click', async () => {
    const email = 'ip@test-enterprise.example';
    const page = await openPage();
    await page.goto('/account/sign-up');
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'enterprise-01-sign-up' });
    await page.getByLabel('企业或园区名称').fill('上海<测试>科技有限公司');
    await page.getByRole('textbox', { name: /统一社会信用代码/ }).fill(syntheticCreditCode(424242));
    await page.getByLabel('登录邮箱').fill(email);
    await page.getByLabel('密码', { exact: true }).fill('correct horse battery');
    await page.getByLabel('再次输入密码').fill('correct horse battery');
    await page.getByRole('button', { name: '注册' }).click();
    await page.waitForURL('**/account/profile');
    expect(await page.getByRole('status').first().innerText()).to.contain('注册成功');
    // The name went through the form as text: angle brackets come back escaped, not as markup.
    expect(await page.getByLabel('企业名称').inputValue()).to.equal('上海<测试>科技有限公司');

    // Double opt-in: the sign-in address gets a confirmation e-mail; its link confirms with a click.
    const confirmation = await waitForMail({ dataDir: t.dataDir, to: email, subject: '【请确认】' });
    const confirmLink = /确认邮箱：(\S+)/.exec(confirmation.text ?? '')?.[1] ?? '';
    expect(confirmLink).to.contain('/account/contacts/confirm?token=');
    await page.goto(onServer({ url: confirmLink, base: t.url }));
    await expectPageBasics(page);
    await page.getByRole('button', { name: '确认此邮箱' }).click();
    await page.waitForURL('**/account/contacts');
    expect(await page.getByRole('status').first().innerText()).to.contain('邮箱已确认');
    expect(await page.locator('table').innerText()).to.contain('已确认');

    await page.goto('/account/profile');
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
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'enterprise-03-subscription-form' });
    await page.getByRole('button', { name: '创建订阅' }).click();
    await page.waitForURL('**/account/subscriptions');
    expect(await page.locator('.panel h2').first().innerText()).to.equal('质押融资贴息');
    await screenshotBoth({ page, name: 'enterprise-04-subscriptions' });

    // A drafter publishes a policy for Pudong high-tech enterprises about pledge financing.
    const title = '浦东新区知识产权质押融资贴息实施细则（2026年版）';
    pushedPolicyId = await publishThroughApi({
      title,
      docNumber: '浦知规〔2026〕9号',
      issuer: '浦东新区知识产权局',
      level: 'level-district',
      issuedAt: '2026-11-01',
      effectiveAt: '2026-11-01',
      body: PLEDGE_BODY,
      criteria: { region: ['region-pudong'], qualification: ['qual-high-tech'] },
      tags: ['need-ip-pledge-financing', 'ptype-subsidy'],
    });

    await page.goto('/account');
    await expectPageBasics(page);
    const feedCard = page.locator('.card', { hasText: title });
    await feedCard.waitFor();
    const reasons = await feedCard.locator('.reasons').innerText();
    expect(reasons).to.contain('您的订阅“质押融资贴息”匹配');
    expect(reasons).to.contain('知识产权质押融资');
    expect(reasons).to.contain('符合适用条件');
    await screenshotBoth({ page, name: 'enterprise-05-feed' });

    // The push e-mail carries a signed one-click link (List-Unsubscribe, RFC 8058). Opening it
    // shows what it will do; one click on the button unsubscribes, without signing in.
    const pushMail = await waitForMail({ dataDir: t.dataDir, to: email, subject: `【政策推送】${title}` });
    expect(pushMail.text).to.contain('为什么推送给您');
    const listUnsubscribe = /^<(.+)>$/.exec(pushMail.headers.get('list-unsubscribe') ?? '')?.[1] ?? '';
    expect(listUnsubscribe).to.contain('/unsubscribe/');
    const visitor = await openPage();
    await visitor.goto(onServer({ url: listUnsubscribe, base: t.url }));
    await expectPageBasics(visitor);
    expect(await visitor.locator('h1').innerText()).to.equal('退订确认');
    expect(await visitor.locator('.lead').innerText()).to.contain('质押融资贴息');
    await screenshotBoth({ page: visitor, name: 'enterprise-06-unsubscribe' });
    await visitor.getByRole('button', { name: '确认退订' }).click();
    await visitor.locator('h1', { hasText: '退订成功' }).waitFor();
    await expectPageBasics(visitor);
    // The same link again changes nothing.
    await visitor.goBack();
    await visitor.getByRole('button', { name: '确认退订' }).click();
    await visitor.locator('h1', { hasText: '无需重复退订' }).waitFor();
    await visitor.close();

    await page.goto('/account/subscriptions');
    expect(await page.locator('.panel').count(), 'no live subscription left').to.equal(0);
    expect(await page.locator('table').innerText()).to.contain('一键退订');

    await page.goto('/account/security');
    await expectPageBasics(page);
    await screenshotBoth({ page, name: 'enterprise-07-security' });
    const account = await t.platform.services.store.webAccounts.findAccountByEmail(email);
    const subscriberId = account?.subscriberId ?? '';
    const before = await t.platform.services.store.webAccounts.listPushHistory({ subscriberId, limit: 10 });
    expect(before.deliveries.length, 'the push it received').to.be.greaterThan(0);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByLabel('输入密码以确认').fill('correct horse battery');
    await page.getByRole('checkbox', { name: '我了解删除后无法恢复' }).check();
    await page.getByRole('button', { name: '永久删除' }).click();
    await page.waitForURL(`${t.url}/`);
    expect(await page.getByRole('status').first().innerText()).to.contain('已删除');
    expect(await t.platform.services.store.webAccounts.findAccountByEmail(email)).to.equal(null);
    expect(await t.platform.services.store.webAccounts.listPushHistory({ subscriberId, limit: 10 })).to.deep.equal({ deliveries: [], messages: [] });
    await page.close();
  });

  it('a drafter creates a policy from a text file with suggested tags, attaches a package with an image, previews the audience, gets it reviewed and publishes it', async () => {
    // The rules this policy replaces, so the package has a comparison to annotate.
    const trialId = await publishThroughApi({
      title: '张江科学城知识产权质押融资风险补偿办法（试行）',
      docNumber: '张科规〔2025〕1号',
      issuer: '张江科学城管理局',
      level: 'level-park',
      issuedAt: '2025-03-01',
      effectiveAt: '2025-03-01',
      body: ZHANGJIANG_TRIAL,
      criteria: { region: ['region-zhangjiang'] },
      tags: ['need-ip-pledge-financing'],
    });

    const drafter = await openPage();
    await staffSignIn(drafter, drafterToken);
    await expectPageBasics(drafter);
    await screenshotBoth({ page: drafter, name: 'drafter-01-worklist' });

    await drafter.getByRole('link', { name: '新建政策' }).click();
    // The body comes from a text file; its first line becomes the title.
    const file = `张江科学城知识产权质押融资风险补偿办法\n${PLEDGE_BODY.replace(/浦东新区/g, '张江科学城')}`;
    await drafter.getByLabel('从文本文件读取正文').setInputFiles({ name: '风险补偿办法.txt', mimeType: 'text/plain', buffer: Buffer.from(file, 'utf8') });
    await drafter.getByRole('button', { name: '读取文件' }).click();
    await drafter.locator('#preview-title').waitFor();
    expect(await drafter.locator('#preview-title').innerText()).to.contain('识别出 3 条');
    expect(await drafter.getByLabel('标题').inputValue()).to.equal('张江科学城知识产权质押融资风险补偿办法');
    expect(await drafter.getByLabel('正文', { exact: true }).inputValue()).to.match(/^为支持张江科学城高新技术企业/);

    // Tags named in the text are suggested and applied with one click.
    const suggestions = await drafter.locator('.suggestion-list').innerText();
    expect(suggestions).to.contain('张江科学城').and.contain('知识产权质押融资').and.contain('高新技术企业');
    await drafter.getByRole('button', { name: /采用建议的 \d+ 个标签/ }).click();
    await drafter.locator('.suggestion-list .badge').first().waitFor();
    expect(await drafter.getByRole('checkbox', { name: '知识产权质押融资' }).isChecked()).to.equal(true);
    expect(await drafter.getByRole('checkbox', { name: '张江科学城' }).first().isChecked()).to.equal(true);
    await drafter.getByLabel('文号').fill('张科规〔2026〕3号');
    await drafter.getByLabel('发文机关').fill('张江科学城管理局');
    await drafter.getByLabel('发文层级').selectOption('level-park');
    await drafter.getByLabel('开始日期').fill('2026-12-01');
    await drafter.getByLabel('截止日期').fill('2027-01-31');
    await drafter.getByLabel('替代的前序政策').fill(trialId);
    await expectPageBasics(drafter);
    await drafter.getByRole('button', { name: '保存草稿' }).click();
    await drafter.waitForURL(/\/staff\/policies\/p-/);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('政策草稿已创建');
    const policyUrl = drafter.url();
    const policyId = policyUrl.split('/').at(-1) ?? '';
    expect(await drafter.locator('.sync').innerText(), '三同步 in the workflow panel').to.contain('解读未就绪').and.contain('主要内容：未填写');
    await screenshotBoth({ page: drafter, name: 'drafter-02-editor' });

    // 解读材料: the text, 办事指引, key points, then a graphic with its alt text.
    await openTab(drafter, '解读材料');
    await drafter.waitForURL(/\/interpretation$/);
    await expectPageBasics(drafter);
    await drafter.getByLabel('要点 1', { exact: true }).fill('质押贷款利息贴息60%');
    await drafter.getByLabel('要点 2', { exact: true }).fill('单个企业年度贴息最高80万元');
    await drafter.getByLabel('要点 3', { exact: true }).fill('评估费补助50%');
    await drafter.getByLabel('主要内容').fill('张江科学城高新技术企业以专利权质押贷款的，按利息的60%贴息，年度最高80万元；评估费补助50%。');
    await drafter.getByLabel('适用范围 / 惠及对象').fill('注册在张江科学城的高新技术企业。');
    await drafter.getByLabel('申报条件').fill('以专利权质押取得银行贷款，并已按期付息。');
    await drafter.getByLabel('惠企举措').fill('贴息60%，年度最高80万元；评估费补助50%。');
    // The title ends in 办法: a 管理办法 also explains its basis and how it is applied.
    await drafter.getByLabel('背景依据').fill('试行办法到期，贴息比例和上限随市级政策同步提高。');
    await drafter.getByLabel('执行口径').fill('贴息按实际支付的利息计算，同一笔贷款不重复享受市、区贴息。');
    await drafter.getByLabel('第 1 步', { exact: true }).fill('在线申报');
    await drafter.getByLabel('第 1 步说明').fill('通过张江科学城企业服务平台提交。');
    await drafter.getByLabel('材料 1', { exact: true }).fill('贷款合同');
    await drafter.getByLabel('材料 2', { exact: true }).fill('付息凭证');
    await drafter.getByLabel('咨询电话').fill('021-50000000');
    await drafter.getByRole('button', { name: '保存文字解读' }).click();
    await drafter.waitForURL(/\/interpretation#content-title$/);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('解读材料已保存');
    expect(await drafter.locator('.checklist .todo').count(), 'nothing required is missing').to.equal(0);

    // An upload without alt text is refused next to the field; with it, the graphic is attached.
    await drafter.getByLabel('图片文件').setInputFiles({ name: 'flow.png', mimeType: 'image/png', buffer: await graphicPng() });
    await drafter.getByRole('button', { name: '上传图解' }).click();
    await drafter.locator('.error-summary').waitFor();
    expect(await drafter.locator('.error-summary').innerText()).to.contain('请填写替代文本');
    await drafter.getByLabel('图片文件').setInputFiles({ name: 'flow.png', mimeType: 'image/png', buffer: await graphicPng() });
    await drafter.getByLabel('替代文本', { exact: true }).fill('申报流程图：在线申报、材料审核、专家评审、公示拨付四个步骤');
    await drafter.getByLabel(/^图注/).fill('风险补偿申报流程');
    await drafter.getByRole('button', { name: '上传图解' }).click();
    await drafter.waitForURL(/#graphics-title$/);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('图解已上传');
    expect(await drafter.locator('.graphic-thumb img').getAttribute('alt')).to.equal('申报流程图：在线申报、材料审核、专家评审、公示拨付四个步骤');
    await drafter.getByLabel('视频标题').fill('三分钟看懂风险补偿');
    await drafter.getByLabel('视频链接').fill('https://video.example.gov.cn/zj-pledge');
    await drafter.getByLabel('分钟').fill('3');
    await drafter.getByLabel('秒').fill('5');
    await drafter.getByRole('button', { name: '添加视频' }).click();
    await drafter.waitForURL(/#videos-title$/);
    await expectPageBasics(drafter);
    await screenshotBoth({ page: drafter, name: 'drafter-03-package' });

    // 新旧对照: a note on the changed article, reviewed with the package.
    await openTab(drafter, '新旧对照');
    await drafter.waitForURL(/\/comparison$/);
    await expectPageBasics(drafter);
    expect(await drafter.locator('table.compare-table del').count()).to.be.greaterThan(0);
    await drafter.locator('.compare-table textarea').first().fill('贴息比例由50%提高到60%，年度上限由50万元提高到80万元。');
    await drafter.getByRole('button', { name: '保存起草说明' }).click();
    await drafter.waitForURL(/\/comparison$/);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('起草说明已保存');
    await screenshotBoth({ page: drafter, name: 'drafter-04-comparison' });

    // A FAQ drafted with the package becomes public with the policy.
    await openTab(drafter, '常见问题');
    await drafter.waitForURL(/\/faqs$/);
    await drafter.getByLabel('问题', { exact: true }).fill('贷款还没还清可以申请贴息吗？');
    await drafter.getByLabel('答案', { exact: true }).fill('可以。按已实际支付的利息申请，年度内可分批申报。');
    await drafter.getByLabel(/^分类/).fill('申报条件');
    await drafter.getByRole('button', { name: '添加' }).click();
    await drafter.waitForURL(/\/faqs#faq-/);
    expect(await drafter.locator('.faq-admin').innerText()).to.contain('草稿（随政策发布）');
    await expectPageBasics(drafter);
    await screenshotBoth({ page: drafter, name: 'drafter-05-faqs' });

    await openTab(drafter, '受众预览');
    await drafter.waitForURL(/\/audience$/);
    await expectPageBasics(drafter);
    const reach = Number((await drafter.locator('.stat').innerText()).replace(/,/g, ''));
    expect(reach, 'demo enterprises in Zhangjiang subscribed to financing').to.be.greaterThan(0);
    expect(await drafter.locator('.reasons li').count()).to.be.greaterThan(0);
    await screenshotBoth({ page: drafter, name: 'drafter-06-audience' });

    await drafter.goto(policyUrl);
    expect(await drafter.locator('.sync').innerText()).to.contain('主要内容：已填写').and.contain('办事指引：已填写');
    await drafter.getByRole('button', { name: '送审' }).click();
    await drafter.waitForURL(policyUrl);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('已送审');

    // 保密审查 and 合法性审查 by two different reviewers (separation of duties).
    let reviewer = await openPage();
    await staffSignIn(reviewer, reviewerToken);
    await reviewer.goto(`${policyUrl}/interpretation`);
    expect(await reviewer.locator('.panel', { hasText: '解读材料（只读）' }).innerText(), 'the reviewer reads the package').to.contain('质押贷款利息贴息60%');
    await reviewer.goto(policyUrl);
    for (const kind of ['保密审查', '合法性审查']) {
      if (kind === '合法性审查') {
        await reviewer.close();
        reviewer = await openPage();
        await staffSignIn(reviewer, legalReviewerToken);
        await reviewer.goto(policyUrl);
      }
      await reviewer.getByRole('radio', { name: kind }).check();
      await reviewer.getByRole('radio', { name: '通过' }).check();
      await reviewer.getByRole('textbox', { name: /审查意见/ }).fill(`${kind}无问题，已核对解读材料`);
      if (kind === '合法性审查') await screenshotBoth({ page: reviewer, name: 'drafter-07-review' });
      await reviewer.getByRole('button', { name: '提交审查意见' }).click();
      await reviewer.waitForURL(policyUrl);
    }
    expect(await reviewer.locator('.badge-status').first().innerText()).to.equal('已通过审查');
    expect(await reviewer.locator('.sync').innerText()).to.contain('解读已就绪');
    await reviewer.close();

    await drafter.reload();
    await drafter.getByRole('button', { name: '发布' }).click();
    await drafter.waitForURL(policyUrl);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('已发布');
    expect(await drafter.locator('.sync').innerText()).to.contain('已随第 1 版一并发布');
    await screenshotBoth({ page: drafter, name: 'drafter-08-published' });

    // The public page carries the package: the graphic with its alt text and every size it was made in.
    await drafter.getByRole('link', { name: '查看公开页面' }).click();
    await drafter.waitForURL(`**/policies/${policyId}`);
    await expectPageBasics(drafter);
    expect(await drafter.locator('h1').innerText()).to.equal('张江科学城知识产权质押融资风险补偿办法');
    const graphic = drafter.locator('#interpretation .graphic img');
    expect(await graphic.getAttribute('alt')).to.equal('申报流程图：在线申报、材料审核、专家评审、公示拨付四个步骤');
    expect(await graphic.getAttribute('srcset')).to.match(/320w.*960w/);
    expect(await drafter.locator('#interpretation source[type="image/webp"]').getAttribute('srcset')).to.contain('.webp 320w');
    await graphic.scrollIntoViewIfNeeded();
    await drafter.waitForFunction('(() => { const img = document.querySelector("#interpretation .graphic img"); return img && img.complete && img.naturalWidth > 0; })()');
    const video = drafter.locator('#interpretation .videos a');
    expect(await video.getAttribute('href')).to.equal('https://video.example.gov.cn/zj-pledge');
    expect(await video.getAttribute('rel')).to.contain('noopener');
    expect(await drafter.locator('#comparison').innerText()).to.contain('贴息比例由50%提高到60%');
    expect(await drafter.locator('#faq').innerText()).to.contain('贷款还没还清可以申请贴息吗？');
    await screenshotBoth({ page: drafter, name: 'drafter-09-public-page' });
    await drafter.close();
  });

  it('a drafter answers the queue oldest first, publishes the reply, promotes it to the FAQ list, edits the FAQ and reads the delivery statistics', async () => {
    const drafter = await openPage();
    await staffSignIn(drafter, drafterToken);
    await drafter.getByRole('link', { name: /留言答复/ }).first().click();
    await drafter.waitForURL('**/staff/questions');
    await expectPageBasics(drafter);
    await screenshotBoth({ page: drafter, name: 'drafter-10-question-queue' });
    await drafter.locator('.card h2 a', { hasText: '专利质押贷款还没还清' }).click();
    await drafter.waitForURL(/\/staff\/questions\/qg-/);
    await expectPageBasics(drafter);
    // The visitor's markup is shown as the text it was.
    expect(await drafter.locator('.question-list').innerText()).to.contain('<b>急</b>');
    await drafter.getByLabel('答复内容').fill('可以。贴息按已实际支付的利息计算，贷款未还清的，可就已支付部分先行申请。');
    await drafter.getByRole('checkbox', { name: /收入常见问题/ }).check();
    await drafter.getByLabel('收入常见问题时的问题表述').fill('贷款还没还清，可以先申请贴息吗？');
    await drafter.getByLabel('常见问题分类').fill('申报条件');
    await screenshotBoth({ page: drafter, name: 'drafter-11-answer' });
    await drafter.getByRole('button', { name: '提交答复' }).click();
    await drafter.waitForURL(/\/staff\/questions\/qg-/);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('已答复');

    // The FAQ list of a published policy is live: an edit is public when saved.
    await drafter.getByRole('link', { name: '在常见问题清单中修改' }).click();
    await drafter.waitForURL(/\/faqs#faq-/);
    const promoted = drafter.locator('.faq-admin > li', { hasText: '贷款还没还清，可以先申请贴息吗？' });
    await promoted.locator('summary', { hasText: '修改' }).click();
    await promoted.getByLabel('答案').fill('可以。贴息按已实际支付的利息计算：贷款未还清的，就已支付的利息先行申请，其余年度内再报。');
    await promoted.getByRole('button', { name: /保存/ }).click();
    await drafter.waitForURL(/\/faqs#faq-/);
    expect(await drafter.getByRole('status').first().innerText()).to.contain('常见问题已保存');

    const visitor = await openPage();
    await visitor.goto('/policies/pd-ipa-2025-002');
    expect(await visitor.locator('#question .replies').innerText()).to.contain('可就已支付部分先行申请');
    expect(await visitor.locator('#faq').innerText()).to.contain('贷款还没还清，可以先申请贴息吗？');
    await visitor.close();

    // Delivery statistics of the policy published in the enterprise flow, whose e-mail was unsubscribed from.
    await drafter.goto(`/staff/policies/${pushedPolicyId}`);
    await openTab(drafter, '推送统计');
    await drafter.waitForURL(/\/deliveries$/);
    await expectPageBasics(drafter);
    expect(await drafter.locator('caption', { hasText: '按渠道和状态' }).count()).to.equal(1);
    expect(await drafter.locator('table').first().innerText()).to.contain('电子邮件').and.contain('已发送');
    expect(await drafter.locator('#matching-title + .facts').innerText()).to.match(/匹配状态\s*已完成/);
    await screenshotBoth({ page: drafter, name: 'drafter-12-deliveries' });
    await drafter.close();
  });
});

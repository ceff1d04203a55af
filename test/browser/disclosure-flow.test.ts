/**
 * 依申请公开 in a real browser: an applicant submits the public form, staff ask for a 补正, the
 * applicant answers on the tracking page, staff extend once and reply, and the reply reaches the
 * tracking page and the applicant's mailbox. The phone width is checked on the applicant's pages.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { OFFICIAL_CALENDAR, shanghaiDate } from '../../server/calendar/working-day-calendar.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, watchConsole } from './support/browser.js';
import { onServer, waitForMail } from './support/mail.js';
import { expectPageBasics } from './support/page-checks.js';

describe('依申请公开 from the public form to the reply, in a browser', function () {
  this.timeout(180_000);
  let t: TestPlatform;
  let browser: Browser;
  let reviewerToken: string;
  const consoleProblems: string[] = [];

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    t = await startTestPlatform({ env: { DISCLOSURE_MAIL_INTERVAL_MS: '200' } });
    browser = await launchBrowser();
    reviewerToken = await t.user({ id: 'gk-reviewer', role: 'reviewer', name: '公开办李审查' });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(consoleProblems.splice(0), 'console errors').to.deep.equal([]);
  });

  async function openPage(viewport: 'desktop' | 'phone'): Promise<Page> {
    const context = await newContext({ browser, baseURL: t.url, viewport });
    const page = await context.newPage();
    const problems = watchConsole(page);
    page.on('close', () => consoleProblems.push(...problems));
    return page;
  }

  it('runs submission, 补正 pause and answer, extension and reply through the pages', async () => {
    const applicant = await openPage('phone');
    await applicant.goto('/disclosure');
    await expectPageBasics(applicant);
    await applicant.getByLabel('姓名或名称').fill('王五');
    await applicant.getByLabel('证件号码').fill('310101199001011234');
    await applicant.getByLabel('电子邮箱').fill('wang.wu@example.cn');
    await applicant.getByRole('button', { name: '提交申请' }).click();
    // Nothing requested: the form comes back with the error and the case is not created.
    expect(await applicant.locator('.error-summary a[href="#f-information"]').count()).to.equal(1);
    await applicant.getByLabel('证件号码').fill('310101199001011234');
    await applicant.getByLabel('所需政府信息的名称、文号或其他特征描述').fill('2025 年度知识产权资助项目名单');
    await applicant.getByRole('button', { name: '提交申请' }).click();
    const receipt = (await applicant.locator('main').textContent()) ?? '';
    const number = /YSQ-\d{4}-\d{6}/.exec(receipt)?.[0] ?? '';
    expect(number).to.match(/^YSQ-/);
    expect(receipt).not.to.contain('310101199001011234');
    const trackingPath = (await applicant.locator('[data-tracking-link]').getAttribute('href')) ?? '';
    expect(trackingPath).to.match(/^\/disclosure\/track\//);
    await expectPageBasics(applicant);

    const staff = await openPage('desktop');
    await staff.goto('/staff/sign-in');
    await staff.getByLabel('访问令牌').fill(reviewerToken);
    await staff.getByRole('button', { name: '登录' }).click();
    await staff.waitForURL('**/staff');
    await staff.goto('/staff/disclosure');
    await expectPageBasics(staff);
    await staff.getByRole('link', { name: number }).click();
    expect(await staff.locator('main').textContent()).to.contain('3101**********1234');
    await staff.getByLabel('需要补正的事项').fill('请说明所需名单的发布处室或文号');
    await staff.getByRole('button', { name: '发出补正通知' }).click();
    expect(await staff.locator('main').textContent()).to.contain('计时暂停中');

    await applicant.goto(trackingPath);
    expect(await applicant.locator('main').textContent()).to.contain('请说明所需名单的发布处室或文号');
    await applicant.getByLabel('补正内容').fill('知识产权处发布，文号 知〔2025〕8 号');
    await applicant.getByRole('button', { name: '提交补正' }).click();
    const today = shanghaiDate(new Date());
    const restarted = OFFICIAL_CALENDAR.addWorkingDays({ from: today, count: 20 });
    expect(await applicant.locator('main').textContent()).to.contain(restarted);

    await staff.reload();
    await staff.getByLabel('延长工作日数').fill('25');
    await staff.getByLabel('批准人').fill('公开办张主任');
    await staff.getByLabel('延期理由').fill('需调取多个处室档案');
    await staff.getByRole('button', { name: '登记延期' }).click();
    expect(await staff.locator('.error-summary').textContent()).to.contain('20 个工作日');
    await staff.getByLabel('延长工作日数').fill('15');
    await staff.getByRole('button', { name: '登记延期' }).click();
    const extendedDue = OFFICIAL_CALENDAR.addWorkingDays({ from: today, count: 35 });
    expect(await staff.locator('main').textContent()).to.contain(extendedDue);

    await staff.getByLabel('选择 PDF 文件').setInputFiles({ name: '资助项目名单.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await staff.getByRole('button', { name: '上传附件' }).click();
    expect(await staff.locator('main').textContent()).to.contain('资助项目名单.pdf');

    await staff.getByLabel('答复结果').selectOption('withheld');
    await staff.getByLabel('答复书正文').fill('经审查，所申请信息不予公开。');
    await staff.getByRole('button', { name: '发出答复' }).click();
    expect(await staff.locator('.error-summary').textContent()).to.contain('法定理由');
    await staff.getByLabel('答复结果').selectOption('disclosed');
    await staff.getByLabel('答复书正文').fill('经审查，现将 2025 年度知识产权资助项目名单提供给您。');
    await staff.getByRole('button', { name: '发出答复' }).click();
    const history = (await staff.locator('main ol').textContent()) ?? '';
    for (const step of ['收到申请', '发出补正通知', '申请人已补正', '延期 15 个工作日', '作出答复：予以公开']) expect(history).to.contain(step);

    const mail = await waitForMail({ dataDir: t.dataDir, to: 'wang.wu@example.cn', subject: `政府信息公开申请 ${number} 答复书` });
    expect(mail.text).to.contain('予以公开');
    const link = /https?:\/\/\S+\/disclosure\/track\/[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0] ?? '';
    await applicant.goto(onServer({ url: link, base: t.url }));
    expect(await applicant.locator('[data-reply]').textContent()).to.contain('2025 年度知识产权资助项目名单提供给您');
    const attachmentHref = (await applicant.getByRole('link', { name: '资助项目名单.pdf' }).getAttribute('href')) ?? '';
    const download = await fetch(`${t.url}${attachmentHref}`);
    expect([download.status, download.headers.get('content-type')]).to.deep.equal([200, 'application/pdf']);
    await expectPageBasics(applicant);
  });
});

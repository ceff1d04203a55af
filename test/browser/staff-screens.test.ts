/**
 * Staff screens and the FAQ answer, at desktop and phone width in a real browser: what a draft is
 * labelled, who drafted it, the breadcrumb, tables on a phone, whose subscription the audience
 * reasons talk about, the 三同步 panel of a fresh draft, and a FAQ hit opening its answer in view.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, SCREENSHOT_DIR, VIEWPORTS, watchConsole } from './support/browser.js';
import { expectPageBasics } from './support/page-checks.js';

type Viewport = keyof typeof VIEWPORTS;
const WIDTHS: Viewport[] = ['desktop', 'phone'];

describe('staff screens and FAQ answers at 1280 and 390 px', function () {
  this.timeout(180_000);
  let t: TestPlatform;
  let browser: Browser;
  let drafterToken: string;
  let draftId = '';
  const consoleProblems: string[] = [];

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    t = await startTestPlatform({ demo: true });
    browser = await launchBrowser();
    drafterToken = await t.user({ id: 'wang-drafter', role: 'drafter', name: '王起草' });
    const drafted = await t.api<{ id: string }>({
      method: 'POST',
      path: '/api/v1/policies',
      token: drafterToken,
      body: policyBody({ title: '浦东新区知识产权质押融资贴息试行办法', docNumber: '浦知规〔2026〕91号', tags: ['need-ip-pledge-financing'] }),
    });
    expect(drafted.status, JSON.stringify(drafted.body)).to.equal(201);
    draftId = drafted.body.id;
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(consoleProblems.splice(0), 'console errors').to.deep.equal([]);
  });

  async function openPage(viewport: Viewport): Promise<Page> {
    const context = await newContext({ browser, baseURL: t.url, viewport });
    const page = await context.newPage();
    const problems = watchConsole(page);
    page.on('close', () => consoleProblems.push(...problems));
    return page;
  }

  async function staffPage(viewport: Viewport): Promise<Page> {
    const page = await openPage(viewport);
    await page.goto('/staff/sign-in');
    await page.getByLabel('访问令牌').fill(drafterToken);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL('**/staff');
    return page;
  }

  async function shoot(page: Page, name: string): Promise<void> {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }

  async function crumbs(page: Page): Promise<string[]> {
    return page.locator('nav.breadcrumbs li').allTextContents();
  }

  for (const viewport of WIDTHS) {
    it(`lists a draft with its workflow status, not a validity, under one breadcrumb (${viewport})`, async () => {
      const page = await staffPage(viewport);
      await page.goto('/staff?status=draft');
      await expectPageBasics(page);
      expect(await crumbs(page)).to.deep.equal(['政策工作台']);
      const row = page.locator('tbody tr', { hasText: '浦东新区知识产权质押融资贴息试行办法' });
      const cells = (await row.locator('td').allTextContents()).map((text) => text.trim());
      expect(cells[3]).to.equal('草稿，尚未发布');
      expect(cells.join(' ')).to.not.include('现行有效');
      await shoot(page, `staff-list-drafts-${viewport}`);
      await page.close();
    });

    it(`keeps staff tables readable: headers shown, columns wide enough, no page overflow (${viewport})`, async () => {
      const page = await staffPage(viewport);
      for (const url of ['/staff', '/staff/policies/demo-pudong-pledge-2026/audience']) {
        await page.goto(url);
        await expectPageBasics(page);
        const tables = (await page.evaluate(`Array.from(document.querySelectorAll('.table-wrap table')).map((table) => {
          const wrap = table.closest('.table-wrap');
          const cells = Array.from(table.querySelectorAll('th, td')).map((cell) => cell.getBoundingClientRect());
          const heads = Array.from(table.querySelectorAll('thead th')).map((th) => th.getBoundingClientRect());
          return {
            narrowest: Math.min(...cells.map((r) => r.width)),
            headsShown: heads.length > 0 && heads.every((r) => r.height > 0 && r.width > 0),
            firstHeadInView: heads.length > 0 && heads[0].left >= wrap.getBoundingClientRect().left - 1,
            scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
            keyboard: wrap.getAttribute('tabindex') === '0',
          };
        })`)) as { narrowest: number; headsShown: boolean; firstHeadInView: boolean; scrolls: boolean; keyboard: boolean }[];
        expect(tables.length, url).to.be.greaterThan(0);
        for (const table of tables) {
          // One Chinese character per line is what unreadable looked like: about 5 characters at least.
          expect(table.narrowest, `${url}: narrowest cell in px`).to.be.at.least(70);
          expect(table.headsShown, `${url}: header row shown`).to.equal(true);
          expect(table.firstHeadInView, `${url}: first header in view`).to.equal(true);
          if (table.scrolls) expect(table.keyboard, `${url}: a table that scrolls can be scrolled with the keyboard`).to.equal(true);
        }
        await shoot(page, `staff-table-${url.split('/').filter(Boolean).join('-')}-${viewport}`);
      }
      await page.close();
    });

    it(`names the drafter and tells the truth about a fresh draft's 三同步 state (${viewport})`, async () => {
      const page = await staffPage(viewport);
      await page.goto(`/staff/policies/${draftId}`);
      await expectPageBasics(page);
      const meta = await page.locator('main p.meta').first().textContent();
      expect(meta).to.include('起草人 王起草').and.not.include('wang-drafter');
      const crumbTrail = await crumbs(page);
      expect(crumbTrail.filter((c) => c === '政策工作台')).to.have.length(1);
      const panel = (await page.locator('.sync').textContent()) ?? '';
      expect(panel).to.include('还没有解读材料').and.not.include('本轮审查未覆盖').and.not.include('退回');
      await shoot(page, `staff-fresh-draft-${viewport}`);
      await page.close();
    });

    it(`words audience reasons about the subscriber in the third person for staff (${viewport})`, async () => {
      const page = await staffPage(viewport);
      await page.goto('/staff/policies/demo-pudong-pledge-2026/audience');
      const reasons = await page.locator('ul.reasons li').allTextContents();
      expect(reasons.length).to.be.greaterThan(0);
      expect(reasons.join('\n')).to.match(/该(企业|园区|用户)的订阅“/);
      for (const reason of reasons) expect(reason).to.not.include('您');
      await page.close();
    });

    it(`opens a FAQ hit's answer and scrolls it into view (${viewport})`, async () => {
      const page = await openPage(viewport);
      await page.goto(`/faq?q=${encodeURIComponent('我们公司能申请专利资助吗')}`);
      await expectPageBasics(page);
      const hit = page.locator('ul.cards li.card h3 a').first();
      const href = (await hit.getAttribute('href')) ?? '';
      expect(href).to.match(/^\/policies\/sh-ipa-2024-005#faq-/);
      await hit.click();
      await page.waitForURL(`**${href}`);
      await page.waitForLoadState('load');
      const faqId = href.split('#')[1] ?? '';
      const target = page.locator(`#${faqId}`);
      expect(await page.evaluate(`document.getElementById(${JSON.stringify(faqId)}).open`)).to.equal(true);
      // Lazy images above the answer load after the jump; the script puts it back in view.
      await page.waitForTimeout(300);
      const box = (await page.evaluate(
        `(() => { const r = document.getElementById(${JSON.stringify(faqId)}).getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: window.innerHeight }; })()`,
      )) as {
        top: number;
        bottom: number;
        height: number;
      };
      expect(box.top, 'the answer starts on screen').to.be.within(-1, box.height / 2);
      expect(await target.locator('.answer').isVisible()).to.equal(true);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `faq-hit-opened-${viewport}.png`) });
      await page.close();
    });

    it(`says in Chinese that no FAQ answers an unrelated question and offers the question form (${viewport})`, async () => {
      const page = await openPage(viewport);
      await page.goto(`/faq?q=${encodeURIComponent('如何办理护照')}`);
      await expectPageBasics(page);
      expect(await page.locator('.no-answer').textContent()).to.include('没有找到与您的问题足够相关的解答');
      expect(await page.locator('ul.cards li').count()).to.equal(0);
      await page.getByRole('link', { name: '检索相关政策并留言提问' }).click();
      await page.waitForURL('**/search?q=*');
      await shoot(page, `faq-no-answer-${viewport}`);
      await page.close();
    });
  }
});

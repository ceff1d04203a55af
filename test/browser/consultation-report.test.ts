/**
 * The two main open-government flows in a real browser: a consultation from opening to its
 * published adoption report (public comment, moderation, adoption, report linked from the final
 * policy), and the yearly report generated from seeded activity, each figure recomputed here from
 * the seeded records rather than read from the store.
 */
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { shanghaiDate } from '../../server/calendar/working-day-calendar.js';
import { policyBody } from '../support/fixtures.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';
import { browserAvailability, launchBrowser, newContext, screenshotBoth, watchConsole } from './support/browser.js';
import { expectPageBasics } from './support/page-checks.js';

const DRAFT = `为规范知识产权质押融资贴息工作，制定本办法（征求意见稿）。
第一条　本办法适用于注册在浦东新区的企业。
第二条　企业以专利权开展知识产权质押融资的，按实际贷款利息的50%给予贴息。
第三条　本办法自发布之日起施行。`;

const POLICY_TYPES = [
  { id: 'type-measure', dimension: 'policy_type' as const, label: '扶持措施', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'type-rule', dimension: 'policy_type' as const, label: '管理办法', synonyms: [], parent: null, deprecated: false, mergedInto: null },
];

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('open government in the browser: consultation to adoption report, and the yearly report', function () {
  this.timeout(240_000);
  let t: TestPlatform;
  let browser: Browser;
  let drafterToken: string;
  let reviewerToken: string;
  let legalToken: string;
  const problems: string[] = [];
  const today = shanghaiDate(new Date());
  const year = Number(today.slice(0, 4));

  before(async function () {
    const availability = browserAvailability();
    if (!availability.run) {
      process.stdout.write(`      skipped: ${availability.reason}\n`);
      this.skip();
    }
    t = await startTestPlatform();
    await t.platform.services.taxonomy.seed({ dimensions: [], tags: POLICY_TYPES });
    browser = await launchBrowser();
    drafterToken = await t.user({ id: 'li-drafter', role: 'drafter', name: '李起草' });
    reviewerToken = await t.user({ id: 'zhao-reviewer', role: 'reviewer', name: '赵审查' });
    legalToken = await t.user({ id: 'qian-reviewer', role: 'reviewer', name: '钱审查' });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(problems.splice(0), 'console errors').to.deep.equal([]);
  });

  async function openPage(): Promise<Page> {
    const context = await newContext({ browser, baseURL: t.url });
    const page = await context.newPage();
    const seen = watchConsole(page);
    page.on('close', () => problems.push(...seen));
    return page;
  }

  async function staffSignIn(page: Page, token: string): Promise<void> {
    await page.goto('/staff/sign-in');
    await page.getByLabel('访问令牌').fill(token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL('**/staff');
  }

  async function publishPolicy({ title, docNumber, tags }: { title: string; docNumber: string; tags: string[] }): Promise<string> {
    const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/policies', token: drafterToken, body: policyBody({ title, docNumber, tags }) });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id;
    await t.api({ method: 'PATCH', path: `/api/v1/policies/${id}/interpretation`, token: drafterToken, body: { revision: 0, exemption: { reason: '浏览器测试，免予解读' } } });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/submit`, token: drafterToken })).status).to.equal(200);
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: reviewerToken, body: { kind: 'confidentiality', decision: 'approved' } });
    await t.api({ method: 'POST', path: `/api/v1/policies/${id}/review`, token: legalToken, body: { kind: 'legality', decision: 'approved' } });
    expect((await t.api({ method: 'POST', path: `/api/v1/policies/${id}/publish`, token: drafterToken })).status).to.equal(200);
    return id;
  }

  it('takes a consultation from opening to its adoption report, linked from the final policy', async () => {
    const staff = await openPage();
    await staffSignIn(staff, drafterToken);
    await staff.goto('/staff/consultations/new');
    await expectPageBasics(staff);
    await staff.getByLabel('草案标题').fill('浦东新区知识产权质押融资贴息办法（征求意见稿）');
    await staff.getByLabel('征求意见稿正文').fill(DRAFT);
    await staff.getByLabel('起草说明').fill('为落实上级部署，起草本办法。');
    await staff.getByLabel('涉及的标签（标签编号，逗号分隔）').fill('need-pledge');
    await staff.getByLabel('开始日期').fill(today);
    await staff.getByLabel('截止日期').fill(addDays(today, 35));
    await staff.getByRole('button', { name: '保存草稿' }).click();
    await staff.waitForURL(/\/staff\/consultations\/c-/);
    await expect(await staff.locator('#staff-status').innerText()).to.equal('草稿');
    await staff.getByRole('button', { name: '发布征求意见' }).click();
    await staff.waitForURL(/done=opened/);
    expect(await staff.locator('#staff-status').innerText()).to.equal('征求意见中');
    const staffUrl = staff.url().split('?')[0] ?? '';
    const consultationId = staffUrl.split('/').at(-1) ?? '';

    const visitor = await openPage();
    await visitor.goto('/consultations');
    await visitor.getByRole('link', { name: '浦东新区知识产权质押融资贴息办法（征求意见稿）' }).click();
    await expectPageBasics(visitor);
    const second = await visitor.getByLabel('针对').locator('option', { hasText: '第二条' }).getAttribute('value');
    await visitor.getByLabel('针对').selectOption(second ?? '');
    await visitor.getByLabel('意见内容').fill('建议将贴息比例提高到60%。');
    await visitor.getByRole('textbox', { name: /姓名或单位/ }).fill('王先生');
    await visitor.getByRole('button', { name: '提交意见' }).click();
    await visitor.waitForURL(/received=1/);
    expect(await visitor.getByRole('status').first().innerText()).to.include('审核通过后');
    expect(await visitor.locator('#comments-title').innerText()).to.include('0 条');

    await staff.goto(staffUrl);
    await staff.getByRole('button', { name: '公开', exact: true }).click();
    await staff.waitForURL(/done=moderated/);
    await visitor.reload();
    expect(await visitor.locator('#comments-title').innerText()).to.include('1 条');
    const shown = await visitor.locator('.question-list').innerText();
    expect(shown).to.include('建议将贴息比例提高到60%');
    expect(shown).to.include('匿名');
    expect(shown).not.to.include('王先生');

    await staff.getByRole('button', { name: '截止征求意见' }).click();
    await staff.waitForURL(/done=closed/);
    await staff.getByLabel(/第二条：建议将贴息比例/).check();
    await staff.getByLabel('意见概要').fill('建议提高贴息比例');
    await staff.getByLabel('部分采纳').check();
    await staff.getByLabel('理由', { exact: true }).fill('比例提高到55%，兼顾财政承受能力');
    await staff.getByRole('button', { name: '记录' }).click();
    await staff.waitForURL(/done=adopted/);

    const policyId = await publishPolicy({ title: '浦东新区知识产权质押融资贴息办法', docNumber: '浦知规〔2026〕31号', tags: ['type-measure'] });
    await staff.getByLabel('正式政策编号').fill(policyId);
    await staff.getByLabel('总体说明').fill('共收到意见 1 条，部分采纳 1 条。');
    await staff.getByRole('button', { name: '公布采纳情况' }).click();
    await staff.waitForURL(/done=published/);
    expect(await staff.locator('#staff-status').innerText()).to.equal('已公布采纳情况');

    await visitor.goto(`/policies/${policyId}`);
    await visitor.getByRole('link', { name: /意见采纳情况反馈/ }).click();
    await visitor.waitForURL(new RegExp(`/consultations/${consultationId}`));
    const report = await visitor.locator('#adoption-report').innerText();
    expect(report).to.include('部分采纳');
    expect(report).to.include('比例提高到55%');
    expect(report).to.include('第二条');
    expect(await visitor.locator('#consultation-status').innerText()).to.equal('已公布采纳情况');
    await expectPageBasics(visitor);
    await screenshotBoth({ page: visitor, name: 'consultation-adoption-report' });
  });

  it('generates the yearly report from seeded activity, each figure recomputed from the seed, traced and downloadable', async () => {
    // Seed: documents of two years and three types (one repealed), consultations with moderated, decided comments.
    const seedPolicies = [
      { id: 'seed-a', type: 'type-measure', publishedAt: `${year}-02-01T02:00:00.000Z` },
      { id: 'seed-b', type: 'type-rule', publishedAt: `${year}-03-01T02:00:00.000Z`, repealedAt: `${year}-06-30` },
      { id: 'seed-c', type: 'type-rule', publishedAt: `${year - 1}-05-01T02:00:00.000Z` },
      { id: 'seed-d', type: null, publishedAt: `${year}-04-01T02:00:00.000Z` },
    ];
    const imported = await t.platform.services.importer.importLines({
      lines: seedPolicies.map((p) =>
        JSON.stringify({
          id: p.id,
          docNumber: `种子〔${p.id}〕号`,
          title: `种子政策 ${p.id}`,
          issuer: '浦东新区知识产权局',
          issuedAt: p.publishedAt.slice(0, 10),
          state: p.repealedAt ? 'repealed' : 'published',
          publishedAt: p.publishedAt,
          body: '第一条　测试。',
          tags: p.type ? [p.type] : [],
          ...(p.repealedAt ? { repeal: { repealedAt: p.repealedAt, reason: '已被取代' } } : {}),
        }),
      ),
    });
    expect(imported.failed, JSON.stringify(imported.errors)).to.equal(0);

    const seededComments: { consultation: string; outcome: 'adopted' | 'not_adopted' | null; approved: boolean }[] = [];
    for (const [title, plan] of [
      ['种子草案甲', [{ approved: true, outcome: 'adopted' as const }, { approved: true, outcome: 'not_adopted' as const }, { approved: false, outcome: null }]],
      ['种子草案乙', [{ approved: true, outcome: null }]],
    ] as const) {
      const created = await t.api<{ id: string }>({ method: 'POST', path: '/api/v1/consultations', token: drafterToken, body: { title, draftText: DRAFT, explanation: '说明', tags: [], startDate: today, endDate: addDays(today, 31) } });
      const id = created.body.id;
      await t.api({ method: 'POST', path: `/api/v1/consultations/${id}/open`, token: drafterToken });
      const ids: string[] = [];
      for (const [i, c] of plan.entries()) {
        const posted = await t.api<{ id: string }>({ method: 'POST', path: `/api/v1/consultations/${id}/comments`, body: { text: `${title}的第 ${i + 1} 条意见` } });
        ids.push(posted.body.id);
        await t.api({ method: 'POST', path: `/api/v1/consultations/${id}/comments/${posted.body.id}/moderation`, token: reviewerToken, body: c.approved ? { decision: 'approve' } : { decision: 'reject', reason: '与草案无关' } });
        seededComments.push({ consultation: id, outcome: c.outcome, approved: c.approved });
      }
      await t.api({ method: 'POST', path: `/api/v1/consultations/${id}/close`, token: drafterToken });
      for (const [i, c] of plan.entries()) {
        if (!c.outcome) continue;
        const res = await t.api({ method: 'POST', path: `/api/v1/consultations/${id}/adoptions`, token: drafterToken, body: { commentIds: [ids[i]], summary: '概要', outcome: c.outcome, reason: '理由说明' } });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
      }
    }

    // Recomputed from the seed (and the first test's consultation, policy and comment), not from the store.
    const inYear = (p: { publishedAt: string }) => shanghaiDate(new Date(p.publishedAt)).startsWith(String(year));
    const firstFlow = { consultations: 1, comments: 1, partlyAdopted: 1, measures: 1 };
    const expected = {
      measureCreated: seedPolicies.filter((p) => p.type === 'type-measure' && inYear(p)).length + firstFlow.measures,
      ruleCreated: seedPolicies.filter((p) => p.type === 'type-rule' && inYear(p)).length,
      ruleRepealed: seedPolicies.filter((p) => p.type === 'type-rule' && p.repealedAt?.startsWith(String(year))).length,
      ruleInForce: seedPolicies.filter((p) => p.type === 'type-rule' && !p.repealedAt).length,
      otherCreated: seedPolicies.filter((p) => p.type === null && inYear(p)).length,
      consultations: 2 + firstFlow.consultations,
      received: seededComments.length + firstFlow.comments,
      published: seededComments.filter((c) => c.approved).length + firstFlow.comments,
      adopted: seededComments.filter((c) => c.outcome === 'adopted').length,
      partlyAdopted: firstFlow.partlyAdopted,
      notAdopted: seededComments.filter((c) => c.outcome === 'not_adopted').length,
    };

    const admin = await openPage();
    await staffSignIn(admin, TEST_ADMIN_TOKEN);
    await admin.goto(`/staff/annual-report?year=${year}`);
    await expectPageBasics(admin);
    const figure = async (table: string, row: string, column = 0) => {
      const rowIndex = await admin.locator(`table[data-table="${table}"] tbody tr`).evaluateAll((rows, label) => rows.findIndex((r) => r.querySelector('th')?.textContent === label), row);
      expect(rowIndex, `${table} / ${row}`).to.be.at.least(0);
      return Number(await admin.locator(`[data-figure="${table}:${rowIndex}:${column}"]`).innerText());
    };
    expect(await figure('proactive', '扶持措施', 0)).to.equal(expected.measureCreated);
    expect(await figure('proactive', '管理办法', 0)).to.equal(expected.ruleCreated);
    expect(await figure('proactive', '管理办法', 1)).to.equal(expected.ruleRepealed);
    expect(await figure('proactive', '管理办法', 2)).to.equal(expected.ruleInForce);
    expect(await figure('proactive', '其他（未标注政策类型）', 0)).to.equal(expected.otherCreated);
    expect(await figure('office', '公开征求意见的草案（件）')).to.equal(expected.consultations);
    expect(await figure('office', '收到意见（条）')).to.equal(expected.received);
    expect(await figure('office', '审核后公开的意见（条）')).to.equal(expected.published);
    expect(await figure('office', '其中采纳（条）')).to.equal(expected.adopted);
    expect(await figure('office', '其中部分采纳（条）')).to.equal(expected.partlyAdopted);
    expect(await figure('office', '其中未采纳（条）')).to.equal(expected.notAdopted);

    // Staff-entered figures through the form.
    await admin.getByRole('textbox', { name: '结果维持', exact: true }).first().fill('3');
    await admin.getByRole('textbox', { name: '尚未审结', exact: true }).first().fill('1');
    await admin.getByRole('button', { name: '保存' }).click();
    await admin.waitForURL(/saved=1/);
    expect(await figure('review', '行政复议', 0)).to.equal(3);
    expect(await figure('review', '行政复议', 4)).to.equal(4);

    // The trace page lists exactly the records a figure counts.
    const rowIndex = await admin.locator('table[data-table="proactive"] tbody tr').evaluateAll((rows) => rows.findIndex((r) => r.querySelector('th')?.textContent === '管理办法'));
    await admin.locator(`[data-figure="proactive:${rowIndex}:1"]`).click();
    await admin.waitForURL(/\/trace\?/);
    await expectPageBasics(admin);
    expect(await admin.locator('#trace-value').innerText()).to.equal(String(expected.ruleRepealed));
    expect(await admin.locator('#trace-records li').evaluateAll((items) => items.map((i) => i.getAttribute('data-record')))).to.deep.equal(['policy:seed-b']);

    // The workbook download carries the same figures.
    await admin.goto(`/staff/annual-report?year=${year}`);
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.locator('#download-xlsx').click()]);
    const path = await download.path();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const values: (string | number)[][] = [];
    workbook.worksheets[0]?.eachRow((row) => values.push((row.values as (string | number | null)[]).slice(1).map((v) => v ?? '')));
    expect(values.find((r) => r[0] === '管理办法')?.slice(1)).to.deep.equal([expected.ruleCreated, expected.ruleRepealed, expected.ruleInForce]);
    expect(values.find((r) => r[0] === '收到意见（条）')?.[1]).to.equal(expected.received);
    expect(values.find((r) => r[0] === '行政复议')?.slice(1)).to.deep.equal([3, 0, 0, 1, 4]);
    await screenshotBoth({ page: admin, name: 'annual-report' });
  });
});

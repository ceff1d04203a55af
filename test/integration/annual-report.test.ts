import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { AnnualReport } from '../../schemas/annual-report.schema.js';
import { startTestPlatform, TEST_ADMIN_TOKEN, type TestPlatform } from '../support/test-platform.js';

const POLICY_TYPES = [
  { id: 'type-measure', dimension: 'policy_type' as const, label: '扶持措施', synonyms: [], parent: null, deprecated: false, mergedInto: null },
  { id: 'type-rule', dimension: 'policy_type' as const, label: '管理办法', synonyms: [], parent: null, deprecated: false, mergedInto: null },
];

function line(input: { id: string; type: string | null; publishedAt: string; repealedAt?: string }): string {
  return JSON.stringify({
    id: input.id,
    docNumber: `测试〔${input.id}〕号`,
    title: `政策 ${input.id}`,
    issuer: '浦东新区知识产权局',
    issuedAt: input.publishedAt.slice(0, 10),
    state: input.repealedAt ? 'repealed' : 'published',
    publishedAt: input.publishedAt,
    body: '第一条　测试。',
    tags: input.type ? [input.type] : [],
    ...(input.repealedAt ? { repeal: { repealedAt: input.repealedAt, reason: '已被新政策取代' } } : {}),
  });
}

const figureOf = (report: AnnualReport, tableId: string, rowLabel: string, column = 0) => report.tables.find((t) => t.id === tableId)?.rows.find((r) => r.label === rowLabel)?.cells[column]?.value;

describe('年度报告 over real HTTP: tables from the stores, staff figures, workbook and CSV', function () {
  this.timeout(60_000);
  let t: TestPlatform;
  let drafter: string;

  before(async () => {
    t = await startTestPlatform();
    await t.platform.services.taxonomy.seed({ dimensions: [], tags: POLICY_TYPES });
    drafter = await t.user({ id: 'drafter-report', role: 'drafter' });
    const report = await t.platform.services.importer.importLines({
      lines: [
        line({ id: 'pol-2025-a', type: 'type-measure', publishedAt: '2025-03-01T02:00:00.000Z' }),
        line({ id: 'pol-2025-b', type: 'type-rule', publishedAt: '2025-06-01T02:00:00.000Z', repealedAt: '2025-12-01' }),
        line({ id: 'pol-2024-c', type: 'type-rule', publishedAt: '2024-05-01T02:00:00.000Z' }),
        // Published at 07:00 Beijing time on 1 January 2025: it belongs to 2025, though it is still 2024 in UTC.
        line({ id: 'pol-2025-d', type: null, publishedAt: '2024-12-31T23:00:00.000Z' }),
        line({ id: 'pol-2026-e', type: 'type-measure', publishedAt: '2026-01-05T02:00:00.000Z' }),
      ],
    });
    expect(report.failed, JSON.stringify(report.errors)).to.equal(0);
  });
  after(async () => t.close());

  it('counts documents published, repealed and in force per policy type, on Beijing-time year boundaries', async () => {
    const res = await t.api<AnnualReport>({ path: '/api/v1/annual-reports/2025', token: drafter });
    expect(res.status).to.equal(200);
    const report = res.body;
    // 依申请公开 contributes its own table (表三) between 主动公开 and 复议/诉讼.
    expect(report.tables.map((table) => table.id)).to.deep.equal(['proactive', 'requests-received-handled', 'review', 'office']);
    expect([0, 1, 2].map((c) => figureOf(report, 'proactive', '扶持措施', c))).to.deep.equal([1, 0, 1]);
    expect([0, 1, 2].map((c) => figureOf(report, 'proactive', '管理办法', c))).to.deep.equal([1, 1, 1]);
    expect([0, 1, 2].map((c) => figureOf(report, 'proactive', '其他（未标注政策类型）', c))).to.deep.equal([1, 0, 1]);
    expect([0, 1, 2].map((c) => figureOf(report, 'proactive', '合计', c))).to.deep.equal([3, 1, 3]);
    const created = report.tables[0]?.rows.find((r) => r.label === '管理办法')?.cells[0]?.records.map((r) => r.id);
    expect(created).to.deep.equal(['pol-2025-b']);
  });

  it('takes reconsideration and litigation figures from administrators only, and bad figures change nothing', async () => {
    const figures = {
      reconsideration: { upheld: 2, corrected: 1, other: 0, pending: 1 },
      litigationDirect: { upheld: 1, corrected: 0, other: 0, pending: 0 },
      litigationAfterReconsideration: { upheld: 0, corrected: 0, other: 1, pending: 0 },
    };
    expect((await t.api({ method: 'PUT', path: '/api/v1/annual-reports/2025/review-figures', token: drafter, body: figures })).status).to.equal(403);
    const negative = await t.api({ method: 'PUT', path: '/api/v1/annual-reports/2025/review-figures', token: TEST_ADMIN_TOKEN, body: { ...figures, reconsideration: { ...figures.reconsideration, upheld: -1 } } });
    expect(negative.status).to.equal(400);
    expect(await t.platform.services.store.reportFigures.get(2025)).to.equal(null);
    expect((await t.api({ method: 'PUT', path: '/api/v1/annual-reports/2025/review-figures', token: TEST_ADMIN_TOKEN, body: figures })).status).to.equal(200);
    const report = (await t.api<AnnualReport>({ path: '/api/v1/annual-reports/2025', token: drafter })).body;
    const review = report.tables.find((table) => table.id === 'review');
    expect(review?.rows.map((r) => r.cells.map((c) => c.value))).to.deep.equal([
      [2, 1, 0, 1, 4],
      [1, 0, 0, 0, 1],
      [0, 0, 1, 0, 1],
    ]);
    expect((await t.api<AnnualReport>({ path: '/api/v1/annual-reports/2026', token: drafter })).body.tables.find((x) => x.id === 'review')?.rows[0]?.cells[4]?.value).to.equal(0);
  });

  it('downloads a workbook that reads back with the same figures, and CSV with a byte order mark', async () => {
    const report = (await t.api<AnnualReport>({ path: '/api/v1/annual-reports/2025', token: drafter })).body;
    const xlsx = await fetch(`${t.url}/api/v1/annual-reports/2025/export?format=xlsx`, { headers: { authorization: `Bearer ${drafter}` } });
    expect(xlsx.status).to.equal(200);
    expect(xlsx.headers.get('content-type')).to.include('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsx.arrayBuffer());
    const sheet = workbook.worksheets[0];
    expect(sheet?.name).to.equal('2025年度报告');
    const rows: (string | number)[][] = [];
    sheet?.eachRow((row) => rows.push((row.values as (string | number | null)[]).slice(1).map((v) => v ?? '')));
    for (const table of report.tables) {
      expect(rows.some((r) => r[0] === table.title)).to.equal(true);
      for (const row of table.rows) {
        const found = rows.find((r, i) => r[0] === row.label && rows.slice(0, i).some((x) => x[0] === table.title));
        expect(found?.slice(1), `${table.title} ${row.label}`).to.deep.equal(row.cells.map((c) => c.value));
      }
    }

    const csv = await fetch(`${t.url}/api/v1/annual-reports/2025/export?format=csv`, { headers: { authorization: `Bearer ${drafter}` } });
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text).to.include('管理办法,1,1,1');
    expect(text).to.include('行政复议,2,1,0,1,4');
  });

  it('is for staff only', async () => {
    expect((await t.api({ path: '/api/v1/annual-reports/2025' })).status).to.equal(401);
    expect((await t.api({ path: '/api/v1/annual-reports/1999', token: drafter })).status).to.equal(400);
  });
});

import { annualReportSchema, reportYearParamsSchema, reviewFiguresSchema } from '../../../schemas/annual-report.schema.js';
import { z } from 'zod';
import { DomainError } from '../../errors.js';
import { defineRoute } from '../../http/route.js';
import { reportCsv, reportWorkbook, type AnnualReportService } from './annual-report.service.js';

const TAG = 'annual-report';
const STAFF = ['admin', 'drafter', 'reviewer'] as const;

/** The yearly disclosure report over the JSON API (staff), with its workbook and CSV downloads. */
export function annualReportRoutes({ reports }: { reports: AnnualReportService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/annual-reports/:year',
      tag: TAG,
      summary: '政府信息公开工作年度报告（统计表，每个数字附所统计的记录）',
      access: STAFF,
      params: reportYearParamsSchema,
      response: annualReportSchema,
      handler: ({ params }) => reports.generate({ year: params.year }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/annual-reports/:year/export',
      tag: TAG,
      summary: '下载年度报告：format=xlsx（Excel 工作簿）或 csv（UTF-8 带 BOM）',
      access: STAFF,
      params: reportYearParamsSchema,
      query: z.strictObject({ format: z.enum(['xlsx', 'csv']).default('xlsx') }),
      response: annualReportSchema,
      produces: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      handler: async ({ params, query, res }) => {
        const report = await reports.generate({ year: params.year });
        res.setHeader('Content-Disposition', `attachment; filename="annual-report-${params.year}.${query.format}"`);
        if (query.format === 'csv') res.type('text/csv; charset=utf-8').send(reportCsv(report));
        else res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await reportWorkbook(report));
        return report;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/annual-reports/:year/review-figures',
      tag: TAG,
      summary: '录入本年度行政复议、行政诉讼数字（管理员）',
      access: ['admin'],
      params: reportYearParamsSchema,
      body: reviewFiguresSchema,
      response: reviewFiguresSchema,
      handler: async ({ params, body, actor }) => {
        if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '请先登录' });
        await reports.saveReviewFigures({ actor, year: params.year, figures: body });
        return body;
      },
    }),
  ];
}

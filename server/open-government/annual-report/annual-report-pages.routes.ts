import express, { type Request } from 'express';
import { EMPTY_REVIEW_FIGURES, REVIEW_OUTCOME_LABELS, reviewFiguresSchema } from '../../../schemas/annual-report.schema.js';
import { DomainError } from '../../errors.js';
import { webContext } from '../../web/context.js';
import { formOf, queryStr, str, zodErrors } from '../../web/forms.js';
import { requireStaff, type PortalKit } from '../../web/kit.js';
import { shanghaiDate } from '../../calendar/working-day-calendar.js';
import type { OpenGovernmentServices } from '../open-government-platform.js';
import { reportCsv, reportWorkbook } from './annual-report.service.js';
import { annualReportPage, tracePage } from './annual-report.views.js';

function yearOf(value: string): number {
  const year = Number(value);
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new DomainError({ type: 'not_found', code: 'report_year_invalid', message: '年度应为 2000–2100 之间的年份' });
  return year;
}

/** The staff page of the yearly report, its downloads, the trace page and the reconsideration/litigation form. */
export function annualReportPageRoutes({ kit }: { kit: PortalKit<{ openGovernment: OpenGovernmentServices }> }): express.Router {
  const router = express.Router();
  const reports = kit.services.openGovernment.annualReport;
  const paramYear = (req: Request) => yearOf(String(req.params.year));

  router.get('/staff/annual-report', async (req, res) => {
    const actor = requireStaff(res);
    const year = queryStr(req, 'year') ? yearOf(queryStr(req, 'year')) : Number(shanghaiDate(new Date()).slice(0, 4)) - 1;
    const report = await reports.generate({ year });
    const figures = (await reports.reviewFigures({ year }))?.figures ?? EMPTY_REVIEW_FIGURES;
    kit.render(res, annualReportPage({ ctx: webContext(res), report, figures, canEdit: actor.role === 'admin', errors: [], saved: queryStr(req, 'saved') === '1' }));
  });

  router.get('/staff/annual-report/:year/download', async (req, res) => {
    requireStaff(res);
    const year = paramYear(req);
    const format = queryStr(req, 'format') === 'csv' ? 'csv' : 'xlsx';
    const report = await reports.generate({ year });
    res.setHeader('Content-Disposition', `attachment; filename="annual-report-${year}.${format}"`);
    if (format === 'csv') res.type('text/csv; charset=utf-8').send(reportCsv(report));
    else res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await reportWorkbook(report));
  });

  router.get('/staff/annual-report/:year/trace', async (req, res) => {
    requireStaff(res);
    const year = paramYear(req);
    const traced = await reports.trace({ year, tableId: queryStr(req, 'table'), row: Number(queryStr(req, 'row')), column: Number(queryStr(req, 'column')) });
    kit.render(res, tracePage({ ctx: webContext(res), year, title: traced.table.title, rowLabel: traced.rowLabel, column: traced.column, value: traced.value, records: traced.records }));
  });

  router.post('/staff/annual-report/:year/figures', async (req, res) => {
    const actor = requireStaff(res, ['admin']);
    const year = paramYear(req);
    const form = formOf(req);
    const group = (name: string) => Object.fromEntries(REVIEW_OUTCOME_LABELS.map(([key]) => [key, str(form, `${name}.${key}`) || '0']));
    const parsed = reviewFiguresSchema.safeParse({
      reconsideration: group('reconsideration'),
      litigationDirect: group('litigationDirect'),
      litigationAfterReconsideration: group('litigationAfterReconsideration'),
    });
    if (!parsed.success) {
      const report = await reports.generate({ year });
      const figures = (await reports.reviewFigures({ year }))?.figures ?? EMPTY_REVIEW_FIGURES;
      return kit.render(res, annualReportPage({ ctx: webContext(res), report, figures, canEdit: true, errors: zodErrors(parsed.error), saved: false }), 400);
    }
    await reports.saveReviewFigures({ actor, year, figures: parsed.data });
    res.redirect(303, `/staff/annual-report?year=${year}&saved=1`);
  });

  return router;
}

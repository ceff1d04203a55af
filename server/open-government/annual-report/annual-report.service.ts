import type { AnnualReport, ReviewFigures } from '../../../schemas/annual-report.schema.js';
import { notFound } from '../../errors.js';
import type { Store } from '../../ports/store.port.js';
import type { Actor } from '../../services/actor.js';
import type { ReportSectionBuilder, ReportTable, TracedRecord } from '../annual-report.types.js';
import { reportPeriod } from './report-sections.js';
import { csvDocument, type CsvValue } from '../../text/csv-writer.js';

/**
 * 政府信息公开工作年度报告: runs every registered section builder for the year, in the order the
 * composition root lists them (the national format's order), and renders the result as a page,
 * a workbook and CSV. Every figure keeps the records it counts (the trace page).
 */
export class AnnualReportService {
  constructor(private readonly deps: { store: Store; sections: readonly ReportSectionBuilder[]; now: () => Date }) {}

  async generate({ year }: { year: number }): Promise<AnnualReport> {
    const period = reportPeriod(year);
    const tables: ReportTable[] = [];
    for (const build of this.deps.sections) tables.push(...(await build({ period })));
    return { year, generatedAt: this.deps.now().toISOString(), tables };
  }

  /** The records behind one figure. */
  async trace({ year, tableId, row, column }: { year: number; tableId: string; row: number; column: number }): Promise<{ table: ReportTable; rowLabel: string; column: string; value: number; records: TracedRecord[] }> {
    const report = await this.generate({ year });
    const table = report.tables.find((t) => t.id === tableId);
    const found = table?.rows[row];
    const figure = found?.cells[column];
    if (!table || !found || !figure) throw notFound({ code: 'report_figure_not_found', message: '报告中没有这个数字' });
    return { table, rowLabel: found.label, column: table.columns[column] ?? '', value: figure.value, records: figure.records };
  }

  async reviewFigures({ year }: { year: number }) {
    return this.deps.store.reportFigures.get(year);
  }

  async saveReviewFigures({ actor, year, figures }: { actor: Actor; year: number; figures: ReviewFigures }): Promise<void> {
    await this.deps.store.reportFigures.put({ year, figures, updatedBy: actor.name, updatedAt: this.deps.now().toISOString() });
  }
}

/**
 * The report as one worksheet, tables one after another as in the printed format. exceljs (some
 * 8 MB of heap) is loaded by the first workbook asked for, not by every web process at start.
 */
export async function reportWorkbook(report: AnnualReport): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.created = new Date(report.generatedAt);
  const sheet = workbook.addWorksheet(`${report.year}年度报告`);
  sheet.getColumn(1).width = 40;
  sheet.addRow([`${report.year}年政府信息公开工作年度报告（统计表）`]).font = { bold: true, size: 14 };
  for (const table of report.tables) {
    sheet.addRow([]);
    sheet.addRow([table.title]).font = { bold: true };
    const header = sheet.addRow(['', ...table.columns]);
    header.font = { bold: true };
    for (const row of table.rows) sheet.addRow([row.label, ...row.cells.map((c) => c.value)]);
    if (table.note) sheet.addRow([`说明：${table.note}`]).font = { italic: true, size: 9 };
  }
  for (let i = 2; i <= sheet.columnCount; i++) sheet.getColumn(i).width = 16;
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Every table one after the other, for spreadsheet programs (see csv-writer.ts). */
export function reportCsv(report: AnnualReport): string {
  const rows: CsvValue[][] = [[`${report.year}年政府信息公开工作年度报告（统计表）`]];
  for (const table of report.tables) {
    rows.push([], [table.title], ['', ...table.columns]);
    for (const row of table.rows) rows.push([row.label, ...row.cells.map((c) => c.value)]);
  }
  return csvDocument(rows);
}

import { z } from 'zod';
import { reviewFiguresSchema, type ReviewFigures } from '../../../schemas/annual-report.schema.js';
import type { ReportFigureRepository } from '../../ports/report-figures.port.js';
import type { Db } from './sqlite.support.js';

const figuresRow = z.object({ figures: z.string(), updated_by: z.string(), updated_at: z.string() });

export class SqliteReportFigureRepository implements ReportFigureRepository {
  constructor(private readonly db: Db) {}

  async get(year: number): Promise<{ figures: ReviewFigures; updatedBy: string; updatedAt: string } | null> {
    const row = this.db.prepare('SELECT figures, updated_by, updated_at FROM annual_report_figures WHERE year = ?').get(year);
    if (!row) return null;
    const r = figuresRow.parse(row);
    return { figures: reviewFiguresSchema.parse(JSON.parse(r.figures)), updatedBy: r.updated_by, updatedAt: r.updated_at };
  }

  async put({ year, figures, updatedBy, updatedAt }: { year: number; figures: ReviewFigures; updatedBy: string; updatedAt: string }): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO annual_report_figures (year, figures, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (year) DO UPDATE SET figures = excluded.figures, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      .run(year, JSON.stringify(reviewFiguresSchema.parse(figures)), updatedBy, updatedAt);
  }
}

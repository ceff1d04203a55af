import type { ReviewFigures } from '../../schemas/annual-report.schema.js';

/** Figures staff enter for the yearly report (administrative reconsideration and litigation), one row per year. */
export interface ReportFigureRepository {
  get(year: number): Promise<{ figures: ReviewFigures; updatedBy: string; updatedAt: string } | null>;
  /** Creates or replaces the year's figures. */
  put(input: { year: number; figures: ReviewFigures; updatedBy: string; updatedAt: string }): Promise<void>;
}

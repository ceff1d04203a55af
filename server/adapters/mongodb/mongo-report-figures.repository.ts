import { z } from 'zod';
import { reviewFiguresSchema, type ReviewFigures } from '../../../schemas/annual-report.schema.js';
import type { ReportFigureRepository } from '../../ports/report-figures.port.js';
import { storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

export const REPORT_FIGURES_COLLECTION = 'annual_report_figures';

export const reportFiguresDocSchema = z.object({ year: z.number().int(), figures: reviewFiguresSchema, updatedBy: z.string(), updatedAt: z.string() });
type FiguresDoc = { _id: number; figures: ReviewFigures; updatedBy: string; updatedAt: string };

const figuresModel = storedSchema({ _id: Number, figures: Object, updatedBy: String, updatedAt: String }, { collection: REPORT_FIGURES_COLLECTION });

export const reportFigureModels: ModelBinding[] = [{ name: 'AnnualReportFigures', schema: figuresModel, shape: reportFiguresDocSchema.shape, idField: 'year' }];

export class MongoReportFigureRepository implements ReportFigureRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get figures() {
    return this.ctx.connection.collection<FiguresDoc>(REPORT_FIGURES_COLLECTION);
  }

  async get(year: number) {
    const doc = await this.figures.findOne({ _id: year });
    return doc ? { figures: reviewFiguresSchema.parse(doc.figures), updatedBy: doc.updatedBy, updatedAt: doc.updatedAt } : null;
  }

  async put({ year, figures, updatedBy, updatedAt }: { year: number; figures: ReviewFigures; updatedBy: string; updatedAt: string }): Promise<void> {
    await this.figures.updateOne({ _id: year }, { $set: { figures: reviewFiguresSchema.parse(figures), updatedBy, updatedAt } }, { upsert: true });
  }
}

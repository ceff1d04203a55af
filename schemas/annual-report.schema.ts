import { z } from 'zod';

/** 行政复议 / 行政诉讼 result columns of the national format (table 四). */
export const reviewOutcomeSchema = z.strictObject({
  upheld: z.coerce.number().int().min(0).max(100_000),
  corrected: z.coerce.number().int().min(0).max(100_000),
  other: z.coerce.number().int().min(0).max(100_000),
  pending: z.coerce.number().int().min(0).max(100_000),
});
export type ReviewOutcome = z.infer<typeof reviewOutcomeSchema>;

export const REVIEW_OUTCOME_LABELS: [keyof ReviewOutcome, string][] = [
  ['upheld', '结果维持'],
  ['corrected', '结果纠正'],
  ['other', '其他结果'],
  ['pending', '尚未审结'],
];

export const reviewFiguresSchema = z
  .strictObject({
    reconsideration: reviewOutcomeSchema,
    /** 未经复议直接起诉. */
    litigationDirect: reviewOutcomeSchema,
    /** 复议后起诉. */
    litigationAfterReconsideration: reviewOutcomeSchema,
  })
  .meta({ id: 'ReviewFigures' });
export type ReviewFigures = z.infer<typeof reviewFiguresSchema>;

export const EMPTY_REVIEW_FIGURES: ReviewFigures = {
  reconsideration: { upheld: 0, corrected: 0, other: 0, pending: 0 },
  litigationDirect: { upheld: 0, corrected: 0, other: 0, pending: 0 },
  litigationAfterReconsideration: { upheld: 0, corrected: 0, other: 0, pending: 0 },
};

export const reportYearParamsSchema = z.strictObject({ year: z.coerce.number().int().min(2000).max(2100) });

const tracedRecordSchema = z.object({ kind: z.string(), id: z.string(), label: z.string(), href: z.string().optional() });
export const reportTableSchema = z.object({
  id: z.string(),
  title: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.object({ label: z.string(), cells: z.array(z.object({ value: z.number(), records: z.array(tracedRecordSchema) })) })),
  note: z.string().optional(),
});

export const annualReportSchema = z
  .object({ year: z.number().int(), generatedAt: z.string(), tables: z.array(reportTableSchema) })
  .meta({ id: 'AnnualReport' });
export type AnnualReport = z.infer<typeof annualReportSchema>;

/**
 * The yearly disclosure report (政府信息公开工作年度报告) is assembled from tables that each part of
 * the product contributes; every figure keeps the records it counts so staff can trace it.
 */

export interface ReportPeriod {
  year: number;
  /** First instant of the year in Asia/Shanghai. */
  start: string;
  /** First instant of the next year in Asia/Shanghai (exclusive). */
  end: string;
}

export interface TracedRecord {
  kind: string;
  id: string;
  label: string;
  href?: string;
}

export interface ReportCell {
  value: number;
  records: TracedRecord[];
}

export interface ReportRow {
  label: string;
  cells: ReportCell[];
}

export interface ReportTable {
  id: string;
  title: string;
  columns: string[];
  rows: ReportRow[];
  note?: string;
}

/** One contributor's tables for a year. */
export type ReportSectionBuilder = (input: { period: ReportPeriod }) => Promise<ReportTable[]>;

import { createSubscriberBodySchema, PROFILE_DIMENSIONS } from '../../schemas/subscriber.schema.js';
import { DomainError, invalid } from '../errors.js';
import { issuesOf } from '../validation-issues.js';
import { parseCsv } from '../subscribers/csv.js';
import type { PreparedSubscriber, SubscriberService } from './subscriber.service.js';

export interface SubscriberImportReport {
  imported: number;
  failed: number;
  errors: { line: number; name: string | null; code: string; message: string }[];
  /**
   * Set when the store stopped accepting writes (busy, unreachable): every line before
   * `resumeFromLine` is settled (written, or listed in `errors`); nothing from it on was written.
   */
  stopped?: { resumeFromLine: number; code: string; message: string };
}

export type ImportFormat = 'jsonl' | 'csv';

export interface ImportProgress {
  /** Rows settled: written in a committed batch, or refused. */
  done: number;
  imported: number;
  failed: number;
  /** The last line of the last committed batch. */
  committedThroughLine: number;
}

/** Rows per transaction: large enough to be fast, small enough that web writes wait only milliseconds for the lock. */
export const IMPORT_BATCH_SIZE = 200;

/** A CSV column holding several tag ids separates them with `|` or `;`. */
const splitTags = (value: string | undefined) => (value ?? '').split(/[|;；]/).map((v) => v.trim()).filter(Boolean);

/**
 * Bulk import of enterprises (admins, and park operators for their members). Each row goes through
 * the API's schema and the service's checks; a bad row is reported with its line number and does
 * not stop the rest. Valid rows are written in batches, each batch one transaction, so an import
 * that stops (the store busy or gone) has written whole batches only and can resume at a line.
 */
export class SubscriberImportService {
  constructor(private readonly deps: { subscribers: Pick<SubscriberService, 'prepareNew' | 'insertBatch'> }) {}

  async importText({
    text,
    format,
    parkId,
    fromLine = 1,
    batchSize = IMPORT_BATCH_SIZE,
    onProgress,
  }: {
    text: string;
    format: ImportFormat;
    parkId?: string;
    /** Resume: rows on earlier lines are skipped (the report of a stopped import names the line). */
    fromLine?: number;
    batchSize?: number;
    onProgress?: (progress: ImportProgress) => void;
  }): Promise<SubscriberImportReport> {
    const report: SubscriberImportReport = { imported: 0, failed: 0, errors: [] };
    const progress: ImportProgress = { done: 0, imported: 0, failed: 0, committedThroughLine: fromLine - 1 };
    // Rows checked since the last commit: the valid ones wait for the batch, the refused ones are reported with it.
    let batch: { line: number; name: string | null; prepared: PreparedSubscriber }[] = [];
    let refusedSinceCommit: SubscriberImportReport['errors'] = [];
    let lastLine = fromLine - 1;

    const commit = async (): Promise<boolean> => {
      try {
        const { refused } = await this.deps.subscribers.insertBatch(batch.map((row) => row.prepared));
        const refusedAt = new Map(refused.map(({ index, error }) => [index, error]));
        batch.forEach((row, index) => {
          const error = refusedAt.get(index);
          if (error) refusedSinceCommit.push({ line: row.line, name: row.name, code: error.code, message: error.message });
        });
        report.imported += batch.length - refused.length;
      } catch (error) {
        const resumeFromLine = Math.min(batch[0]?.line ?? lastLine + 1, refusedSinceCommit[0]?.line ?? lastLine + 1);
        const domain = error instanceof DomainError ? error : null;
        report.stopped = {
          resumeFromLine,
          code: domain?.code ?? 'store_failed',
          message: `从第 ${resumeFromLine} 行起未导入（${domain?.message ?? (error instanceof Error ? error.message : String(error))}）；之前的行已处理完毕，请稍后用“从第 ${resumeFromLine} 行继续”重新导入`,
        };
        report.errors.push({ line: resumeFromLine, name: null, code: report.stopped.code, message: report.stopped.message });
        return false;
      }
      refusedSinceCommit.sort((a, b) => a.line - b.line);
      report.errors.push(...refusedSinceCommit);
      report.failed += refusedSinceCommit.length;
      progress.done = report.imported + report.failed;
      progress.imported = report.imported;
      progress.failed = report.failed;
      progress.committedThroughLine = lastLine;
      batch = [];
      refusedSinceCommit = [];
      onProgress?.({ ...progress });
      return true;
    };

    for (const row of format === 'csv' ? csvRows(text) : jsonlRows(text)) {
      if (row.line < fromLine && !row.header) continue;
      try {
        const raw = row.value();
        const parsed = createSubscriberBodySchema.safeParse(parkId ? { kind: 'enterprise', ...raw, parkId } : raw);
        if (!parsed.success) {
          const issues = issuesOf(parsed.error);
          throw invalid({ code: 'validation_failed', message: issues.map((i) => `${i.path}：${i.message}`).join('；') });
        }
        if (parkId && parsed.data.kind !== 'enterprise') throw invalid({ code: 'park_member_kind', message: '园区只能导入企业' });
        batch.push({ line: row.line, name: row.name, prepared: await this.deps.subscribers.prepareNew({ body: parsed.data, ...(parkId ? { parkId } : {}) }) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refusedSinceCommit.push({ line: row.line, name: row.name, code: error.code, message: error.message });
      }
      lastLine = row.line;
      if (batch.length >= batchSize && !(await commit())) return report;
    }
    if (batch.length > 0 || refusedSinceCommit.length > 0) await commit();
    return report;
  }
}

interface PendingRow {
  line: number;
  name: string | null;
  /** A problem with the CSV header: reported even when resuming further down. */
  header?: boolean;
  value: () => Record<string, unknown>;
}

function* jsonlRows(text: string): Generator<PendingRow> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const raw = lines[i]?.trim() ?? '';
    if (raw === '') continue;
    yield {
      line: i + 1,
      name: /"name"\s*:\s*"([^"]{1,100})"/.exec(raw)?.[1] ?? null,
      value: () => {
        try {
          const value: unknown = JSON.parse(raw);
          if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
          return value as Record<string, unknown>;
        } catch {
          throw invalid({ code: 'malformed_json', message: '该行不是合法的 JSON 对象' });
        }
      },
    };
  }
}

/**
 * Columns: name, creditCode, one column per profile dimension (tag ids), email, wechat. Unknown
 * columns are refused up front so a typo in the header cannot silently drop data.
 */
function* csvRows(text: string): Generator<PendingRow> {
  const rows = parseCsv(text);
  const header = rows.next();
  if (header.done) return;
  const columns = header.value.fields.map((f) => f.trim());
  const allowed = new Set<string>(['kind', 'name', 'creditCode', 'email', 'wechat', ...PROFILE_DIMENSIONS]);
  const unknown = columns.filter((c) => !allowed.has(c));
  if (unknown.length > 0 || !columns.includes('name')) {
    yield {
      line: header.value.line,
      name: null,
      header: true,
      value: () => {
        throw invalid({
          code: 'csv_header_invalid',
          message: `表头有误：${unknown.length > 0 ? `未知列 ${unknown.join('、')}` : '缺少 name 列'}；可用列为 ${[...allowed].join(', ')}`,
        });
      },
    };
    return;
  }
  for (const { line, fields } of rows) {
    const cell = (name: string) => {
      const index = columns.indexOf(name);
      return index >= 0 ? (fields[index] ?? '').trim() : undefined;
    };
    yield {
      line,
      name: cell('name') ?? null,
      value: () => {
        const profile: Record<string, string[]> = {};
        for (const dimension of PROFILE_DIMENSIONS) {
          const tags = splitTags(cell(dimension));
          if (tags.length > 0) profile[dimension] = tags;
        }
        const contacts = [
          ...splitTags(cell('email')).map((address) => ({ channel: 'email', address })),
          ...splitTags(cell('wechat')).map((address) => ({ channel: 'wechat', address })),
        ];
        return { kind: cell('kind') || 'enterprise', name: cell('name'), creditCode: cell('creditCode') || null, profile, contacts };
      },
    };
  }
}

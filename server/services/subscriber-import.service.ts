import { createSubscriberBodySchema, PROFILE_DIMENSIONS } from '../../schemas/subscriber.schema.js';
import { DomainError, invalid } from '../errors.js';
import { issuesOf } from '../validation-issues.js';
import { parseCsv } from '../subscribers/csv.js';
import type { SubscriberService } from './subscriber.service.js';

export interface SubscriberImportReport {
  imported: number;
  failed: number;
  errors: { line: number; name: string | null; code: string; message: string }[];
}

export type ImportFormat = 'jsonl' | 'csv';

/** A CSV column holding several tag ids separates them with `|` or `;`. */
const splitTags = (value: string | undefined) => (value ?? '').split(/[|;；]/).map((v) => v.trim()).filter(Boolean);

/**
 * Bulk import of enterprises (admins, and park operators for their members). Each row goes through
 * the API's schema and the service's checks and is written on its own; a bad row is reported with
 * its line number and does not stop the rest.
 */
export class SubscriberImportService {
  constructor(private readonly deps: { subscribers: SubscriberService }) {}

  async importText({
    text,
    format,
    parkId,
    onProgress,
  }: {
    text: string;
    format: ImportFormat;
    parkId?: string;
    onProgress?: (p: { done: number; imported: number; failed: number }) => void;
  }): Promise<SubscriberImportReport> {
    const report: SubscriberImportReport = { imported: 0, failed: 0, errors: [] };
    let done = 0;
    for (const row of format === 'csv' ? csvRows(text) : jsonlRows(text)) {
      done += 1;
      try {
        const raw = row.value();
        const parsed = createSubscriberBodySchema.safeParse(parkId ? { kind: 'enterprise', ...raw, parkId } : raw);
        if (!parsed.success) {
          const issues = issuesOf(parsed.error);
          throw invalid({ code: 'validation_failed', message: issues.map((i) => `${i.path}：${i.message}`).join('；') });
        }
        if (parkId && parsed.data.kind !== 'enterprise') throw invalid({ code: 'park_member_kind', message: '园区只能导入企业' });
        await this.deps.subscribers.create({ body: parsed.data, ...(parkId ? { parkId } : {}) });
        report.imported += 1;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        report.failed += 1;
        report.errors.push({ line: row.line, name: row.name, code: error.code, message: error.message });
      }
      onProgress?.({ done, imported: report.imported, failed: report.failed });
    }
    return report;
  }
}

interface PendingRow {
  line: number;
  name: string | null;
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

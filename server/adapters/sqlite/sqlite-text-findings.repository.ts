import { z } from 'zod';
import { textFindingsSchema, type TextFindings } from '../../../schemas/text-findings.schema.js';
import type { TextFindingsRepository } from '../../ports/text-findings.port.js';
import type { Db } from './sqlite.support.js';

const docRowSchema = z.object({ doc: z.string() });

export function textFindingsFromRow(row: unknown): TextFindings {
  return textFindingsSchema.parse(JSON.parse(docRowSchema.parse(row).doc));
}

export class SqliteTextFindingsRepository implements TextFindingsRepository {
  constructor(private readonly db: Db) {}

  async get(policyId: string): Promise<TextFindings | null> {
    const row = this.db.prepare('SELECT doc FROM policy_text_findings WHERE policy_id = ?').get(policyId);
    return row === undefined ? null : textFindingsFromRow(row);
  }

  async save(findings: TextFindings): Promise<void> {
    const parsed = textFindingsSchema.parse(findings);
    this.db
      .prepare(
        `INSERT INTO policy_text_findings (policy_id, updated_at, doc) VALUES (?, ?, ?)
         ON CONFLICT (policy_id) DO UPDATE SET updated_at = excluded.updated_at, doc = excluded.doc`,
      )
      .run(parsed.policyId, parsed.updatedAt, JSON.stringify(parsed));
  }
}

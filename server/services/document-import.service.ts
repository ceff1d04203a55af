import crypto from 'node:crypto';
import { DomainError, invalid } from '../errors.js';
import { previewDocument } from '../ingest/document-intake.js';
import { decodeText } from '../ingest/decode.js';
import type { TextHygieneService } from './text-hygiene.service.js';
import { formatOfName } from '../ingest/formats/format-detect.js';
import type { ExtractLimits } from '../ingest/extract-document.js';
import { refuse } from '../ingest/ingest-errors.js';
import type { ImportLineError, PolicyImportService } from './policy-import.service.js';

/** Values the command line supplies where a document does not say (`--issuer`). */
export interface DocumentDefaults {
  issuer?: string;
}

export type FileImportResult =
  | {
      status: 'imported';
      format: string;
      encoding: string;
      /** Policies written (a JSONL file holds many, a document one draft). */
      imported: number;
      failed: number;
      errors: ImportLineError[];
      repairs: number;
      suspects: number;
      warnings: number;
      policyId: string | null;
    }
  | { status: 'refused'; code: string; message: string; line: number | null; errors: ImportLineError[] };

const lineOf = (error: DomainError): number | null => {
  const details = error.details;
  return typeof details === 'object' && details !== null && 'line' in details && typeof details.line === 'number' ? details.line : null;
};

/**
 * One file of a back catalogue into the library. A JSONL file goes line by line through the bulk
 * importer; any other document is read, repaired and written as one draft through the same
 * importer (and its checks), under an id derived from its bytes so a second run refuses it as
 * already imported. A file refused for any reason leaves nothing behind.
 */
export class DocumentImportService {
  constructor(
    private readonly deps: {
      importer: PolicyImportService;
      limits: ExtractLimits;
      /** Keeps the repairs made on the way in, so the drafter sees them on the draft's text check. */
      textHygiene: Pick<TextHygieneService, 'recordPrepared'>;
    },
  ) {}

  async importFile({ bytes, filename, defaults = {} }: { bytes: Uint8Array; filename: string; defaults?: DocumentDefaults }): Promise<FileImportResult> {
    try {
      if (formatOfName(filename) === 'jsonl') return await this.importJsonl({ bytes });
      return await this.importDocument({ bytes, filename, defaults });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { status: 'refused', code: error.code, message: error.message, line: lineOf(error), errors: [] };
    }
  }

  private async importJsonl({ bytes }: { bytes: Uint8Array }): Promise<FileImportResult> {
    if (bytes.length > this.deps.limits.maxBytes * 50) throw refuse.tooLarge({ bytes: bytes.length, maxBytes: this.deps.limits.maxBytes * 50 });
    const decoded = decodeText({ bytes });
    const report = await this.deps.importer.importLines({ lines: decoded.text.replace(/\r\n?/g, '\n').split('\n') });
    if (report.stopped) return { status: 'refused', code: report.stopped.code, message: report.stopped.message, line: report.stopped.resumeFromLine, errors: report.errors };
    return { status: 'imported', format: 'jsonl', encoding: decoded.encoding, imported: report.imported, failed: report.failed, errors: report.errors, repairs: 0, suspects: 0, warnings: 0, policyId: null };
  }

  private async importDocument({ bytes, filename, defaults }: { bytes: Uint8Array; filename: string; defaults: DocumentDefaults }): Promise<FileImportResult> {
    const preview = await previewDocument({ bytes, filename, limits: this.deps.limits });
    const { proposal, prepared, extracted } = preview;
    const issuer = proposal.issuer ?? defaults.issuer ?? null;
    const missing = [...(proposal.title ? [] : ['标题']), ...(issuer ? [] : ['发文机关'])];
    if (missing.length > 0 || !proposal.title || !issuer) {
      throw invalid({
        code: 'metadata_missing',
        message: `无法从文件中确定${missing.join('和')}。${issuer ? '' : '可用 --issuer 指定发文机关，'}或由起草人在门户“从文件导入”页面逐份确认后建稿。`,
        details: { missing },
      });
    }
    const id = `doc-${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
    const line = {
      id,
      title: proposal.title,
      issuer,
      docNumber: proposal.docNumber,
      issuedAt: proposal.issuedAt,
      effectiveAt: proposal.effectiveAt,
      expiresAt: proposal.expiresAt,
      body: proposal.body,
      state: 'draft',
    };
    const report = await this.deps.importer.importLines({ lines: [JSON.stringify(line)] });
    if (report.stopped) return { status: 'refused', code: report.stopped.code, message: report.stopped.message, line: null, errors: [] };
    const error = report.errors[0];
    if (error) {
      const message = error.code === 'policy_exists' ? `该文件已导入过（政策编号 ${id}）` : error.message;
      return { status: 'refused', code: error.code, message, line: null, errors: [] };
    }
    await this.deps.textHygiene.recordPrepared({ policyId: id, prepared });
    return {
      status: 'imported',
      format: extracted.format,
      encoding: extracted.encoding,
      imported: report.imported,
      failed: 0,
      errors: [],
      repairs: prepared.repairs.length,
      suspects: prepared.suspects.length,
      warnings: extracted.warnings.length + prepared.warnings.length,
      policyId: id,
    };
  }
}

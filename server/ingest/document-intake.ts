import type { ExtractedDocument, PreparedDocument } from './ingest.types.js';
import { extractDocument, type ExtractLimits } from './extract-document.js';
import { prepareDocument } from './prepare-document.js';
import { DomainError } from '../errors.js';

/** The policy fields a document proposes, in the create body's names; the drafter confirms them. */
export interface PolicyProposal {
  title: string | null;
  issuer: string | null;
  docNumber: string | null;
  issuedAt: string | null;
  effectiveAt: string | null;
  expiresAt: string | null;
  body: string;
}

export interface DocumentPreview {
  filename: string;
  extracted: ExtractedDocument;
  prepared: PreparedDocument;
  proposal: PolicyProposal;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const date = (value: string | undefined) => (value && ISO_DATE.test(value) ? value : null);

/** A first line that reads as a heading (short, no sentence end, not an article) can stand as the title. */
function headingLine(text: string): string | null {
  const first = text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  const looksLikeTitle = first.length >= 4 && first.length <= 120 && !/^第[一二三四五六七八九十百零〇\d]+[章节条]/.test(first) && !/[。；;，,]$/.test(first);
  return looksLikeTitle ? first : null;
}

/**
 * Extraction and preparation of one file, and the policy it proposes: metadata from the text
 * (prepareDocument) first, then the container's title, then a heading-like first line. Nothing
 * is stored here; the portal and the API show it, the import command writes it.
 */
export async function previewDocument({ bytes, filename, limits }: { bytes: Uint8Array; filename: string; limits: ExtractLimits }): Promise<DocumentPreview> {
  const extracted = await extractDocument({ bytes, filename, limits });
  if (extracted.format === 'jsonl') {
    throw new DomainError({
      type: 'unsupported_media_type',
      code: 'format_not_document',
      message: 'JSONL 文件是一批政策，不是一份文件：请由管理员用批量导入命令（npm run import）导入。',
    });
  }
  const prepared = prepareDocument({ text: extracted.text });
  const { metadata } = prepared;
  const title = metadata.title ?? extracted.title ?? headingLine(prepared.text);
  // The title line is the title, not the first line of the body.
  const lines = prepared.text.split('\n');
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  const body = title && firstIndex >= 0 && lines[firstIndex]?.trim() === title ? lines.slice(firstIndex + 1).join('\n').trim() : prepared.text.trim();
  return {
    filename,
    extracted,
    prepared,
    proposal: {
      title: title ?? null,
      issuer: metadata.issuer ?? null,
      docNumber: metadata.documentNumber ?? null,
      issuedAt: date(metadata.issuedOn ?? metadata.writtenOn),
      effectiveAt: date(metadata.effectiveFrom),
      expiresAt: date(metadata.effectiveUntil),
      body,
    },
  };
}

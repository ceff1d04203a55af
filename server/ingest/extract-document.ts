import { decodeText } from './decode.js';
import { readDocx } from './formats/docx.reader.js';
import { detectFormat } from './formats/format-detect.js';
import { readHtml } from './formats/html.reader.js';
import { readPdf } from './formats/pdf.reader.js';
import { readCsv, readMarkdown, readPlainText, encodingWarnings } from './formats/text.reader.js';
import { DEFAULT_ZIP_LIMITS, type ZipLimits } from './formats/zip-guard.js';
import type { ExtractedDocument } from './ingest.types.js';
import { refuse } from './ingest-errors.js';

export interface ExtractLimits extends ZipLimits {
  /** The largest file accepted at all (`INGEST_MAX_BYTES`). */
  maxBytes: number;
}

export const DEFAULT_INGEST_MAX_BYTES = 20 * 1024 * 1024;

export function extractLimits({ maxBytes = DEFAULT_INGEST_MAX_BYTES }: { maxBytes?: number } = {}): ExtractLimits {
  return { ...DEFAULT_ZIP_LIMITS, maxBytes };
}

/**
 * One file's bytes to text and blocks, by the reader its (checked) format names. Every refusal is a
 * DomainError thrown before anything is stored, so callers write all of a file or none of it.
 */
export async function extractDocument({ bytes, filename, limits }: { bytes: Uint8Array; filename: string; limits: ExtractLimits }): Promise<ExtractedDocument> {
  if (bytes.length > limits.maxBytes) throw refuse.tooLarge({ bytes: bytes.length, maxBytes: limits.maxBytes });
  if (bytes.length === 0) throw refuse.empty();
  const format = detectFormat({ filename, bytes });
  const extracted = await read({ format, bytes, limits });
  if (extracted.text.trim() === '') throw refuse.empty();
  return extracted;
}

async function read({ format, bytes, limits }: { format: ExtractedDocument['format']; bytes: Uint8Array; limits: ExtractLimits }): Promise<ExtractedDocument> {
  switch (format) {
    case 'docx':
      return readDocx({ bytes, limits });
    case 'pdf':
      return readPdf({ bytes });
    case 'html':
      return readHtml({ bytes });
    case 'md':
      return readMarkdown({ bytes });
    case 'csv':
      return readCsv({ bytes });
    case 'txt':
      return readPlainText({ bytes });
    case 'jsonl': {
      // A batch of policies rather than one document: decoded here, imported line by line by the importer.
      const decoded = decodeText({ bytes });
      const text = decoded.text.replace(/\r\n?/g, '\n');
      return { format: 'jsonl', encoding: decoded.encoding, text, blocks: [], warnings: encodingWarnings(decoded) };
    }
  }
}

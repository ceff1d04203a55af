import path from 'node:path';
import type { SourceFormat } from '../ingest.types.js';
import { refuse } from '../ingest-errors.js';

const EXTENSIONS: Record<string, SourceFormat> = {
  '.docx': 'docx',
  '.pdf': 'pdf',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'txt',
  '.md': 'md',
  '.markdown': 'md',
  '.jsonl': 'jsonl',
  '.csv': 'csv',
};

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

export function formatOfName(filename: string): SourceFormat | null {
  return EXTENSIONS[path.extname(filename).toLowerCase()] ?? null;
}

const startsWith = (bytes: Uint8Array, magic: readonly number[], at = 0) => magic.every((b, i) => bytes[at + i] === b);
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];
const CFB = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d];

/** What the first bytes say the file is, in words for the refusal. */
function describe(bytes: Uint8Array): string | null {
  if (startsWith(bytes, ZIP) || startsWith(bytes, EMPTY_ZIP)) return '是 ZIP 压缩包（或 .docx/.xlsx）';
  if (startsWith(bytes, CFB)) return '是旧版 Office 文件（.doc/.xls）或加密的 Office 文件';
  if (pdfHeaderAt(bytes) >= 0) return '是 PDF';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return '是 PNG 图片';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return '是 JPEG 图片';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return '是 GIF 图片';
  if (startsWith(bytes, [0x7b, 0x5c, 0x72, 0x74, 0x66])) return '是 RTF 文档';
  return null;
}

/** PDF readers accept the header anywhere in the first kilobyte. */
function pdfHeaderAt(bytes: Uint8Array): number {
  const limit = Math.min(bytes.length - PDF.length, 1024);
  for (let i = 0; i <= limit; i += 1) if (startsWith(bytes, PDF, i)) return i;
  return -1;
}

/** Word encrypts a .docx into an OLE container whose stream is named `EncryptedPackage`. */
function isEncryptedOffice(bytes: Uint8Array): boolean {
  const marker = Buffer.from('EncryptedPackage', 'utf16le');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(marker);
}

/**
 * The format named by the file's extension, checked against its first bytes: a renamed file is
 * refused before any reader parses it.
 */
export function detectFormat({ filename, bytes }: { filename: string; bytes: Uint8Array }): SourceFormat {
  const format = formatOfName(filename);
  if (!format) throw refuse.unsupported({ filename: path.basename(filename) });
  const actual = describe(bytes);
  if (format === 'docx') {
    if (startsWith(bytes, ZIP)) return format;
    if (startsWith(bytes, CFB) && isEncryptedOffice(bytes)) throw refuse.encrypted({ format: 'Word' });
    throw refuse.mismatch({ claimed: 'docx', actual: actual ?? '不是 Word（.docx）文档' });
  }
  if (format === 'pdf') {
    if (pdfHeaderAt(bytes) >= 0) return format;
    throw refuse.mismatch({ claimed: 'pdf', actual: actual ?? '不是 PDF 文档' });
  }
  // Text formats: anything a known binary signature claims is not text.
  if (actual) throw refuse.mismatch({ claimed: path.extname(filename).slice(1).toLowerCase(), actual });
  return format;
}

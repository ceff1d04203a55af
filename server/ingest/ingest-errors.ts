import { DomainError } from '../errors.js';

/**
 * Why a file is refused before anything is written. Each refusal has a code a client can act on
 * and a Chinese message a drafter can; the CLI prints the same two.
 */
export const refuse = {
  tooLarge: ({ bytes, maxBytes }: { bytes: number; maxBytes: number }) =>
    new DomainError({
      type: 'too_large',
      code: 'document_too_large',
      message: `文件过大（${megabytes(bytes)} MB），上限为 ${megabytes(maxBytes)} MB。请拆分后再导入。`,
      details: { bytes, maxBytes },
    }),
  unsupported: ({ filename }: { filename: string }) =>
    new DomainError({
      type: 'unsupported_media_type',
      code: 'format_unsupported',
      message: `不支持的文件类型：${filename}。可导入 .docx、.pdf、.html、.txt、.md、.csv 和 .jsonl 文件。`,
      details: { filename },
    }),
  mismatch: ({ claimed, actual }: { claimed: string; actual: string }) =>
    new DomainError({
      type: 'unsupported_media_type',
      code: 'format_mismatch',
      message: `文件扩展名是 .${claimed}，但内容${actual}。请确认文件类型后重新导入。`,
      details: { claimed, actual },
    }),
  encrypted: ({ format }: { format: string }) =>
    new DomainError({
      type: 'invalid',
      code: 'document_encrypted',
      message: `该 ${format} 文件已加密或设有密码，无法读取。请在原软件中取消密码保护后再导入。`,
      details: { format },
    }),
  noTextLayer: ({ pages }: { pages: number }) =>
    new DomainError({
      type: 'invalid',
      code: 'pdf_no_text_layer',
      message: `该 PDF（${pages} 页）没有文字层，可能是扫描件。请先进行文字识别（OCR）或提供 Word 原件。`,
      details: { pages },
    }),
  archiveBomb: ({ reason, details }: { reason: string; details: Record<string, number> }) =>
    new DomainError({
      type: 'too_large',
      code: 'archive_too_large',
      message: `该 Word 文件解压后过大（${reason}），疑似压缩炸弹，已拒绝。`,
      details,
    }),
  malformed: ({ format, reason }: { format: string; reason: string }) =>
    new DomainError({
      type: 'invalid',
      code: 'document_malformed',
      message: `无法读取该 ${format} 文件：${reason}。`,
      details: { format },
    }),
  tooSlow: ({ format, seconds }: { format: string; seconds: number }) =>
    new DomainError({
      type: 'invalid',
      code: 'document_read_timeout',
      message: `读取该 ${format} 文件超过 ${seconds} 秒，已停止：文件可能已损坏或结构异常。请在原软件中另存后再导入。`,
      details: { format, seconds },
    }),
  empty: () => new DomainError({ type: 'invalid', code: 'document_empty', message: '文件中没有可读取的正文。' }),
};

function megabytes(bytes: number): string {
  return String(Math.round((bytes / 1024 / 1024) * 10) / 10);
}

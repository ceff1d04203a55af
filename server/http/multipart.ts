import type { Request } from 'express';
import busboy from 'busboy';
import { DomainError } from '../errors.js';
import type { UploadedFile } from '../uploaded-file.js';

export type { UploadedFile } from '../uploaded-file.js';

export interface MultipartResult {
  fields: Record<string, string>;
  file: UploadedFile | null;
}

const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 16 * 1024;

function tooLarge(maxBytes: number): DomainError {
  return new DomainError({
    type: 'too_large',
    code: 'upload_too_large',
    message: `文件过大：上限为 ${Math.round((maxBytes / 1024 / 1024) * 10) / 10} MB`,
    details: { maxBytes },
  });
}

/**
 * Reads a multipart/form-data body with one file field, stopping at `maxBytes`: the limit is enforced
 * while streaming, so an oversized upload is refused without being held in memory.
 */
export function readMultipart({ req, fileField, maxBytes }: { req: Request; fileField: string; maxBytes: number }): Promise<MultipartResult> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES }, defParamCharset: 'utf8' });
    } catch {
      reject(new DomainError({ type: 'invalid', code: 'malformed_multipart', message: '上传请求格式有误（multipart/form-data 缺少 boundary）' }));
      return;
    }
    const fields: Record<string, string> = {};
    let file: UploadedFile | null = null;
    let failure: DomainError | null = null;
    const fail = (error: DomainError) => {
      failure ??= error;
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new DomainError({ type: 'too_large', code: 'field_too_large', message: `字段 ${name} 过长` }));
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== fileField) {
        stream.resume();
        fail(new DomainError({ type: 'invalid', code: 'unexpected_file_field', message: `文件字段应为 ${fileField}`, details: { field: name } }));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge(maxBytes)));
      stream.on('end', () => {
        if (!failure) file = { buffer: Buffer.concat(chunks), filename: info.filename ?? '', declaredType: info.mimeType };
      });
    });
    parser.on('filesLimit', () => fail(new DomainError({ type: 'invalid', code: 'too_many_files', message: '一次只能上传一个文件' })));
    parser.on('fieldsLimit', () => fail(new DomainError({ type: 'invalid', code: 'too_many_fields', message: '表单字段过多' })));
    parser.on('error', () => fail(new DomainError({ type: 'invalid', code: 'malformed_multipart', message: '上传请求格式有误' })));
    parser.on('close', () => (failure ? reject(failure) : resolve({ fields, file })));
    req.pipe(parser);
  });
}

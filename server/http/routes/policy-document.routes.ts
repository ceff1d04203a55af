import { policyDocumentFieldsSchema, policyDocumentPreviewSchema } from '../../../schemas/policy-document.schema.js';
import { DomainError } from '../../errors.js';
import { previewDocument } from '../../ingest/document-intake.js';
import { extractLimits } from '../../ingest/extract-document.js';
import { previewResponse } from '../../ingest/preview-response.js';
import { defineRoute } from '../route.js';

const DRAFTING = ['admin', 'drafter'] as const;

/** A drafter's upload of one document: read, repaired and proposed as a policy, nothing written. */
export function policyDocumentRoutes({ maxBytes }: { maxBytes: number }) {
  const limits = extractLimits({ maxBytes });
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/policy-documents',
      tag: 'policies',
      summary:
        '读取一份文件（multipart：file；.docx、带文字层的 .pdf、.html 网页、.txt/.md/.csv，UTF-8/GB18030/Big5 自动识别），返回提取的正文、修复记录、可疑行和建议的政策字段；不写入任何数据，确认后用 POST /api/v1/policies 建稿',
      access: DRAFTING,
      body: policyDocumentFieldsSchema,
      upload: { field: 'file', maxBytes },
      response: policyDocumentPreviewSchema,
      handler: async ({ file }) => {
        if (!file || file.buffer.length === 0) throw new DomainError({ type: 'invalid', code: 'file_required', message: '请上传一个文件（字段名 file）' });
        return previewResponse(await previewDocument({ bytes: file.buffer, filename: file.filename, limits }));
      },
    }),
  ];
}

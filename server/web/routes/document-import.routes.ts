import express from 'express';
import { DomainError } from '../../errors.js';
import { statusOf } from '../../http/error-status.js';
import { previewDocument } from '../../ingest/document-intake.js';
import { extractLimits } from '../../ingest/extract-document.js';
import { previewResponse } from '../../ingest/preview-response.js';
import { webContext } from '../context.js';
import { requireStaff, type PortalKit } from '../kit.js';
import { uploadedFile } from '../uploads.js';
import { documentPreviewPage, documentUploadPage } from '../views/document-import.views.js';

const DRAFTING = ['admin', 'drafter'] as const;

/**
 * 从文件导入: a drafter uploads one document, sees what was read, repaired and flagged with the
 * proposed fields, and confirms through the ordinary create form. Nothing is stored before that.
 */
export function documentImportRoutes({ kit }: { kit: PortalKit<Record<string, never>> }): express.Router {
  const router = express.Router();
  const maxBytes = kit.config.INGEST_MAX_BYTES;
  const limits = extractLimits({ maxBytes });
  const maxMegabytes = Math.round((maxBytes / 1024 / 1024) * 10) / 10;

  router.get('/staff/policies/new/import', (_req, res) => {
    requireStaff(res, DRAFTING);
    kit.render(res, documentUploadPage({ ctx: webContext(res), errors: [], maxMegabytes }));
  });

  router.post('/staff/policies/new/import', async (_req, res) => {
    requireStaff(res, DRAFTING);
    const file = uploadedFile(res);
    if (!file) {
      kit.render(res, documentUploadPage({ ctx: webContext(res), errors: [{ field: 'file', message: '请选择要导入的文件' }], maxMegabytes }), 400);
      return;
    }
    try {
      const preview = await previewDocument({ bytes: file.buffer, filename: file.filename, limits });
      kit.render(res, documentPreviewPage({ ctx: webContext(res), preview: previewResponse(preview) }));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // A refused file is the drafter's to fix: said next to the file field, with the status the API would give.
      kit.render(res, documentUploadPage({ ctx: webContext(res), errors: [{ field: 'file', message: `${file.filename}：${error.message}` }], maxMegabytes }), statusOf(error));
    }
  });

  return router;
}

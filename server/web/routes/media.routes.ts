import express from 'express';
import { mediaParamsSchema } from '../../../schemas/interpretation.schema.js';
import { notFound } from '../../errors.js';
import { sendMediaFile } from '../../http/media-response.js';
import { parseMediaFile } from '../../interpretation/media-access.service.js';
import { webContext } from '../context.js';
import type { PortalKit, PortalServices } from '../kit.js';

/**
 * /media/<file> for a browser signed in to the portal: the package editor shows drafts' graphics to
 * staff through their session cookie, which the API app does not read. Anyone else gets what the
 * public gets, and a refusal is the portal's Chinese 404 page.
 */
export function mediaRoutes({ kit }: { kit: PortalKit<Pick<PortalServices, 'interpretation'>> }): express.Router {
  const router = express.Router();
  const { mediaAccess } = kit.services.interpretation;
  router.get('/media/:file', async (req, res) => {
    const params = mediaParamsSchema.safeParse(req.params);
    if (!params.success) throw notFound({ code: 'media_not_found', message: '图片不存在' });
    const file = await mediaAccess.read({ ...parseMediaFile(params.data.file), staff: webContext(res).viewer.kind === 'staff' });
    sendMediaFile({ res, file });
  });
  return router;
}

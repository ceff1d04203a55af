import express from 'express';
import { z } from 'zod';
import { contactInputSchema } from '../../../schemas/subscriber.schema.js';
import type { SubscriberImportReport } from '../../services/subscriber-import.service.js';
import { webContext } from '../context.js';
import { attempt, formOf, queryStr, str, zodErrors } from '../forms.js';
import { requirePark, type PortalKit, type PortalServices } from '../kit.js';
import type { FieldError } from '../views/components.js';
import { groupsPage, membersPage } from '../views/park.views.js';

const PAGE_SIZE = 20;
const importSchema = z.object({
  format: z.enum(['csv', 'jsonl'], { error: '请选择格式' }),
  content: z.string().min(1, '请粘贴企业名单或选择文件').max(4_000_000, '名单过大，请分批导入'),
});

/** The services these pages call. */
export type ParkPageServices = Pick<PortalServices, 'subscribers' | 'subscriberImporter' | 'taxonomy'>;

export function parkRoutes({ kit }: { kit: PortalKit<ParkPageServices> }): express.Router {
  const router = express.Router();
  const { services } = kit;

  const showMembers = async ({
    res,
    page,
    report,
    values,
    errors,
    status = 200,
  }: {
    res: express.Response;
    page: number;
    report: SubscriberImportReport | null;
    values: { format: string; content: string };
    errors: FieldError[];
    status?: number;
  }) => {
    const { subscriber: park } = requirePark(res);
    const members = await services.subscribers.list({ parkId: park.id, page, pageSize: PAGE_SIZE });
    kit.render(res, membersPage({ ctx: webContext(res), park, taxonomy: services.taxonomy.current(), members, page, pageSize: PAGE_SIZE, report, values, errors }), status);
  };

  router.get('/account/park/members', async (req, res) => {
    const page = Math.max(1, Math.min(1000, Number.parseInt(queryStr(req, 'page'), 10) || 1));
    await showMembers({ res, page, report: null, values: { format: 'csv', content: '' }, errors: [] });
  });

  router.post('/account/park/members/import', async (req, res) => {
    const { subscriber: park } = requirePark(res);
    const form = formOf(req);
    const values = { format: str(form, 'format'), content: typeof form.content === 'string' ? form.content : '' };
    const parsed = importSchema.safeParse(values);
    if (!parsed.success) {
      await showMembers({ res, page: 1, report: null, values, errors: zodErrors(parsed.error), status: 400 });
      return;
    }
    const report = await services.subscriberImporter.importText({ text: parsed.data.content, format: parsed.data.format, parkId: park.id });
    // The report is shown right away rather than after a redirect: it exists only for this request.
    await showMembers({ res, page: 1, report, values: { format: values.format, content: report.failed > 0 ? values.content : '' }, errors: [] });
  });

  router.get('/account/park/groups', (_req, res) => {
    const { subscriber: park } = requirePark(res);
    kit.render(res, groupsPage({ ctx: webContext(res), park, values: { address: '', label: '' }, errors: [] }));
  });

  router.post('/account/park/groups', async (req, res) => {
    const { subscriber: park } = requirePark(res);
    const form = formOf(req);
    const values = { address: str(form, 'address'), label: str(form, 'label') };
    const parsed = contactInputSchema.safeParse({ channel: 'wechat', address: values.address, label: values.label || null });
    const result = parsed.success ? await attempt(() => services.subscribers.addContact({ subscriber: park, input: parsed.data })) : { ok: false as const, errors: zodErrors(parsed.error) };
    if (!result.ok) {
      kit.render(res, groupsPage({ ctx: webContext(res), park, values, errors: result.errors }), 400);
      return;
    }
    kit.flash(res, 'contact_added');
    res.redirect(303, '/account/park/groups');
  });

  router.post('/account/park/groups/:contactId/delete', async (req, res) => {
    const { subscriber: park } = requirePark(res);
    await services.subscribers.removeContact({ subscriber: park, contactId: String(req.params.contactId) });
    kit.flash(res, 'contact_removed');
    res.redirect(303, '/account/park/groups');
  });

  return router;
}

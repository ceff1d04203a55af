import express, { type Request } from 'express';
import { deliveryListQuerySchema } from '../../../schemas/delivery-list.schema.js';
import { csvHeader, csvLine } from '../../push/delivery-list.csv.js';
import { webContext } from '../context.js';
import { queryStr, zodErrors } from '../forms.js';
import { requireStaff, type PortalKit, type PortalServices } from '../kit.js';
import { DELIVERY_LIST_FIELDS, deliveryListPage, type DeliveryListFormValues } from '../views/delivery-list.views.js';

/** The services these pages call. */
export type DeliveryListPageServices = Pick<PortalServices, 'push'>;

const STAFF_ROLES = ['admin', 'drafter', 'reviewer'] as const;

function valuesOf(req: Request): DeliveryListFormValues {
  const values: DeliveryListFormValues = { policyId: '', version: '', channel: '', status: '', parkId: '', from: '', to: '', limit: '' };
  for (const name of DELIVERY_LIST_FIELDS) values[name] = queryStr(req, name).trim().slice(0, 100);
  return values;
}

function parse({ values, cursor }: { values: DeliveryListFormValues; cursor: string }) {
  const raw: Record<string, string> = {};
  for (const name of DELIVERY_LIST_FIELDS) if (values[name]) raw[name] = values[name];
  if (cursor) raw['cursor'] = cursor;
  return deliveryListQuerySchema.safeParse(raw);
}

/** `/staff/push/deliveries`: the delivery list with filters and pages, and its CSV export under the staff login. */
export function deliveryListPageRoutes({ kit }: { kit: PortalKit<DeliveryListPageServices> }): express.Router {
  const router = express.Router();
  const deliveries = kit.services.push.deliveries;

  router.get('/staff/push/deliveries', async (req, res) => {
    requireStaff(res, STAFF_ROLES);
    const values = valuesOf(req);
    const parsed = parse({ values, cursor: queryStr(req, 'cursor') });
    if (!parsed.success) {
      kit.render(res, deliveryListPage({ ctx: webContext(res), values, page: null, errors: zodErrors(parsed.error) }), 400);
      return;
    }
    kit.render(res, deliveryListPage({ ctx: webContext(res), values, page: await deliveries.page(parsed.data) }));
  });

  router.get('/staff/push/deliveries.csv', async (req, res) => {
    requireStaff(res, STAFF_ROLES);
    const values = valuesOf(req);
    const parsed = parse({ values, cursor: '' });
    if (!parsed.success) {
      kit.render(res, deliveryListPage({ ctx: webContext(res), values, page: null, errors: zodErrors(parsed.error) }), 400);
      return;
    }
    const { cursor: _cursor, limit: _limit, ...filter } = parsed.data;
    res.setHeader('Content-Disposition', `attachment; filename="deliveries-${new Date().toISOString().slice(0, 10)}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/csv; charset=utf-8');
    res.write(csvHeader());
    for await (const item of deliveries.all(filter)) {
      if (!res.write(csvLine(item))) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  return router;
}

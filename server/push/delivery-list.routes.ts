import { z } from 'zod';
import { deliveryListPageSchema, deliveryListQuerySchema } from '../../schemas/delivery-list.schema.js';
import { defineRoute } from '../http/route.js';
import { csvHeader, csvLine } from './delivery-list.csv.js';
import type { DeliveryListService } from './delivery-list.service.js';

const STAFF = ['admin', 'drafter', 'reviewer'] as const;

/** The staff delivery list and its CSV export, with the same filters. */
export function deliveryListRoutes({ deliveries }: { deliveries: DeliveryListService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/push/deliveries',
      tag: 'push',
      summary: '推送明细：推送到了谁、哪个渠道、状态和原因，未发出的说明为什么还在排队；按政策、渠道、状态、园区、日期筛选，cursor 翻页（每页最多 200 条）',
      access: STAFF,
      query: deliveryListQuerySchema,
      response: deliveryListPageSchema,
      handler: async ({ query }) => deliveries.page(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/push/deliveries.csv',
      tag: 'push',
      summary: '导出推送明细（CSV，UTF-8 带 BOM，可直接用 Excel 打开），筛选条件同推送明细',
      access: STAFF,
      query: deliveryListQuerySchema,
      produces: 'text/csv',
      response: z.string(),
      handler: async ({ query, res }) => {
        const { cursor: _cursor, limit: _limit, ...filter } = query;
        const stamp = new Date().toISOString().slice(0, 10);
        res.setHeader('Content-Disposition', `attachment; filename="deliveries-${stamp}.csv"`);
        res.setHeader('Cache-Control', 'no-store');
        res.type('text/csv; charset=utf-8');
        res.write(csvHeader());
        for await (const item of deliveries.all(filter)) {
          // Respect the socket: a large export waits for the client instead of filling memory.
          if (!res.write(csvLine(item))) await new Promise((resolve) => res.once('drain', resolve));
        }
        res.end();
        return '';
      },
    }),
  ];
}

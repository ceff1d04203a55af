import { auditPageSchema, auditQuerySchema } from '../../../schemas/audit.schema.js';
import { auditCsv, auditJsonLines, type AuditService } from '../../services/audit.service.js';
import { defineRoute } from '../route.js';

export function auditRoutes({ audit }: { audit: AuditService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit',
      tag: 'audit',
      summary:
        '审计记录（管理员）：按操作人、操作、对象、时间筛选；format=csv 或 jsonl 导出，分页以 after=上一页的 nextAfter 继续',
      access: ['admin'],
      query: auditQuerySchema,
      response: auditPageSchema,
      handler: async ({ query, res }) => {
        const { format, ...filter } = query;
        const page = await audit.query(filter);
        if (format === 'json') return page;
        // The cursor travels in a header so the exported file stays pure data.
        if (page.nextAfter !== null) res.setHeader('X-Next-After', String(page.nextAfter));
        const stamp = new Date().toISOString().slice(0, 10);
        res.setHeader('Content-Disposition', `attachment; filename="audit-${stamp}.${format}"`);
        res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
        res.send(format === 'csv' ? auditCsv(page.items) : auditJsonLines(page.items));
        return page;
      },
    }),
  ];
}

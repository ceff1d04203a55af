import { z } from 'zod';
import { deliveryStatusSchema } from './delivery.schema.js';
import { channelSchema, subscriberKindSchema } from './subscriber.schema.js';

const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: '日期格式应为 YYYY-MM-DD' });

/** The staff delivery list's filters, shared by the JSON list, the CSV export and the page. */
const filterFields = {
    policyId: z.string().trim().min(1, { error: '政策编号不能为空' }).max(64, { error: '政策编号过长' }).optional(),
    version: z.coerce.number({ error: '版本号应为正整数' }).int({ error: '版本号应为正整数' }).min(1, { error: '版本号应为正整数' }).max(100_000, { error: '版本号过大' }).optional(),
    channel: z.enum(channelSchema.options, { error: '渠道无效：应为 email、wechat、wechat_oa 或 wecom_robot' }).optional(),
    status: z.enum(deliveryStatusSchema.options, { error: `状态无效：应为 ${deliveryStatusSchema.options.join('、')} 之一` }).optional(),
    parkId: z.string().trim().min(1, { error: '园区编号不能为空' }).max(64, { error: '园区编号过长' }).optional(),
    from: dateSchema.optional(),
    to: dateSchema.optional(),
};

function consistent<T extends { policyId?: string | undefined; version?: number | undefined; from?: string | undefined; to?: string | undefined }>(schema: z.ZodType<T>) {
  return schema
    .refine((f) => f.version === undefined || f.policyId !== undefined, { error: '按版本筛选时须同时指定政策', path: ['version'] })
    .refine((f) => !f.from || !f.to || f.from <= f.to, { error: '开始日期不能晚于结束日期', path: ['from'] });
}

export const deliveryListFilterSchema = consistent(z.strictObject(filterFields));
export type DeliveryListFilter = z.infer<typeof deliveryListFilterSchema>;

/** Keyset pagination: `a<id>` continues after a row (older), `b<id>` goes back before it (newer). */
export const deliveryListCursorSchema = z.string().regex(/^[ab]\d{1,15}$/, { error: '分页标记无效' });

export const deliveryListQuerySchema = consistent(
  z.strictObject({
  ...filterFields,
  cursor: deliveryListCursorSchema.optional(),
  limit: z.coerce.number({ error: '每页条数应为 1 到 200 的整数' }).int({ error: '每页条数应为 1 到 200 的整数' }).min(1, { error: '每页条数应为 1 到 200 的整数' }).max(200, { error: '每页条数最多 200' }).default(50),
  }),
);
export type DeliveryListQuery = z.infer<typeof deliveryListQuerySchema>;

export const deliveryListItemSchema = z
  .object({
    id: z.number().int(),
    policyId: z.string(),
    version: z.number().int(),
    subscriberId: z.string(),
    subscriberName: z.string(),
    subscriberKind: subscriberKindSchema.nullable(),
    channel: channelSchema,
    /** The subscriber's address on this channel, masked: staff see whom, not the full address. */
    contact: z.string().nullable(),
    status: deliveryStatusSchema,
    errorClass: z.string().nullable(),
    lastError: z.string().nullable(),
    /** Why the row failed (error class label and message), or null. */
    reason: z.string().nullable(),
    /** Why an unsent row is still waiting (digest time, pacing, budget, pause), or null. */
    queuedReason: z.string().nullable(),
    attempts: z.number().int(),
    sentAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'DeliveryListItem' });
export type DeliveryListItem = z.infer<typeof deliveryListItemSchema>;

export const deliveryListPageSchema = z
  .object({ items: z.array(deliveryListItemSchema), nextCursor: z.string().nullable(), prevCursor: z.string().nullable() })
  .meta({ id: 'DeliveryListPage' });
export type DeliveryListPage = z.infer<typeof deliveryListPageSchema>;

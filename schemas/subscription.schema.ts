import { z } from 'zod';
import { isoDateTimeSchema, slugSchema } from './common.schema.js';
import { dimensionIdSchema } from './taxonomy.schema.js';
import { channelSchema } from './subscriber.schema.js';

export const frequencySchema = z.enum(['immediate', 'daily', 'weekly']);
export type Frequency = z.infer<typeof frequencySchema>;
export const FREQUENCY_LABELS = { immediate: '实时', daily: '每日汇总', weekly: '每周汇总' } as const;

/** `any`: the policy has at least one of the tags; `all`: it has every one (both after ancestor expansion). */
export const criterionSchema = z.strictObject({
  mode: z.enum(['any', 'all']).default('any'),
  tags: z.array(slugSchema).min(1, '至少选择一个标签').max(50),
});
export type Criterion = z.infer<typeof criterionSchema>;

export const subscriptionCriteriaSchema = z.partialRecord(dimensionIdSchema, criterionSchema).meta({ id: 'SubscriptionCriteria' });
export type SubscriptionCriteria = z.infer<typeof subscriptionCriteriaSchema>;

export const subscriptionSchema = z
  .object({
    id: z.string(),
    subscriberId: z.string(),
    name: z.string(),
    criteria: subscriptionCriteriaSchema,
    keywords: z.array(z.string()),
    channels: z.array(channelSchema),
    frequency: frequencySchema,
    eligibleOnly: z.boolean(),
    createdAt: isoDateTimeSchema,
    endedAt: isoDateTimeSchema.nullable(),
    endReason: z.string().nullable(),
    /** The subscription that this one replaced when its frequency changed. */
    replaces: z.string().nullable(),
    /** When name, criteria, keywords or channels last changed in place; absent on rows never edited. */
    updatedAt: isoDateTimeSchema.nullable().optional(),
  })
  .meta({ id: 'Subscription' });
export type Subscription = z.infer<typeof subscriptionSchema>;

const keywordsSchema = z.array(z.string().trim().min(1).max(40)).max(20);

export const createSubscriptionBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(60).default('我的订阅'),
    criteria: subscriptionCriteriaSchema.default({}),
    keywords: keywordsSchema.default([]),
    channels: z.array(channelSchema).min(1, '至少选择一个推送渠道').max(channelSchema.options.length).default(['email']),
    frequency: frequencySchema.default('immediate'),
    eligibleOnly: z.boolean().default(true),
  })
  .refine((b) => Object.keys(b.criteria).length > 0 || b.keywords.length > 0, {
    message: '请至少选择一个标签或填写一个关键词，避免订阅全部政策',
    path: ['criteria'],
  })
  .meta({ id: 'CreateSubscriptionBody' });
export type CreateSubscriptionBody = z.infer<typeof createSubscriptionBodySchema>;

export const updateSubscriptionBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(60).optional(),
    criteria: subscriptionCriteriaSchema.optional(),
    keywords: keywordsSchema.optional(),
    channels: z.array(channelSchema).min(1).max(channelSchema.options.length).optional(),
    frequency: frequencySchema.optional(),
    eligibleOnly: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: '至少需要修改一个字段' })
  .meta({ id: 'UpdateSubscriptionBody' });
export type UpdateSubscriptionBody = z.infer<typeof updateSubscriptionBodySchema>;

export const endSubscriptionBodySchema = z.strictObject({ reason: z.string().trim().max(200).default('用户取消') });

export const subscriptionIdParamsSchema = z.strictObject({ subscriptionId: z.string().min(1).max(64) });

export { slugSchema };

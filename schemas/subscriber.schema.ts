import { z } from 'zod';
import { isoDateTimeSchema, slugSchema } from './common.schema.js';
import { dimensionIdSchema, type DimensionId } from './taxonomy.schema.js';

/** Dimensions that describe a subscriber (the demand side); the rest describe policies only. */
export const PROFILE_DIMENSIONS = ['subject_type', 'industry', 'region', 'size', 'qualification', 'stage', 'need'] as const satisfies readonly DimensionId[];
export const profileDimensionSchema = z.enum(PROFILE_DIMENSIONS);
export type ProfileDimension = z.infer<typeof profileDimensionSchema>;

/** Stated attributes per dimension; a dimension left out is unknown (待确认), never "none". */
export const profileSchema = z.partialRecord(profileDimensionSchema, z.array(slugSchema).max(50)).meta({ id: 'Profile' });
export type Profile = z.infer<typeof profileSchema>;

export const subscriberKindSchema = z.enum(['enterprise', 'park', 'individual']);
export type SubscriberKind = z.infer<typeof subscriberKindSchema>;
export const SUBSCRIBER_KIND_LABELS = { enterprise: '企业', park: '园区', individual: '个人' } as const;

// wechat: a Wechaty bot; wechat_oa: the office's 服务号 subscription notices; wecom_robot: a park group's WeCom robot.
export const channelSchema = z.enum(['email', 'wechat', 'wechat_oa', 'wecom_robot']);
export type Channel = z.infer<typeof channelSchema>;
export const CHANNEL_LABELS = { email: '电子邮件', wechat: '微信', wechat_oa: '服务号通知', wecom_robot: '企业微信群机器人' } as const;

export const contactSchema = z
  .object({
    id: z.string(),
    channel: channelSchema,
    /** Email: lower-cased address. WeChat: contact name or alias (enterprise) or group name (park). */
    address: z.string(),
    label: z.string().nullable(),
    confirmedAt: isoDateTimeSchema.nullable(),
    invalidAt: isoDateTimeSchema.nullable(),
  })
  .meta({ id: 'Contact' });
export type Contact = z.infer<typeof contactSchema>;

/**
 * An enterprise's request to join a park, until the park decides. `parkId` on the subscriber is the
 * confirmed membership only — the one every member list, park digest and audience reads — so a
 * request, pending or refused, can never count as membership anywhere.
 */
export const parkRequestStatusSchema = z.enum(['pending', 'refused']);
export type ParkRequestStatus = z.infer<typeof parkRequestStatusSchema>;
export const PARK_REQUEST_STATUS_LABELS = { pending: '待园区确认', refused: '园区未同意' } as const;
export const parkRequestSchema = z
  .object({
    parkId: z.string(),
    status: parkRequestStatusSchema,
    requestedAt: isoDateTimeSchema,
    decidedAt: isoDateTimeSchema.nullable(),
  })
  .meta({ id: 'ParkRequest' });
export type ParkRequest = z.infer<typeof parkRequestSchema>;

export const subscriberSchema = z
  .object({
    id: z.string(),
    kind: subscriberKindSchema,
    name: z.string(),
    creditCode: z.string().nullable(),
    profile: profileSchema,
    /** The park that confirmed this enterprise as a member. */
    parkId: z.string().nullable(),
    /** A request to join a park that the park has not confirmed; absent or null: none. */
    parkRequest: parkRequestSchema.nullable().optional(),
    contacts: z.array(contactSchema),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
    revision: z.number().int(),
  })
  .meta({ id: 'Subscriber' });
export type Subscriber = z.infer<typeof subscriberSchema>;

const emailInput = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: '邮箱地址格式不正确' }));

export const contactInputSchema = z.discriminatedUnion('channel', [
  z.strictObject({ channel: z.literal('email'), address: emailInput, label: z.string().trim().max(60).nullable().default(null) }),
  z.strictObject({ channel: z.literal('wechat'), address: z.string().trim().min(1).max(64), label: z.string().trim().max(60).nullable().default(null) }),
]);
export type ContactInput = z.infer<typeof contactInputSchema>;

const subscriberFields = {
  name: z.string().trim().min(2).max(100),
  creditCode: z.string().trim().toUpperCase().nullable().default(null),
  profile: profileSchema.default({}),
  parkId: z.string().nullable().default(null),
  contacts: z.array(contactInputSchema).max(20).default([]),
};

export const createSubscriberBodySchema = z
  .strictObject({ kind: subscriberKindSchema, ...subscriberFields })
  .superRefine((body, ctx) => {
    if (body.kind === 'enterprise' && !body.creditCode) {
      ctx.addIssue({ code: 'custom', path: ['creditCode'], message: '企业必须填写统一社会信用代码' });
    }
  })
  .meta({ id: 'CreateSubscriberBody' });
export type CreateSubscriberBody = z.infer<typeof createSubscriberBodySchema>;

export const updateProfileBodySchema = z
  .strictObject({
    name: subscriberFields.name.optional(),
    profile: profileSchema.optional(),
    parkId: z.string().nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: '至少需要修改一个字段' })
  .meta({ id: 'UpdateProfileBody' });
export type UpdateProfileBody = z.infer<typeof updateProfileBodySchema>;

export const membershipDecisionBodySchema = z.strictObject({ decision: z.enum(['confirm', 'refuse', 'remove']) }).meta({ id: 'MembershipDecisionBody' });
export type MembershipDecision = z.infer<typeof membershipDecisionBodySchema>['decision'];
export const memberRequestsQuerySchema = z.strictObject({
  status: parkRequestStatusSchema.default('pending'),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const subscriberIdParamsSchema = z.strictObject({ subscriberId: z.string().min(1).max(64) });
export const contactIdParamsSchema = z.strictObject({ contactId: z.string().min(1).max(64) });

export const subscriberTokenResponseSchema = z
  .object({ subscriber: subscriberSchema, token: z.string().describe('Subscriber token; shown once, stored only as a hash') })
  .meta({ id: 'SubscriberWithToken' });

export { dimensionIdSchema };

import { z } from 'zod';
import { pageQuerySchema } from '../../../schemas/common.schema.js';
import { emptyBodySchema } from '../../../schemas/policy.schema.js';
import {
  contactIdParamsSchema,
  contactInputSchema,
  contactSchema,
  createSubscriberBodySchema,
  memberRequestsQuerySchema,
  membershipDecisionBodySchema,
  subscriberIdParamsSchema,
  subscriberKindSchema,
  subscriberSchema,
  subscriberTokenResponseSchema,
  updateProfileBodySchema,
  type Subscriber,
} from '../../../schemas/subscriber.schema.js';
import {
  createSubscriptionBodySchema,
  endSubscriptionBodySchema,
  subscriptionIdParamsSchema,
  subscriptionSchema,
  updateSubscriptionBodySchema,
  type Subscription,
} from '../../../schemas/subscription.schema.js';
import { DomainError, forbidden } from '../../errors.js';
import type { SubscriberImportService } from '../../services/subscriber-import.service.js';
import type { SubscriberService } from '../../services/subscriber.service.js';
import type { SubscriptionService } from '../../services/subscription.service.js';
import { defineRoute } from '../route.js';

const importBodySchema = z
  .strictObject({
    format: z.enum(['jsonl', 'csv']),
    content: z.string().min(1).max(4_000_000),
    parkId: z.string().max(64).optional(),
  })
  .meta({ id: 'SubscriberImportBody' });
const importReportSchema = z
  .object({
    imported: z.number().int(),
    failed: z.number().int(),
    errors: z.array(z.object({ line: z.number().int(), name: z.string().nullable(), code: z.string(), message: z.string() })),
  })
  .meta({ id: 'SubscriberImportReport' });
const subscriptionViewSchema = subscriptionSchema.extend({ feedUrl: z.string().describe('Private Atom feed; keep it secret') });

/** Subscriber routes run after the subscriber token check; this narrows the type for handlers. */
function me(subscriber: Subscriber | null): Subscriber {
  if (!subscriber) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要订阅用户令牌' });
  return subscriber;
}

export function subscriberRoutes({
  subscribers,
  subscriptions,
  importer,
  baseUrl,
}: {
  subscribers: SubscriberService;
  subscriptions: SubscriptionService;
  importer: SubscriberImportService;
  baseUrl: string;
}) {
  const view = (subscription: Subscription) => ({
    ...subscription,
    feedUrl: `${baseUrl}/feeds/subscriptions/${subscriptions.feedToken({ subscriptionId: subscription.id })}.atom`,
  });

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/subscribers',
      tag: 'subscribers',
      summary: '登记订阅用户（企业、园区、个人）；响应中的订阅用户令牌只出现这一次',
      access: ['admin'],
      body: createSubscriberBodySchema,
      response: subscriberTokenResponseSchema,
      status: 201,
      handler: async ({ body }) => subscribers.create({ body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/subscribers',
      tag: 'subscribers',
      summary: '订阅用户列表（管理员）',
      access: ['admin'],
      query: pageQuerySchema.extend({ kind: subscriberKindSchema.optional(), parkId: z.string().max(64).optional() }).strict(),
      response: z.object({ total: z.number().int(), items: z.array(subscriberSchema) }),
      handler: async ({ query }) => subscribers.list(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/subscribers/:subscriberId',
      tag: 'subscribers',
      summary: '订阅用户详情（管理员）',
      access: ['admin'],
      params: subscriberIdParamsSchema,
      response: subscriberSchema,
      handler: async ({ params }) => subscribers.get({ id: params.subscriberId }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/subscribers/:subscriberId/tokens',
      tag: 'subscribers',
      summary: '为订阅用户签发新的令牌（旧令牌仍然有效）',
      access: ['admin'],
      params: subscriberIdParamsSchema,
      body: emptyBodySchema,
      response: subscriberTokenResponseSchema,
      status: 201,
      handler: async ({ params }) => subscribers.issueToken({ id: params.subscriberId }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/subscribers/import',
      tag: 'subscribers',
      summary: '批量导入企业（JSON Lines 或 CSV），逐行校验并返回错误报告',
      access: ['admin'],
      body: importBodySchema,
      response: importReportSchema,
      handler: async ({ body }) => importer.importText({ text: body.content, format: body.format, ...(body.parkId ? { parkId: body.parkId } : {}) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/contacts/confirm',
      tag: 'subscribers',
      summary: '确认邮箱（双重确认邮件中的链接）',
      access: 'public',
      query: z.strictObject({ token: z.string().min(1).max(200) }),
      response: contactSchema,
      handler: async ({ query }) => subscribers.confirmContact({ token: query.token }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me',
      tag: 'me',
      summary: '我的资料、联系方式和订阅',
      access: 'subscriber',
      response: z.object({ subscriber: subscriberSchema, subscriptions: z.array(subscriptionViewSchema) }),
      handler: async ({ subscriber }) => ({
        subscriber: me(subscriber),
        subscriptions: (await subscriptions.list({ subscriber: me(subscriber), includeEnded: false })).map(view),
      }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/me',
      tag: 'me',
      summary: '修改我的资料（名称、画像标签、所属园区）',
      access: 'subscriber',
      body: updateProfileBodySchema,
      response: subscriberSchema,
      handler: async ({ subscriber, body }) => subscribers.updateProfile({ subscriber: me(subscriber), body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/me/contacts',
      tag: 'me',
      summary: '添加联系方式（邮箱需确认后才会收到推送）',
      access: 'subscriber',
      body: contactInputSchema,
      response: contactSchema,
      status: 201,
      handler: async ({ subscriber, body }) => (await subscribers.addContact({ subscriber: me(subscriber), input: body })).contact,
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/me/contacts/:contactId',
      tag: 'me',
      summary: '删除联系方式',
      access: 'subscriber',
      params: contactIdParamsSchema,
      response: subscriberSchema,
      handler: async ({ subscriber, params }) => subscribers.removeContact({ subscriber: me(subscriber), contactId: params.contactId }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/subscriptions',
      tag: 'me',
      summary: '我的订阅（includeEnded=true 时包含已结束的历史订阅）',
      access: 'subscriber',
      query: z.strictObject({ includeEnded: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
      response: z.array(subscriptionViewSchema),
      handler: async ({ subscriber, query }) => (await subscriptions.list({ subscriber: me(subscriber), includeEnded: query.includeEnded })).map(view),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/me/subscriptions',
      tag: 'me',
      summary: '新建标签订阅（按维度 any / all、关键词、渠道、频率、仅推送符合条件的政策）',
      access: 'subscriber',
      body: createSubscriptionBodySchema,
      response: subscriptionViewSchema,
      status: 201,
      handler: async ({ subscriber, body }) => view(await subscriptions.create({ subscriber: me(subscriber), body })),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/me/subscriptions/:subscriptionId',
      tag: 'me',
      summary: '修改订阅；修改频率会结束原订阅并新建一条（保留历史）',
      access: 'subscriber',
      params: subscriptionIdParamsSchema,
      body: updateSubscriptionBodySchema,
      response: subscriptionViewSchema,
      handler: async ({ subscriber, params, body }) =>
        view(await subscriptions.update({ subscriber: me(subscriber), subscriptionId: params.subscriptionId, body })),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/me/subscriptions/:subscriptionId/end',
      tag: 'me',
      summary: '结束订阅（保留历史记录；重复调用无副作用）',
      access: 'subscriber',
      params: subscriptionIdParamsSchema,
      body: endSubscriptionBodySchema,
      response: subscriptionViewSchema,
      handler: async ({ subscriber, params, body }) =>
        view(await subscriptions.end({ subscriber: me(subscriber), subscriptionId: params.subscriptionId, reason: body.reason })),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/members',
      tag: 'me',
      summary: '园区的成员企业（园区运营方）',
      access: 'subscriber',
      query: pageQuerySchema.strict(),
      response: z.object({ total: z.number().int(), items: z.array(subscriberSchema) }),
      handler: async ({ subscriber, query }) => {
        const park = me(subscriber);
        if (park.kind !== 'park') throw forbidden({ code: 'park_only', message: '只有园区账号可以管理成员企业' });
        return subscribers.list({ parkId: park.id, page: query.page, pageSize: query.pageSize });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/member-requests',
      tag: 'me',
      summary: '园区的入园申请（待确认 pending 或已拒绝 refused）；确认前企业不是成员',
      access: 'subscriber',
      query: memberRequestsQuerySchema,
      response: z.object({ total: z.number().int(), items: z.array(subscriberSchema) }),
      handler: async ({ subscriber, query }) => subscribers.memberRequests({ park: me(subscriber), status: query.status, page: query.page, pageSize: query.pageSize }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/me/members/:subscriberId/decision',
      tag: 'me',
      summary: '园区确认（confirm）或拒绝（refuse）入园申请，或将成员企业移出（remove）',
      access: 'subscriber',
      params: subscriberIdParamsSchema,
      body: membershipDecisionBodySchema,
      response: subscriberSchema,
      handler: async ({ subscriber, params, body }) => subscribers.decideMembership({ park: me(subscriber), subscriberId: params.subscriberId, decision: body.decision }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/me/members/import',
      tag: 'me',
      summary: '园区批量导入成员企业（JSON Lines 或 CSV），逐行校验并返回错误报告',
      access: 'subscriber',
      body: importBodySchema.omit({ parkId: true }),
      response: importReportSchema,
      handler: async ({ subscriber, body }) => {
        const park = me(subscriber);
        if (park.kind !== 'park') throw forbidden({ code: 'park_only', message: '只有园区账号可以导入成员企业' });
        return importer.importText({ text: body.content, format: body.format, parkId: park.id });
      },
    }),
  ];
}

import { z } from 'zod';
import { pageQuerySchema } from '../../../schemas/common.schema.js';
import {
  createPolicyBodySchema,
  emptyBodySchema,
  policyIdParamsSchema,
  policySearchQuerySchema,
  policySearchResponseSchema,
  policyStatusSchema,
  policyVersionQuerySchema,
  publicPolicySchema,
  repealBodySchema,
  reviewBodySchema,
  staffPolicySchema,
  updatePolicyBodySchema,
} from '../../../schemas/policy.schema.js';
import type { Actor } from '../../services/actor.js';
import { auditEntrySchema } from '../../../schemas/audit.schema.js';
import type { PolicySearchService } from '../../services/policy-search.service.js';
import type { PolicyService } from '../../services/policy.service.js';
import { DomainError } from '../../errors.js';
import { defineRoute } from '../route.js';

const DRAFTING = ['admin', 'drafter'] as const;
const STAFF = ['admin', 'drafter', 'reviewer'] as const;

/** Routes with a role list always run after authentication; this narrows the type for handlers. */
function staff(actor: Actor | null): Actor {
  if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要登录' });
  return actor;
}

export function policyRoutes({ policies, search }: { policies: PolicyService; search: PolicySearchService }) {
  const transition = (
    name: 'submit' | 'publish' | 'revise',
    summary: string,
    access: readonly ('admin' | 'drafter' | 'reviewer')[],
  ) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/policies/:id/${name}`,
      tag: 'policies',
      summary,
      access,
      params: policyIdParamsSchema,
      body: emptyBodySchema,
      response: staffPolicySchema,
      handler: async ({ params, actor }) => policies[name]({ actor: staff(actor), id: params.id }),
    });

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/policies',
      tag: 'policies',
      summary: '检索已公开的政策：关键词、标签（按维度“或”、跨维度“且”，含下级标签）、效力、发文机关、日期、排序、分页、分面统计',
      access: 'public',
      query: policySearchQuerySchema,
      response: policySearchResponseSchema,
      handler: async ({ query }) => search.search(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id',
      tag: 'policies',
      summary: '政策全文（最新发布版本，或以 ?version= 指定历史版本）、条款结构和版本列表',
      access: 'public',
      params: policyIdParamsSchema,
      query: policyVersionQuerySchema,
      response: publicPolicySchema,
      handler: async ({ params, query }) =>
        policies.getPublicView({ id: params.id, ...(query.version === undefined ? {} : { version: query.version }) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/policies',
      tag: 'policies',
      summary: '工作稿列表（起草、审查中、已批准、已发布、已废止），供起草人和审查人使用',
      access: STAFF,
      query: pageQuerySchema.extend({ status: policyStatusSchema.optional() }).strict(),
      response: z.object({ total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), items: z.array(staffPolicySchema) }),
      handler: async ({ query }) => policies.listStaff(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/policies/:id',
      tag: 'policies',
      summary: '工作稿详情：当前内容、审查记录、已发布版本',
      access: STAFF,
      params: policyIdParamsSchema,
      response: staffPolicySchema,
      handler: async ({ params }) => policies.getStaffView({ id: params.id }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id/audit',
      tag: 'policies',
      summary: '政策的审计记录：起草、修改、送审、审查、发布、修订、废止和解读材料的每一步（谁、何时、做了什么、内容摘要）',
      access: STAFF,
      params: policyIdParamsSchema,
      response: z.array(auditEntrySchema),
      handler: async ({ params }) => policies.auditTrail({ id: params.id }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies',
      tag: 'policies',
      summary: '新建政策草稿',
      access: DRAFTING,
      body: createPolicyBodySchema,
      response: staffPolicySchema,
      status: 201,
      handler: async ({ body, actor }) => policies.create({ actor: staff(actor), body }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/policies/:id',
      tag: 'policies',
      summary: '修改草稿',
      access: DRAFTING,
      params: policyIdParamsSchema,
      body: updatePolicyBodySchema,
      response: staffPolicySchema,
      handler: async ({ params, body, actor }) => policies.update({ actor: staff(actor), id: params.id, body }),
    }),
    transition('submit', '送审：草稿进入审查', DRAFTING),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/:id/review',
      tag: 'policies',
      summary: '记录审查意见（保密审查 / 合法性审查）；两项均通过后方可发布。本轮起草或修改过正文、解读材料的人员不能审查，两项审查须由两名不同人员完成',
      access: ['admin', 'reviewer'],
      params: policyIdParamsSchema,
      body: reviewBodySchema,
      response: staffPolicySchema,
      handler: async ({ params, body, actor }) => policies.review({ actor: staff(actor), id: params.id, body }),
    }),
    transition('publish', '发布：生成不可变的新版本', DRAFTING),
    transition('revise', '发起修订：已发布版本继续公开，工作稿回到草稿', DRAFTING),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/:id/repeal',
      tag: 'policies',
      summary: '废止：效力改为“已废止”，记录日期和理由',
      access: DRAFTING,
      params: policyIdParamsSchema,
      body: repealBodySchema,
      response: staffPolicySchema,
      handler: async ({ params, body, actor }) => policies.repeal({ actor: staff(actor), id: params.id, body }),
    }),
  ];
}

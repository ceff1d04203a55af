import { emptyBodySchema, policyIdParamsSchema } from '../../../schemas/policy.schema.js';
import { recheckReportSchema, suspectDecisionBodySchema, textFindingsViewSchema } from '../../../schemas/text-findings.schema.js';
import { DomainError } from '../../errors.js';
import type { Actor } from '../../services/actor.js';
import type { PolicyService } from '../../services/policy.service.js';
import type { TextHygieneService } from '../../services/text-hygiene.service.js';
import { defineRoute } from '../route.js';

const DRAFTING = ['admin', 'drafter'] as const;
const STAFF = ['admin', 'drafter', 'reviewer'] as const;

function staff(actor: Actor | null): Actor {
  if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要登录' });
  return actor;
}

/** Document hygiene in the JSON API: a draft's repairs and suspect lines, the drafter's decisions, and the library re-check. */
export function textHygieneRoutes({ policies, textHygiene }: { policies: PolicyService; textHygiene: TextHygieneService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/policies/:id/text-check',
      tag: 'policies',
      summary: '工作稿的文本检查：自动修复记录（拼音注音、网页标签、网页栏目）、可疑内容及其确认状态、标题层级警告、从正文识别的文件要素',
      access: STAFF,
      params: policyIdParamsSchema,
      response: textFindingsViewSchema,
      handler: async ({ params }) => textHygiene.viewById({ policyId: params.id }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/policies/:id/text-check/decisions',
      tag: 'policies',
      summary: '确认一行可疑内容：excluded 从正文中删除（不进入公开文本），kept 保留；全部确认后才能送审',
      access: DRAFTING,
      params: policyIdParamsSchema,
      body: suspectDecisionBodySchema,
      response: textFindingsViewSchema,
      handler: async ({ params, body, actor }) => textHygiene.decide({ actor: staff(actor), policyId: params.id, body, editor: policies }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/text-recheck',
      tag: 'policies',
      summary: '对库中全部政策重新运行文本检查并列出发现（只读，不修改任何政策）',
      access: ['admin'],
      body: emptyBodySchema,
      response: recheckReportSchema,
      handler: async () => textHygiene.recheckLibrary(),
    }),
  ];
}

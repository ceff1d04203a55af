import { audiencePreviewSchema, audienceQuerySchema, feedQuerySchema, feedResponseSchema } from '../../../schemas/matching.schema.js';
import { policyIdParamsSchema } from '../../../schemas/policy.schema.js';
import { DomainError } from '../../errors.js';
import type { MatchingService } from '../../services/matching.service.js';
import { defineRoute } from '../route.js';

export function matchingRoutes({ matching }: { matching: MatchingService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id/audience',
      tag: 'matching',
      summary: '推送对象预览（草稿也可）：订阅用户数、各渠道可达数、按维度分布、待确认数量和带理由的样例',
      access: ['admin', 'drafter', 'reviewer'],
      params: policyIdParamsSchema,
      query: audienceQuerySchema,
      response: audiencePreviewSchema,
      handler: async ({ params, query }) => matching.preview({ policyId: params.id, sampleSize: query.sample }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/feed',
      tag: 'me',
      summary: '与我的订阅匹配的现行有效政策，最新在前，每条附推送理由',
      access: 'subscriber',
      query: feedQuerySchema,
      response: feedResponseSchema,
      handler: async ({ subscriber, query }) => {
        if (!subscriber) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要订阅用户令牌' });
        return matching.feed({ subscriber, page: query.page, pageSize: query.pageSize, ...(query.subscriptionId ? { subscriptionId: query.subscriptionId } : {}) });
      },
    }),
  ];
}

import { pushPrecisionQuerySchema, pushPrecisionSchema, pushStatisticsQuerySchema, pushStatisticsSchema } from '../../../schemas/push-tracking.schema.js';
import { defineRoute } from '../../http/route.js';
import type { PushTrackingService } from './push-tracking.service.js';

/** The precision figures for staff: per policy, channel, tag and park, and the tag rules and profile gaps behind 与我无关. */
export function pushTrackingRoutes({ tracking }: { tracking: PushTrackingService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/push/statistics',
      tag: 'push',
      summary: '推送成效：按政策、渠道、标签或园区统计送达、打开（率）、与我无关（比例）、推送后若干天内的退订和打开用时中位数',
      access: ['admin', 'drafter', 'reviewer'],
      query: pushStatisticsQuerySchema,
      response: pushStatisticsSchema,
      handler: async ({ query }) => tracking.statistics(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/push/precision',
      tag: 'push',
      summary: '精准度分析：带来最多“与我无关”反馈的标签规则和画像缺口（待确认维度），以及反馈原因',
      access: ['admin', 'drafter', 'reviewer'],
      query: pushPrecisionQuerySchema,
      response: pushPrecisionSchema,
      handler: async ({ query }) => tracking.precision(query),
    }),
  ];
}

import express from 'express';
import type { AuditService } from '../services/audit.service.js';
import { z } from 'zod';
import {
  channelControlSchema,
  deliveryLogQuerySchema,
  deliveryLogSchema,
  pushPreferencesSchema,
  unsubscribeResultSchema,
  updatePushPreferencesBodySchema,
} from '../../schemas/delivery.schema.js';
import { policyIdParamsSchema } from '../../schemas/policy.schema.js';
import { channelSchema } from '../../schemas/subscriber.schema.js';
import { DomainError } from '../errors.js';
import { defineRoute } from '../http/route.js';
import type { DeliveryLogService } from './delivery-log.service.js';
import type { PushMetrics } from './metrics.js';
import type { PushControlService } from './push-control.service.js';
import type { UnsubscribeService } from './unsubscribe.service.js';
import { escapeHtml } from '../text/markup-escape.js';

const tokenSchema = z.string().min(10).max(300);

export function pushRoutes({ log, unsubscribe, control, audit }: { log: DeliveryLogService; unsubscribe: UnsubscribeService; control: PushControlService; audit: AuditService }) {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id/deliveries',
      tag: 'push',
      summary: '推送记录：各渠道、各状态的数量，失败原因，引起的退订；带 subscriberId 时给出该用户的完整记录（为什么收到 / 没收到）',
      access: ['admin', 'drafter', 'reviewer'],
      params: policyIdParamsSchema,
      query: deliveryLogQuerySchema,
      response: deliveryLogSchema,
      handler: async ({ params, query }) =>
        log.forPolicy({ policyId: params.id, ...(query.version ? { version: query.version } : {}), ...(query.subscriberId ? { subscriberId: query.subscriberId } : {}) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/unsubscribe',
      tag: 'push',
      summary: '用邮件中的退订令牌退订（重复调用无副作用）',
      access: 'public',
      body: z.strictObject({ token: tokenSchema }),
      response: unsubscribeResultSchema,
      handler: async ({ body }) => unsubscribe.apply({ token: body.token, source: 'api' }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/push-preferences',
      tag: 'me',
      summary: '我的推送偏好（申报截止提醒）',
      access: 'subscriber',
      response: pushPreferencesSchema,
      handler: async ({ subscriber }) => control.preferences({ subscriberId: me(subscriber) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/me/push-preferences',
      tag: 'me',
      summary: '修改推送偏好：关闭后不再收到申报截止提醒',
      access: 'subscriber',
      body: updatePushPreferencesBodySchema,
      response: pushPreferencesSchema,
      handler: async ({ subscriber, body }) => control.setPreferences({ subscriberId: me(subscriber), preferences: body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/push/channels',
      tag: 'push',
      summary: '推送渠道状态：暂停开关、各工作进程的状态（含微信登录状态）',
      access: ['admin'],
      response: z.object({
        controls: z.array(channelControlSchema),
        lanes: z.array(z.object({ owner: z.string(), channel: channelSchema, state: z.string(), reason: z.string().nullable(), account: z.string().nullable(), dryRun: z.boolean(), updatedAt: z.string() })),
      }),
      handler: async () => control.channels(),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/push/channels/:channel',
      tag: 'push',
      summary: '紧急停止 / 恢复一个推送渠道（所有工作进程在一秒内生效；暂停期间推送保持排队，不会失败）',
      access: ['admin'],
      params: z.strictObject({ channel: channelSchema }),
      body: z.strictObject({ paused: z.boolean(), reason: z.string().trim().max(200).nullable().default(null) }),
      response: channelControlSchema,
      handler: async ({ params, body, actor }) => {
        const result = await control.setControl({ channel: params.channel, paused: body.paused, reason: body.reason, by: actor?.id ?? 'admin' });
        if (actor) {
          await audit.record({ actor, action: body.paused ? 'push.channel.pause' : 'push.channel.resume', targetType: 'push_channel', targetId: params.channel, details: { reason: body.reason } });
        }
        return result;
      },
    }),
  ];
}

function me(subscriber: { id: string } | null): string {
  if (!subscriber) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要订阅用户令牌' });
  return subscriber.id;
}

function page({ title, body }: { title: string; body: string }): string {
  return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>
<body style="font-family:'PingFang SC','Microsoft YaHei',sans-serif;max-width:560px;margin:48px auto;padding:0 16px;color:#1f2329;line-height:1.8;">${body}</body></html>`;
}

/**
 * `/unsubscribe/:token`. POST is the RFC 8058 one-click target (form body
 * `List-Unsubscribe=One-Click`) and the confirmation button; GET only shows the button, because
 * mail scanners open links and must not unsubscribe anyone. Mounted before the JSON-only guard.
 */
export function unsubscribeRouter({ unsubscribe }: { unsubscribe: UnsubscribeService }): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '2kb' });
  router.get('/unsubscribe/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    try {
      const { text } = await unsubscribe.describe(req.params.token);
      res.type('html').send(
        page({
          title: '退订确认',
          body: `<h1 style="font-size:20px;">退订确认</h1><p>${escapeHtml(text)}</p>
<form method="post" action="/unsubscribe/${encodeURIComponent(req.params.token)}"><button type="submit" style="font-size:16px;padding:8px 20px;">确认退订</button></form>`,
        }),
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      res.status(404).type('html').send(page({ title: '链接无效', body: `<p>${escapeHtml(error.message)}</p>` }));
    }
  });
  router.post('/unsubscribe/:token', form, async (req, res) => {
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    const body: unknown = req.body;
    const oneClick = typeof body === 'object' && body !== null && 'List-Unsubscribe' in body && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
    try {
      const result = await unsubscribe.apply({ token: req.params.token, source: oneClick ? 'header' : 'link' });
      res.type('html').send(page({ title: '退订成功', body: `<h1 style="font-size:20px;">${escapeHtml(result.message)}</h1>` }));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      res.status(404).type('html').send(page({ title: '链接无效', body: `<p>${escapeHtml(error.message)}</p>` }));
    }
  });
  return router;
}

export function metricsRouter({ metrics }: { metrics: PushMetrics }): express.Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.text();
    res.set('Cache-Control', 'no-store').type(contentType).send(body);
  });
  return router;
}

import { z } from 'zod';
import {
  consultationBodySchema,
  consultationEndBodySchema,
  correctionAnswerBodySchema,
  correctionBodySchema,
  attachmentIndexParamsSchema,
  createdRequestSchema,
  extensionBodySchema,
  newDisclosureRequestBodySchema,
  queueSchema,
  replyBodySchema,
  requestIdParamsSchema,
  staffRequestViewSchema,
  trackedRequestViewSchema,
  trackingParamsSchema,
} from '../../../schemas/disclosure-request.schema.js';
import { DomainError } from '../../errors.js';
import { defineRoute } from '../../http/route.js';
import type { Actor } from '../../services/actor.js';
import type { Role } from '../../../schemas/user.schema.js';
import type { DisclosureRequestService } from './request.service.js';

/** Case contents are for the disclosure office: administrators and reviewers (审查人). */
export const DISCLOSURE_ROLES: readonly Role[] = ['admin', 'reviewer'];
const TAG = 'disclosure-requests';

function staff(actor: Actor | null): Actor {
  if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要登录' });
  return actor;
}

export function disclosureRequestRoutes({ requests, uploadMaxBytes }: { requests: DisclosureRequestService; uploadMaxBytes: number }) {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/disclosure-requests',
      tag: TAG,
      summary: '提交政府信息公开申请（依申请公开）：返回申请编号和私密查询链接；证件号码只保存打码后的形式',
      access: 'public',
      status: 201,
      body: newDisclosureRequestBodySchema,
      response: createdRequestSchema,
      handler: async ({ body }) => requests.submit({ body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/disclosure-requests/track/:token',
      tag: TAG,
      summary: '申请人查询办理进度、期限和答复（凭私密链接）',
      access: 'public',
      params: trackingParamsSchema,
      response: trackedRequestViewSchema,
      handler: async ({ params }) => requests.track({ token: params.token }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/disclosure-requests/track/:token/correction',
      tag: TAG,
      summary: '申请人提交补正（第三十条）：答复期限自收到补正之日起重新计算',
      access: 'public',
      params: trackingParamsSchema,
      body: correctionAnswerBodySchema,
      response: trackedRequestViewSchema,
      handler: async ({ params, body }) => requests.answerCorrection({ token: params.token, body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/disclosure-requests/track/:token/attachments/:index',
      tag: TAG,
      summary: '下载答复附件（凭私密链接，答复后可用）',
      access: 'public',
      params: attachmentIndexParamsSchema,
      produces: 'application/pdf',
      response: z.string(),
      handler: async ({ params, res }) => {
        const { name, data } = await requests.readAttachment({ token: params.token, index: params.index });
        res.setHeader('Cache-Control', 'private, no-store');
        res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
        res.type('application/pdf').send(data);
        return '';
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/disclosure-requests/:id/attachments',
      tag: TAG,
      summary: '上传答复附件（multipart：file，仅 PDF）；作出答复时随答复书送达',
      access: DISCLOSURE_ROLES,
      status: 201,
      params: requestIdParamsSchema,
      upload: { field: 'file', maxBytes: uploadMaxBytes },
      body: z.object({}),
      response: staffRequestViewSchema,
      handler: async ({ params, file }) => requests.addAttachment({ id: params.id, file }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/disclosure-requests',
      tag: TAG,
      summary: '办理队列：未办结的申请，按最近期限排序，标出已逾期和 3 个工作日内到期',
      access: DISCLOSURE_ROLES,
      response: queueSchema,
      handler: async () => ({ items: await requests.queue() }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/disclosure-requests/:id',
      tag: TAG,
      summary: '申请案卷：内容、期限、办理记录',
      access: DISCLOSURE_ROLES,
      params: requestIdParamsSchema,
      response: staffRequestViewSchema,
      handler: async ({ params }) => requests.staffView({ id: params.id }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/disclosure-requests/:id/correction',
      tag: TAG,
      summary: '一次性告知补正（收到申请之日起 7 个工作日内），计时暂停',
      access: DISCLOSURE_ROLES,
      params: requestIdParamsSchema,
      body: correctionBodySchema,
      response: staffRequestViewSchema,
      handler: async ({ params, body, actor }) => requests.requestCorrection({ id: params.id, actor: staff(actor), body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/disclosure-requests/:id/consultation',
      tag: TAG,
      summary: '书面征求第三方意见（15 个工作日），计时暂停',
      access: DISCLOSURE_ROLES,
      params: requestIdParamsSchema,
      body: consultationBodySchema,
      response: staffRequestViewSchema,
      handler: async ({ params, body, actor }) => requests.startConsultation({ id: params.id, actor: staff(actor), body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/disclosure-requests/:id/consultation/end',
      tag: TAG,
      summary: '记录第三方意见，恢复计时',
      access: DISCLOSURE_ROLES,
      params: requestIdParamsSchema,
      body: consultationEndBodySchema,
      response: staffRequestViewSchema,
      handler: async ({ params, body, actor }) => requests.endConsultation({ id: params.id, actor: staff(actor), body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/disclosure-requests/:id/extension',
      tag: TAG,
      summary: '延期答复：只能一次，最长 20 个工作日，记录批准人和理由',
      access: DISCLOSURE_ROLES,
      params: requestIdParamsSchema,
      body: extensionBodySchema,
      response: staffRequestViewSchema,
      handler: async ({ params, body, actor }) => requests.extend({ id: params.id, actor: staff(actor), body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/disclosure-requests/:id/reply',
      tag: TAG,
      summary: '作出答复：法定结果之一，不予公开等须注明条例依据；以电子邮件送达申请人并显示在查询页',
      access: DISCLOSURE_ROLES,
      params: requestIdParamsSchema,
      body: replyBodySchema,
      response: staffRequestViewSchema,
      handler: async ({ params, body, actor }) => requests.reply({ id: params.id, actor: staff(actor), body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/disclosure-requests/:id/mail',
      tag: TAG,
      summary: '本案发出的邮件（答复、补正通知、期限提醒）及发送状态',
      access: DISCLOSURE_ROLES,
      params: requestIdParamsSchema,
      response: z.object({ items: z.array(z.object({ dedupeKey: z.string(), subject: z.string(), createdAt: z.string(), sentAt: z.string().nullable(), attempts: z.number() })) }),
      handler: async ({ params }) => ({
        items: (await requests.listMail({ id: params.id })).map(({ dedupeKey, subject, createdAt, sentAt, attempts }) => ({ dedupeKey, subject, createdAt, sentAt, attempts })),
      }),
    }),
  ];
}

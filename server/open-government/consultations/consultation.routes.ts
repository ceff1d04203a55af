import { z } from 'zod';
import {
  adoptionBodySchema,
  adoptionDecisionSchema,
  adoptionReportSchema,
  commentBodySchema,
  commentParamsSchema,
  consultationCommentSchema,
  consultationListSchema,
  consultationParamsSchema,
  consultationSchema,
  createConsultationBodySchema,
  moderateBodySchema,
  noticePreferenceBodySchema,
  publicConsultationSchema,
  publishFeedbackBodySchema,
  staffConsultationSchema,
} from '../../../schemas/consultation.schema.js';
import { DomainError } from '../../errors.js';
import { defineRoute } from '../../http/route.js';
import { clientAddress } from '../../security/client-address.js';
import type { Actor } from '../../services/actor.js';
import type { ConsultationService } from './consultation.service.js';

const TAG = 'consultations';
const DRAFTING = ['admin', 'drafter'] as const;
const STAFF = ['admin', 'drafter', 'reviewer'] as const;

function actorOf(actor: Actor | null): Actor {
  if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '请先登录' });
  return actor;
}

/** 征求意见 over the JSON API: drafters open and close, the public comments, staff moderate and record adoption. */
export function consultationRoutes({ consultations }: { consultations: ConsultationService }) {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/consultations',
      tag: TAG,
      summary: '新建征求意见稿（草稿）：正文自动分条，重大决策期限不足最低天数时须说明理由',
      access: DRAFTING,
      body: createConsultationBodySchema,
      response: consultationSchema,
      status: 201,
      handler: ({ body, actor }) => consultations.create({ actor: actorOf(actor), body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/consultations',
      tag: TAG,
      summary: '公开的征求意见（征求意见中、已截止、已公布采纳情况）',
      access: 'public',
      response: consultationListSchema,
      handler: () => consultations.publicList(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/consultations/:id',
      tag: TAG,
      summary: '征求意见稿全文、分条、起草说明、已公开的意见和采纳情况反馈',
      access: 'public',
      params: consultationParamsSchema,
      response: publicConsultationSchema,
      handler: ({ params }) => consultations.publicView({ id: params.id }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/consultations/:id/staff',
      tag: TAG,
      summary: '工作人员视图：全部意见（含待审核、不予公开）、采纳记录和统计',
      access: STAFF,
      params: consultationParamsSchema,
      response: staffConsultationSchema,
      handler: ({ params }) => consultations.staffView({ id: params.id }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/consultations/:id/open',
      tag: TAG,
      summary: '发布征求意见：向选择接收征求意见通知且关注相关标签的订阅用户推送',
      access: DRAFTING,
      params: consultationParamsSchema,
      response: z.object({ consultation: consultationSchema, noticesQueued: z.number().int() }),
      handler: ({ params, actor }) => consultations.open({ actor: actorOf(actor), id: params.id }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/consultations/:id/close',
      tag: TAG,
      summary: '截止征求意见：此后不再接收意见，可记录采纳情况',
      access: DRAFTING,
      params: consultationParamsSchema,
      response: consultationSchema,
      handler: ({ params, actor }) => consultations.close({ actor: actorOf(actor), id: params.id }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/consultations/:id/comments',
      tag: TAG,
      summary: '提交意见（针对全文或某一条款，限频；审核通过后才公开，可选择对公众匿名）',
      access: 'public',
      params: consultationParamsSchema,
      body: commentBodySchema,
      response: z.object({ id: z.string(), status: z.literal('pending'), message: z.string() }),
      status: 201,
      handler: async ({ params, body, req }) => {
        const comment = await consultations.comment({ consultationId: params.id, body, clientKey: clientAddress(req) });
        return { id: comment.id, status: 'pending' as const, message: '已收到您的意见，审核通过后公开。' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/consultations/:id/comments/:commentId/moderation',
      tag: TAG,
      summary: '审核意见：公开（approve）或不予公开（reject，须说明理由）',
      access: STAFF,
      params: commentParamsSchema,
      body: moderateBodySchema,
      response: consultationCommentSchema,
      handler: ({ params, body, actor }) => consultations.moderate({ actor: actorOf(actor), consultationId: params.id, commentId: params.commentId, body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/consultations/:id/adoptions',
      tag: TAG,
      summary: '记录一条或一组相似意见的采纳情况（采纳 / 部分采纳 / 未采纳，附理由）',
      access: DRAFTING,
      params: consultationParamsSchema,
      body: adoptionBodySchema,
      response: adoptionDecisionSchema,
      status: 201,
      handler: ({ params, body, actor }) => consultations.recordAdoption({ actor: actorOf(actor), consultationId: params.id, body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/consultations/:id/feedback',
      tag: TAG,
      summary: '公布意见采纳情况反馈，随正式政策发布并在政策页面链接',
      access: DRAFTING,
      params: consultationParamsSchema,
      body: publishFeedbackBodySchema,
      response: consultationSchema,
      handler: ({ params, body, actor }) => consultations.publishFeedback({ actor: actorOf(actor), id: params.id, body }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/consultations/:id/adoption-report',
      tag: TAG,
      summary: '意见采纳情况反馈（含统计）',
      access: 'public',
      params: consultationParamsSchema,
      response: adoptionReportSchema,
      handler: ({ params }) => consultations.adoptionReport({ id: params.id }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/subscribers/me/consultation-notices',
      tag: TAG,
      summary: '是否接收征求意见通知（默认不接收）',
      access: 'subscriber',
      response: noticePreferenceBodySchema,
      handler: async ({ subscriber }) => ({ consultationNotices: subscriber ? await consultations.wantsNotices(subscriber.id) : false }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/subscribers/me/consultation-notices',
      tag: TAG,
      summary: '开启或关闭征求意见通知：开启后，与订阅标签相关的草案公开征求意见时会收到通知',
      access: 'subscriber',
      body: noticePreferenceBodySchema,
      response: noticePreferenceBodySchema,
      handler: async ({ subscriber, body }) => {
        if (!subscriber) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '请先登录' });
        return consultations.setNoticePreference({ subscriberId: subscriber.id, wanted: body.consultationNotices });
      },
    }),
  ];
}

import { z } from 'zod';
import {
  answerGroupBodySchema,
  askQuestionBodySchema,
  askedQuestionSchema,
  attachGraphicFieldsSchema,
  comparisonQuerySchema,
  comparisonSchema,
  createFaqBodySchema,
  dismissGroupBodySchema,
  faqItemSchema,
  faqParamsSchema,
  faqSearchQuerySchema,
  faqSearchResponseSchema,
  groupParamsSchema,
  interpretationVersionQuerySchema,
  mediaParamsSchema,
  moveQuestionBodySchema,
  publicFaqSchema,
  publicImageSchema,
  publicInterpretationSchema,
  publicReplySchema,
  questionParamsSchema,
  questionQueueQuerySchema,
  reorderFaqsBodySchema,
  staffInterpretationSchema,
  staffQuestionGroupSchema,
  updateFaqBodySchema,
  updateInterpretationBodySchema,
  uploadImageFieldsSchema,
} from '../../../schemas/interpretation.schema.js';
import { policyIdParamsSchema } from '../../../schemas/policy.schema.js';
import { DomainError, notFound } from '../../errors.js';
import type { FaqService } from '../../interpretation/faq.service.js';
import { publicImage, type InterpretationService } from '../../interpretation/interpretation.service.js';
import type { QuestionService } from '../../interpretation/question.service.js';
import { parseMediaFile, type MediaAccessService } from '../../interpretation/media-access.service.js';
import { sendMediaFile } from '../media-response.js';
import type { Actor } from '../../services/actor.js';
import { defineRoute } from '../route.js';

const DRAFTING = ['admin', 'drafter'] as const;
const STAFF = ['admin', 'drafter', 'reviewer'] as const;
const TAG = 'interpretation';

function staff(actor: Actor | null): Actor {
  if (!actor) throw new DomainError({ type: 'unauthenticated', code: 'unauthenticated', message: '需要登录' });
  return actor;
}

const versionOf = (query: { version?: number | undefined }) => (query.version === undefined ? {} : { version: query.version });

export function interpretationRoutes({
  interpretation,
  faqs,
  questions,
  mediaAccess,
  uploadMaxBytes,
}: {
  interpretation: InterpretationService;
  faqs: FaqService;
  questions: QuestionService;
  mediaAccess: MediaAccessService;
  uploadMaxBytes: number;
}) {
  const card = (format: 'png' | 'svg', scope: 'public' | 'staff') =>
    defineRoute({
      method: 'get',
      path: scope === 'public' ? `/api/v1/policies/:id/interpretation/card.${format}` : `/api/v1/staff/policies/:id/interpretation/card.${format}`,
      tag: TAG,
      summary:
        scope === 'public'
          ? `政策一图读懂（${format.toUpperCase()}）：由已发布版本的解读材料生成，可用于邮件和微信`
          : `政策一图读懂预览（${format.toUpperCase()}）：按工作稿和当前解读材料生成`,
      access: scope === 'public' ? 'public' : STAFF,
      params: policyIdParamsSchema,
      query: interpretationVersionQuerySchema,
      response: z.string(),
      produces: format === 'png' ? 'image/png' : 'image/svg+xml',
      handler: async ({ params, query, req, res }) => {
        const { body, etag } = await interpretation.summaryCard({ policyId: params.id, ...versionOf(query), format, staff: scope === 'staff' });
        res.setHeader('ETag', `"${etag}"`);
        res.setHeader('Cache-Control', scope === 'public' ? 'public, max-age=300' : 'private, no-store');
        if (req.headers['if-none-match'] === `"${etag}"`) {
          res.status(304).end();
          return '';
        }
        res.type(format === 'png' ? 'image/png' : 'image/svg+xml').send(body);
        return '';
      },
    });

  return [
    // Package
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id/interpretation',
      tag: TAG,
      summary: '已发布的解读材料：结构化解读、图解、视频、常见问题、新旧对照和一图读懂（最新版本，或以 ?version= 指定）',
      access: 'public',
      params: policyIdParamsSchema,
      query: interpretationVersionQuerySchema,
      response: publicInterpretationSchema,
      handler: async ({ params, query }) => interpretation.getPublicView({ policyId: params.id, ...versionOf(query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/policies/:id/interpretation',
      tag: TAG,
      summary: '解读材料工作稿：完整性检查、三同步发布条件、审查覆盖情况、常见问题和已发布版本',
      access: STAFF,
      params: policyIdParamsSchema,
      response: staffInterpretationSchema,
      handler: async ({ params }) => interpretation.getStaffView({ policyId: params.id }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/policies/:id/interpretation',
      tag: TAG,
      summary: '编写解读材料（仅草稿状态）：给出的部分整体替换；revision 为上次读取的值（新建为 0）；exemption 记录免予解读的理由',
      access: DRAFTING,
      params: policyIdParamsSchema,
      body: updateInterpretationBodySchema,
      response: staffInterpretationSchema,
      handler: async ({ params, body, actor }) => interpretation.update({ actor: staff(actor), policyId: params.id, body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/:id/interpretation/graphics',
      tag: TAG,
      summary: '上传图解并加入解读材料（multipart：file、alt 必填、caption、revision）；只接受 PNG/JPEG/WebP/GIF，去除 EXIF 等元数据并生成 320/960/1920 像素的 WebP 和 JPEG',
      access: DRAFTING,
      params: policyIdParamsSchema,
      body: attachGraphicFieldsSchema,
      upload: { field: 'file', maxBytes: uploadMaxBytes },
      response: staffInterpretationSchema,
      status: 201,
      handler: async ({ params, body, file, actor }) =>
        interpretation.attachGraphic({ actor: staff(actor), policyId: params.id, file, alt: body.alt, caption: body.caption?.trim() || null, revision: body.revision }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/media/images',
      tag: TAG,
      summary: '上传图片（multipart：file），例如视频封面；返回图片编号和各尺寸变体地址',
      access: DRAFTING,
      body: uploadImageFieldsSchema,
      upload: { field: 'file', maxBytes: uploadMaxBytes },
      response: publicImageSchema,
      status: 201,
      handler: async ({ file, actor }) => publicImage(await interpretation.uploadImage({ actor: staff(actor), file })),
    }),
    defineRoute({
      method: 'get',
      path: '/media/:file',
      tag: TAG,
      summary: '图片文件（按内容摘要命名）：公众只能取得可公开版本的解读材料所用的图片；工作人员（Bearer 令牌）可预览草稿的图片',
      access: 'public',
      params: mediaParamsSchema,
      response: z.string(),
      produces: 'image/*',
      handler: async ({ params, actor, res }) => {
        const file = await mediaAccess.read({ ...parseMediaFile(params.file), staff: actor !== null });
        sendMediaFile({ res, file });
        return '';
      },
    }),
    card('png', 'public'),
    card('svg', 'public'),
    card('png', 'staff'),

    // New vs old
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id/comparison',
      tag: TAG,
      summary: '新旧对照：与上一版本或前序政策逐条对照（新增、删除、修改、移动、未变），修改处给出词级差异和起草说明',
      access: 'public',
      params: policyIdParamsSchema,
      query: comparisonQuerySchema,
      response: comparisonSchema,
      handler: async ({ params, query }) => interpretation.getPublicComparison({ policyId: params.id, ...versionOf(query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/policies/:id/comparison',
      tag: TAG,
      summary: '工作稿的新旧对照（与当前发布版本或前序政策），供起草人逐条批注',
      access: STAFF,
      params: policyIdParamsSchema,
      response: comparisonSchema,
      handler: async ({ params }) => interpretation.getStaffComparison({ policyId: params.id }),
    }),

    // FAQs
    defineRoute({
      method: 'get',
      path: '/api/v1/faqs',
      tag: TAG,
      summary: '检索常见问题：中文分词、口语化提问（如“我们公司能申请专利资助吗”）、按标签筛选，返回所属政策',
      access: 'public',
      query: faqSearchQuerySchema,
      response: faqSearchResponseSchema,
      handler: async ({ query }) => faqs.search(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id/faqs',
      tag: TAG,
      summary: '该政策的常见问题清单（按顺序）',
      access: 'public',
      params: policyIdParamsSchema,
      response: z.array(publicFaqSchema),
      handler: async ({ params }) => faqs.listPublic({ policyId: params.id }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/policies/:id/faqs',
      tag: TAG,
      summary: '常见问题清单（含随下次发布公开的草稿）',
      access: STAFF,
      params: policyIdParamsSchema,
      response: z.array(faqItemSchema),
      handler: async ({ params }) => faqs.listStaff({ policyId: params.id }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/:id/faqs',
      tag: TAG,
      summary: '新增常见问题：政策已发布的立即公开，尚未发布的随政策一并审查发布',
      access: DRAFTING,
      params: policyIdParamsSchema,
      body: createFaqBodySchema,
      response: faqItemSchema,
      status: 201,
      handler: async ({ params, body, actor }) => faqs.create({ actor: staff(actor), policyId: params.id, body }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/policies/:id/faqs/order',
      tag: TAG,
      summary: '调整常见问题的顺序（列出全部编号）',
      access: DRAFTING,
      params: policyIdParamsSchema,
      body: reorderFaqsBodySchema,
      response: z.array(faqItemSchema),
      handler: async ({ params, body, actor }) => faqs.reorder({ actor: staff(actor), policyId: params.id, ids: body.ids }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/policies/:id/faqs/:faqId',
      tag: TAG,
      summary: '修改常见问题（revision 为上次读取的值）',
      access: DRAFTING,
      params: faqParamsSchema,
      body: updateFaqBodySchema,
      response: faqItemSchema,
      handler: async ({ params, body, actor }) => faqs.update({ actor: staff(actor), policyId: params.id, faqId: params.faqId, body }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/policies/:id/faqs/:faqId',
      tag: TAG,
      summary: '撤下常见问题（保留记录）',
      access: DRAFTING,
      params: faqParamsSchema,
      response: faqItemSchema,
      handler: async ({ params, actor }) => faqs.withdraw({ actor: staff(actor), policyId: params.id, faqId: params.faqId }),
    }),

    // Public questions
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/:id/questions',
      tag: TAG,
      summary: '留言提问（纯文本 5–500 字，限频）：相同的问题自动归为一组；返回留言编号、等待时间和可能已有答案的常见问题',
      access: 'public',
      params: policyIdParamsSchema,
      body: askQuestionBodySchema,
      response: z.object({ question: askedQuestionSchema, suggestedFaqs: faqSearchResponseSchema.shape.hits }),
      status: 201,
      handler: async ({ params, body, req, res }) => {
        try {
          return await questions.ask({ policyId: params.id, body, clientKey: req.ip ?? req.socket.remoteAddress ?? 'unknown' });
        } catch (error) {
          if (error instanceof DomainError && error.type === 'rate_limited') {
            const details = z.object({ retryAfterSeconds: z.number() }).safeParse(error.details);
            if (details.success) res.setHeader('Retry-After', String(details.data.retryAfterSeconds));
          }
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/:id/questions',
      tag: TAG,
      summary: '已公开答复的留言，问的人最多的在前',
      access: 'public',
      params: policyIdParamsSchema,
      response: z.array(publicReplySchema),
      handler: async ({ params }) => questions.publicReplies({ policyId: params.id }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/questions/:questionId',
      tag: TAG,
      summary: '查看自己的留言：状态、已等待时间、答复',
      access: 'public',
      params: questionParamsSchema,
      response: askedQuestionSchema,
      handler: async ({ params }) => questions.status({ questionId: params.questionId }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/questions',
      tag: TAG,
      summary: '待答复留言队列：按问题分组，默认等待最久的在前（答复时限 3 个工作日），sort=demand 时问的人最多的在前',
      access: STAFF,
      query: questionQueueQuerySchema,
      response: z.object({ total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), items: z.array(staffQuestionGroupSchema) }),
      handler: async ({ query }) => questions.queue(query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/staff/question-groups/:groupId',
      tag: TAG,
      summary: '一组相同问题及其全部留言',
      access: STAFF,
      params: groupParamsSchema,
      response: staffQuestionGroupSchema,
      handler: async ({ params }) => questions.getGroup({ groupId: params.groupId }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/question-groups/:groupId/answer',
      tag: TAG,
      summary: '答复一组问题：可公开为答复（publishReply）和/或收入常见问题清单（promoteToFaq）',
      access: DRAFTING,
      params: groupParamsSchema,
      body: answerGroupBodySchema,
      response: staffQuestionGroupSchema,
      handler: async ({ params, body, actor }) => questions.answer({ actor: staff(actor), groupId: params.groupId, body }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/question-groups/:groupId/dismiss',
      tag: TAG,
      summary: '不予答复（与政策无关、广告等），记录理由',
      access: DRAFTING,
      params: groupParamsSchema,
      body: dismissGroupBodySchema,
      response: staffQuestionGroupSchema,
      handler: async ({ params, body, actor }) => questions.dismiss({ actor: staff(actor), groupId: params.groupId, reason: body.reason }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/staff/questions/:questionId/move',
      tag: TAG,
      summary: '纠正分组：把一条留言并入另一组，或单独成组（groupId 为 null）',
      access: DRAFTING,
      params: questionParamsSchema,
      body: moveQuestionBodySchema,
      response: staffQuestionGroupSchema,
      handler: async ({ params, body, actor }) => questions.move({ actor: staff(actor), questionId: params.questionId, groupId: body.groupId }),
    }),
  ];
}


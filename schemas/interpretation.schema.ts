import { z } from 'zod';
import { csvListSchema, isoDateTimeSchema, pageQuerySchema, slugSchema } from './common.schema.js';
import { validitySchema } from './policy.schema.js';

/**
 * The interpretation package (解读包) of a policy: structured sections, graphics, video links, the
 * drafter's notes on the new-vs-old comparison and, when a policy needs no interpretation, the
 * recorded reason. FAQs, public questions and the comparison itself have their own shapes below.
 */

export const SECTION_LABELS = {
  background: '背景依据',
  mainContent: '主要内容',
  scope: '适用范围 / 惠及对象',
  eligibility: '申报条件',
  guide: '办事指引',
  enforcement: '执行口径',
  benefits: '惠企举措',
  keywords: '关键词诠释',
  notes: '注意事项',
} as const;
export type SectionKey = keyof typeof SECTION_LABELS;
export const sectionKeySchema = z.enum(Object.keys(SECTION_LABELS) as [SectionKey, ...SectionKey[]]);

/** Blank text means "not written": stored as null so completeness has one thing to check. */
const optionalText = (max: number) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? null : value), z.string().trim().max(max).nullable()).default(null);

const requiredText = (max: number, min = 1) => z.string().trim().min(min).max(max);

/** A sha256 hex digest: images and variants are addressed by their content. */
export const contentHashSchema = z.string().regex(/^[0-9a-f]{64}$/, '图片编号应为 64 位十六进制摘要');

const httpUrlSchema = z.url({ protocol: /^https?$/, error: '链接必须是 http 或 https 地址' }).max(500);

export const guideStepSchema = z.strictObject({ title: requiredText(100), detail: z.string().trim().max(2000).default('') });
export const guideMaterialSchema = z.strictObject({
  name: requiredText(200),
  note: z.string().trim().max(500).default(''),
  required: z.boolean().default(true),
});

/** 办事指引: steps, materials and at least one way to reach the office (checked by completeness). */
export const guideSchema = z
  .strictObject({
    steps: z.array(guideStepSchema).max(30).default([]),
    materials: z.array(guideMaterialSchema).max(50).default([]),
    address: optionalText(300),
    phone: optionalText(100),
    onlineUrl: httpUrlSchema.nullable().default(null),
    hours: optionalText(200),
  })
  .meta({ id: 'InterpretationGuide' });
export type Guide = z.infer<typeof guideSchema>;

export const keywordEntrySchema = z.strictObject({ term: requiredText(40), explanation: requiredText(1000) });

export const sectionsSchema = z
  .strictObject({
    background: optionalText(5000),
    mainContent: optionalText(10000),
    scope: optionalText(3000),
    eligibility: optionalText(5000),
    guide: guideSchema.nullable().default(null),
    enforcement: optionalText(5000),
    benefits: optionalText(5000),
    keywords: z.array(keywordEntrySchema).max(50).default([]),
    notes: optionalText(3000),
  })
  .meta({ id: 'InterpretationSections' });
export type Sections = z.infer<typeof sectionsSchema>;

export const graphicRefSchema = z.strictObject({
  imageId: contentHashSchema,
  alt: requiredText(200, 2).describe('替代文本：读屏软件朗读的图片内容说明，必填'),
  caption: optionalText(300),
});
export type GraphicRef = z.infer<typeof graphicRefSchema>;

export const videoEntrySchema = z.strictObject({
  title: requiredText(120, 2),
  url: httpUrlSchema,
  durationSeconds: z.number().int().min(1).max(36_000),
  posterImageId: contentHashSchema.nullable().default(null),
});
export type VideoEntry = z.infer<typeof videoEntrySchema>;

export const comparisonNoteSchema = z.strictObject({
  key: z.string().min(3).max(300).describe('对照变更的 key（见 GET …/comparison）'),
  note: requiredText(2000),
});
export type ComparisonNote = z.infer<typeof comparisonNoteSchema>;

/** What a drafter writes; frozen unchanged into every published version. */
export const packageContentSchema = z
  .strictObject({
    sections: sectionsSchema.default(() => sectionsSchema.parse({})),
    keyPoints: z.array(requiredText(80, 2)).max(5).default([]).describe('政策一图读懂的 3–5 条要点'),
    graphics: z.array(graphicRefSchema).max(30).default([]),
    videos: z.array(videoEntrySchema).max(10).default([]),
    comparisonNotes: z.array(comparisonNoteSchema).max(300).default([]),
  })
  .meta({ id: 'InterpretationContent' });
export type PackageContent = z.infer<typeof packageContentSchema>;

export const exemptionSchema = z.object({ reason: z.string(), recordedBy: z.string(), recordedAt: isoDateTimeSchema });
export type Exemption = z.infer<typeof exemptionSchema>;

/** The working package of a policy, edited while the policy is a draft. */
export const interpretationDraftSchema = z
  .object({
    policyId: slugSchema,
    content: packageContentSchema,
    exemption: exemptionSchema.nullable(),
    /** The published version this package was last frozen into; a revision starts from it. */
    basedOnVersion: z.number().int().nullable(),
    revision: z.number().int(),
    updatedAt: isoDateTimeSchema,
    updatedBy: z.string(),
  })
  .meta({ id: 'InterpretationDraft' });
export type InterpretationDraft = z.infer<typeof interpretationDraftSchema>;

export const updateInterpretationBodySchema = z
  .strictObject({
    revision: z.number().int().min(0).describe('上次读取时的 revision；新建解读包时为 0'),
    sections: sectionsSchema.optional(),
    // Without the content schema's defaults: a part left out must stay undefined (kept as stored),
    // not become an empty list that replaces it.
    keyPoints: z.array(requiredText(80, 2)).max(5).optional().describe('政策一图读懂的 3–5 条要点'),
    graphics: z.array(graphicRefSchema).max(30).optional(),
    videos: z.array(videoEntrySchema).max(10).optional(),
    comparisonNotes: z.array(comparisonNoteSchema).max(300).optional(),
    exemption: z
      .strictObject({ reason: requiredText(500, 5).describe('免予解读的理由，例如：内部管理类文件、仅调整个别文字') })
      .nullable()
      .optional(),
  })
  .meta({ id: 'UpdateInterpretationBody' });
export type UpdateInterpretationBody = z.infer<typeof updateInterpretationBodySchema>;

// ---------------------------------------------------------------------------------------------
// Images

export const imageFormatSchema = z.enum(['png', 'jpeg', 'webp', 'gif']);
export type ImageFormat = z.infer<typeof imageFormatSchema>;

export const imageVariantSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  format: z.enum(['webp', 'jpeg']),
  hash: contentHashSchema,
  bytes: z.number().int(),
});
export type ImageVariant = z.infer<typeof imageVariantSchema>;

/** An uploaded image after processing; the original bytes are not kept (they may carry EXIF). */
export const storedImageSchema = z.object({
  id: contentHashSchema,
  sourceFormat: imageFormatSchema,
  sourceBytes: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  variants: z.array(imageVariantSchema),
  createdAt: isoDateTimeSchema,
  createdBy: z.string(),
});
export type StoredImage = z.infer<typeof storedImageSchema>;

export const publicImageVariantSchema = imageVariantSchema.omit({ hash: true }).extend({ url: z.string() });
export const publicImageSchema = z
  .object({
    id: contentHashSchema,
    width: z.number().int(),
    height: z.number().int(),
    src: z.string().describe('默认显示的变体（约 960 像素宽的 JPEG）'),
    variants: z.array(publicImageVariantSchema),
  })
  .meta({ id: 'Image' });
export type PublicImage = z.infer<typeof publicImageSchema>;

export const uploadImageFieldsSchema = z.strictObject({
  alt: requiredText(200, 2).optional(),
  caption: z.string().trim().max(300).optional(),
});
export const attachGraphicFieldsSchema = z.strictObject({
  alt: requiredText(200, 2),
  caption: z.string().trim().max(300).optional(),
  revision: z.coerce.number().int().min(0),
});

// ---------------------------------------------------------------------------------------------
// Comparison (新旧对照)

export const changeKindSchema = z.enum(['added', 'removed', 'modified', 'moved', 'unchanged']);
export type ChangeKind = z.infer<typeof changeKindSchema>;
export const CHANGE_KIND_LABELS: Record<ChangeKind, string> = {
  added: '新增',
  removed: '删除',
  modified: '修改',
  moved: '移动',
  unchanged: '未变',
};

export const diffSegmentSchema = z.object({ op: z.enum(['equal', 'insert', 'delete']), text: z.string() });
export type DiffSegment = z.infer<typeof diffSegmentSchema>;

export const comparisonUnitSchema = z.object({
  anchor: z.string(),
  label: z.string().describe('条款编号，如 第五条、二、（一）'),
  path: z.string().describe('所在章节，如 第二章 申报'),
  text: z.string(),
});
export type ComparisonUnit = z.infer<typeof comparisonUnitSchema>;

export const comparisonChangeSchema = z
  .object({
    key: z.string().describe('稳定的变更标识，起草人批注按它对应'),
    kind: changeKindSchema,
    kindLabel: z.string(),
    old: z.array(comparisonUnitSchema).describe('旧条款；合并时有多条'),
    new: comparisonUnitSchema.nullable(),
    similarity: z.number(),
    renumbered: z.boolean().describe('编号变了（如插入条款后顺延）'),
    referencesRenumbered: z.boolean().describe('只是引用的条款序号随之顺延'),
    textChanged: z.boolean(),
    merged: z.boolean(),
    split: z.boolean(),
    diff: z.array(diffSegmentSchema).nullable().describe('按分词结果的词级差异'),
    note: z.string().nullable(),
  })
  .meta({ id: 'ComparisonChange' });
export type ComparisonChange = z.infer<typeof comparisonChangeSchema>;

export const comparisonSideSchema = z.object({
  policyId: slugSchema,
  version: z.number().int().nullable().describe('null 表示工作稿'),
  title: z.string(),
  docNumber: z.string().nullable(),
});

export const comparisonSchema = z
  .object({
    base: comparisonSideSchema,
    target: comparisonSideSchema,
    relation: z.enum(['previous_version', 'predecessor']),
    summary: z.record(changeKindSchema, z.number().int()),
    changes: z.array(comparisonChangeSchema),
    orphanNotes: z.array(comparisonNoteSchema).describe('对应的变更已不存在的批注（条文又改过）'),
  })
  .meta({ id: 'Comparison' });
export type Comparison = z.infer<typeof comparisonSchema>;

export const comparisonQuerySchema = z.strictObject({ version: z.coerce.number().int().min(1).optional() });

// ---------------------------------------------------------------------------------------------
// Completeness and the 三同步 gate

export const completenessSchema = z
  .object({
    complete: z.boolean(),
    policyTypes: z.array(z.object({ tagId: z.string(), label: z.string() })),
    required: z.array(z.object({ section: sectionKeySchema, label: z.string() })),
    missing: z.array(z.object({ section: sectionKeySchema, label: z.string(), reason: z.string() })),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'InterpretationCompleteness' });
export type Completeness = z.infer<typeof completenessSchema>;

export const releaseReviewSchema = z.object({
  kind: z.string(),
  decision: z.string(),
  reviewerName: z.string(),
  at: isoDateTimeSchema,
  digest: z.string().nullable(),
});

// ---------------------------------------------------------------------------------------------
// FAQs

export const faqSourceSchema = z.enum(['drafter', 'public_question']);
export const faqStatusSchema = z.enum(['draft', 'published', 'withdrawn']);

export const faqItemSchema = z
  .object({
    id: z.string(),
    policyId: slugSchema,
    position: z.number().int(),
    question: z.string(),
    answer: z.string(),
    category: z.string().nullable(),
    source: faqSourceSchema,
    questionGroupId: z.string().nullable(),
    status: faqStatusSchema,
    publishedAt: isoDateTimeSchema.nullable(),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
    updatedBy: z.string(),
    revision: z.number().int(),
  })
  .meta({ id: 'FaqItem' });
export type FaqItem = z.infer<typeof faqItemSchema>;

export const publicFaqSchema = faqItemSchema
  .pick({ id: true, question: true, answer: true, category: true, source: true, updatedAt: true })
  .meta({ id: 'PublicFaq' });
export type PublicFaq = z.infer<typeof publicFaqSchema>;

export const createFaqBodySchema = z
  .strictObject({
    question: requiredText(300, 4),
    answer: requiredText(5000, 2),
    category: z.string().trim().min(1).max(20).nullable().default(null),
  })
  .meta({ id: 'CreateFaqBody' });
export const updateFaqBodySchema = z
  .strictObject({
    revision: z.number().int().min(1),
    question: requiredText(300, 4).optional(),
    answer: requiredText(5000, 2).optional(),
    category: z.string().trim().min(1).max(20).nullable().optional(),
  })
  .meta({ id: 'UpdateFaqBody' });
export const reorderFaqsBodySchema = z.strictObject({ ids: z.array(z.string().min(1).max(64)).min(1).max(500) });
export const faqParamsSchema = z.strictObject({ id: slugSchema, faqId: z.string().min(1).max(64) });

export const faqSearchQuerySchema = pageQuerySchema
  .extend({
    q: z.string().trim().max(200).optional(),
    tags: csvListSchema(slugSchema),
    policyId: slugSchema.optional(),
  })
  .strict();
export type FaqSearchQuery = z.infer<typeof faqSearchQuerySchema>;

export const faqSearchHitSchema = z.object({
  faqId: z.string(),
  question: z.string(),
  answer: z.string(),
  category: z.string().nullable(),
  updatedAt: isoDateTimeSchema,
  questionHtml: z.string().describe('HTML 转义后的问题，命中词以 <mark> 标出'),
  answerSnippet: z.string().describe('HTML 转义后的答案摘录，命中词以 <mark> 标出'),
  score: z.number(),
  policy: z.object({
    id: slugSchema,
    version: z.number().int(),
    title: z.string(),
    docNumber: z.string().nullable(),
    issuer: z.string(),
    validity: validitySchema,
  }),
});
export const faqSearchResponseSchema = z
  .object({
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
    noRelevantAnswer: z.boolean().describe('有检索词但没有足够相关的问答时为 true（hits 为空），不以无关的问答充数'),
    askQuestion: z
      .object({ message: z.string(), href: z.string().describe('留言提问的入口：限定政策时为该政策的留言表单，否则为政策检索页') })
      .nullable()
      .describe('没有相关问答时，提示改为留言提问'),
    hits: z.array(faqSearchHitSchema),
  })
  .meta({ id: 'FaqSearchResponse' });
export type FaqSearchResponse = z.infer<typeof faqSearchResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Public questions (网民留言)

export const askQuestionBodySchema = z
  .strictObject({
    question: z.string().max(2000).describe('纯文本，5–500 字；HTML 不会被解释'),
    nickname: z.string().trim().max(30).optional(),
  })
  .meta({ id: 'AskQuestionBody' });
export type AskQuestionBody = z.infer<typeof askQuestionBodySchema>;

export const questionStatusSchema = z.enum(['open', 'answered', 'dismissed']);
export type QuestionStatus = z.infer<typeof questionStatusSchema>;

export const storedQuestionSchema = z.object({
  id: z.string(),
  policyId: slugSchema,
  groupId: z.string(),
  text: z.string(),
  nickname: z.string().nullable(),
  terms: z.array(z.string()),
  askedAt: isoDateTimeSchema,
});
export type StoredQuestion = z.infer<typeof storedQuestionSchema>;

export const questionGroupSchema = z.object({
  id: z.string(),
  policyId: slugSchema,
  question: z.string().describe('代表性问题：最先提出的那一条'),
  terms: z.array(z.string()),
  askedCount: z.number().int(),
  firstAskedAt: isoDateTimeSchema,
  lastAskedAt: isoDateTimeSchema,
  status: questionStatusSchema,
  answer: z.string().nullable(),
  answeredAt: isoDateTimeSchema.nullable(),
  answeredBy: z.string().nullable(),
  replyPublished: z.boolean(),
  faqId: z.string().nullable(),
  dismissReason: z.string().nullable(),
  revision: z.number().int(),
});
export type QuestionGroup = z.infer<typeof questionGroupSchema>;

export const ageSchema = z.object({
  hours: z.number().int(),
  workingDays: z.number().describe('已过去的工作日（周一至周五，按北京时间）'),
  dueAt: isoDateTimeSchema.describe('答复期限：提问后第 3 个工作日结束'),
  overdue: z.boolean(),
  label: z.string().describe('如：2 个工作日前'),
});
export type Age = z.infer<typeof ageSchema>;

export const askedQuestionSchema = z
  .object({
    id: z.string(),
    policyId: slugSchema,
    question: z.string(),
    askedAt: isoDateTimeSchema,
    status: questionStatusSchema,
    statusLabel: z.string(),
    age: ageSchema.nullable().describe('尚未答复时显示已等待多久'),
    similarCount: z.number().int().describe('问过相同问题的人数（含本人）'),
    reply: z.object({ answer: z.string(), answeredAt: isoDateTimeSchema }).nullable(),
  })
  .meta({ id: 'AskedQuestion' });
export type AskedQuestion = z.infer<typeof askedQuestionSchema>;

export const publicReplySchema = z
  .object({ groupId: z.string(), question: z.string(), askedCount: z.number().int(), answer: z.string(), answeredAt: isoDateTimeSchema })
  .meta({ id: 'PublicReply' });

export const staffQuestionGroupSchema = questionGroupSchema
  .omit({ terms: true })
  .extend({
    policyTitle: z.string(),
    age: ageSchema.nullable(),
    questions: z.array(z.object({ id: z.string(), text: z.string(), nickname: z.string().nullable(), askedAt: isoDateTimeSchema })),
  })
  .meta({ id: 'StaffQuestionGroup' });
export type StaffQuestionGroup = z.infer<typeof staffQuestionGroupSchema>;

export const questionQueueQuerySchema = pageQuerySchema
  .extend({
    policyId: slugSchema.optional(),
    status: questionStatusSchema.default('open'),
    sort: z.enum(['age', 'demand']).default('age').describe('age：等待最久的在前；demand：问的人最多的在前'),
  })
  .strict();

export const answerGroupBodySchema = z
  .strictObject({
    answer: requiredText(5000, 2),
    publishReply: z.boolean().default(true),
    promoteToFaq: z.boolean().default(false),
    faqQuestion: requiredText(300, 4).optional().describe('收入常见问题时改写后的问题；默认用代表性问题'),
    category: z.string().trim().min(1).max(20).nullable().default(null),
  })
  .meta({ id: 'AnswerQuestionGroupBody' });
export type AnswerGroupBody = z.infer<typeof answerGroupBodySchema>;

export const dismissGroupBodySchema = z.strictObject({ reason: requiredText(200, 2) });
export const moveQuestionBodySchema = z.strictObject({
  groupId: z.string().min(1).max(64).nullable().describe('并入的问题组；null 表示单独成组'),
});
export const groupParamsSchema = z.strictObject({ groupId: z.string().min(1).max(64) });
export const questionParamsSchema = z.strictObject({ questionId: z.string().min(1).max(64) });

// ---------------------------------------------------------------------------------------------
// Views

export const publicVideoSchema = videoEntrySchema.omit({ posterImageId: true }).extend({ poster: publicImageSchema.nullable() });
export const publicGraphicSchema = z.object({ alt: z.string(), caption: z.string().nullable(), image: publicImageSchema });

export const publicInterpretationSchema = z
  .object({
    policyId: slugSchema,
    version: z.number().int(),
    publishedAt: isoDateTimeSchema,
    exempt: z.object({ reason: z.string() }).nullable(),
    sections: sectionsSchema,
    sectionLabels: z.record(z.string(), z.string()),
    keyPoints: z.array(z.string()),
    graphics: z.array(publicGraphicSchema),
    videos: z.array(publicVideoSchema),
    faqs: z.array(publicFaqSchema).describe('常见问题：当前版本为实时清单，历史版本为发布时的清单'),
    comparison: comparisonSchema.nullable(),
    card: z.object({ png: z.string(), svg: z.string() }).describe('政策一图读懂'),
  })
  .meta({ id: 'PublicInterpretation' });
export type PublicInterpretation = z.infer<typeof publicInterpretationSchema>;

/** A published version's package, frozen: the store keeps it and never updates it. */
export const interpretationReleaseSchema = z
  .object({
    policyId: slugSchema,
    version: z.number().int(),
    content: packageContentSchema,
    exemption: exemptionSchema.nullable(),
    digest: z.string(),
    completeness: completenessSchema,
    faqs: z.array(faqItemSchema),
    comparison: comparisonSchema.nullable(),
    reviews: z.array(releaseReviewSchema),
    publishedAt: isoDateTimeSchema,
  })
  .meta({ id: 'InterpretationRelease' });
export type InterpretationRelease = z.infer<typeof interpretationReleaseSchema>;

export const gateSchema = z.object({
  status: z.enum(['ready', 'exempt', 'pending', 'blocked']).describe('pending：解读材料已齐备，尚未送审或正在本轮审查中'),
  code: z.string().nullable(),
  message: z.string(),
});

export const staffInterpretationSchema = z
  .object({
    policyId: slugSchema,
    policyStatus: z.string(),
    draft: interpretationDraftSchema.nullable(),
    digest: z.string().nullable(),
    completeness: completenessSchema,
    gate: gateSchema.describe('三同步：按当前内容和本轮审查，现在能否发布'),
    reviews: z.array(releaseReviewSchema.extend({ round: z.number().int(), coversCurrent: z.boolean() })),
    faqs: z.array(faqItemSchema),
    graphics: z.array(publicGraphicSchema),
    releases: z.array(z.object({ version: z.number().int(), publishedAt: isoDateTimeSchema, exempt: z.boolean() })),
  })
  .meta({ id: 'StaffInterpretation' });
export type StaffInterpretation = z.infer<typeof staffInterpretationSchema>;

export const interpretationVersionQuerySchema = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
export const mediaParamsSchema = z.strictObject({ file: z.string().regex(/^[0-9a-f]{64}\.(webp|jpg|png)$/) });

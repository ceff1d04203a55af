import { z } from 'zod';
import { csvListSchema, isoDateSchema, isoDateTimeSchema, pageQuerySchema, slugSchema } from './common.schema.js';
import { criteriaSchema, dimensionIdSchema } from './taxonomy.schema.js';
import { articleSchema } from './article.schema.js';

export const VALIDITY_LABELS = { effective: '现行有效', revised: '已修订', repealed: '已废止', expired: '失效' } as const;
export const validitySchema = z.enum(['effective', 'revised', 'repealed', 'expired']);
export type Validity = z.infer<typeof validitySchema>;

export const DISCLOSURE_LABELS = { public: '主动公开', on_request: '依申请公开', withheld: '不予公开' } as const;
export const disclosureSchema = z.enum(['public', 'on_request', 'withheld']);
export type Disclosure = z.infer<typeof disclosureSchema>;

export const policyStatusSchema = z.enum(['draft', 'in_review', 'approved', 'published', 'repealed']);
export type PolicyStatus = z.infer<typeof policyStatusSchema>;

export const REVIEW_KIND_LABELS = { confidentiality: '保密审查', legality: '合法性审查' } as const;
export const reviewKindSchema = z.enum(['confidentiality', 'legality']);
export type ReviewKind = z.infer<typeof reviewKindSchema>;

export const applicationWindowSchema = z
  .object({ opensAt: isoDateSchema, closesAt: isoDateSchema })
  .refine((w) => w.opensAt <= w.closesAt, { message: '申报截止日期不能早于开始日期', path: ['closesAt'] });

const contentFields = {
  docNumber: z.string().trim().min(1).max(80).nullable(),
  title: z.string().trim().min(2).max(200),
  issuer: z.string().trim().min(2).max(100),
  level: slugSchema.nullable(),
  issuedAt: isoDateSchema.nullable(),
  effectiveAt: isoDateSchema.nullable(),
  expiresAt: isoDateSchema.nullable(),
  disclosure: disclosureSchema,
  disclosureReason: z.string().trim().min(2).max(500).nullable(),
  body: z.string().max(200_000),
  criteria: criteriaSchema,
  tags: z.array(slugSchema).max(100),
  applicationWindow: applicationWindowSchema.nullable(),
  predecessorId: slugSchema.nullable(),
};

/** The editable content of a policy: what a drafter writes and what a version freezes. */
export const policyContentSchema = z.object(contentFields).meta({ id: 'PolicyContent' });
export type PolicyContent = z.infer<typeof policyContentSchema>;

function checkDisclosure(value: { disclosure?: Disclosure; disclosureReason?: string | null }, ctx: z.RefinementCtx): void {
  if (value.disclosure !== undefined && value.disclosure !== 'public' && !value.disclosureReason) {
    ctx.addIssue({ code: 'custom', path: ['disclosureReason'], message: '依申请公开或不予公开的文件必须说明理由' });
  }
}

export const createPolicyBodySchema = z
  .strictObject({
    id: slugSchema.optional(),
    docNumber: contentFields.docNumber.default(null),
    title: contentFields.title,
    issuer: contentFields.issuer,
    level: contentFields.level.default(null),
    issuedAt: contentFields.issuedAt.default(null),
    effectiveAt: contentFields.effectiveAt.default(null),
    expiresAt: contentFields.expiresAt.default(null),
    disclosure: contentFields.disclosure.default('public'),
    disclosureReason: contentFields.disclosureReason.default(null),
    body: contentFields.body.default(''),
    criteria: criteriaSchema.default({}),
    tags: contentFields.tags.default([]),
    applicationWindow: contentFields.applicationWindow.default(null),
    predecessorId: contentFields.predecessorId.default(null),
  })
  .superRefine(checkDisclosure)
  .meta({ id: 'CreatePolicyBody' });
export type CreatePolicyBody = z.infer<typeof createPolicyBodySchema>;

export const updatePolicyBodySchema = z
  .strictObject({
    docNumber: contentFields.docNumber.optional(),
    title: contentFields.title.optional(),
    issuer: contentFields.issuer.optional(),
    level: contentFields.level.optional(),
    issuedAt: contentFields.issuedAt.optional(),
    effectiveAt: contentFields.effectiveAt.optional(),
    expiresAt: contentFields.expiresAt.optional(),
    disclosure: contentFields.disclosure.optional(),
    disclosureReason: contentFields.disclosureReason.optional(),
    body: contentFields.body.optional(),
    criteria: criteriaSchema.optional(),
    tags: contentFields.tags.optional(),
    applicationWindow: contentFields.applicationWindow.optional(),
    predecessorId: contentFields.predecessorId.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: '至少需要修改一个字段' })
  .meta({ id: 'UpdatePolicyBody' });
export type UpdatePolicyBody = z.infer<typeof updatePolicyBodySchema>;

export const reviewBodySchema = z
  .strictObject({
    kind: reviewKindSchema,
    decision: z.enum(['approved', 'rejected']),
    comment: z.string().trim().max(2000).default(''),
  })
  .refine((b) => b.decision === 'approved' || b.comment.length > 0, {
    message: '退回修改时必须填写审查意见',
    path: ['comment'],
  })
  .meta({ id: 'ReviewBody' });
export type ReviewBody = z.infer<typeof reviewBodySchema>;

export const repealBodySchema = z
  .strictObject({ repealedAt: isoDateSchema, reason: z.string().trim().min(2).max(1000) })
  .meta({ id: 'RepealBody' });
export type RepealBody = z.infer<typeof repealBodySchema>;

export const emptyBodySchema = z.strictObject({});

export const reviewRecordSchema = z
  .object({
    id: z.number().int(),
    round: z.number().int(),
    kind: reviewKindSchema,
    decision: z.enum(['approved', 'rejected']),
    comment: z.string(),
    reviewerId: z.string(),
    reviewerName: z.string(),
    at: isoDateTimeSchema,
  })
  .meta({ id: 'ReviewRecord' });
export type ReviewRecord = z.infer<typeof reviewRecordSchema>;

export const repealSchema = z.object({ repealedAt: isoDateSchema, reason: z.string() });

/** The working copy of a policy as the store keeps it. */
export const policyRecordSchema = policyContentSchema
  .extend({
    id: slugSchema,
    articles: z.array(articleSchema),
    status: policyStatusSchema,
    validity: validitySchema,
    currentVersion: z.number().int().nullable(),
    reviewRound: z.number().int(),
    successorId: slugSchema.nullable(),
    repeal: repealSchema.nullable(),
    createdBy: z.string(),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
    revision: z.number().int(),
  })
  .meta({ id: 'PolicyRecord' });
export type PolicyRecord = z.infer<typeof policyRecordSchema>;

/** An immutable publication of a policy. */
export const policyVersionSchema = policyContentSchema
  .extend({
    policyId: slugSchema,
    version: z.number().int().min(1),
    articles: z.array(articleSchema),
    publishedAt: isoDateTimeSchema,
    publishedBy: z.string(),
    /** The review round that cleared this version, frozen with it. */
    reviews: z.array(reviewRecordSchema.omit({ id: true })),
  })
  .meta({ id: 'PolicyVersion' });
export type PolicyVersion = z.infer<typeof policyVersionSchema>;

export const versionSummarySchema = z.object({ version: z.number().int(), publishedAt: isoDateTimeSchema });

const tagRefSchema = z.object({ id: slugSchema, label: z.string(), dimension: dimensionIdSchema });

/** What anyone may read: the latest (or a chosen) published version of a public policy. */
export const publicPolicySchema = policyContentSchema
  .omit({ disclosureReason: true })
  .extend({
    id: slugSchema,
    version: z.number().int(),
    publishedAt: isoDateTimeSchema,
    validity: validitySchema,
    validityLabel: z.string(),
    successorId: slugSchema.nullable(),
    repeal: repealSchema.nullable(),
    articles: z.array(articleSchema),
    tagRefs: z.array(tagRefSchema),
    versions: z.array(versionSummarySchema),
    /** False for a superseded version, which is labelled 已修订 and links to `currentVersion`. */
    isCurrent: z.boolean(),
    currentVersion: z.number().int(),
  })
  .meta({ id: 'PublicPolicy' });
export type PublicPolicy = z.infer<typeof publicPolicySchema>;

/** What staff see: the working copy, its review trail and the published versions. */
export const staffPolicySchema = policyRecordSchema
  .extend({ reviews: z.array(reviewRecordSchema), versions: z.array(versionSummarySchema) })
  .meta({ id: 'StaffPolicy' });
export type StaffPolicy = z.infer<typeof staffPolicySchema>;

export const policyIdParamsSchema = z.strictObject({ id: slugSchema });

export const policySortSchema = z.enum(['relevance', 'issued_desc', 'issued_asc']);
export type PolicySort = z.infer<typeof policySortSchema>;

export const policySearchQuerySchema = pageQuerySchema
  .extend({
    q: z.string().trim().max(200).optional(),
    tags: csvListSchema(slugSchema),
    validity: csvListSchema(validitySchema),
    issuer: z.string().trim().max(100).optional(),
    level: csvListSchema(slugSchema),
    issuedFrom: isoDateSchema.optional(),
    issuedTo: isoDateSchema.optional(),
    sort: policySortSchema.optional(),
    facets: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
  })
  .strict();
export type PolicySearchQuery = z.infer<typeof policySearchQuerySchema>;

export const policyVersionQuerySchema = z.strictObject({ version: z.coerce.number().int().min(1).optional() });

export const searchHitSchema = z.object({
  id: slugSchema,
  version: z.number().int(),
  title: z.string(),
  docNumber: z.string().nullable(),
  issuer: z.string(),
  level: z.string().nullable(),
  issuedAt: isoDateSchema.nullable(),
  validity: validitySchema,
  validityLabel: z.string(),
  applicationWindow: applicationWindowSchema.nullable(),
  snippet: z.string().describe('HTML-escaped excerpt; matched terms wrapped in <mark>'),
  score: z.number(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const facetBucketSchema = z.object({ tagId: z.string(), label: z.string(), count: z.number().int(), parent: z.string().nullable() });
export type FacetBucket = z.infer<typeof facetBucketSchema>;
export const policySearchResponseSchema = z
  .object({
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
    hits: z.array(searchHitSchema),
    facets: z
      .object({
        dimensions: z.array(z.object({ dimension: dimensionIdSchema, label: z.string(), buckets: z.array(facetBucketSchema) })),
        validity: z.array(z.object({ validity: validitySchema, label: z.string(), count: z.number().int() })),
      })
      .nullable(),
  })
  .meta({ id: 'PolicySearchResponse' });
export type PolicySearchResponse = z.infer<typeof policySearchResponseSchema>;

/** One line of a bulk import file: the create body plus how far along the workflow the document already is. */
export const policyImportLineSchema = createPolicyBodySchema
  .safeExtend({
    id: slugSchema,
    state: z.enum(['draft', 'published', 'repealed']).default('draft'),
    publishedAt: isoDateTimeSchema.optional(),
    repeal: repealBodySchema.optional(),
    revisions: z
      .array(z.strictObject({ publishedAt: isoDateTimeSchema, changes: updatePolicyBodySchema }))
      .max(20)
      .default([]),
  })
  .superRefine((line, ctx) => {
    if (line.state !== 'draft' && !line.publishedAt) {
      ctx.addIssue({ code: 'custom', path: ['publishedAt'], message: '已发布或已废止的文件必须给出发布时间' });
    }
    if (line.state === 'repealed' && !line.repeal) {
      ctx.addIssue({ code: 'custom', path: ['repeal'], message: '已废止的文件必须给出废止日期和理由' });
    }
  });
export type PolicyImportLine = z.infer<typeof policyImportLineSchema>;

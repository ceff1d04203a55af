import { z } from 'zod';
import { slugSchema } from './common.schema.js';

export const DIMENSION_IDS = [
  'subject_type',
  'industry',
  'region',
  'size',
  'qualification',
  'stage',
  'need',
  'policy_type',
  'ip_type',
  'issuer_level',
] as const;
export const dimensionIdSchema = z.enum(DIMENSION_IDS, { error: '未知的标签维度' });
export type DimensionId = z.infer<typeof dimensionIdSchema>;

export const dimensionSchema = z
  .object({
    id: dimensionIdSchema,
    label: z.string().min(1).max(40),
    description: z.string().max(500).default(''),
  })
  .meta({ id: 'Dimension' });
export type Dimension = z.infer<typeof dimensionSchema>;

export const tagSchema = z
  .object({
    id: slugSchema,
    dimension: dimensionIdSchema,
    label: z.string().min(1).max(60),
    synonyms: z.array(z.string().min(1).max(60)).max(30).default([]),
    parent: slugSchema.nullable().default(null),
    deprecated: z.boolean().default(false),
    mergedInto: slugSchema.nullable().default(null),
    updatedAt: z.string().optional(),
  })
  .meta({ id: 'Tag' });
export type Tag = z.infer<typeof tagSchema>;

export const taxonomySchema = z
  .object({ dimensions: z.array(dimensionSchema), tags: z.array(tagSchema) })
  .meta({ id: 'Taxonomy' });
export type TaxonomyData = z.infer<typeof taxonomySchema>;

/** Per-dimension tag lists, used for applicability criteria and search filters. */
export const criteriaSchema = z.partialRecord(dimensionIdSchema, z.array(slugSchema).max(50));
export type Criteria = z.infer<typeof criteriaSchema>;

export const createTagBodySchema = z.strictObject({
  id: slugSchema,
  dimension: dimensionIdSchema,
  label: z.string().trim().min(1).max(60),
  synonyms: z.array(z.string().trim().min(1).max(60)).max(30).default([]),
  parent: slugSchema.nullable().default(null),
});
export type CreateTagBody = z.infer<typeof createTagBodySchema>;

export const updateTagBodySchema = z
  .strictObject({
    label: z.string().trim().min(1).max(60).optional(),
    synonyms: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
    parent: slugSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: '至少需要修改一个字段' });
export type UpdateTagBody = z.infer<typeof updateTagBodySchema>;

export const mergeTagBodySchema = z.strictObject({ into: slugSchema });
export type MergeTagBody = z.infer<typeof mergeTagBodySchema>;

export const tagIdParamsSchema = z.strictObject({ tagId: slugSchema });

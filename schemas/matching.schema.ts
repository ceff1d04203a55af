import { z } from 'zod';
import { isoDateTimeSchema } from './common.schema.js';
import { explanationSchema } from './delivery.schema.js';
import { channelSchema, profileDimensionSchema, subscriberKindSchema } from './subscriber.schema.js';
import { dimensionIdSchema } from './taxonomy.schema.js';
import { validitySchema } from './policy.schema.js';
import { pageQuerySchema } from './common.schema.js';

export const explainedMatchSchema = z.object({
  explanation: explanationSchema,
  /** The same explanation as sentences a subscriber can read (“为什么推送给您”). */
  reasons: z.array(z.string()),
});

export const audienceSampleSchema = explainedMatchSchema.extend({
  subscriberId: z.string(),
  name: z.string(),
  kind: subscriberKindSchema,
  channels: z.array(channelSchema),
});

export const audiencePreviewSchema = z
  .object({
    policyId: z.string(),
    /** The working copy when it differs from the published version (drafts, revisions). */
    basis: z.enum(['working_copy', 'published_version']),
    subscribers: z.number().int(),
    byChannel: z.record(channelSchema, z.number().int()),
    unknown: z.array(z.object({ dimension: profileDimensionSchema, label: z.string(), count: z.number().int() })),
    breakdown: z.array(
      z.object({
        dimension: profileDimensionSchema,
        label: z.string(),
        buckets: z.array(z.object({ tagId: z.string(), label: z.string(), count: z.number().int() })),
      }),
    ),
    sample: z.array(audienceSampleSchema),
    deliveries: z.object({ version: z.number().int().nullable(), written: z.number().int(), status: z.string().nullable() }),
  })
  .meta({ id: 'AudiencePreview' });
export type AudiencePreview = z.infer<typeof audiencePreviewSchema>;

export const feedItemSchema = explainedMatchSchema.extend({
  policyId: z.string(),
  version: z.number().int(),
  title: z.string(),
  docNumber: z.string().nullable(),
  issuer: z.string(),
  publishedAt: isoDateTimeSchema,
  validity: validitySchema,
  applicationWindow: z.object({ opensAt: z.string(), closesAt: z.string() }).nullable(),
});
export type FeedItem = z.infer<typeof feedItemSchema>;

export const feedResponseSchema = z
  .object({ total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), items: z.array(feedItemSchema) })
  .meta({ id: 'SubscriberFeed' });

export const feedQuerySchema = pageQuerySchema.extend({ subscriptionId: z.string().max(64).optional() }).strict();

export const audienceQuerySchema = z.strictObject({ sample: z.coerce.number().int().min(0).max(100).default(20) });

export { dimensionIdSchema };

import { z } from 'zod';
import { isoDateTimeSchema } from './common.schema.js';
import { dimensionIdSchema } from './taxonomy.schema.js';
import { channelSchema, profileDimensionSchema } from './subscriber.schema.js';
import { frequencySchema } from './subscription.schema.js';

export const deliveryStatusSchema = z.enum(['pending', 'sending', 'sent', 'delivered', 'failed_temporary', 'failed_permanent', 'skipped']);
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

const tagsByDimension = z.partialRecord(dimensionIdSchema, z.array(z.string()));

/** Why a subscriber was reached: stored with each delivery so every push can say why it was sent. */
export const explanationSchema = z
  .object({
    eligible: z.boolean(),
    eligibility: z.partialRecord(profileDimensionSchema, z.array(z.string())),
    unknown: z.array(profileDimensionSchema),
    subscriptions: z.array(
      z.object({
        subscriptionId: z.string(),
        matchedTags: tagsByDimension,
        matchedKeywords: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'MatchExplanation' });
export type Explanation = z.infer<typeof explanationSchema>;

/** One row of the outbox: unique per (policy version, subscriber, channel). */
export const deliverySchema = z
  .object({
    id: z.number().int(),
    policyId: z.string(),
    version: z.number().int(),
    subscriberId: z.string(),
    channel: channelSchema,
    frequency: frequencySchema,
    subscriptionIds: z.array(z.string()),
    explanation: explanationSchema,
    status: deliveryStatusSchema,
    urgent: z.boolean(),
    attempts: z.number().int(),
    nextAttemptAt: isoDateTimeSchema.nullable(),
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
  })
  .meta({ id: 'Delivery' });
export type Delivery = z.infer<typeof deliverySchema>;

export type NewDelivery = Pick<Delivery, 'policyId' | 'version' | 'subscriberId' | 'channel' | 'frequency' | 'subscriptionIds' | 'explanation' | 'urgent'>;

export const matchingJobStatusSchema = z.enum(['running', 'done', 'skipped']);
export type MatchingJobStatus = z.infer<typeof matchingJobStatusSchema>;

export const matchingJobSchema = z.object({
  policyId: z.string(),
  version: z.number().int(),
  status: matchingJobStatusSchema,
  reason: z.string().nullable(),
  leaseUntil: isoDateTimeSchema.nullable(),
  attempts: z.number().int(),
  matched: z.number().int(),
  written: z.number().int(),
  startedAt: isoDateTimeSchema.nullable(),
  finishedAt: isoDateTimeSchema.nullable(),
});
export type MatchingJob = z.infer<typeof matchingJobSchema>;

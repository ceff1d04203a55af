import { StatementCache } from './statement-cache.js';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import {
  deliveryAttemptSchema,
  deliverySchema,
  pushMessagePayloadSchema,
  pushMessageSchema,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type PushMessage,
  type PushMessagePayload,
} from '../../../schemas/delivery.schema.js';
import type { Db } from './sqlite.support.js';

/** Row shapes of the push tables and their conversion to the API shapes. */

/** The columns both queue tables (deliveries and push_messages) share. */
const queueRowSchema = z.object({
  id: z.number(),
  subscriber_id: z.string(),
  channel: z.string(),
  status: z.string(),
  urgent: z.number(),
  attempts: z.number(),
  next_attempt_at: z.string().nullable(),
  lease_until: z.string().nullable(),
  last_error: z.string().nullable(),
  error_class: z.string().nullable(),
  sent_at: z.string().nullable(),
  dry_run: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

function queueFields(r: z.infer<typeof queueRowSchema>) {
  return {
    id: r.id,
    subscriberId: r.subscriber_id,
    channel: r.channel,
    status: r.status,
    urgent: r.urgent === 1,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastError: r.last_error,
    errorClass: r.error_class,
    sentAt: r.sent_at,
    dryRun: r.dry_run === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const deliveryRowSchema = queueRowSchema.extend({
  policy_id: z.string(),
  version: z.number(),
  frequency: z.string(),
  subscription_ids: z.string(),
  explanation: z.string(),
  delivered_at: z.string().nullable(),
  message_id: z.number().nullable(),
});

export function deliveryFromRow(row: unknown): Delivery {
  const r = deliveryRowSchema.parse(row);
  return deliverySchema.parse({
    ...queueFields(r),
    policyId: r.policy_id,
    version: r.version,
    frequency: r.frequency,
    subscriptionIds: JSON.parse(r.subscription_ids),
    explanation: JSON.parse(r.explanation),
    deliveredAt: r.delivered_at,
    messageId: r.message_id,
  });
}

const messageRowSchema = queueRowSchema.extend({
  kind: z.string(),
  dedupe_key: z.string(),
  contact_id: z.string().nullable(),
  policy_id: z.string().nullable(),
  version: z.number().nullable(),
  payload: z.string(),
});

export function messageFromRow(row: unknown): PushMessage {
  const r = messageRowSchema.parse(row);
  return pushMessageSchema.parse({
    ...queueFields(r),
    kind: r.kind,
    dedupeKey: r.dedupe_key,
    contactId: r.contact_id,
    policyId: r.policy_id,
    version: r.version,
    payload: JSON.parse(r.payload),
  });
}

const attemptRowSchema = z.object({
  id: z.number(),
  delivery_id: z.number().nullable(),
  message_id: z.number().nullable(),
  channel: z.string(),
  account: z.string().nullable(),
  worker: z.string().nullable(),
  attempt: z.number(),
  at: z.string(),
  outcome: z.string(),
  error_class: z.string().nullable(),
  response: z.string().nullable(),
  dry_run: z.number(),
  duration_ms: z.number().nullable(),
});

export function attemptFromRow(row: unknown): DeliveryAttempt {
  const r = attemptRowSchema.parse(row);
  return deliveryAttemptSchema.parse({
    id: r.id,
    deliveryId: r.delivery_id,
    messageId: r.message_id,
    channel: r.channel,
    account: r.account,
    worker: r.worker,
    attempt: r.attempt,
    at: r.at,
    outcome: r.outcome,
    errorClass: r.error_class,
    response: r.response,
    dryRun: r.dry_run === 1,
    durationMs: r.duration_ms,
  });
}

/** A status list as an SQL literal, e.g. for `status NOT IN (...)`; the values are fixed enum members. */
export function statusList(statuses: readonly DeliveryStatus[]): string {
  return `(${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** Both queue tables, keyed by the `WorkRef` source that names them. */
export const QUEUE_TABLES = [
  ['delivery', 'deliveries'],
  ['message', 'push_messages'],
] as const;

/** Inserts a message unless its dedupe key exists; returns the new id, or null when it existed. */
export function insertMessage(
  statements: StatementCache,
  message: {
    kind: PushMessage['kind'];
    dedupeKey: string;
    subscriberId: string;
    channel: string;
    payload: PushMessagePayload;
    at: string;
    urgent: boolean;
    contactId?: string | null;
    policyId?: string | null;
    version?: number | null;
  },
): number | null {
  const row = statements
    .get(
      `INSERT OR IGNORE INTO push_messages (kind, dedupe_key, subscriber_id, channel, contact_id, policy_id, version, payload, status, urgent, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?) RETURNING id`,
    )
    .get(
      message.kind,
      message.dedupeKey,
      message.subscriberId,
      message.channel,
      message.contactId ?? null,
      message.policyId ?? null,
      message.version ?? null,
      JSON.stringify(pushMessagePayloadSchema.parse(message.payload)),
      message.urgent ? 1 : 0,
      message.at,
      message.at,
      message.at,
    );
  return row ? z.object({ id: z.number() }).parse(row).id : null;
}

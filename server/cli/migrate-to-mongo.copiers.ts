import type Database from 'better-sqlite3';
import type { AnyBulkWriteOperation, Document } from 'mongodb';
import { z } from 'zod';
import { policyRecordSchema, policyVersionSchema, reviewRecordSchema } from '../../schemas/policy.schema.js';
import { contactSchema, subscriberSchema } from '../../schemas/subscriber.schema.js';
import { subscriptionSchema } from '../../schemas/subscription.schema.js';
import { dimensionSchema, tagSchema } from '../../schemas/taxonomy.schema.js';
import { roleSchema } from '../../schemas/user.schema.js';
import { matchingJobSchema } from '../../schemas/delivery.schema.js';
import { policyToDoc, type ReviewDoc, type VersionDoc } from '../adapters/mongodb/mongo-policy.repository.js';
import { subscriberToDoc, type ContactDoc, type SubscriberTokenDoc, type SubscriberTombstoneDoc } from '../adapters/mongodb/mongo-subscriber.repository.js';
import { subscriptionToDoc } from '../adapters/mongodb/mongo-subscription.repository.js';
import { tagToDoc, type DimensionDoc } from '../adapters/mongodb/mongo-taxonomy.repository.js';
import type { UserDoc } from '../adapters/mongodb/mongo-user.repository.js';
import { COLLECTIONS, SEQ } from '../adapters/mongodb/mongo.support.js';
import {
  channelControlSchema,
  deliveryAttemptSchema,
  deliverySchema,
  pushMessageSchema,
} from '../../schemas/delivery.schema.js';
import {
  faqItemSchema,
  interpretationDraftSchema,
  interpretationReleaseSchema,
  questionGroupSchema,
  storedImageSchema,
  storedQuestionSchema,
} from '../../schemas/interpretation.schema.js';
import {
  digestRunRecordSchema,
  laneReportRecordSchema,
  PUSH_COLLECTIONS,
  pushPreferenceRecordSchema,
  unsubscribeEventRecordSchema,
  type DeliveryAttemptDoc,
  type DeliveryDoc,
  type DigestRunDoc,
  type PushControlDoc,
  type PushMessageDoc,
  type PushPreferenceDoc,
} from '../adapters/mongodb/mongo-delivery.models.js';
import {
  INTERPRETATION_COLLECTIONS,
  reviewDigestRecordSchema,
  type DraftDoc,
  type FaqDoc,
  type ImageDoc,
  type QuestionDoc,
  type QuestionGroupDoc,
  type ReviewDigestDoc,
} from '../adapters/mongodb/mongo-interpretation.repository.js';
import { WEB_ACCOUNT_COLLECTIONS, webAccountRecordSchema, webSessionRecordSchema, type WebAccountDoc, type WebSessionDoc } from '../adapters/mongodb/mongo-web-account.repository.js';

/**
 * How each SQLite table of the embedded store becomes a MongoDB collection, for
 * `npm run migrate:mongo`. Every row is parsed (zod) and written as an upsert on its key, so a
 * rerun converges instead of duplicating.
 */

export type Row = Record<string, unknown>;
/** Any stored document: natural keys are strings or numbers; generated ObjectIds are never written by the copy. */
export type CopyDoc = Document & { _id?: string | number };

/** How one SQLite table becomes one MongoDB collection. */
export interface Copier {
  table: string;
  collection: string;
  /** Upsert of one row on its key; the same row always produces the same document. */
  write(row: Row): AnyBulkWriteOperation<CopyDoc>;
  /** Row order only matters for progress; defaults to the table's natural order. */
  orderBy?: string;
}

export function upsertById<T extends { _id: string | number }>(doc: T): AnyBulkWriteOperation<CopyDoc> {
  const { _id, ...replacement } = doc;
  return { replaceOne: { filter: { _id }, replacement, upsert: true } };
}

/** For collections keyed by a unique index rather than `_id` (the generated `_id` is kept on rerun). */
export function upsertBy(filter: Document, doc: Document): AnyBulkWriteOperation<CopyDoc> {
  return { replaceOne: { filter, replacement: doc, upsert: true } };
}

export const text = z.string();
export const nullableText = z.string().nullable();
export const int = z.number().int();
export const flag = z.number().int().transform((v) => v === 1);
export const json = (value: unknown): unknown => JSON.parse(text.parse(value));

const docColumn = z.object({ doc: text });

function matchingFinished(db: Database.Database): Set<string> {
  const rows = db.prepare("SELECT policy_id, version FROM matching_jobs WHERE status IN ('done', 'skipped')").all();
  return new Set(rows.map((row) => {
    const r = z.object({ policy_id: text, version: int }).parse(row);
    return `${r.policy_id}\u0000${r.version}`;
  }));
}

/** Every table of the embedded store, in an order where nothing refers to a later table. */
export function copiersFor(db: Database.Database): Copier[] {
  const finished = matchingFinished(db);
  return [
    {
      table: 'dimensions',
      collection: COLLECTIONS.dimensions,
      write: (row) => {
        const r = z.object({ id: text, label: text, description: text, sort: int }).parse(row);
        const d = dimensionSchema.parse(r);
        const doc: DimensionDoc = { _id: d.id, label: d.label, description: d.description, sort: r.sort };
        return upsertById(doc);
      },
    },
    {
      table: 'tags',
      collection: COLLECTIONS.tags,
      write: (row) => {
        const r = z
          .object({ id: text, dimension: text, label: text, synonyms: text, parent: nullableText, deprecated: flag, merged_into: nullableText, sort: int, updated_at: text })
          .parse(row);
        const tag = tagSchema.parse({ id: r.id, dimension: r.dimension, label: r.label, synonyms: JSON.parse(r.synonyms), parent: r.parent, deprecated: r.deprecated, mergedInto: r.merged_into, updatedAt: r.updated_at });
        return upsertById(tagToDoc(tag, r.sort));
      },
    },
    {
      table: 'policies',
      collection: COLLECTIONS.policies,
      write: (row) => {
        const r = z.object({ doc: text, change_seq: int }).parse(row);
        return upsertById(policyToDoc(policyRecordSchema.parse(JSON.parse(r.doc)), r.change_seq));
      },
    },
    {
      table: 'policy_versions',
      collection: COLLECTIONS.policyVersions,
      write: (row) => {
        const version = policyVersionSchema.parse(json(docColumn.parse(row).doc));
        const doc: VersionDoc = { ...version, matchingFinished: finished.has(`${version.policyId}\u0000${version.version}`) };
        return upsertBy({ policyId: version.policyId, version: version.version }, doc);
      },
    },
    {
      table: 'policy_reviews',
      collection: COLLECTIONS.policyReviews,
      write: (row) => {
        const r = z
          .object({ id: int, policy_id: text, round: int, kind: text, decision: text, comment: text, reviewer_id: text, reviewer_name: text, at: text })
          .parse(row);
        const { id, ...review } = reviewRecordSchema.parse({ id: r.id, round: r.round, kind: r.kind, decision: r.decision, comment: r.comment, reviewerId: r.reviewer_id, reviewerName: r.reviewer_name, at: r.at });
        const doc: ReviewDoc = { ...review, _id: id, policyId: r.policy_id };
        return upsertById(doc);
      },
    },
    {
      table: 'users',
      collection: COLLECTIONS.users,
      write: (row) => {
        const r = z.object({ id: text, name: text, role: roleSchema, token_hash: text, disabled: flag, created_at: text }).parse(row);
        const doc: UserDoc = { _id: r.id, name: r.name, role: r.role, tokenHash: r.token_hash, disabled: r.disabled, createdAt: r.created_at };
        return upsertById(doc);
      },
    },
    {
      table: 'subscribers',
      collection: COLLECTIONS.subscribers,
      write: (row) => {
        const r = z.object({ doc: text, change_seq: int }).parse(row);
        const subscriber = subscriberSchema.parse({ ...z.record(z.string(), z.unknown()).parse(JSON.parse(r.doc)), contacts: [] });
        return upsertById(subscriberToDoc(subscriber, r.change_seq));
      },
    },
    {
      table: 'contacts',
      collection: COLLECTIONS.contacts,
      write: (row) => {
        const r = z
          .object({ id: text, subscriber_id: text, channel: text, address: text, label: nullableText, confirmed_at: nullableText, invalid_at: nullableText, sort: int })
          .parse(row);
        const c = contactSchema.parse({ id: r.id, channel: r.channel, address: r.address, label: r.label, confirmedAt: r.confirmed_at, invalidAt: r.invalid_at });
        const doc: ContactDoc = { _id: c.id, subscriberId: r.subscriber_id, channel: c.channel, address: c.address, label: c.label, confirmedAt: c.confirmedAt, invalidAt: c.invalidAt, sort: r.sort };
        return upsertById(doc);
      },
    },
    {
      table: 'subscriber_tokens',
      collection: COLLECTIONS.subscriberTokens,
      write: (row) => {
        const r = z.object({ token_hash: text, subscriber_id: text, created_at: text }).parse(row);
        const doc: SubscriberTokenDoc = { _id: r.token_hash, subscriberId: r.subscriber_id, createdAt: r.created_at };
        return upsertById(doc);
      },
    },
    {
      table: 'subscriber_tombstones',
      collection: COLLECTIONS.subscriberTombstones,
      write: (row) => {
        const r = z.object({ id: text, change_seq: int, deleted_at: text }).parse(row);
        const doc: SubscriberTombstoneDoc = { _id: r.id, changeSeq: r.change_seq, deletedAt: r.deleted_at };
        return upsertById(doc);
      },
    },
    {
      table: 'subscriptions',
      collection: COLLECTIONS.subscriptions,
      write: (row) => upsertById(subscriptionToDoc(subscriptionSchema.parse(json(docColumn.parse(row).doc)))),
    },
    {
      table: 'matching_jobs',
      collection: COLLECTIONS.matchingJobs,
      write: (row) => {
        const r = z
          .object({ policy_id: text, version: int, status: text, reason: nullableText, lease_until: nullableText, attempts: int, matched: int, written: int, started_at: nullableText, finished_at: nullableText })
          .parse(row);
        const job = matchingJobSchema.parse({ policyId: r.policy_id, version: r.version, status: r.status, reason: r.reason, leaseUntil: r.lease_until, attempts: r.attempts, matched: r.matched, written: r.written, startedAt: r.started_at, finishedAt: r.finished_at });
        return upsertBy({ policyId: job.policyId, version: job.version }, job);
      },
    },
    ...pushCopiers(db),
    ...interpretationCopiers(),
    ...webCopiers(),
  ];
}

/** Columns the two push queues share, in the schemas' names. */
function queueFields(row: Row) {
  const r = z
    .object({
      id: int,
      subscriber_id: text,
      channel: text,
      status: text,
      urgent: flag,
      attempts: int,
      next_attempt_at: nullableText,
      lease_until: nullableText,
      lease_owner: nullableText,
      last_error: nullableText,
      error_class: nullableText,
      sent_at: nullableText,
      dry_run: flag,
      created_at: text,
      updated_at: text,
    })
    .parse(row);
  return {
    fields: {
      id: r.id,
      subscriberId: r.subscriber_id,
      channel: r.channel,
      status: r.status,
      urgent: r.urgent,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      leaseUntil: r.lease_until,
      lastError: r.last_error,
      errorClass: r.error_class,
      sentAt: r.sent_at,
      dryRun: r.dry_run,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    },
    leaseOwner: r.lease_owner,
  };
}

function pushCopiers(db: Database.Database): Copier[] {
  // Digest runs record the newest outbox row they cover; the embedded store derives it while planning.
  const maxDeliveryId = Number(db.prepare('SELECT COALESCE(MAX(id), 0) FROM deliveries').pluck().get());
  return [
    {
      table: 'deliveries',
      collection: PUSH_COLLECTIONS.deliveries,
      write: (row) => {
        const { fields, leaseOwner } = queueFields(row);
        const r = z
          .object({ policy_id: text, version: int, frequency: text, subscription_ids: text, explanation: text, delivered_at: nullableText, message_id: z.number().int().nullable() })
          .parse(row);
        const { id, ...delivery } = deliverySchema.parse({
          ...fields,
          policyId: r.policy_id,
          version: r.version,
          frequency: r.frequency,
          subscriptionIds: JSON.parse(r.subscription_ids),
          explanation: JSON.parse(r.explanation),
          deliveredAt: r.delivered_at,
          messageId: r.message_id,
        });
        const doc: DeliveryDoc = { ...delivery, _id: id, leaseOwner };
        return upsertById(doc);
      },
    },
    {
      table: 'push_messages',
      collection: PUSH_COLLECTIONS.pushMessages,
      write: (row) => {
        const { fields, leaseOwner } = queueFields(row);
        const r = z.object({ kind: text, dedupe_key: text, contact_id: nullableText, policy_id: nullableText, version: z.number().int().nullable(), payload: text }).parse(row);
        const { id, ...message } = pushMessageSchema.parse({
          ...fields,
          kind: r.kind,
          dedupeKey: r.dedupe_key,
          contactId: r.contact_id,
          policyId: r.policy_id,
          version: r.version,
          payload: JSON.parse(r.payload),
        });
        const doc: PushMessageDoc = { ...message, _id: id, leaseOwner };
        return upsertById(doc);
      },
    },
    {
      table: 'delivery_attempts',
      collection: PUSH_COLLECTIONS.deliveryAttempts,
      write: (row) => {
        const r = z
          .object({
            id: int,
            delivery_id: z.number().int().nullable(),
            message_id: z.number().int().nullable(),
            channel: text,
            account: nullableText,
            worker: nullableText,
            attempt: int,
            at: text,
            outcome: text,
            error_class: nullableText,
            response: nullableText,
            dry_run: flag,
            duration_ms: z.number().int().nullable(),
          })
          .parse(row);
        const { id, ...attempt } = deliveryAttemptSchema.parse({
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
          dryRun: r.dry_run,
          durationMs: r.duration_ms,
        });
        const doc: DeliveryAttemptDoc = { ...attempt, _id: id };
        return upsertById(doc);
      },
    },
    {
      table: 'digest_runs',
      collection: PUSH_COLLECTIONS.digestRuns,
      write: (row) => {
        const r = z
          .object({ run_key: text, frequency: text, slot_at: text, status: text, lease_until: nullableText, messages: int, started_at: text, finished_at: nullableText })
          .parse(row);
        const { runKey, ...run } = digestRunRecordSchema.parse({
          runKey: r.run_key,
          frequency: r.frequency,
          slotAt: r.slot_at,
          status: r.status,
          leaseUntil: r.lease_until,
          maxId: maxDeliveryId,
          messages: r.messages,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
        });
        const doc: DigestRunDoc = { ...run, _id: runKey };
        return upsertById(doc);
      },
    },
    {
      table: 'push_preferences',
      collection: PUSH_COLLECTIONS.pushPreferences,
      write: (row) => {
        const r = z.object({ subscriber_id: text, deadline_reminders: flag, updated_at: text }).parse(row);
        const { subscriberId, ...preference } = pushPreferenceRecordSchema.parse({ subscriberId: r.subscriber_id, deadlineReminders: r.deadline_reminders, updatedAt: r.updated_at });
        const doc: PushPreferenceDoc = { ...preference, _id: subscriberId };
        return upsertById(doc);
      },
    },
    {
      table: 'push_controls',
      collection: PUSH_COLLECTIONS.pushControls,
      write: (row) => {
        const r = z.object({ channel: text, paused: flag, reason: nullableText, updated_by: nullableText, updated_at: nullableText }).parse(row);
        const { channel, ...control } = channelControlSchema.parse({ channel: r.channel, paused: r.paused, reason: r.reason, updatedBy: r.updated_by, updatedAt: r.updated_at });
        const doc: PushControlDoc = { ...control, _id: channel };
        return upsertById(doc);
      },
    },
    {
      table: 'push_lanes',
      collection: PUSH_COLLECTIONS.pushLanes,
      write: (row) => {
        const r = z.object({ owner: text, channel: text, state: text, reason: nullableText, account: nullableText, dry_run: flag, updated_at: text }).parse(row);
        const lane = laneReportRecordSchema.parse({ owner: r.owner, channel: r.channel, state: r.state, reason: r.reason, account: r.account, dryRun: r.dry_run, updatedAt: r.updated_at });
        return upsertBy({ owner: lane.owner, channel: lane.channel }, lane);
      },
    },
    {
      table: 'unsubscribe_events',
      collection: PUSH_COLLECTIONS.unsubscribeEvents,
      write: (row) => {
        const r = z
          .object({
            subscriber_id: text,
            scope: text,
            subscription_ids: text,
            delivery_id: z.number().int().nullable(),
            message_id: z.number().int().nullable(),
            policy_id: nullableText,
            version: z.number().int().nullable(),
            source: text,
            at: text,
          })
          .parse(row);
        const event = unsubscribeEventRecordSchema.parse({
          subscriberId: r.subscriber_id,
          scope: r.scope,
          subscriptionIds: JSON.parse(r.subscription_ids),
          deliveryId: r.delivery_id,
          messageId: r.message_id,
          policyId: r.policy_id,
          version: r.version,
          source: r.source,
          at: r.at,
        });
        // Events have no key of their own: the whole event is the key, so a rerun rewrites it in place.
        return upsertBy(event, event);
      },
    },
  ];
}

function interpretationCopiers(): Copier[] {
  return [
    {
      table: 'interpretation_drafts',
      collection: INTERPRETATION_COLLECTIONS.drafts,
      write: (row) => {
        const { policyId, ...draft } = interpretationDraftSchema.parse(json(docColumn.parse(row).doc));
        const doc: DraftDoc = { ...draft, _id: policyId };
        return upsertById(doc);
      },
    },
    {
      table: 'interpretation_releases',
      collection: INTERPRETATION_COLLECTIONS.releases,
      write: (row) => {
        const release = interpretationReleaseSchema.parse(json(docColumn.parse(row).doc));
        return upsertBy({ policyId: release.policyId, version: release.version }, release);
      },
    },
    {
      table: 'interpretation_reviews',
      collection: INTERPRETATION_COLLECTIONS.reviews,
      write: (row) => {
        const r = z.object({ review_id: int, policy_id: text, round: int, digest: nullableText }).parse(row);
        const { reviewId, ...digest } = reviewDigestRecordSchema.parse({ reviewId: r.review_id, policyId: r.policy_id, round: r.round, digest: r.digest });
        const doc: ReviewDigestDoc = { ...digest, _id: reviewId };
        return upsertById(doc);
      },
    },
    {
      table: 'media_images',
      collection: INTERPRETATION_COLLECTIONS.images,
      write: (row) => {
        const { id, ...image } = storedImageSchema.parse(json(docColumn.parse(row).doc));
        const doc: ImageDoc = { ...image, _id: id };
        return upsertById(doc);
      },
    },
    {
      table: 'faqs',
      collection: INTERPRETATION_COLLECTIONS.faqs,
      write: (row) => {
        const { id, ...faq } = faqItemSchema.parse(json(docColumn.parse(row).doc));
        const doc: FaqDoc = { ...faq, _id: id };
        return upsertById(doc);
      },
    },
    {
      table: 'question_groups',
      collection: INTERPRETATION_COLLECTIONS.questionGroups,
      write: (row) => {
        const { id, ...group } = questionGroupSchema.parse(json(docColumn.parse(row).doc));
        const doc: QuestionGroupDoc = { ...group, _id: id };
        return upsertById(doc);
      },
    },
    {
      table: 'questions',
      collection: INTERPRETATION_COLLECTIONS.questions,
      write: (row) => {
        const r = z.object({ client_hash: text, doc: text }).parse(row);
        const { id, ...question } = storedQuestionSchema.parse(JSON.parse(r.doc));
        const doc: QuestionDoc = { ...question, _id: id, clientHash: r.client_hash };
        return upsertById(doc);
      },
    },
  ];
}

function webCopiers(): Copier[] {
  return [
    {
      table: 'web_accounts',
      collection: WEB_ACCOUNT_COLLECTIONS.accounts,
      write: (row) => {
        const r = z.object({ id: text, email: text, password_hash: text, subscriber_id: text, created_at: text, updated_at: text, last_sign_in_at: nullableText }).parse(row);
        const { id, ...account } = webAccountRecordSchema.parse({ id: r.id, email: r.email, passwordHash: r.password_hash, subscriberId: r.subscriber_id, createdAt: r.created_at, lastSignInAt: r.last_sign_in_at });
        const doc: WebAccountDoc = { ...account, _id: id, updatedAt: r.updated_at };
        return upsertById(doc);
      },
    },
    {
      table: 'web_sessions',
      collection: WEB_ACCOUNT_COLLECTIONS.sessions,
      write: (row) => {
        const r = z
          .object({ id_hash: text, principal_kind: z.enum(['account', 'staff']), account_id: nullableText, user_id: nullableText, credential: nullableText, created_at: text, last_seen_at: text, expires_at: text })
          .parse(row);
        const principal = r.principal_kind === 'account' ? { kind: r.principal_kind, accountId: r.account_id } : { kind: r.principal_kind, userId: r.user_id, credential: r.credential };
        const { idHash, ...session } = webSessionRecordSchema.parse({ idHash: r.id_hash, principal, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at });
        const doc: WebSessionDoc = { ...session, _id: idHash };
        return upsertById(doc);
      },
    },
  ];
}

/** Counter values the MongoDB store continues from (never moved backwards on a rerun). */
export function countersFor(db: Database.Database): { key: string; value: number }[] {
  const meta = (key: string) => Number(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) ?? 0);
  const max = (sql: string) => Number(db.prepare(sql).pluck().get() ?? 0);
  return [
    { key: SEQ.policyChange, value: meta('policy_change_seq') },
    { key: SEQ.subscriberChange, value: meta('subscriber_change_seq') },
    { key: SEQ.reviewId, value: max('SELECT MAX(id) FROM policy_reviews') },
    { key: SEQ.tagSort, value: max('SELECT MAX(sort) FROM tags') },
    // The outbox and push message ids continue from the embedded store's (they appear in links and Message-IDs).
    { key: 'delivery_id', value: max('SELECT MAX(id) FROM deliveries') },
    { key: 'push_message_id', value: max('SELECT MAX(id) FROM push_messages') },
    { key: 'delivery_attempt_id', value: max('SELECT MAX(id) FROM delivery_attempts') },
  ];
}


import type { AnyBulkWriteOperation, Document } from 'mongodb';
import type { StoreCounters, StoreEntity, StoreImport, StoreRecords } from '../../ports/store-transfer.port.js';
import { PUSH_COLLECTIONS, PUSH_ID_SEQ, type DeliveryAttemptDoc, type DeliveryDoc, type DigestRunDoc, type PushControlDoc, type PushMessageDoc, type PushPreferenceDoc } from './mongo-delivery.models.js';
import { INTERPRETATION_COLLECTIONS, type DraftDoc, type FaqDoc, type ImageDoc, type QuestionDoc, type QuestionGroupDoc, type ReviewDigestDoc } from './mongo-interpretation.repository.js';
import { policyToDoc, type ReviewDoc } from './mongo-policy.repository.js';
import { subscriberToDoc, type ContactDoc, type SubscriberTokenDoc, type SubscriberTombstoneDoc } from './mongo-subscriber.repository.js';
import { subscriptionToDoc } from './mongo-subscription.repository.js';
import { tagToDoc, type DimensionDoc } from './mongo-taxonomy.repository.js';
import type { UserDoc } from './mongo-user.repository.js';
import { WEB_ACCOUNT_COLLECTIONS, type WebAccountDoc, type WebSessionDoc } from './mongo-web-account.repository.js';
import { AUDIT_COLLECTION, AUDIT_SEQ, type AuditDoc } from './mongo-audit.repository.js';
import { TEXT_FINDINGS_COLLECTION, textFindingsDoc } from './mongo-text-findings.repository.js';
import { MongoStore } from './mongo.store.js';
import { PUSH_TRACKING_COLLECTIONS, trackingKey, type PushFeedbackDoc, type PushOpenDoc } from './mongo-push-tracking.repository.js';
import { WECHAT_CHANNEL_COLLECTIONS, type AccountDoc, type RobotDoc, type TokenDoc } from './mongo-wechat-channels.repository.js';
import { DISCLOSURE_COLLECTIONS } from './mongo-disclosure.repository.js';
import { CONSULTATION_COLLECTIONS } from './mongo-consultation.repository.js';
import { REPORT_FIGURES_COLLECTION } from './mongo-report-figures.repository.js';
import { COLLECTIONS, SEQ } from './mongo.support.js';

/**
 * The port's records written into MongoDB for `npm run migrate:mongo`, each as an upsert on its
 * key, so a rerun converges instead of duplicating. The documents are the ones the repositories
 * write (the same `*ToDoc` mappers and document types).
 */

/** Any stored document: natural keys are strings or numbers; generated ObjectIds are never written here. */
export type ImportDoc = Document & { _id?: string | number };

export interface ImportOperations {
  collection: string;
  ops: AnyBulkWriteOperation<ImportDoc>[];
}

/** What the documents of some entities derive from the target's own state. */
export interface ImportContext {
  /** The newest outbox id: a digest run records the newest row it covers; a copied run covers them all. */
  maxDeliveryId: number;
}

function upsertById<T extends { _id: string | number }>(doc: T): AnyBulkWriteOperation<ImportDoc> {
  const { _id, ...replacement } = doc;
  return { replaceOne: { filter: { _id }, replacement, upsert: true } };
}

/** For collections keyed by a unique index rather than `_id` (the generated `_id` is kept on rerun). */
function upsertBy(filter: Document, doc: Document): AnyBulkWriteOperation<ImportDoc> {
  return { replaceOne: { filter, replacement: doc, upsert: true } };
}

type Writers = { [K in StoreEntity]: { collection: string; write(records: StoreRecords[K][], context: ImportContext): ImportOperations[] } };

function simple<K extends StoreEntity>(collection: string, op: (record: StoreRecords[K], context: ImportContext) => AnyBulkWriteOperation<ImportDoc>) {
  return { collection, write: (records: StoreRecords[K][], context: ImportContext): ImportOperations[] => [{ collection, ops: records.map((record) => op(record, context)) }] };
}

const WRITERS: Writers = {
  dimensions: simple<'dimensions'>(COLLECTIONS.dimensions, ({ dimension, sort }) => {
    const doc: DimensionDoc = { _id: dimension.id, label: dimension.label, description: dimension.description, sort };
    return upsertById(doc);
  }),
  tags: simple<'tags'>(COLLECTIONS.tags, ({ tag, sort }) => upsertById(tagToDoc(tag, sort))),
  policies: simple<'policies'>(COLLECTIONS.policies, ({ policy, changeSeq }) => upsertById(policyToDoc(policy, changeSeq))),
  // `matchingFinished` follows the matching jobs, which are written after the versions.
  policyVersions: simple<'policyVersions'>(COLLECTIONS.policyVersions, (version) => ({
    updateOne: { filter: { policyId: version.policyId, version: version.version }, update: { $set: version, $setOnInsert: { matchingFinished: false } }, upsert: true },
  })),
  policyReviews: simple<'policyReviews'>(COLLECTIONS.policyReviews, ({ policyId, review }) => {
    const { id, ...rest } = review;
    const doc: ReviewDoc = { ...rest, _id: id, policyId };
    return upsertById(doc);
  }),
  users: simple<'users'>(COLLECTIONS.users, ({ user, tokenHash }) => {
    const doc: UserDoc = { _id: user.id, name: user.name, role: user.role, tokenHash, disabled: user.disabled, createdAt: user.createdAt };
    return upsertById(doc);
  }),
  subscribers: simple<'subscribers'>(COLLECTIONS.subscribers, ({ subscriber, changeSeq }) => upsertById(subscriberToDoc(subscriber, changeSeq))),
  contacts: simple<'contacts'>(COLLECTIONS.contacts, ({ subscriberId, contact, sort }) => {
    const doc: ContactDoc = { _id: contact.id, subscriberId, channel: contact.channel, address: contact.address, label: contact.label, confirmedAt: contact.confirmedAt, invalidAt: contact.invalidAt, sort };
    return upsertById(doc);
  }),
  subscriberTokens: simple<'subscriberTokens'>(COLLECTIONS.subscriberTokens, (token) => {
    const doc: SubscriberTokenDoc = { _id: token.tokenHash, subscriberId: token.subscriberId, createdAt: token.createdAt };
    return upsertById(doc);
  }),
  subscriberTombstones: simple<'subscriberTombstones'>(COLLECTIONS.subscriberTombstones, (tombstone) => {
    const doc: SubscriberTombstoneDoc = { _id: tombstone.id, changeSeq: tombstone.changeSeq, deletedAt: tombstone.deletedAt };
    return upsertById(doc);
  }),
  subscriptions: simple<'subscriptions'>(COLLECTIONS.subscriptions, (subscription) => upsertById(subscriptionToDoc(subscription))),
  matchingJobs: {
    collection: COLLECTIONS.matchingJobs,
    write: (jobs) => [
      { collection: COLLECTIONS.matchingJobs, ops: jobs.map((job) => upsertBy({ policyId: job.policyId, version: job.version }, job)) },
      {
        collection: COLLECTIONS.policyVersions,
        ops: jobs
          .filter((job) => job.status === 'done' || job.status === 'skipped')
          .map((job) => ({ updateOne: { filter: { policyId: job.policyId, version: job.version }, update: { $set: { matchingFinished: true } } } })),
      },
    ],
  },
  deliveries: simple<'deliveries'>(PUSH_COLLECTIONS.deliveries, ({ delivery, leaseOwner }) => {
    const { id, ...rest } = delivery;
    const doc: DeliveryDoc = { ...rest, _id: id, leaseOwner };
    return upsertById(doc);
  }),
  pushMessages: simple<'pushMessages'>(PUSH_COLLECTIONS.pushMessages, ({ message, leaseOwner }) => {
    const { id, ...rest } = message;
    const doc: PushMessageDoc = { ...rest, _id: id, leaseOwner };
    return upsertById(doc);
  }),
  deliveryAttempts: simple<'deliveryAttempts'>(PUSH_COLLECTIONS.deliveryAttempts, (attempt) => {
    const { id, ...rest } = attempt;
    const doc: DeliveryAttemptDoc = { ...rest, _id: id };
    return upsertById(doc);
  }),
  digestRuns: simple<'digestRuns'>(PUSH_COLLECTIONS.digestRuns, (run, { maxDeliveryId }) => {
    const { runKey, ...rest } = run;
    const doc: DigestRunDoc = { ...rest, maxId: maxDeliveryId, _id: runKey };
    return upsertById(doc);
  }),
  pushPreferences: simple<'pushPreferences'>(PUSH_COLLECTIONS.pushPreferences, ({ subscriberId, ...rest }) => {
    const doc: PushPreferenceDoc = { ...rest, _id: subscriberId };
    return upsertById(doc);
  }),
  pushControls: simple<'pushControls'>(PUSH_COLLECTIONS.pushControls, ({ channel, ...rest }) => {
    const doc: PushControlDoc = { ...rest, _id: channel };
    return upsertById(doc);
  }),
  pushLanes: simple<'pushLanes'>(PUSH_COLLECTIONS.pushLanes, (lane) => upsertBy({ owner: lane.owner, channel: lane.channel }, lane)),
  // Events have no key of their own: the whole event is the key, so a rerun rewrites it in place.
  unsubscribeEvents: simple<'unsubscribeEvents'>(PUSH_COLLECTIONS.unsubscribeEvents, (event) => upsertBy(event, event)),
  interpretationDrafts: simple<'interpretationDrafts'>(INTERPRETATION_COLLECTIONS.drafts, ({ policyId, ...rest }) => {
    const doc: DraftDoc = { ...rest, _id: policyId };
    return upsertById(doc);
  }),
  interpretationReleases: simple<'interpretationReleases'>(INTERPRETATION_COLLECTIONS.releases, (release) => upsertBy({ policyId: release.policyId, version: release.version }, release)),
  interpretationReviews: simple<'interpretationReviews'>(INTERPRETATION_COLLECTIONS.reviews, ({ reviewId, ...rest }) => {
    const doc: ReviewDigestDoc = { ...rest, _id: reviewId };
    return upsertById(doc);
  }),
  images: simple<'images'>(INTERPRETATION_COLLECTIONS.images, ({ id, ...rest }) => {
    const doc: ImageDoc = { ...rest, _id: id };
    return upsertById(doc);
  }),
  faqs: simple<'faqs'>(INTERPRETATION_COLLECTIONS.faqs, ({ id, ...rest }) => {
    const doc: FaqDoc = { ...rest, _id: id };
    return upsertById(doc);
  }),
  questionGroups: simple<'questionGroups'>(INTERPRETATION_COLLECTIONS.questionGroups, ({ id, ...rest }) => {
    const doc: QuestionGroupDoc = { ...rest, _id: id };
    return upsertById(doc);
  }),
  questions: simple<'questions'>(INTERPRETATION_COLLECTIONS.questions, ({ question, clientHash }) => {
    const { id, ...rest } = question;
    const doc: QuestionDoc = { ...rest, _id: id, clientHash };
    return upsertById(doc);
  }),
  webAccounts: simple<'webAccounts'>(WEB_ACCOUNT_COLLECTIONS.accounts, ({ account, updatedAt }) => {
    const { id, ...rest } = account;
    const doc: WebAccountDoc = { ...rest, _id: id, updatedAt };
    return upsertById(doc);
  }),
  auditEntries: simple<'auditEntries'>(AUDIT_COLLECTION, ({ id, ...rest }) => {
    const doc: AuditDoc = { ...rest, _id: id };
    return upsertById(doc);
  }),
  policyTextFindings: simple<'policyTextFindings'>(TEXT_FINDINGS_COLLECTION, (findings) => upsertById(textFindingsDoc(findings))),
  webSessions: simple<'webSessions'>(WEB_ACCOUNT_COLLECTIONS.sessions, ({ idHash, ...rest }) => {
    const doc: WebSessionDoc = { ...rest, _id: idHash };
    return upsertById(doc);
  }),
  pushOpens: simple<'pushOpens'>(PUSH_TRACKING_COLLECTIONS.opens, (record) => {
    const doc: PushOpenDoc = { ...record, _id: trackingKey({ source: record.source, id: record.refId }) };
    return upsertById(doc);
  }),
  pushFeedback: simple<'pushFeedback'>(PUSH_TRACKING_COLLECTIONS.feedback, (record) => {
    const doc: PushFeedbackDoc = { ...record, _id: trackingKey({ source: record.source, id: record.refId }) };
    return upsertById(doc);
  }),
  wechatOfficialAccounts: simple<'wechatOfficialAccounts'>(WECHAT_CHANNEL_COLLECTIONS.officialAccounts, (settings) => {
    const doc: AccountDoc = { ...settings, _id: 'office' };
    return upsertById(doc);
  }),
  wecomRobots: simple<'wecomRobots'>(WECHAT_CHANNEL_COLLECTIONS.robots, ({ contactId, ...rest }) => {
    const doc: RobotDoc = { ...rest, _id: contactId };
    return upsertById(doc);
  }),
  platformTokens: simple<'platformTokens'>(WECHAT_CHANNEL_COLLECTIONS.tokens, ({ name, ...rest }) => {
    const doc: TokenDoc = { ...rest, _id: name };
    return upsertById(doc);
  }),
  calendarAdjustments: simple<'calendarAdjustments'>(DISCLOSURE_COLLECTIONS.adjustments, ({ date, ...rest }) => upsertById({ ...rest, _id: date })),
  disclosureRequests: simple<'disclosureRequests'>(DISCLOSURE_COLLECTIONS.requests, ({ id, ...rest }) => upsertById({ ...rest, _id: id })),
  disclosureMail: simple<'disclosureMail'>(DISCLOSURE_COLLECTIONS.mail, ({ id, ...rest }) => upsertById({ ...rest, _id: id })),
  consultations: simple<'consultations'>(CONSULTATION_COLLECTIONS.consultations, ({ id, ...rest }) => upsertById({ ...rest, _id: id })),
  consultationComments: simple<'consultationComments'>(CONSULTATION_COLLECTIONS.comments, ({ id, ...rest }) => upsertById({ ...rest, _id: id })),
  consultationAdoptions: simple<'consultationAdoptions'>(CONSULTATION_COLLECTIONS.adoptions, ({ id, ...rest }) => upsertById({ ...rest, _id: id })),
  consultationAdoptionClaims: simple<'consultationAdoptionClaims'>(CONSULTATION_COLLECTIONS.adoptionClaims, ({ commentId, adoptionId }) => upsertById({ _id: commentId, adoptionId })),
  consultationNoticePreferences: simple<'consultationNoticePreferences'>(CONSULTATION_COLLECTIONS.noticePreferences, ({ subscriberId, ...rest }) => upsertById({ ...rest, _id: subscriberId })),
  reportFigures: simple<'reportFigures'>(REPORT_FIGURES_COLLECTION, ({ year, ...rest }) => upsertById({ ...rest, _id: year })),
};

/** The collection an entity lands in (its count is the one verified after the copy). */
export function mongoCollectionOf(entity: StoreEntity): string {
  return WRITERS[entity].collection;
}

/** The writes for a batch of records, per collection; pure, so tests check them without a server. */
export function importOperations<K extends StoreEntity>({ entity, records, context }: { entity: K; records: StoreRecords[K][]; context: ImportContext }): ImportOperations[] {
  const writer: Writers[K] = WRITERS[entity];
  return writer.write(records, context).filter((group) => group.ops.length > 0);
}

export class MongoStoreImport implements StoreImport {
  private readonly store: MongoStore;

  constructor({ url }: { url: string }) {
    this.store = new MongoStore({ url });
  }

  async prepare(): Promise<void> {
    await this.store.migrate();
  }

  async count(entity: StoreEntity): Promise<number> {
    return this.store.connectionForTools().collection(mongoCollectionOf(entity)).countDocuments({});
  }

  async write<K extends StoreEntity>({ entity, records }: { entity: K; records: StoreRecords[K][] }): Promise<void> {
    const connection = this.store.connectionForTools();
    const context: ImportContext = { maxDeliveryId: entity === 'digestRuns' ? await this.maxDeliveryId() : 0 };
    for (const { collection, ops } of importOperations({ entity, records, context })) {
      // Unordered: one bad document is reported without stopping the batch; the rerun converges.
      await connection.collection<ImportDoc>(collection).bulkWrite(ops, { ordered: false });
    }
  }

  private async maxDeliveryId(): Promise<number> {
    const newest = await this.store.connectionForTools().collection<ImportDoc>(PUSH_COLLECTIONS.deliveries).find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).next();
    return typeof newest?._id === 'number' ? newest._id : 0;
  }

  async raiseCounters(counters: StoreCounters): Promise<void> {
    const collection = this.store.connectionForTools().collection<{ _id: string; value: number }>(COLLECTIONS.counters);
    const values: [string, number][] = [
      [SEQ.policyChange, counters.policyChangeSeq],
      [SEQ.subscriberChange, counters.subscriberChangeSeq],
      [SEQ.reviewId, counters.reviewId],
      [SEQ.tagSort, counters.tagSort],
      [PUSH_ID_SEQ.delivery, counters.deliveryId],
      [PUSH_ID_SEQ.message, counters.pushMessageId],
      [PUSH_ID_SEQ.attempt, counters.deliveryAttemptId],
      [AUDIT_SEQ, counters.auditId],
    ];
    for (const [key, value] of values) await collection.updateOne({ _id: key }, { $max: { value } }, { upsert: true });
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

import type { ClientSession } from 'mongoose';
import type { AnyBulkWriteOperation } from 'mongodb';
import { z } from 'zod';
import { contactSchema, PROFILE_DIMENSIONS, subscriberSchema, type Contact, type ParkRequestStatus, type Subscriber } from '../../../schemas/subscriber.schema.js';
import { conflictError } from '../../conflict-catalog.js';
import { DomainError } from '../../errors.js';
import type { ChangedId, SubscriberRepository } from '../../ports/store.port.js';
import { rewriteProfile } from '../../services/tag-references.js';
import {
  chunks,
  COLLECTIONS,
  inTransaction,
  mapped,
  mongoose,
  nextSeq,
  readSeq,
  SEQ,
  storedSchema,
  touchSubscriber,
  writeBatch,
  type ModelBinding,
  type MongoContext,
} from './mongo.support.js';

export type SubscriberDoc = Omit<Subscriber, 'id' | 'contacts'> & { _id: string; changeSeq: number };
/** Contacts are their own collection so one unique index can hold an e-mail address to one subscriber. */
export type ContactDoc = Omit<Contact, 'id'> & { _id: string; subscriberId: string; sort: number };
export type SubscriberTokenDoc = { _id: string; subscriberId: string; createdAt: string };
export type SubscriberTombstoneDoc = { _id: string; changeSeq: number; deletedAt: string };

/** Stored shapes that have no API schema of their own. */
export const subscriberTokenRecordSchema = z.object({ tokenHash: z.string(), subscriberId: z.string(), createdAt: z.string() });
export const subscriberTombstoneRecordSchema = z.object({ id: z.string(), changeSeq: z.number().int(), deletedAt: z.string() });

const { Mixed } = mongoose.Schema.Types;

const subscriberModelSchema = storedSchema(
  {
    _id: String,
    kind: String,
    name: String,
    creditCode: String,
    profile: Mixed,
    parkId: String,
    parkRequest: Mixed,
    createdAt: String,
    updatedAt: String,
    revision: Number,
    changeSeq: Number,
  },
  { collection: COLLECTIONS.subscribers },
);
subscriberModelSchema.index({ creditCode: 1 }, { name: 'subscribers_credit_code', unique: true, partialFilterExpression: { creditCode: { $type: 'string' } } });
subscriberModelSchema.index({ changeSeq: 1 }, { name: 'subscribers_change_seq' });
subscriberModelSchema.index({ createdAt: 1, _id: 1 }, { name: 'subscribers_created' });
subscriberModelSchema.index({ kind: 1, createdAt: 1, _id: 1 }, { name: 'subscribers_kind_created' });
subscriberModelSchema.index({ parkId: 1, createdAt: 1, _id: 1 }, { name: 'subscribers_park', partialFilterExpression: { parkId: { $type: 'string' } } });
subscriberModelSchema.index(
  { 'parkRequest.parkId': 1, 'parkRequest.status': 1, createdAt: 1, _id: 1 },
  { name: 'subscribers_park_request', partialFilterExpression: { 'parkRequest.parkId': { $type: 'string' } } },
);

const contactModelSchema = storedSchema(
  {
    _id: String,
    subscriberId: String,
    channel: String,
    address: String,
    label: String,
    confirmedAt: String,
    invalidAt: String,
    sort: Number,
  },
  { collection: COLLECTIONS.contacts },
);
// One e-mail address belongs to one subscriber (addresses are stored lower-cased and trimmed).
contactModelSchema.index({ address: 1 }, { name: 'contacts_email', unique: true, partialFilterExpression: { channel: 'email' } });
contactModelSchema.index({ subscriberId: 1, channel: 1, address: 1 }, { name: 'contacts_subscriber_channel_address', unique: true });

const tokenModelSchema = storedSchema({ _id: String, subscriberId: String, createdAt: String }, { collection: COLLECTIONS.subscriberTokens });
tokenModelSchema.index({ subscriberId: 1 }, { name: 'subscriber_tokens_subscriber' });

const tombstoneModelSchema = storedSchema({ _id: String, changeSeq: Number, deletedAt: String }, { collection: COLLECTIONS.subscriberTombstones });
tombstoneModelSchema.index({ changeSeq: 1 }, { name: 'subscriber_tombstones_change_seq' });

export const subscriberModels: ModelBinding[] = [
  // Contacts are stored in their own collection and joined on read.
  { name: 'Subscriber', schema: subscriberModelSchema, shape: subscriberSchema.omit({ contacts: true }).shape, idField: 'id', storageOnly: ['changeSeq'] },
  { name: 'Contact', schema: contactModelSchema, shape: contactSchema.shape, idField: 'id', storageOnly: ['subscriberId', 'sort'] },
  { name: 'SubscriberToken', schema: tokenModelSchema, shape: subscriberTokenRecordSchema.shape, idField: 'tokenHash' },
  { name: 'SubscriberTombstone', schema: tombstoneModelSchema, shape: subscriberTombstoneRecordSchema.shape, idField: 'id' },
];

function contactFromDoc(doc: ContactDoc): Contact {
  return contactSchema.parse({ id: doc._id, channel: doc.channel, address: doc.address, label: doc.label, confirmedAt: doc.confirmedAt, invalidAt: doc.invalidAt });
}

export function subscriberToDoc(subscriber: Subscriber, changeSeq: number): SubscriberDoc {
  const { id, contacts: _contacts, ...rest } = subscriberSchema.parse(subscriber);
  return { ...rest, _id: id, changeSeq };
}

const BATCH = 500;

function collections(ctx: MongoContext) {
  return {
    subscribers: ctx.connection.collection<SubscriberDoc>(COLLECTIONS.subscribers),
    contacts: ctx.connection.collection<ContactDoc>(COLLECTIONS.contacts),
    tokens: ctx.connection.collection<SubscriberTokenDoc>(COLLECTIONS.subscriberTokens),
    tombstones: ctx.connection.collection<SubscriberTombstoneDoc>(COLLECTIONS.subscriberTombstones),
  };
}

/** Moves many subscribers to the end of the change sequence at once; runs inside the caller's transaction. */
export async function touchSubscribers({ ctx, session, subscriberIds }: { ctx: MongoContext; session: ClientSession; subscriberIds: readonly string[] }): Promise<void> {
  if (subscriberIds.length === 0) return;
  const first = await nextSeq({ ctx, key: SEQ.subscriberChange, session, count: subscriberIds.length });
  const { subscribers } = collections(ctx);
  for (const [b, batch] of chunks(subscriberIds, BATCH).entries()) {
    await subscribers.bulkWrite(
      batch.map((id, i) => ({ updateOne: { filter: { _id: id }, update: { $set: { changeSeq: first + b * BATCH + i } } } })),
      { session, ordered: true },
    );
  }
}

/**
 * Runs inside the merge transaction: rewrites every profile naming `fromId`. Returns the ids
 * rewritten; the caller moves them in the change sequence together with subscription owners.
 */
export async function rewriteSubscriberTagReferences({ ctx, session, fromId, intoId, at }: { ctx: MongoContext; session: ClientSession; fromId: string; intoId: string; at: string }): Promise<string[]> {
  const { subscribers } = collections(ctx);
  const filter = { $or: PROFILE_DIMENSIONS.map((dimension) => ({ [`profile.${dimension}`]: fromId })) };
  // Ids first, documents batch by batch: a cursor over documents being rewritten could meet them twice.
  const ids = (await subscribers.find(filter, { session, projection: { _id: 1 } }).toArray()).map((d) => d._id);
  for (const batch of chunks(ids, BATCH)) {
    const docs = await subscribers.find({ _id: { $in: batch } }, { session, projection: { profile: 1 } }).toArray();
    const ops: AnyBulkWriteOperation<SubscriberDoc>[] = docs.map((doc) => ({
      updateOne: { filter: { _id: doc._id }, update: { $set: { profile: rewriteProfile({ profile: doc.profile, fromId, intoId }), updatedAt: at } } },
    }));
    if (ops.length > 0) await subscribers.bulkWrite(ops, { session, ordered: true });
  }
  return ids;
}

/**
 * The subscriber side of deleting a web account, inside its transaction: the subscriber with its
 * contacts and tokens goes, and a tombstone keeps its id in the change sequence so matching
 * engines drop it too.
 */
export async function removeSubscriber({ ctx, session, subscriberId, at }: { ctx: MongoContext; session: ClientSession; subscriberId: string; at: string }): Promise<void> {
  const { subscribers, contacts, tokens, tombstones } = collections(ctx);
  await contacts.deleteMany({ subscriberId }, { session });
  await tokens.deleteMany({ subscriberId }, { session });
  await subscribers.deleteOne({ _id: subscriberId }, { session });
  const seq = await nextSeq({ ctx, key: SEQ.subscriberChange, session });
  await tombstones.updateOne({ _id: subscriberId }, { $set: { changeSeq: seq, deletedAt: at } }, { upsert: true, session });
}

/** Members of a deleted park keep their data and only lose the link (revision and change sequence move). Returns how many. */
export async function detachParkMembers({ ctx, session, parkId, at }: { ctx: MongoContext; session: ClientSession; parkId: string; at: string }): Promise<number> {
  const { subscribers } = collections(ctx);
  const ids = (await subscribers.find({ parkId }, { session, projection: { _id: 1 } }).toArray()).map((d) => d._id);
  for (const batch of chunks(ids, BATCH)) {
    await subscribers.updateMany({ _id: { $in: batch } }, { $set: { parkId: null, updatedAt: at }, $inc: { revision: 1 } }, { session });
  }
  await touchSubscribers({ ctx, session, subscriberIds: ids });
  // Requests to the deleted park have nobody left to answer them: they are dropped.
  await subscribers.updateMany({ 'parkRequest.parkId': { $eq: parkId } }, { $set: { parkRequest: null, updatedAt: at }, $inc: { revision: 1 } }, { session });
  return ids.length;
}

/**
 * One subscriber's own list must not repeat an address: the unique indexes compare documents, and
 * which of two violated indexes the server reports is not defined, so the code is chosen here.
 */
function assertDistinctContacts(subscriber: Subscriber): void {
  const seen = new Set<string>();
  for (const contact of subscriber.contacts) {
    const key = `${contact.channel}\u0000${contact.address}`;
    if (seen.has(key)) {
      throw contact.channel === 'email'
        ? conflictError({ code: 'email_taken', details: { index: 'contacts_email' } })
        : conflictError({ code: 'contact_exists', details: { index: 'contacts_subscriber_channel_address' } });
    }
    seen.add(key);
  }
}

export class MongoSubscriberRepository implements SubscriberRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    return collections(this.ctx);
  }

  private async hydrate(docs: SubscriberDoc[], session?: ClientSession): Promise<Subscriber[]> {
    if (docs.length === 0) return [];
    const byOwner = new Map<string, ContactDoc[]>();
    for (const batch of chunks(docs.map((d) => d._id), BATCH)) {
      const rows = await this.c.contacts.find({ subscriberId: { $in: batch } }, session ? { session } : {}).toArray();
      for (const row of rows) {
        const list = byOwner.get(row.subscriberId) ?? [];
        list.push(row);
        byOwner.set(row.subscriberId, list);
      }
    }
    return docs.map((doc) => {
      const { _id, changeSeq: _seq, ...rest } = doc;
      const contacts = (byOwner.get(_id) ?? []).sort((a, b) => a.sort - b.sort).map(contactFromDoc);
      return subscriberSchema.parse({ ...rest, id: _id, contacts });
    });
  }

  private async writeContacts(session: ClientSession, subscriber: Subscriber): Promise<void> {
    assertDistinctContacts(subscriber);
    const keep = subscriber.contacts.map((c) => c.id);
    await this.c.contacts.deleteMany({ subscriberId: subscriber.id, _id: { $nin: keep } }, { session });
    if (subscriber.contacts.length === 0) return;
    const ops: AnyBulkWriteOperation<ContactDoc>[] = subscriber.contacts.map((contact, sort) => {
      const c = contactSchema.parse(contact);
      return {
        updateOne: {
          filter: { _id: c.id },
          update: {
            $set: { channel: c.channel, address: c.address, label: c.label, confirmedAt: c.confirmedAt, invalidAt: c.invalidAt, sort },
            $setOnInsert: { subscriberId: subscriber.id },
          },
          upsert: true,
        },
      };
    });
    await this.c.contacts.bulkWrite(ops, { session, ordered: true });
  }

  async insert({ subscriber, tokenHash }: { subscriber: Subscriber; tokenHash: string }): Promise<void> {
    await inTransaction(this.ctx, (session) => this.insertDocs({ session, subscriber, tokenHash }));
  }

  async insertBatch(items: { subscriber: Subscriber; tokenHash: string }[]) {
    return writeBatch(this.ctx, { items, write: ({ session, item }) => this.insertDocs({ session, ...item }) });
  }

  private async insertDocs({ session, subscriber, tokenHash }: { session: ClientSession; subscriber: Subscriber; tokenHash: string }): Promise<void> {
    const seq = await nextSeq({ ctx: this.ctx, key: SEQ.subscriberChange, session });
    await this.c.subscribers.insertOne(subscriberToDoc(subscriber, seq), { session });
    await this.writeContacts(session, subscriber);
    await this.c.tokens.insertOne({ _id: tokenHash, subscriberId: subscriber.id, createdAt: subscriber.createdAt }, { session });
  }

  async get(id: string): Promise<Subscriber | null> {
    const doc = await this.c.subscribers.findOne({ _id: id });
    return doc ? ((await this.hydrate([doc]))[0] ?? null) : null;
  }

  async getMany(ids: string[]): Promise<Subscriber[]> {
    const out: Subscriber[] = [];
    for (const batch of chunks(ids, BATCH)) {
      out.push(...(await this.hydrate(await this.c.subscribers.find({ _id: { $in: batch } }).toArray())));
    }
    return out;
  }

  async findByTokenHash(tokenHash: string): Promise<Subscriber | null> {
    const token = await this.c.tokens.findOne({ _id: tokenHash });
    return token ? this.get(token.subscriberId) : null;
  }

  async findByCreditCode(creditCode: string): Promise<Subscriber | null> {
    const doc = await this.c.subscribers.findOne({ creditCode });
    return doc ? ((await this.hydrate([doc]))[0] ?? null) : null;
  }

  async update({ subscriber, expectedRevision }: { subscriber: Subscriber; expectedRevision: number }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      const seq = await nextSeq({ ctx: this.ctx, key: SEQ.subscriberChange, session });
      const { _id, ...replacement } = subscriberToDoc(subscriber, seq);
      const result = await this.c.subscribers.replaceOne({ _id, revision: expectedRevision }, replacement, { session });
      if (result.matchedCount === 0) {
        throw new DomainError({ type: 'conflict', code: 'stale_revision', message: '资料已被修改，请刷新后重试', details: { id: subscriber.id } });
      }
      await this.writeContacts(session, subscriber);
    });
  }

  async addToken({ subscriberId, tokenHash, at }: { subscriberId: string; tokenHash: string; at: string }): Promise<void> {
    await mapped(() => this.c.tokens.insertOne({ _id: tokenHash, subscriberId, createdAt: at }));
  }

  async list({ kind, parkId, limit, offset }: { kind?: Subscriber['kind']; parkId?: string; limit: number; offset: number }) {
    const filter = { ...(kind ? { kind } : {}), ...(parkId ? { parkId } : {}) };
    const total = await this.c.subscribers.countDocuments(filter);
    const docs = await this.c.subscribers.find(filter).sort({ createdAt: 1, _id: 1 }).skip(offset).limit(limit).toArray();
    return { total, items: await this.hydrate(docs) };
  }

  async listParkRequests({ parkId, status, limit, offset }: { parkId: string; status: ParkRequestStatus; limit: number; offset: number }) {
    const filter = { 'parkRequest.parkId': { $eq: parkId }, 'parkRequest.status': { $eq: status } };
    const total = await this.c.subscribers.countDocuments(filter);
    const docs = await this.c.subscribers.find(filter).sort({ createdAt: 1, _id: 1 }).skip(offset).limit(limit).toArray();
    return { total, items: await this.hydrate(docs) };
  }

  async count(): Promise<number> {
    return this.c.subscribers.countDocuments({});
  }

  async changesSince({ afterSeq, limit }: { afterSeq: number; limit: number }): Promise<ChangedId[]> {
    // Deleted subscribers stay in the sequence as tombstones, so followers drop them as well.
    const live = await this.c.subscribers
      .find({ changeSeq: { $gt: afterSeq } }, { projection: { _id: 1, changeSeq: 1 } })
      .sort({ changeSeq: 1 })
      .limit(limit)
      .toArray();
    const gone = await this.c.tombstones.find({ changeSeq: { $gt: afterSeq } }).sort({ changeSeq: 1 }).limit(limit).toArray();
    return [...live, ...gone]
      .map((d) => ({ id: d._id, seq: d.changeSeq }))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  async latestSeq(): Promise<number> {
    return readSeq({ ctx: this.ctx, key: SEQ.subscriberChange });
  }

  async setContactState({ contactId, confirmedAt, invalidAt }: { contactId: string; confirmedAt?: string | null; invalidAt?: string | null; at: string }) {
    return inTransaction(this.ctx, async (session): Promise<Contact | null> => {
      const doc = await this.c.contacts.findOne({ _id: contactId }, { session });
      if (!doc) return null;
      const contact = contactFromDoc(doc);
      const next = {
        confirmedAt: confirmedAt === undefined ? contact.confirmedAt : confirmedAt,
        invalidAt: invalidAt === undefined ? contact.invalidAt : invalidAt,
      };
      await this.c.contacts.updateOne({ _id: contactId }, { $set: next }, { session });
      await touchSubscriber({ ctx: this.ctx, subscriberId: doc.subscriberId, session });
      return { ...contact, ...next };
    });
  }
}

import type { ClientSession } from 'mongoose';
import { calendarAdjustmentSchema, type StoredCalendarAdjustment } from '../../../schemas/calendar.schema.js';
import { disclosureMailSchema, disclosureRequestSchema, requestNumber, type DisclosureMail, type DisclosureRequest } from '../../../schemas/disclosure-request.schema.js';
import { conflictError } from '../../conflict-catalog.js';
import type { CalendarAdjustmentRepository, DisclosureRequestRepository } from '../../ports/disclosure.port.js';
import { inTransaction, isDuplicateKeyError, mapMongoError, mapped, storedSchema, violatedIndex, type ModelBinding, type MongoContext } from './mongo.support.js';

const ADJUSTMENTS = 'calendar_adjustments';
const REQUESTS = 'disclosure_requests';
const MAIL = 'disclosure_mail';
/** For the store copy (`npm run migrate:mongo`). */
export const DISCLOSURE_COLLECTIONS = { adjustments: ADJUSTMENTS, requests: REQUESTS, mail: MAIL } as const;

type AdjustmentDoc = Omit<StoredCalendarAdjustment, 'date'> & { _id: string };
type RequestDoc = Omit<DisclosureRequest, 'id'> & { _id: string };
type MailDoc = Omit<DisclosureMail, 'id'> & { _id: string };

const adjustmentModelSchema = storedSchema(
  { _id: String, working: Boolean, reason: String, createdAt: String, createdBy: String },
  { collection: ADJUSTMENTS },
);

const requestModelSchema = storedSchema(
  {
    _id: String,
    number: String,
    trackingHash: String,
    revision: Number,
    applicant: { type: Object },
    information: String,
    purpose: String,
    deliveryForm: String,
    obtainMethod: String,
    status: String,
    receivedAt: String,
    receivedDate: String,
    clockStartDate: String,
    pauses: { type: [Object], default: [] },
    correction: { type: Object, default: null },
    extension: { type: Object, default: null },
    reply: { type: Object, default: null },
    attachments: { type: [Object], default: [] },
    events: { type: [Object], default: [] },
  },
  { collection: REQUESTS },
);
requestModelSchema.index({ number: 1 }, { name: 'disclosure_requests_number', unique: true });
requestModelSchema.index({ trackingHash: 1 }, { name: 'disclosure_requests_tracking', unique: true });
requestModelSchema.index({ status: 1, receivedAt: 1 }, { name: 'disclosure_requests_open' });
requestModelSchema.index({ receivedAt: 1 }, { name: 'disclosure_requests_received' });

const mailModelSchema = storedSchema(
  {
    _id: String,
    requestId: String,
    dedupeKey: String,
    to: [String],
    subject: String,
    text: String,
    createdAt: String,
    sentAt: { type: String, default: null },
    attempts: Number,
    lastError: { type: String, default: null },
  },
  { collection: MAIL },
);
mailModelSchema.index({ dedupeKey: 1 }, { name: 'disclosure_mail_dedupe', unique: true });
mailModelSchema.index({ sentAt: 1, createdAt: 1 }, { name: 'disclosure_mail_pending' });
mailModelSchema.index({ requestId: 1, createdAt: 1 }, { name: 'disclosure_mail_request' });

export const disclosureModels: ModelBinding[] = [
  { name: 'CalendarAdjustment', schema: adjustmentModelSchema, shape: calendarAdjustmentSchema.shape, idField: 'date' },
  { name: 'DisclosureRequest', schema: requestModelSchema, shape: disclosureRequestSchema.shape, idField: 'id' },
  { name: 'DisclosureMail', schema: mailModelSchema, shape: disclosureMailSchema.shape, idField: 'id' },
];

function requestFromDoc(doc: RequestDoc): DisclosureRequest {
  const { _id, ...rest } = doc;
  return disclosureRequestSchema.parse({ ...rest, id: _id });
}

function mailFromDoc(doc: MailDoc): DisclosureMail {
  const { _id, ...rest } = doc;
  return disclosureMailSchema.parse({ ...rest, id: _id });
}

function toMailDoc(mail: DisclosureMail): MailDoc {
  const { id, ...rest } = disclosureMailSchema.parse(mail);
  return { ...rest, _id: id };
}

export class MongoCalendarAdjustmentRepository implements CalendarAdjustmentRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get collection() {
    return this.ctx.connection.collection<AdjustmentDoc>(ADJUSTMENTS);
  }

  async list(): Promise<StoredCalendarAdjustment[]> {
    const docs = await this.collection.find({}).sort({ _id: 1 }).toArray();
    return docs.map(({ _id, ...rest }) => calendarAdjustmentSchema.parse({ ...rest, date: _id }));
  }

  async insert(adjustment: StoredCalendarAdjustment): Promise<void> {
    const { date, ...rest } = calendarAdjustmentSchema.parse(adjustment);
    try {
      await this.collection.insertOne({ ...rest, _id: date });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflictError({ code: 'calendar_date_taken', details: { date } });
      throw error;
    }
  }

  async remove(date: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: date })).deletedCount > 0;
  }
}

export class MongoDisclosureRequestRepository implements DisclosureRequestRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get requests() {
    return this.ctx.connection.collection<RequestDoc>(REQUESTS);
  }

  private get mail() {
    return this.ctx.connection.collection<MailDoc>(MAIL);
  }

  async create({ request, year }: { request: Omit<DisclosureRequest, 'number'>; year: number }): Promise<DisclosureRequest> {
    const prefix = `YSQ-${year}-`;
    for (let attempt = 1; ; attempt++) {
      const last = await this.requests.find({ number: { $regex: `^${prefix}` } }).sort({ number: -1 }).limit(1).toArray();
      const value = Number(last[0]?.number.slice(prefix.length) ?? 0) + 1;
      const stored = disclosureRequestSchema.parse({ ...request, number: requestNumber({ year, value }) });
      const { id, ...rest } = stored;
      try {
        await this.requests.insertOne({ ...rest, _id: id });
        return stored;
      } catch (error) {
        // Another process took the number first: the unique index refused this one, so take the next.
        if (attempt < 5 && isDuplicateKeyError(error) && violatedIndex(error instanceof Error ? error.message : '') === 'disclosure_requests_number') continue;
        throw mapMongoError(error);
      }
    }
  }

  async get(id: string): Promise<DisclosureRequest | null> {
    const doc = await this.requests.findOne({ _id: id });
    return doc ? requestFromDoc(doc) : null;
  }

  async findByTrackingHash(hash: string): Promise<DisclosureRequest | null> {
    const doc = await this.requests.findOne({ trackingHash: hash });
    return doc ? requestFromDoc(doc) : null;
  }

  async update({ request, expectedRevision, mail }: { request: DisclosureRequest; expectedRevision: number; mail?: DisclosureMail }): Promise<void> {
    const { id, ...rest } = disclosureRequestSchema.parse(request);
    await mapped(() =>
      inTransaction(this.ctx, async (session) => {
        const result = await this.requests.replaceOne({ _id: id, revision: expectedRevision }, rest, { session });
        if (result.matchedCount === 0) throw conflictError({ code: 'conflict', details: { id, expectedRevision } });
        if (mail) await this.insertMail(mail, session);
      }),
    );
  }

  async listOpen(): Promise<DisclosureRequest[]> {
    const docs = await this.requests.find({ status: { $ne: 'replied' } }).sort({ receivedAt: 1 }).toArray();
    return docs.map(requestFromDoc);
  }

  async listReceivedBefore(before: string): Promise<DisclosureRequest[]> {
    const docs = await this.requests.find({ receivedAt: { $lt: new Date(before).toISOString() } }).sort({ receivedAt: 1 }).toArray();
    return docs.map(requestFromDoc);
  }

  enqueueMail(mail: DisclosureMail): Promise<boolean> {
    return this.insertMail(mail, undefined);
  }

  /** The unique dedupe index decides: a key queued before inserts nothing. */
  private async insertMail(mail: DisclosureMail, session: ClientSession | undefined): Promise<boolean> {
    const result = await this.mail.updateOne({ dedupeKey: mail.dedupeKey }, { $setOnInsert: toMailDoc(mail) }, { upsert: true, ...(session ? { session } : {}) });
    return result.upsertedCount > 0;
  }

  async listPendingMail({ limit, maxAttempts }: { limit: number; maxAttempts: number }): Promise<DisclosureMail[]> {
    const docs = await this.mail.find({ sentAt: null, attempts: { $lt: maxAttempts } }).sort({ createdAt: 1 }).limit(limit).toArray();
    return docs.map(mailFromDoc);
  }

  async markMailSent({ id, at }: { id: string; at: string }): Promise<void> {
    await this.mail.updateOne({ _id: id }, { $set: { sentAt: at, lastError: null }, $inc: { attempts: 1 } });
  }

  async markMailFailed({ id, error }: { id: string; error: string }): Promise<void> {
    await this.mail.updateOne({ _id: id }, { $set: { lastError: error.slice(0, 500) }, $inc: { attempts: 1 } });
  }

  async listMail({ requestId }: { requestId: string }): Promise<DisclosureMail[]> {
    const docs = await this.mail.find({ requestId }).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map(mailFromDoc);
  }
}

import { z } from 'zod';
import {
  adoptionDecisionSchema,
  consultationCommentSchema,
  consultationSchema,
  type AdoptionDecision,
  type CommentStatus,
  type Consultation,
  type ConsultationComment,
  type ConsultationStatus,
} from '../../../schemas/consultation.schema.js';
import type { PushMessage } from '../../../schemas/delivery.schema.js';
import { DomainError } from '../../errors.js';
import type { ConsultationRepository, NewConsultationNotice } from '../../ports/consultation.port.js';
import { consultationNoticeKey, consultationNoticePrefix } from '../../open-government/consultations/consultation-notice-key.js';
import { insertMessageIfAbsent, messageFromDoc, newMessageDoc, pushCollections, PUSH_ID_SEQ } from './mongo-delivery.models.js';
import { inTransaction, isDuplicateKeyError, mapMongoError, mapped, nextSeq, storedSchema, violatedIndex, type ModelBinding, type MongoContext } from './mongo.support.js';

export const CONSULTATION_COLLECTIONS = {
  consultations: 'consultations',
  comments: 'consultation_comments',
  adoptions: 'consultation_adoptions',
  /** `_id` = comment id: one decision per comment, by the key (mirrors SQLite's consultation_adoption_comments). */
  adoptionClaims: 'consultation_adoption_comments',
  noticePreferences: 'consultation_notice_preferences',
} as const;

type ConsultationDoc = Omit<Consultation, 'id'> & { _id: string };
type CommentDoc = Omit<ConsultationComment, 'id'> & { _id: string };
type DecisionDoc = Omit<AdoptionDecision, 'id'> & { _id: string };
export type AdoptionClaimDoc = { _id: string; adoptionId: string };
export const adoptionClaimSchema = z.object({ commentId: z.string(), adoptionId: z.string() });

export const noticePreferenceDocSchema = z.object({ subscriberId: z.string(), wanted: z.boolean(), updatedAt: z.string() });
type NoticePreferenceDoc = { _id: string; wanted: boolean; updatedAt: string };

const consultationModel = storedSchema(
  {
    _id: String,
    title: String,
    draftText: String,
    articles: { type: [Object], default: [] },
    explanation: String,
    tags: { type: [String], default: [] },
    major: Boolean,
    startDate: String,
    endDate: String,
    shortWindowReason: { type: String, default: null },
    status: String,
    finalPolicyId: { type: String, default: null },
    feedbackSummary: { type: String, default: null },
    createdBy: String,
    createdAt: String,
    updatedAt: String,
    openedAt: { type: String, default: null },
    closedAt: { type: String, default: null },
    feedbackPublishedAt: { type: String, default: null },
    revision: Number,
  },
  { collection: CONSULTATION_COLLECTIONS.consultations },
);
consultationModel.index({ endDate: -1, _id: 1 }, { name: 'consultations_window' });
consultationModel.index({ finalPolicyId: 1 }, { name: 'consultations_final_policy' });

const commentModel = storedSchema(
  {
    _id: String,
    consultationId: String,
    articleAnchor: { type: String, default: null },
    articleLabel: { type: String, default: null },
    text: String,
    name: { type: String, default: null },
    anonymous: Boolean,
    status: String,
    rejectReason: { type: String, default: null },
    moderatedBy: { type: String, default: null },
    moderatedAt: { type: String, default: null },
    submittedAt: String,
  },
  { collection: CONSULTATION_COLLECTIONS.comments },
);
commentModel.index({ consultationId: 1, submittedAt: 1, _id: 1 }, { name: 'consultation_comments_by_consultation' });

const decisionModel = storedSchema(
  {
    _id: String,
    consultationId: String,
    commentIds: { type: [String], default: [] },
    summary: String,
    outcome: String,
    reason: String,
    decidedBy: String,
    decidedAt: String,
  },
  { collection: CONSULTATION_COLLECTIONS.adoptions },
);
decisionModel.index({ consultationId: 1, decidedAt: 1, _id: 1 }, { name: 'consultation_adoptions_by_consultation' });
const claimModel = storedSchema({ _id: String, adoptionId: String }, { collection: CONSULTATION_COLLECTIONS.adoptionClaims });
claimModel.index({ adoptionId: 1 }, { name: 'consultation_adoption_comments_adoption' });

const preferenceModel = storedSchema({ _id: String, wanted: Boolean, updatedAt: String }, { collection: CONSULTATION_COLLECTIONS.noticePreferences });

export const consultationModels: ModelBinding[] = [
  { name: 'Consultation', schema: consultationModel, shape: consultationSchema.shape, idField: 'id' },
  { name: 'ConsultationComment', schema: commentModel, shape: consultationCommentSchema.shape, idField: 'id' },
  { name: 'AdoptionDecision', schema: decisionModel, shape: adoptionDecisionSchema.shape, idField: 'id' },
  { name: 'AdoptionClaim', schema: claimModel, shape: adoptionClaimSchema.shape, idField: 'commentId' },
  { name: 'ConsultationNoticePreference', schema: preferenceModel, shape: noticePreferenceDocSchema.shape, idField: 'subscriberId' },
];

function fromDoc<T>(schema: z.ZodType<T>, doc: { _id: string }): T {
  const { _id, ...rest } = doc;
  return schema.parse({ ...rest, id: _id });
}

export class MongoConsultationRepository implements ConsultationRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    const db = this.ctx.connection;
    return {
      consultations: db.collection<ConsultationDoc>(CONSULTATION_COLLECTIONS.consultations),
      comments: db.collection<CommentDoc>(CONSULTATION_COLLECTIONS.comments),
      decisions: db.collection<DecisionDoc>(CONSULTATION_COLLECTIONS.adoptions),
      claims: db.collection<AdoptionClaimDoc>(CONSULTATION_COLLECTIONS.adoptionClaims),
      preferences: db.collection<NoticePreferenceDoc>(CONSULTATION_COLLECTIONS.noticePreferences),
    };
  }

  async insert(consultation: Consultation): Promise<void> {
    const { id, ...rest } = consultationSchema.parse(consultation);
    await mapped(() => this.c.consultations.insertOne({ ...rest, _id: id }));
  }

  async update({ consultation, expectedRevision }: { consultation: Consultation; expectedRevision: number }): Promise<void> {
    const { id, ...rest } = consultationSchema.parse(consultation);
    const result = await this.c.consultations.replaceOne({ _id: id, revision: expectedRevision }, rest);
    if (result.matchedCount === 0) throw new DomainError({ type: 'conflict', code: 'consultation_changed', message: '征求意见已被他人修改，请刷新后重试' });
  }

  async get(id: string): Promise<Consultation | null> {
    const doc = await this.c.consultations.findOne({ _id: id });
    return doc ? fromDoc(consultationSchema, doc) : null;
  }

  async list({ statuses }: { statuses?: readonly ConsultationStatus[] }): Promise<Consultation[]> {
    const docs = await this.c.consultations
      .find(statuses ? { status: { $in: [...statuses] } } : {})
      .sort({ endDate: -1, _id: 1 })
      .toArray();
    return docs.map((doc) => fromDoc(consultationSchema, doc));
  }

  async listByFinalPolicy(policyId: string): Promise<Consultation[]> {
    const docs = await this.c.consultations.find({ finalPolicyId: policyId }).sort({ endDate: -1, _id: 1 }).toArray();
    return docs.map((doc) => fromDoc(consultationSchema, doc));
  }

  async insertComment(comment: ConsultationComment): Promise<void> {
    const { id, ...rest } = consultationCommentSchema.parse(comment);
    await mapped(() => this.c.comments.insertOne({ ...rest, _id: id }));
  }

  async getComment(id: string): Promise<ConsultationComment | null> {
    const doc = await this.c.comments.findOne({ _id: id });
    return doc ? fromDoc(consultationCommentSchema, doc) : null;
  }

  async listComments({ consultationId, status }: { consultationId: string; status?: CommentStatus }): Promise<ConsultationComment[]> {
    const docs = await this.c.comments
      .find({ consultationId, ...(status ? { status } : {}) })
      .sort({ submittedAt: 1, _id: 1 })
      .toArray();
    return docs.map((doc) => fromDoc(consultationCommentSchema, doc));
  }

  async moderateComment({ commentId, status, reason, by, at }: { commentId: string; status: Exclude<CommentStatus, 'pending'>; reason: string | null; by: string; at: string }) {
    const doc = await this.c.comments.findOneAndUpdate(
      { _id: commentId, status: 'pending' },
      { $set: { status, rejectReason: reason, moderatedBy: by, moderatedAt: at } },
      { returnDocument: 'after' },
    );
    return doc ? fromDoc(consultationCommentSchema, doc) : null;
  }

  async insertDecision(decision: AdoptionDecision): Promise<void> {
    const { id, ...rest } = adoptionDecisionSchema.parse(decision);
    try {
      await inTransaction(this.ctx, async (session) => {
        await this.c.decisions.insertOne({ ...rest, _id: id }, { session });
        await this.c.claims.insertMany(
          rest.commentIds.map((commentId) => ({ _id: commentId, adoptionId: id })),
          { session, ordered: true },
        );
      });
    } catch (error) {
      // inTransaction reports duplicate keys as conflicts naming the index; a claimed comment is this one.
      const index = error instanceof DomainError ? z.object({ index: z.string() }).safeParse(error.details).data?.index : isDuplicateKeyError(error) ? violatedIndex((error as Error).message) : undefined;
      if (index === `${CONSULTATION_COLLECTIONS.adoptionClaims}_id`) {
        throw new DomainError({ type: 'conflict', code: 'comment_already_decided', message: '所选意见中有已记录过采纳情况的意见，请刷新后重新选择' });
      }
      throw mapMongoError(error);
    }
  }

  async listDecisions(consultationId: string): Promise<AdoptionDecision[]> {
    const docs = await this.c.decisions.find({ consultationId }).sort({ decidedAt: 1, _id: 1 }).toArray();
    return docs.map((doc) => fromDoc(adoptionDecisionSchema, doc));
  }

  async getNoticePreference(subscriberId: string): Promise<boolean | null> {
    const doc = await this.c.preferences.findOne({ _id: subscriberId });
    return doc ? doc.wanted : null;
  }

  async setNoticePreference({ subscriberId, wanted, at }: { subscriberId: string; wanted: boolean; at: string }): Promise<void> {
    await this.c.preferences.updateOne({ _id: subscriberId }, { $set: { wanted, updatedAt: at } }, { upsert: true });
  }

  async enqueueNotices({ notices, at }: { notices: NewConsultationNotice[]; at: string }): Promise<{ inserted: number }> {
    if (notices.length === 0) return { inserted: 0 };
    const first = await nextSeq({ ctx: this.ctx, key: PUSH_ID_SEQ.message, count: notices.length });
    const ops = notices.map((notice, i) =>
      insertMessageIfAbsent(
        newMessageDoc({
          id: first + i,
          kind: 'consultation',
          dedupeKey: consultationNoticeKey(notice),
          subscriberId: notice.subscriberId,
          channel: notice.channel,
          payload: { kind: 'consultation', consultationId: notice.consultationId, subscriptionIds: notice.subscriptionIds, explanation: notice.explanation },
          at,
          urgent: false,
        }),
      ),
    );
    const inserted = await inTransaction(this.ctx, async (session) => (await pushCollections(this.ctx).messages.bulkWrite(ops, { session, ordered: true })).upsertedCount);
    return { inserted };
  }

  async listNotices(consultationId: string): Promise<PushMessage[]> {
    const prefix = consultationNoticePrefix(consultationId).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const docs = await pushCollections(this.ctx)
      .messages.find({ kind: 'consultation', dedupeKey: { $regex: `^${prefix}` } })
      .sort({ _id: 1 })
      .toArray();
    return docs.map(messageFromDoc);
  }
}

import type { ClientSession } from 'mongoose';
import type { AnyBulkWriteOperation, Sort } from 'mongodb';
import { z } from 'zod';
import {
  faqItemSchema,
  interpretationDraftSchema,
  interpretationReleaseSchema,
  questionGroupSchema,
  storedImageSchema,
  storedQuestionSchema,
  type FaqItem,
  type InterpretationDraft,
  type InterpretationRelease,
  type QuestionGroup,
  type QuestionStatus,
  type StoredImage,
  type StoredQuestion,
} from '../../../schemas/interpretation.schema.js';
import { DomainError } from '../../errors.js';
import type { InterpretationPublication, InterpretationRepository } from '../../ports/interpretation.port.js';
import { inTransaction, mongoose, storedSchema, touchPolicy, type ModelBinding, type MongoContext } from './mongo.support.js';

export const INTERPRETATION_COLLECTIONS = {
  drafts: 'interpretation_drafts',
  releases: 'interpretation_releases',
  reviews: 'interpretation_reviews',
  images: 'media_images',
  faqs: 'faqs',
  questionGroups: 'question_groups',
  questions: 'questions',
} as const;

// ---------------------------------------------------------------------------------------------
// Stored shapes

export type DraftDoc = Omit<InterpretationDraft, 'policyId'> & { _id: string };
/** One per published version; the natural key (policy, version) is a unique index, `_id` is generated. */
export type ReleaseDoc = InterpretationRelease;
export type ImageDoc = Omit<StoredImage, 'id'> & { _id: string };
export type FaqDoc = Omit<FaqItem, 'id'> & { _id: string };
export type QuestionGroupDoc = Omit<QuestionGroup, 'id'> & { _id: string };
/** The client hash is kept for rate limiting only; it never leaves the store. */
export type QuestionDoc = Omit<StoredQuestion, 'id'> & { _id: string; clientHash: string };

/** Which package each review saw: stored with the review id as `_id`, written in the review's transaction. */
export const reviewDigestRecordSchema = z.object({ reviewId: z.number().int(), policyId: z.string(), round: z.number().int(), digest: z.string().nullable() });
export type ReviewDigestDoc = Omit<z.infer<typeof reviewDigestRecordSchema>, 'reviewId'> & { _id: number };

// ---------------------------------------------------------------------------------------------
// Models

const { Mixed } = mongoose.Schema.Types;

const draftModelSchema = storedSchema(
  { _id: String, content: Mixed, exemption: Mixed, basedOnVersion: Number, revision: Number, updatedAt: String, updatedBy: String },
  { collection: INTERPRETATION_COLLECTIONS.drafts },
);

const releaseModelSchema = storedSchema(
  {
    policyId: String,
    version: Number,
    content: Mixed,
    exemption: Mixed,
    digest: String,
    completeness: Mixed,
    faqs: [Mixed],
    comparison: Mixed,
    reviews: [Mixed],
    publishedAt: String,
  },
  { collection: INTERPRETATION_COLLECTIONS.releases },
);
releaseModelSchema.index({ policyId: 1, version: 1 }, { name: 'interpretation_releases_version', unique: true });
// Which releases show an image (releasesShowingMedia, behind every public /media request).
releaseModelSchema.index({ 'content.graphics.imageId': 1 }, { name: 'interpretation_releases_graphics' });
releaseModelSchema.index({ 'content.videos.posterImageId': 1 }, { name: 'interpretation_releases_posters', sparse: true });

const reviewModelSchema = storedSchema({ _id: Number, policyId: String, round: Number, digest: String }, { collection: INTERPRETATION_COLLECTIONS.reviews });
reviewModelSchema.index({ policyId: 1, round: 1, _id: 1 }, { name: 'interpretation_reviews_round' });

const imageModelSchema = storedSchema(
  { _id: String, sourceFormat: String, sourceBytes: Number, width: Number, height: Number, variants: [Mixed], createdAt: String, createdBy: String },
  { collection: INTERPRETATION_COLLECTIONS.images },
);
imageModelSchema.index({ 'variants.hash': 1 }, { name: 'media_images_variant' });

const faqModelSchema = storedSchema(
  {
    _id: String,
    policyId: String,
    position: Number,
    question: String,
    answer: String,
    category: String,
    source: String,
    questionGroupId: String,
    status: String,
    publishedAt: String,
    createdAt: String,
    updatedAt: String,
    updatedBy: String,
    revision: Number,
  },
  { collection: INTERPRETATION_COLLECTIONS.faqs },
);
faqModelSchema.index({ policyId: 1, status: 1, position: 1, _id: 1 }, { name: 'faqs_policy' });

const groupModelSchema = storedSchema(
  {
    _id: String,
    policyId: String,
    question: String,
    terms: [String],
    askedCount: Number,
    firstAskedAt: String,
    lastAskedAt: String,
    status: String,
    answer: String,
    answeredAt: String,
    answeredBy: String,
    replyPublished: Boolean,
    faqId: String,
    dismissReason: String,
    revision: Number,
  },
  { collection: INTERPRETATION_COLLECTIONS.questionGroups },
);
// The drafter queue across policies (oldest first, or most asked first) and per policy.
groupModelSchema.index({ status: 1, firstAskedAt: 1, _id: 1 }, { name: 'question_groups_age' });
groupModelSchema.index({ status: 1, askedCount: -1, firstAskedAt: 1, _id: 1 }, { name: 'question_groups_demand' });
groupModelSchema.index({ policyId: 1, status: 1, firstAskedAt: 1, _id: 1 }, { name: 'question_groups_policy_age' });
groupModelSchema.index({ policyId: 1, status: 1, askedCount: -1, firstAskedAt: 1, _id: 1 }, { name: 'question_groups_policy_demand' });

const questionModelSchema = storedSchema(
  { _id: String, policyId: String, groupId: String, text: String, nickname: String, terms: [String], askedAt: String, clientHash: String },
  { collection: INTERPRETATION_COLLECTIONS.questions },
);
questionModelSchema.index({ groupId: 1, askedAt: 1, _id: 1 }, { name: 'questions_group' });
// Rate limiting counts a client's recent questions.
questionModelSchema.index({ clientHash: 1, askedAt: 1 }, { name: 'questions_client' });

export const interpretationModels: ModelBinding[] = [
  { name: 'InterpretationDraft', schema: draftModelSchema, shape: interpretationDraftSchema.shape, idField: 'policyId' },
  { name: 'InterpretationRelease', schema: releaseModelSchema, shape: interpretationReleaseSchema.shape, storageOnly: ['_id'] },
  { name: 'InterpretationReview', schema: reviewModelSchema, shape: reviewDigestRecordSchema.shape, idField: 'reviewId' },
  { name: 'MediaImage', schema: imageModelSchema, shape: storedImageSchema.shape, idField: 'id' },
  { name: 'Faq', schema: faqModelSchema, shape: faqItemSchema.shape, idField: 'id' },
  { name: 'QuestionGroup', schema: groupModelSchema, shape: questionGroupSchema.shape, idField: 'id' },
  { name: 'Question', schema: questionModelSchema, shape: storedQuestionSchema.shape, idField: 'id', storageOnly: ['clientHash'] },
];

// ---------------------------------------------------------------------------------------------

function collections(ctx: MongoContext) {
  const c = ctx.connection;
  return {
    drafts: c.collection<DraftDoc>(INTERPRETATION_COLLECTIONS.drafts),
    releases: c.collection<ReleaseDoc>(INTERPRETATION_COLLECTIONS.releases),
    reviews: c.collection<ReviewDigestDoc>(INTERPRETATION_COLLECTIONS.reviews),
    images: c.collection<ImageDoc>(INTERPRETATION_COLLECTIONS.images),
    faqs: c.collection<FaqDoc>(INTERPRETATION_COLLECTIONS.faqs),
    groups: c.collection<QuestionGroupDoc>(INTERPRETATION_COLLECTIONS.questionGroups),
    questions: c.collection<QuestionDoc>(INTERPRETATION_COLLECTIONS.questions),
  };
}

function stale(what: string, details: Record<string, unknown>): DomainError {
  return new DomainError({ type: 'conflict', code: 'stale_revision', message: `${what}已被他人修改，请刷新后重试`, details });
}

function draftToDoc(draft: InterpretationDraft): DraftDoc {
  const { policyId, ...rest } = interpretationDraftSchema.parse(draft);
  return { ...rest, _id: policyId };
}

function draftFromDoc({ _id, ...rest }: DraftDoc): InterpretationDraft {
  return interpretationDraftSchema.parse({ ...rest, policyId: _id });
}

function releaseFromDoc(doc: ReleaseDoc): InterpretationRelease {
  // The generated `_id` is not part of the release; the schema strips it.
  return interpretationReleaseSchema.parse(doc);
}

function faqToDoc(faq: FaqItem): FaqDoc {
  const { id, ...rest } = faqItemSchema.parse(faq);
  return { ...rest, _id: id };
}

function faqFromDoc({ _id, ...rest }: FaqDoc): FaqItem {
  return faqItemSchema.parse({ ...rest, id: _id });
}

function groupToDoc(group: QuestionGroup): QuestionGroupDoc {
  const { id, ...rest } = questionGroupSchema.parse(group);
  return { ...rest, _id: id };
}

function groupFromDoc({ _id, ...rest }: QuestionGroupDoc): QuestionGroup {
  return questionGroupSchema.parse({ ...rest, id: _id });
}

function questionToDoc(question: StoredQuestion, clientHash: string): QuestionDoc {
  const { id, ...rest } = storedQuestionSchema.parse(question);
  return { ...rest, _id: id, clientHash };
}

function questionFromDoc({ _id, clientHash: _clientHash, ...rest }: QuestionDoc): StoredQuestion {
  return storedQuestionSchema.parse({ ...rest, id: _id });
}

function imageFromDoc({ _id, ...rest }: ImageDoc): StoredImage {
  return storedImageSchema.parse({ ...rest, id: _id });
}

/**
 * Writes the working package. `expectedRevision` 0 inserts (a package that exists already is a
 * stale write), `null` overwrites whatever is there (publication), any other value writes only over
 * that revision.
 */
async function writeDraft({ ctx, session, draft, expectedRevision }: { ctx: MongoContext; session: ClientSession; draft: InterpretationDraft; expectedRevision: number | null }): Promise<void> {
  const { drafts } = collections(ctx);
  const doc = draftToDoc(draft);
  if (expectedRevision === null) {
    await drafts.replaceOne({ _id: doc._id }, doc, { upsert: true, session });
    return;
  }
  if (expectedRevision === 0) {
    if (await drafts.findOne({ _id: doc._id }, { session, projection: { _id: 1 } })) throw stale('解读材料', { policyId: draft.policyId, expectedRevision });
    await drafts.insertOne(doc, { session });
    return;
  }
  const result = await drafts.replaceOne({ _id: doc._id, revision: expectedRevision }, doc, { session });
  if (result.matchedCount === 0) throw stale('解读材料', { policyId: draft.policyId, expectedRevision });
}

/**
 * Runs inside the policy publication's transaction (`MongoPolicyRepository.publish`): the release is
 * frozen, the package's draft FAQs become public and the working package is rebased on the version.
 */
export async function writePublication(ctx: MongoContext, session: ClientSession, publication: InterpretationPublication): Promise<void> {
  const { release, draft } = publication;
  const { releases, faqs } = collections(ctx);
  await releases.insertOne(interpretationReleaseSchema.parse(release), { session });
  await faqs.updateMany(
    { policyId: release.policyId, status: 'draft' },
    { $set: { status: 'published', publishedAt: release.publishedAt }, $inc: { revision: 1 } },
    { session },
  );
  await writeDraft({ ctx, session, draft, expectedRevision: null });
}

/** Records which package a review saw; runs inside the review's transaction (`MongoPolicyRepository.addReview`). */
export async function writeReviewDigest(
  ctx: MongoContext,
  session: ClientSession,
  input: { reviewId: number; policyId: string; round: number; digest: string | null },
): Promise<void> {
  const { reviewId, ...rest } = reviewDigestRecordSchema.parse(input);
  await collections(ctx).reviews.insertOne({ ...rest, _id: reviewId }, { session });
}

/**
 * Interpretation packages, images, FAQ lists and public questions on MongoDB. Every write that
 * changes what the public sees of a policy (FAQs, published replies) moves the policy's change
 * sequence in the same transaction, so the FAQ index follower never misses it.
 */
export class MongoInterpretationRepository implements InterpretationRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get c() {
    return collections(this.ctx);
  }

  async getDraft(policyId: string): Promise<InterpretationDraft | null> {
    const doc = await this.c.drafts.findOne({ _id: policyId });
    return doc ? draftFromDoc(doc) : null;
  }

  async saveDraft({ draft, expectedRevision }: { draft: InterpretationDraft; expectedRevision: number }): Promise<void> {
    try {
      await inTransaction(this.ctx, (session) => writeDraft({ ctx: this.ctx, session, draft, expectedRevision }));
    } catch (error) {
      // Two first saves racing: the loser's insert meets the winner's package.
      if (error instanceof DomainError && error.code !== 'stale_revision' && isDraftDuplicate(error)) {
        throw stale('解读材料', { policyId: draft.policyId, expectedRevision });
      }
      throw error;
    }
  }

  async importRelease({ publication, faqs }: { publication: InterpretationPublication; faqs: FaqItem[] }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      if (faqs.length > 0) await this.c.faqs.insertMany(faqs.map(faqToDoc), { session, ordered: true });
      await writePublication(this.ctx, session, publication);
      await touchPolicy({ ctx: this.ctx, policyId: publication.release.policyId, session });
    });
  }

  async getRelease({ policyId, version }: { policyId: string; version: number }): Promise<InterpretationRelease | null> {
    const doc = await this.c.releases.findOne({ policyId, version });
    return doc ? releaseFromDoc(doc) : null;
  }

  async listReleases(policyId: string) {
    type Row = { version: number; publishedAt: string; exemption: unknown };
    const rows = await this.c.releases.find({ policyId }).sort({ policyId: 1, version: 1 }).project<Row>({ _id: 0, version: 1, publishedAt: 1, exemption: 1 }).toArray();
    return rows.map((r) => ({ version: r.version, publishedAt: r.publishedAt, exempt: r.exemption !== null && r.exemption !== undefined }));
  }

  async reviewDigests({ policyId, round }: { policyId: string; round?: number }) {
    const filter = round === undefined ? { policyId } : { policyId, round };
    const docs = await this.c.reviews.find(filter).sort({ _id: 1 }).toArray();
    return docs.map((doc) => ({ reviewId: doc._id, digest: doc.digest }));
  }

  async insertImage(image: StoredImage): Promise<void> {
    // Content-addressed: the same upload twice is one image, and the first record stays.
    const { id, ...rest } = storedImageSchema.parse(image);
    await this.c.images.updateOne({ _id: id }, { $setOnInsert: rest }, { upsert: true });
  }

  async getImages(ids: readonly string[]): Promise<StoredImage[]> {
    if (ids.length === 0) return [];
    const unique = [...new Set(ids)];
    const byId = new Map((await this.c.images.find({ _id: { $in: unique } }).toArray()).map((doc) => [doc._id, imageFromDoc(doc)] as const));
    return unique.flatMap((id) => {
      const image = byId.get(id);
      return image ? [image] : [];
    });
  }

  async releasesShowingMedia({ hash }: { hash: string }): Promise<{ policyId: string; version: number }[]> {
    const owners = await this.c.images.find({ 'variants.hash': hash }).project<{ _id: string }>({ _id: 1 }).toArray();
    if (owners.length === 0) return [];
    const ids = owners.map((doc) => doc._id);
    type Row = { policyId: string; version: number };
    return this.c.releases
      .find({ $or: [{ 'content.graphics.imageId': { $in: ids } }, { 'content.videos.posterImageId': { $in: ids } }] })
      .sort({ policyId: 1, version: 1 })
      .project<Row>({ _id: 0, policyId: 1, version: 1 })
      .toArray();
  }

  async listFaqs({ policyId, statuses }: { policyId: string; statuses: readonly FaqItem['status'][] }): Promise<FaqItem[]> {
    if (statuses.length === 0) return [];
    const docs = await this.c.faqs.find({ policyId, status: { $in: [...statuses] } }).sort({ position: 1, _id: 1 }).toArray();
    return docs.map(faqFromDoc);
  }

  async getFaq(id: string): Promise<FaqItem | null> {
    const doc = await this.c.faqs.findOne({ _id: id });
    return doc ? faqFromDoc(doc) : null;
  }

  async insertFaq(faq: FaqItem): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      await this.c.faqs.insertOne(faqToDoc(faq), { session });
      await touchPolicy({ ctx: this.ctx, policyId: faq.policyId, session });
    });
  }

  async updateFaq({ faq, expectedRevision }: { faq: FaqItem; expectedRevision: number }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      const doc = faqToDoc(faq);
      const result = await this.c.faqs.replaceOne({ _id: doc._id, revision: expectedRevision }, doc, { session });
      if (result.matchedCount === 0) throw stale('该常见问题', { id: faq.id, expectedRevision });
      await touchPolicy({ ctx: this.ctx, policyId: faq.policyId, session });
    });
  }

  async reorderFaqs({ policyId, ids, at, by }: { policyId: string; ids: readonly string[]; at: string; by: string }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      // An id of another policy is ignored, as it is in the SQLite store.
      const ops: AnyBulkWriteOperation<FaqDoc>[] = ids.map((id, position) => ({
        updateOne: { filter: { _id: id, policyId }, update: { $set: { position, updatedAt: at, updatedBy: by }, $inc: { revision: 1 } } },
      }));
      if (ops.length > 0) await this.c.faqs.bulkWrite(ops, { session, ordered: true });
      await touchPolicy({ ctx: this.ctx, policyId, session });
    });
  }

  private async updateGroupDoc(session: ClientSession, { group, expectedRevision }: { group: QuestionGroup; expectedRevision: number }): Promise<void> {
    const doc = groupToDoc(group);
    const result = await this.c.groups.replaceOne({ _id: doc._id, revision: expectedRevision }, doc, { session });
    if (result.matchedCount === 0) throw stale('该问题', { groupId: group.id, expectedRevision });
  }

  async addQuestion({
    question,
    clientHash,
    group,
  }: {
    question: StoredQuestion;
    clientHash: string;
    group: { join: QuestionGroup } | { open: QuestionGroup };
  }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      if ('open' in group) {
        await this.c.groups.insertOne(groupToDoc(group.open), { session });
      } else {
        // Joining reads the counts inside the transaction, so two questions arriving together both
        // count: the second one's write conflicts, and its retry reads the first one's count.
        const stored = await this.c.groups.findOne({ _id: group.join.id }, { session });
        if (!stored) throw new DomainError({ type: 'conflict', code: 'question_group_gone', message: '问题组已不存在，请重试' });
        const current = groupFromDoc(stored);
        const merged: QuestionGroup = {
          ...current,
          askedCount: current.askedCount + 1,
          lastAskedAt: question.askedAt > current.lastAskedAt ? question.askedAt : current.lastAskedAt,
          revision: current.revision + 1,
        };
        await this.updateGroupDoc(session, { group: merged, expectedRevision: current.revision });
      }
      await this.c.questions.insertOne(questionToDoc(question, clientHash), { session });
    });
  }

  async countQuestionsSince({ clientHash, since }: { clientHash: string; since: string }): Promise<number> {
    return this.c.questions.countDocuments({ clientHash, askedAt: { $gte: since } });
  }

  async getQuestion(id: string): Promise<StoredQuestion | null> {
    const doc = await this.c.questions.findOne({ _id: id });
    return doc ? questionFromDoc(doc) : null;
  }

  async listQuestions(groupIds: readonly string[]): Promise<StoredQuestion[]> {
    if (groupIds.length === 0) return [];
    const docs = await this.c.questions.find({ groupId: { $in: [...groupIds] } }).sort({ askedAt: 1, _id: 1 }).toArray();
    return docs.map(questionFromDoc);
  }

  async getGroup(id: string): Promise<QuestionGroup | null> {
    const doc = await this.c.groups.findOne({ _id: id });
    return doc ? groupFromDoc(doc) : null;
  }

  async listGroupsOfPolicy({ policyId, statuses }: { policyId: string; statuses: readonly QuestionStatus[] }): Promise<QuestionGroup[]> {
    if (statuses.length === 0) return [];
    const docs = await this.c.groups.find({ policyId, status: { $in: [...statuses] } }).sort({ firstAskedAt: 1, _id: 1 }).toArray();
    return docs.map(groupFromDoc);
  }

  async listGroups({ policyId, status, sort, limit, offset }: { policyId?: string; status: QuestionStatus; sort: 'age' | 'demand'; limit: number; offset: number }) {
    const filter = policyId ? { status, policyId } : { status };
    const order: Sort = sort === 'age' ? { firstAskedAt: 1, _id: 1 } : { askedCount: -1, firstAskedAt: 1, _id: 1 };
    const total = await this.c.groups.countDocuments(filter);
    const items = (await this.c.groups.find(filter).sort(order).skip(offset).limit(limit).toArray()).map(groupFromDoc);
    return { total, items };
  }

  async listPublishedReplies(policyId: string): Promise<QuestionGroup[]> {
    const docs = await this.c.groups
      .find({ policyId, status: 'answered', replyPublished: true })
      .sort({ askedCount: -1, firstAskedAt: 1, _id: 1 })
      .toArray();
    return docs.map(groupFromDoc);
  }

  async updateGroup({ group, expectedRevision, faq }: { group: QuestionGroup; expectedRevision: number; faq?: FaqItem }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      await this.updateGroupDoc(session, { group, expectedRevision });
      if (faq) await this.c.faqs.insertOne(faqToDoc(faq), { session });
      await touchPolicy({ ctx: this.ctx, policyId: group.policyId, session });
    });
  }

  async moveQuestion({
    question,
    from,
    to,
  }: {
    question: StoredQuestion;
    from: { group: QuestionGroup; expectedRevision: number };
    to: { join: QuestionGroup; expectedRevision: number } | { open: QuestionGroup };
  }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      const target = 'open' in to ? to.open : to.join;
      if ('open' in to) await this.c.groups.insertOne(groupToDoc(to.open), { session });
      else await this.updateGroupDoc(session, { group: to.join, expectedRevision: to.expectedRevision });
      await this.c.questions.updateOne({ _id: question.id }, { $set: { groupId: target.id } }, { session });
      if (from.group.askedCount <= 0) {
        const result = await this.c.groups.deleteOne({ _id: from.group.id, revision: from.expectedRevision }, { session });
        if (result.deletedCount === 0) throw stale('该问题', { groupId: from.group.id });
      } else {
        await this.updateGroupDoc(session, from);
      }
      await touchPolicy({ ctx: this.ctx, policyId: question.policyId, session });
    });
  }
}

function isDraftDuplicate(error: DomainError): boolean {
  const details = z.object({ index: z.string() }).safeParse(error.details);
  return details.success && details.data.index === `${INTERPRETATION_COLLECTIONS.drafts}_id`;
}

import type { ClientSession } from 'mongoose';
import type { AnyBulkWriteOperation } from 'mongodb';
import { z } from 'zod';
import {
  policyRecordSchema,
  policyVersionSchema,
  reviewRecordSchema,
  validitySchema,
  type PolicyRecord,
  type PolicyVersion,
  type ReviewRecord,
} from '../../../schemas/policy.schema.js';
import { DIMENSION_IDS } from '../../../schemas/taxonomy.schema.js';
import { DomainError } from '../../errors.js';
import type { InterpretationPublication } from '../../ports/interpretation.port.js';
import type { PolicyChange, PolicyImport, PolicyRepository } from '../../ports/store.port.js';
import { rewriteTagReferences } from '../../services/tag-references.js';
import type { NewAuditEntry } from '../../../schemas/audit.schema.js';
import { appendAuditDoc } from './mongo-audit.repository.js';
import { chunks, COLLECTIONS, inTransaction, mongoose, nextSeq, readSeq, SEQ, storedSchema, writeBatch, type ModelBinding, type MongoContext } from './mongo.support.js';

export type PolicyDoc = Omit<PolicyRecord, 'id'> & { _id: string; changeSeq: number };
/** `matchingFinished` lets the matcher find versions without a finished job through a small partial index. */
export type VersionDoc = PolicyVersion & { matchingFinished: boolean };
export type ReviewDoc = Omit<ReviewRecord, 'id'> & { _id: number; policyId: string };

const { Mixed } = mongoose.Schema.Types;

/** The editable content shared by working copies and versions (`policyContentSchema`). */
const contentPaths = {
  docNumber: String,
  title: String,
  issuer: String,
  level: String,
  issuedAt: String,
  effectiveAt: String,
  expiresAt: String,
  disclosure: String,
  disclosureReason: String,
  body: String,
  criteria: Mixed,
  tags: [String],
  applicationWindow: Mixed,
  predecessorId: String,
};

const policyModelSchema = storedSchema(
  {
    _id: String,
    ...contentPaths,
    articles: [Mixed],
    status: String,
    validity: String,
    currentVersion: Number,
    reviewRound: Number,
    successorId: String,
    repeal: Mixed,
    createdBy: String,
    createdAt: String,
    updatedAt: String,
    revision: Number,
    changeSeq: Number,
  },
  { collection: COLLECTIONS.policies },
);
policyModelSchema.index({ docNumber: 1 }, { name: 'policies_doc_number', unique: true, partialFilterExpression: { docNumber: { $type: 'string' } } });
policyModelSchema.index({ changeSeq: 1 }, { name: 'policies_change_seq' });
policyModelSchema.index({ status: 1, updatedAt: -1, _id: 1 }, { name: 'policies_status_updated' });
policyModelSchema.index({ updatedAt: -1, _id: 1 }, { name: 'policies_updated' });
policyModelSchema.index({ currentVersion: 1 }, { name: 'policies_current_version', partialFilterExpression: { currentVersion: { $type: 'number' } } });

const versionModelSchema = storedSchema(
  {
    ...contentPaths,
    policyId: String,
    version: Number,
    articles: [Mixed],
    publishedAt: String,
    publishedBy: String,
    reviews: [Mixed],
    matchingFinished: Boolean,
  },
  { collection: COLLECTIONS.policyVersions },
);
versionModelSchema.index({ policyId: 1, version: 1 }, { name: 'policy_versions_unique', unique: true });
versionModelSchema.index(
  { publishedAt: 1, policyId: 1 },
  { name: 'policy_versions_matching_due', partialFilterExpression: { matchingFinished: false } },
);

const reviewModelSchema = storedSchema(
  {
    _id: Number,
    policyId: String,
    round: Number,
    kind: String,
    decision: String,
    comment: String,
    reviewerId: String,
    reviewerName: String,
    at: String,
  },
  { collection: COLLECTIONS.policyReviews },
);
reviewModelSchema.index({ policyId: 1, round: 1, _id: 1 }, { name: 'policy_reviews_policy' });

export const policyModels: ModelBinding[] = [
  { name: 'Policy', schema: policyModelSchema, shape: policyRecordSchema.shape, idField: 'id', storageOnly: ['changeSeq'] },
  { name: 'PolicyVersion', schema: versionModelSchema, shape: policyVersionSchema.shape, storageOnly: ['_id', 'matchingFinished'] },
  { name: 'PolicyReview', schema: reviewModelSchema, shape: reviewRecordSchema.shape, idField: 'id', storageOnly: ['policyId'] },
];

export function policyFromDoc(doc: PolicyDoc): PolicyRecord {
  const { _id, changeSeq: _seq, ...rest } = doc;
  return policyRecordSchema.parse({ ...rest, id: _id });
}

export function policyToDoc(policy: PolicyRecord, changeSeq: number): PolicyDoc {
  const { id, ...rest } = policyRecordSchema.parse(policy);
  return { ...rest, _id: id, changeSeq };
}

export function versionFromDoc(doc: VersionDoc): PolicyVersion {
  // zod drops the storage-only `_id` and `matchingFinished`.
  return policyVersionSchema.parse(doc);
}

function reviewFromDoc(doc: ReviewDoc): ReviewRecord {
  const { _id, policyId: _policy, ...rest } = doc;
  return reviewRecordSchema.parse({ ...rest, id: _id });
}

function staleRevision(id: string, expectedRevision: number): DomainError {
  return new DomainError({
    type: 'conflict',
    code: 'stale_revision',
    message: '该政策已被他人修改，请刷新后重试',
    details: { id, expectedRevision },
  });
}

/**
 * What the interpretation repository writes inside a policy transaction: the package frozen with a
 * publication, and the package digest a reviewer saw.
 */
export interface PolicyInterpretationWrites {
  writePublication(input: { session: ClientSession; publication: InterpretationPublication }): Promise<void>;
  writeReviewDigest(input: { session: ClientSession; reviewId: number; policyId: string; round: number; digest: string | null }): Promise<void>;
}

const BATCH = 500;

/** Every working copy and version that names the tag (criteria, descriptive tags, issuer level). */
function tagReferenceFilter(tagId: string) {
  return { $or: [{ tags: tagId }, { level: tagId }, ...DIMENSION_IDS.map((dimension) => ({ [`criteria.${dimension}`]: tagId }))] };
}

/**
 * Runs inside the merge transaction: rewrites working copies and versions that reference `fromId`
 * and moves each such policy to the end of the change sequence. Returns how many policies changed.
 */
export async function rewritePolicyTagReferences({ ctx, session, fromId, intoId, at }: { ctx: MongoContext; session: ClientSession; fromId: string; intoId: string; at: string }): Promise<number> {
  const policies = ctx.connection.collection<PolicyDoc>(COLLECTIONS.policies);
  const versions = ctx.connection.collection<VersionDoc>(COLLECTIONS.policyVersions);
  const workingIds = (await policies.find(tagReferenceFilter(fromId), { session, projection: { _id: 1 } }).toArray()).map((d) => d._id);
  const versionRefs = await versions.find(tagReferenceFilter(fromId), { session, projection: { _id: 1, policyId: 1 } }).toArray();
  // A policy whose older version alone names the tag changes its public record too.
  const ids = [...new Set([...workingIds, ...versionRefs.map((v) => v.policyId)])].sort();
  if (ids.length === 0) return 0;
  const first = await nextSeq({ ctx, key: SEQ.policyChange, session, count: ids.length });
  const seqOf = new Map(ids.map((id, i) => [id, first + i]));
  for (const batch of chunks(workingIds, BATCH)) {
    const docs = await policies.find({ _id: { $in: batch } }, { session }).toArray();
    const ops: AnyBulkWriteOperation<PolicyDoc>[] = docs.map((doc) => {
      const policy = policyFromDoc(doc);
      const rewritten: PolicyRecord = { ...policy, ...rewriteTagReferences({ content: policy, fromId, intoId }), updatedAt: at };
      const { _id, ...replacement } = policyToDoc(rewritten, seqOf.get(policy.id) ?? first);
      return { replaceOne: { filter: { _id }, replacement } };
    });
    if (ops.length > 0) await policies.bulkWrite(ops, { session, ordered: true });
  }
  const touched = ids.filter((id) => !workingIds.includes(id));
  for (const batch of chunks(touched, BATCH)) {
    await policies.bulkWrite(
      batch.map((id) => ({ updateOne: { filter: { _id: id }, update: { $set: { changeSeq: seqOf.get(id) ?? first } } } })),
      { session, ordered: true },
    );
  }
  for (const batch of chunks(versionRefs.map((v) => v._id), BATCH)) {
    const docs = await versions.find({ _id: { $in: batch } }, { session }).toArray();
    const ops: AnyBulkWriteOperation<VersionDoc>[] = docs.map((doc) => {
      const version = versionFromDoc(doc);
      const rewritten = rewriteTagReferences({ content: version, fromId, intoId });
      return { updateOne: { filter: { _id: doc._id }, update: { $set: { criteria: rewritten.criteria, tags: rewritten.tags, level: rewritten.level } } } };
    });
    if (ops.length > 0) await versions.bulkWrite(ops, { session, ordered: true });
  }
  return ids.length;
}

export class MongoPolicyRepository implements PolicyRepository {
  constructor(
    private readonly ctx: MongoContext,
    private readonly interpretation: PolicyInterpretationWrites,
  ) {}

  private get policies() {
    return this.ctx.connection.collection<PolicyDoc>(COLLECTIONS.policies);
  }

  private get versions() {
    return this.ctx.connection.collection<VersionDoc>(COLLECTIONS.policyVersions);
  }

  private get reviews() {
    return this.ctx.connection.collection<ReviewDoc>(COLLECTIONS.policyReviews);
  }

  async get(id: string): Promise<PolicyRecord | null> {
    const doc = await this.policies.findOne({ _id: id });
    return doc ? policyFromDoc(doc) : null;
  }

  async insert(policy: PolicyRecord, options?: { audit?: NewAuditEntry }): Promise<void> {
    // Sequence and document commit together, so followers see sequence numbers in commit order.
    await inTransaction(this.ctx, async (session) => {
      await this.insertDoc(session, policy);
      if (options?.audit) await appendAuditDoc(this.ctx, session, options.audit);
    });
  }

  private async insertDoc(session: ClientSession, policy: PolicyRecord): Promise<void> {
    const seq = await nextSeq({ ctx: this.ctx, key: SEQ.policyChange, session });
    await this.policies.insertOne(policyToDoc(policy, seq), { session });
  }

  async update({ policy, expectedRevision, audit }: { policy: PolicyRecord; expectedRevision: number; audit?: NewAuditEntry }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      await this.updateDoc(session, { policy, expectedRevision });
      if (audit) await appendAuditDoc(this.ctx, session, audit);
    });
  }

  private async updateDoc(session: ClientSession, { policy, expectedRevision }: { policy: PolicyRecord; expectedRevision: number }): Promise<void> {
    const seq = await nextSeq({ ctx: this.ctx, key: SEQ.policyChange, session });
    const { _id, ...replacement } = policyToDoc(policy, seq);
    const result = await this.policies.replaceOne({ _id, revision: expectedRevision }, replacement, { session });
    if (result.matchedCount === 0) throw staleRevision(policy.id, expectedRevision);
  }

  private async insertVersion(session: ClientSession, version: PolicyVersion): Promise<void> {
    await this.versions.insertOne({ ...policyVersionSchema.parse(version), matchingFinished: false }, { session });
  }

  private async insertReview(session: ClientSession, { policyId, review }: { policyId: string; review: Omit<ReviewRecord, 'id'> }): Promise<number> {
    const id = await nextSeq({ ctx: this.ctx, key: SEQ.reviewId, session });
    const { id: _id, ...fields } = reviewRecordSchema.parse({ ...review, id });
    await this.reviews.insertOne({ ...fields, _id: id, policyId }, { session });
    return id;
  }

  async publish(input: {
    policy: PolicyRecord;
    expectedRevision: number;
    version: PolicyVersion;
    predecessor?: { policy: PolicyRecord; expectedRevision: number };
    interpretation?: InterpretationPublication;
    audit?: NewAuditEntry;
  }): Promise<void> {
    await inTransaction(this.ctx, async (session) => {
      await this.updateDoc(session, { policy: input.policy, expectedRevision: input.expectedRevision });
      await this.insertVersion(session, input.version);
      if (input.predecessor) await this.updateDoc(session, input.predecessor);
      if (input.interpretation) await this.interpretation.writePublication({ session, publication: input.interpretation });
      if (input.audit) await appendAuditDoc(this.ctx, session, input.audit);
    });
  }

  async importPolicy(input: PolicyImport): Promise<void> {
    await inTransaction(this.ctx, (session) => this.importDocs(session, input));
  }

  async importBatch(items: PolicyImport[]) {
    return writeBatch(this.ctx, { items, write: ({ session, item }) => this.importDocs(session, item) });
  }

  private async importDocs(session: ClientSession, input: PolicyImport): Promise<void> {
    await this.insertDoc(session, input.policy);
    for (const version of input.versions) await this.insertVersion(session, version);
    for (const review of input.reviews) await this.insertReview(session, { policyId: input.policy.id, review });
    if (input.predecessor) await this.updateDoc(session, input.predecessor);
    if (input.audit) await appendAuditDoc(this.ctx, session, input.audit);
  }

  async addReview({
    policyId,
    review,
    policyUpdate,
    interpretationDigest,
    audit,
  }: {
    policyId: string;
    review: Omit<ReviewRecord, 'id'>;
    policyUpdate?: { policy: PolicyRecord; expectedRevision: number };
    interpretationDigest?: string | null;
    audit?: NewAuditEntry;
  }): Promise<ReviewRecord> {
    return inTransaction(this.ctx, async (session) => {
      if (policyUpdate) await this.updateDoc(session, policyUpdate);
      const id = await this.insertReview(session, { policyId, review });
      if (interpretationDigest !== undefined) {
        await this.interpretation.writeReviewDigest({ session, reviewId: id, policyId, round: review.round, digest: interpretationDigest });
      }
      if (audit) await appendAuditDoc(this.ctx, session, audit);
      return { ...review, id };
    });
  }

  async listReviews({ policyId, round }: { policyId: string; round?: number }): Promise<ReviewRecord[]> {
    const filter = round === undefined ? { policyId } : { policyId, round };
    return (await this.reviews.find(filter).sort({ _id: 1 }).toArray()).map(reviewFromDoc);
  }

  async getVersion({ policyId, version }: { policyId: string; version: number }): Promise<PolicyVersion | null> {
    const doc = await this.versions.findOne({ policyId, version });
    return doc ? versionFromDoc(doc) : null;
  }

  async listVersions({ policyId }: { policyId: string }): Promise<PolicyVersion[]> {
    return (await this.versions.find({ policyId }).sort({ version: 1 }).toArray()).map(versionFromDoc);
  }

  async list({ status, limit, offset }: { status?: PolicyRecord['status']; limit: number; offset: number }) {
    const filter = status ? { status } : {};
    const total = await this.policies.countDocuments(filter);
    const docs = await this.policies.find(filter).sort({ updatedAt: -1, _id: 1 }).skip(offset).limit(limit).toArray();
    return { total, items: docs.map(policyFromDoc) };
  }

  async count(): Promise<number> {
    return this.policies.countDocuments({});
  }

  async changesSince({ afterSeq, limit }: { afterSeq: number; limit: number }): Promise<PolicyChange[]> {
    const docs = await this.policies
      .find({ changeSeq: { $gt: afterSeq } }, { projection: { _id: 1, changeSeq: 1 } })
      .sort({ changeSeq: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ id: d._id, seq: d.changeSeq }));
  }

  async listPublishedIds(): Promise<string[]> {
    const ids = await this.versions.distinct('policyId');
    return z.array(z.string()).parse(ids).sort();
  }

  async latestSeq(): Promise<number> {
    return readSeq({ ctx: this.ctx, key: SEQ.policyChange });
  }

  async listCurrentVersions() {
    const rows = await this.policies
      .aggregate(
        [
          { $match: { currentVersion: { $type: 'number' } } },
          { $project: { validity: 1, currentVersion: 1 } },
          {
            $lookup: {
              from: COLLECTIONS.policyVersions,
              let: { policyId: '$_id', version: '$currentVersion' },
              pipeline: [{ $match: { $expr: { $and: [{ $eq: ['$policyId', '$$policyId'] }, { $eq: ['$version', '$$version'] }] } } }],
              as: 'version',
            },
          },
          { $unwind: '$version' },
          { $sort: { 'version.publishedAt': -1, _id: 1 } },
        ],
        { allowDiskUse: true },
      )
      .toArray();
    const rowSchema = z.object({ validity: validitySchema, version: z.record(z.string(), z.unknown()) });
    return rows.map((row) => {
      const r = rowSchema.parse(row);
      return { version: policyVersionSchema.parse(r.version), validity: r.validity };
    });
  }
}

import { z } from 'zod';
import { matchingJobSchema, type MatchingJob } from '../../../schemas/delivery.schema.js';
import type { MatchingJobRepository } from '../../ports/store.port.js';
import type { VersionDoc } from './mongo-policy.repository.js';
import { COLLECTIONS, inTransaction, isDuplicateKeyError, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

export type MatchingJobDoc = MatchingJob;

const matchingJobModelSchema = storedSchema(
  {
    policyId: String,
    version: Number,
    status: String,
    reason: String,
    leaseUntil: String,
    attempts: Number,
    matched: Number,
    written: Number,
    startedAt: String,
    finishedAt: String,
  },
  { collection: COLLECTIONS.matchingJobs },
);
// One job per published version: the unique index is what makes concurrent first claims safe.
matchingJobModelSchema.index({ policyId: 1, version: 1 }, { name: 'matching_jobs_unique', unique: true });

export const matchingJobModels: ModelBinding[] = [{ name: 'MatchingJob', schema: matchingJobModelSchema, shape: matchingJobSchema.shape, storageOnly: ['_id'] }];

const dueSchema = z.object({ policyId: z.string(), version: z.number() });

export class MongoMatchingJobRepository implements MatchingJobRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get jobs() {
    return this.ctx.connection.collection<MatchingJobDoc>(COLLECTIONS.matchingJobs);
  }

  private get versions() {
    return this.ctx.connection.collection<VersionDoc>(COLLECTIONS.policyVersions);
  }

  async listDue({ now, limit }: { now: string; limit: number }) {
    const rows = await this.versions
      .aggregate([
        // Finished versions leave the partial index, so this stays small however long the history grows.
        { $match: { matchingFinished: false } },
        { $sort: { publishedAt: 1, policyId: 1 } },
        { $project: { _id: 0, policyId: 1, version: 1 } },
        {
          $lookup: {
            from: COLLECTIONS.matchingJobs,
            let: { policyId: '$policyId', version: '$version' },
            pipeline: [
              { $match: { $expr: { $and: [{ $eq: ['$policyId', '$$policyId'] }, { $eq: ['$version', '$$version'] }] } } },
              { $project: { _id: 0, status: 1, leaseUntil: 1 } },
            ],
            as: 'job',
          },
        },
        { $match: { $or: [{ job: { $size: 0 } }, { job: { $elemMatch: { status: 'running', leaseUntil: { $lt: now } } } }] } },
        { $limit: limit },
        { $project: { policyId: 1, version: 1 } },
      ])
      .toArray();
    return rows.map((row) => dueSchema.parse(row));
  }

  /**
   * One atomic upsert: it matches only a running job whose lease has expired; when nothing matches
   * it tries to insert a fresh job, which the unique index refuses if the job exists (live lease,
   * done or skipped) or another worker inserted it first. Either way exactly one worker wins.
   */
  async claim({ policyId, version, now, leaseUntil }: { policyId: string; version: number; now: string; leaseUntil: string }): Promise<boolean> {
    try {
      const job = await this.jobs.findOneAndUpdate(
        { policyId, version, status: 'running', leaseUntil: { $lt: now } },
        {
          $set: { leaseUntil, startedAt: now },
          $inc: { attempts: 1 },
          $setOnInsert: { reason: null, matched: 0, written: 0, finishedAt: null },
        },
        { upsert: true, returnDocument: 'after', projection: { _id: 1 } },
      );
      return job !== null;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async extendLease({ policyId, version, leaseUntil }: { policyId: string; version: number; leaseUntil: string }): Promise<void> {
    await this.jobs.updateOne({ policyId, version, status: 'running' }, { $set: { leaseUntil } });
  }

  async finish(input: { policyId: string; version: number; status: 'done' | 'skipped'; reason: string | null; matched: number; written: number; at: string }) {
    const { policyId, version } = input;
    await inTransaction(this.ctx, async (session) => {
      await this.jobs.updateOne(
        { policyId, version },
        {
          $set: { status: input.status, reason: input.reason, matched: input.matched, written: input.written, leaseUntil: null, finishedAt: input.at },
          $setOnInsert: { attempts: 0, startedAt: input.at },
        },
        { upsert: true, session },
      );
      await this.versions.updateOne({ policyId, version }, { $set: { matchingFinished: true } }, { session });
    });
  }

  async get({ policyId, version }: { policyId: string; version: number }): Promise<MatchingJob | null> {
    const doc = await this.jobs.findOne({ policyId, version });
    return doc ? matchingJobSchema.parse(doc) : null;
  }
}

import type { Document } from 'mongodb';
import { z } from 'zod';
import type { Delivery, WorkRef } from '../../../schemas/delivery.schema.js';
import {
  irrelevantReasonSchema,
  pushFeedbackRecordSchema,
  pushOpenRecordSchema,
  type IrrelevantReason,
  type PrecisionCounts,
  type PushFeedback,
  type PushFeedbackRecord,
  type PushOpenRecord,
  type StatisticsCounts,
  type StatisticsGroup,
} from '../../../schemas/push-tracking.schema.js';
import type { PushTrackingRepository, SentWindow } from '../../ports/push-tracking.port.js';
import { deliveryFromDoc, pushCollections, PUSH_COLLECTIONS } from './mongo-delivery.models.js';
import { COLLECTIONS, isDuplicateKeyError, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

export const PUSH_TRACKING_COLLECTIONS = { opens: 'push_opens', feedback: 'push_feedback' } as const;

/** `_id` is `<source>:<id>`: the unique key that keeps one open and one feedback per push. */
export type PushOpenDoc = PushOpenRecord & { _id: string };
export type PushFeedbackDoc = PushFeedbackRecord & { _id: string };

export function trackingKey(ref: WorkRef): string {
  return `${ref.source}:${ref.id}`;
}

const openModelSchema = storedSchema({ _id: String, source: String, refId: Number, openedAt: String }, { collection: PUSH_TRACKING_COLLECTIONS.opens });
openModelSchema.index({ refId: 1, source: 1 }, { name: 'push_opens_ref' });
openModelSchema.index({ openedAt: 1 }, { name: 'push_opens_at' });

const feedbackModelSchema = storedSchema(
  { _id: String, source: String, refId: Number, reasons: [String], note: String, recordedAt: String },
  { collection: PUSH_TRACKING_COLLECTIONS.feedback },
);
feedbackModelSchema.index({ refId: 1, source: 1 }, { name: 'push_feedback_ref' });
feedbackModelSchema.index({ recordedAt: 1 }, { name: 'push_feedback_at' });

export const pushTrackingModels: ModelBinding[] = [
  { name: 'PushOpen', schema: openModelSchema, shape: pushOpenRecordSchema.shape, storageOnly: ['_id'] },
  { name: 'PushFeedback', schema: feedbackModelSchema, shape: pushFeedbackRecordSchema.shape, storageOnly: ['_id'] },
];

const countsDocSchema = z.object({
  _id: z.string().nullable(),
  delivered: z.number(),
  opened: z.number(),
  irrelevant: z.number(),
  unsubscribedAfter: z.number(),
  median: z.number().nullable(),
});

/** Each delivery once per tag a subscription rule matched on (`tag` holds the tag id). */
const UNWIND_MATCHED_TAGS: Document[] = [
  { $unwind: '$explanation.subscriptions' },
  { $project: { doc: '$$ROOT', dims: { $objectToArray: '$explanation.subscriptions.matchedTags' } } },
  { $unwind: '$dims' },
  { $unwind: '$dims.v' },
  { $group: { _id: { id: '$doc._id', tag: '$dims.v' }, doc: { $first: '$doc' } } },
  { $replaceRoot: { newRoot: { $mergeObjects: ['$doc', { tag: '$_id.tag' }] } } },
];

/** Opens, 与我无关 feedback and the statistics over them, as aggregation pipelines on the server. */
export class MongoPushTrackingRepository implements PushTrackingRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get opens() {
    return this.ctx.connection.collection<PushOpenDoc>(PUSH_TRACKING_COLLECTIONS.opens);
  }

  private get feedback() {
    return this.ctx.connection.collection<PushFeedbackDoc>(PUSH_TRACKING_COLLECTIONS.feedback);
  }

  private get deliveries() {
    return this.ctx.connection.collection(PUSH_COLLECTIONS.deliveries);
  }

  async recordOpen({ ref, at }: { ref: WorkRef; at: string }): Promise<boolean> {
    try {
      await this.opens.insertOne({ _id: trackingKey(ref), source: ref.source, refId: ref.id, openedAt: at });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async recordFeedback({ ref, reasons, note, at }: { ref: WorkRef; reasons: IrrelevantReason[]; note: string | null; at: string }): Promise<boolean> {
    try {
      await this.feedback.insertOne({ _id: trackingKey(ref), source: ref.source, refId: ref.id, reasons: [...new Set(reasons)], note, recordedAt: at });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async deliveryOf(id: number): Promise<Delivery | null> {
    const doc = await pushCollections(this.ctx).deliveries.findOne({ _id: id });
    return doc ? deliveryFromDoc(doc) : null;
  }

  async getOpen(ref: WorkRef): Promise<{ openedAt: string } | null> {
    const doc = await this.opens.findOne({ _id: trackingKey(ref) });
    return doc ? { openedAt: doc.openedAt } : null;
  }

  async getFeedback(ref: WorkRef): Promise<PushFeedback | null> {
    const doc = await this.feedback.findOne({ _id: trackingKey(ref) });
    return doc ? { reasons: z.array(irrelevantReasonSchema).parse(doc.reasons), note: doc.note ?? null, recordedAt: doc.recordedAt } : null;
  }

  /** Sent deliveries of the window with `opened`, `irrelevant` and `unsubscribed` flags and `openSeconds`. */
  private sentBase({ since, until, followDays }: SentWindow & { followDays: number }): Document[] {
    return [
      { $match: { sentAt: { $gte: since, $lt: until }, status: { $in: ['sent', 'delivered'] }, dryRun: false } },
      { $lookup: { from: PUSH_TRACKING_COLLECTIONS.opens, localField: '_id', foreignField: 'refId', pipeline: [{ $match: { source: 'delivery' } }], as: 'open' } },
      { $lookup: { from: PUSH_TRACKING_COLLECTIONS.feedback, localField: '_id', foreignField: 'refId', pipeline: [{ $match: { source: 'delivery' } }, { $project: { _id: 1 } }], as: 'feedback' } },
      {
        $lookup: {
          from: PUSH_COLLECTIONS.unsubscribeEvents,
          let: { sid: '$subscriberId', sent: '$sentAt' },
          pipeline: [
            {
              $match: {
                $expr: {
                  $and: [
                    { $eq: ['$subscriberId', '$$sid'] },
                    { $gte: ['$at', '$$sent'] },
                    { $lt: ['$at', { $dateToString: { date: { $dateAdd: { startDate: { $toDate: '$$sent' }, unit: 'day', amount: followDays } }, format: '%Y-%m-%dT%H:%M:%S.%LZ' } }] },
                  ],
                },
              },
            },
            { $limit: 1 },
          ],
          as: 'unsubscribes',
        },
      },
      {
        $addFields: {
          openedAt: { $first: '$open.openedAt' },
          irrelevant: { $cond: [{ $gt: [{ $size: '$feedback' }, 0] }, 1, 0] },
          unsubscribed: { $cond: [{ $gt: [{ $size: '$unsubscribes' }, 0] }, 1, 0] },
        },
      },
      {
        $addFields: {
          openSeconds: { $cond: [{ $ifNull: ['$openedAt', false] }, { $divide: [{ $subtract: [{ $toDate: '$openedAt' }, { $toDate: '$sentAt' }] }, 1000] }, null] },
        },
      },
    ];
  }

  private keyed(group: StatisticsGroup | 'all'): Document[] {
    switch (group) {
      case 'all':
        return [{ $addFields: { key: 'all' } }];
      case 'policy':
        return [{ $addFields: { key: '$policyId' } }];
      case 'channel':
        return [{ $addFields: { key: '$channel' } }];
      case 'park':
        return [
          { $lookup: { from: COLLECTIONS.subscribers, localField: 'subscriberId', foreignField: '_id', pipeline: [{ $project: { kind: 1, parkId: 1 } }], as: 'recipient' } },
          { $addFields: { recipient: { $first: '$recipient' } } },
          { $addFields: { key: { $ifNull: [{ $cond: [{ $eq: ['$recipient.kind', 'park'] }, '$recipient._id', '$recipient.parkId'] }, ''] } } },
        ];
      case 'tag':
        return [...UNWIND_MATCHED_TAGS, { $addFields: { key: '$tag' } }];
    }
  }

  private async counts(input: SentWindow & { group: StatisticsGroup | 'all'; followDays: number; limit: number }): Promise<StatisticsCounts[]> {
    const docs = await this.deliveries
      .aggregate([
        ...this.sentBase(input),
        ...this.keyed(input.group),
        {
          $group: {
            _id: '$key',
            delivered: { $sum: 1 },
            opened: { $sum: { $cond: [{ $ifNull: ['$openedAt', false] }, 1, 0] } },
            irrelevant: { $sum: '$irrelevant' },
            unsubscribedAfter: { $sum: '$unsubscribed' },
            seconds: { $push: '$openSeconds' },
          },
        },
        { $addFields: { seconds: { $sortArray: { input: { $filter: { input: '$seconds', cond: { $ne: ['$$this', null] } } }, sortBy: 1 } } } },
        {
          $addFields: {
            median: {
              $cond: [
                { $eq: [{ $size: '$seconds' }, 0] },
                null,
                {
                  $avg: [
                    { $arrayElemAt: ['$seconds', { $floor: { $divide: [{ $subtract: [{ $size: '$seconds' }, 1] }, 2] } }] },
                    { $arrayElemAt: ['$seconds', { $floor: { $divide: [{ $size: '$seconds' }, 2] } }] },
                  ],
                },
              ],
            },
          },
        },
        { $project: { seconds: 0 } },
        { $sort: { delivered: -1, _id: 1 } },
        { $limit: input.limit },
      ])
      .toArray();
    return docs.map((doc) => {
      const d = countsDocSchema.parse(doc);
      return { key: d._id ?? '', delivered: d.delivered, opened: d.opened, irrelevant: d.irrelevant, unsubscribedAfter: d.unsubscribedAfter, medianOpenSeconds: d.median === null ? null : Math.round(d.median) };
    });
  }

  async statistics({ since, until, groupBy, followDays, limit }: SentWindow & { groupBy: StatisticsGroup; followDays: number; limit: number }): Promise<StatisticsCounts[]> {
    return this.counts({ since, until, group: groupBy, followDays, limit });
  }

  async totals({ since, until, followDays }: SentWindow & { followDays: number }): Promise<StatisticsCounts> {
    const [row] = await this.counts({ since, until, group: 'all', followDays, limit: 1 });
    return row ?? { key: 'all', delivered: 0, opened: 0, irrelevant: 0, unsubscribedAfter: 0, medianOpenSeconds: null };
  }

  async precision({ since, until, limit }: SentWindow & { limit: number }) {
    const base: Document[] = [
      { $match: { sentAt: { $gte: since, $lt: until }, status: { $in: ['sent', 'delivered'] }, dryRun: false } },
      { $lookup: { from: PUSH_TRACKING_COLLECTIONS.feedback, localField: '_id', foreignField: 'refId', pipeline: [{ $match: { source: 'delivery' } }, { $project: { reasons: 1 } }], as: 'feedback' } },
      { $addFields: { irrelevant: { $cond: [{ $gt: [{ $size: '$feedback' }, 0] }, 1, 0] } } },
    ];
    const rank: Document[] = [
      { $group: { _id: '$key', delivered: { $sum: 1 }, irrelevant: { $sum: '$irrelevant' } } },
      { $addFields: { rate: { $divide: ['$irrelevant', '$delivered'] } } },
      { $sort: { irrelevant: -1, rate: -1, _id: 1 } },
      { $limit: limit },
    ];
    const parse = (docs: Document[]): PrecisionCounts[] =>
      docs.map((doc) => {
        const d = z.object({ _id: z.string(), delivered: z.number(), irrelevant: z.number() }).parse(doc);
        return { key: d._id, delivered: d.delivered, irrelevant: d.irrelevant };
      });
    const tags = parse(await this.deliveries.aggregate([...base, ...UNWIND_MATCHED_TAGS, { $addFields: { key: '$tag' } }, ...rank]).toArray());
    const gaps = parse(await this.deliveries.aggregate([...base, { $unwind: '$explanation.unknown' }, { $addFields: { key: '$explanation.unknown' } }, ...rank]).toArray());
    const reasonDocs = await this.deliveries
      .aggregate([
        ...base,
        { $unwind: '$feedback' },
        { $unwind: '$feedback.reasons' },
        { $group: { _id: '$feedback.reasons', count: { $sum: 1 } } },
        { $sort: { count: -1, _id: 1 } },
      ])
      .toArray();
    const reasons = reasonDocs.map((doc) => {
      const d = z.object({ _id: irrelevantReasonSchema, count: z.number() }).parse(doc);
      return { reason: d._id, count: d.count };
    });
    return { tags, gaps, reasons };
  }

  async purge({ before }: { before: string }): Promise<{ opens: number; feedback: number }> {
    const opens = (await this.opens.deleteMany({ openedAt: { $lt: before } })).deletedCount;
    const feedback = (await this.feedback.deleteMany({ recordedAt: { $lt: before } })).deletedCount;
    return { opens, feedback };
  }
}

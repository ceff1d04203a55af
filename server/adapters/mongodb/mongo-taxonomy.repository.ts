import type { ClientSession } from 'mongoose';
import { dimensionSchema, tagSchema, type Dimension, type DimensionId, type Tag } from '../../../schemas/taxonomy.schema.js';
import type { TaxonomyRepository } from '../../ports/store.port.js';
import { rewritePolicyTagReferences } from './mongo-policy.repository.js';
import { rewriteSubscriberTagReferences, touchSubscribers } from './mongo-subscriber.repository.js';
import { rewriteSubscriptionTagReferences } from './mongo-subscription.repository.js';
import { COLLECTIONS, inTransaction, mapped, nextSeq, SEQ, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

export type DimensionDoc = Omit<Dimension, 'id'> & { _id: DimensionId; sort: number };
export type TagDoc = Omit<Tag, 'id'> & { _id: string; sort: number };

const dimensionModelSchema = storedSchema(
  { _id: String, label: String, description: String, sort: Number },
  { collection: COLLECTIONS.dimensions },
);
dimensionModelSchema.index({ sort: 1 }, { name: 'dimensions_sort' });

const tagModelSchema = storedSchema(
  {
    _id: String,
    dimension: String,
    label: String,
    synonyms: [String],
    parent: String,
    deprecated: Boolean,
    mergedInto: String,
    updatedAt: String,
    sort: Number,
  },
  { collection: COLLECTIONS.tags },
);
// Two live tags with one label in a dimension would be indistinguishable to users; merged tags keep theirs.
tagModelSchema.index({ dimension: 1, label: 1 }, { name: 'tags_dimension_label', unique: true, partialFilterExpression: { deprecated: false } });
tagModelSchema.index({ parent: 1 }, { name: 'tags_parent' });
tagModelSchema.index({ sort: 1, _id: 1 }, { name: 'tags_sort' });

export const taxonomyModels: ModelBinding[] = [
  { name: 'Dimension', schema: dimensionModelSchema, shape: dimensionSchema.shape, idField: 'id', storageOnly: ['sort'] },
  { name: 'Tag', schema: tagModelSchema, shape: tagSchema.shape, idField: 'id', storageOnly: ['sort'] },
];

function tagFromDoc(doc: TagDoc): Tag {
  const { _id, sort: _sort, ...rest } = doc;
  return tagSchema.parse({ ...rest, id: _id });
}

export function tagToDoc(tag: Tag, sort: number): TagDoc {
  const { id, ...rest } = tagSchema.parse(tag);
  return { ...rest, _id: id, sort };
}

export class MongoTaxonomyRepository implements TaxonomyRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get dimensions() {
    return this.ctx.connection.collection<DimensionDoc>(COLLECTIONS.dimensions);
  }

  private get tags() {
    return this.ctx.connection.collection<TagDoc>(COLLECTIONS.tags);
  }

  async listDimensions(): Promise<Dimension[]> {
    const docs = await this.dimensions.find({}).sort({ sort: 1 }).toArray();
    return docs.map(({ _id, label, description }) => dimensionSchema.parse({ id: _id, label, description }));
  }

  async listTags(): Promise<Tag[]> {
    const docs = await this.tags.find({}).sort({ sort: 1, _id: 1 }).toArray();
    return docs.map(tagFromDoc);
  }

  async seed({ dimensions, tags }: { dimensions: Dimension[]; tags: Tag[] }): Promise<void> {
    const now = new Date().toISOString();
    await inTransaction(this.ctx, async (session) => {
      for (const [i, d] of dimensions.entries()) {
        // Insert-only: a dimension that exists keeps its label and position.
        await this.dimensions.updateOne({ _id: d.id }, { $setOnInsert: { label: d.label, description: d.description, sort: i } }, { upsert: true, session });
      }
      const existing = new Set(
        (await this.tags.find({ _id: { $in: tags.map((t) => t.id) } }, { session, projection: { _id: 1 } }).toArray()).map((d) => d._id),
      );
      const missing = tags.filter((t) => !existing.has(t.id));
      if (missing.length === 0) return;
      const first = await nextSeq({ ctx: this.ctx, key: SEQ.tagSort, session, count: missing.length });
      // Upserts that only insert: two processes seeding an empty store at once cannot collide on a tag id.
      await this.tags.bulkWrite(
        missing.map((tag, i) => {
          const { _id, ...fields } = tagToDoc({ ...tag, updatedAt: tag.updatedAt ?? now }, first + i);
          return { updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } };
        }),
        { session, ordered: true },
      );
    });
  }

  async insertTag(tag: Tag): Promise<void> {
    // A gap in the sort counter after a refused insert is harmless: only the order matters.
    const sort = await nextSeq({ ctx: this.ctx, key: SEQ.tagSort });
    await mapped(() => this.tags.insertOne(tagToDoc({ ...tag, updatedAt: tag.updatedAt ?? new Date().toISOString() }, sort)));
  }

  async updateTag(tag: Tag): Promise<void> {
    const parsed = tagSchema.parse(tag);
    await mapped(() =>
      this.tags.updateOne(
        { _id: parsed.id },
        {
          $set: {
            label: parsed.label,
            synonyms: parsed.synonyms,
            parent: parsed.parent,
            deprecated: parsed.deprecated,
            mergedInto: parsed.mergedInto,
            updatedAt: parsed.updatedAt ?? new Date().toISOString(),
          },
        },
      ),
    );
  }

  async mergeTag({ fromId, intoId, at }: { fromId: string; intoId: string; at: string }) {
    return inTransaction(this.ctx, async (session: ClientSession) => {
      // Children of the merged tag move up to the surviving tag so the hierarchy stays whole.
      await this.tags.updateMany({ parent: fromId }, { $set: { parent: intoId, updatedAt: at } }, { session });
      await this.tags.updateOne({ _id: fromId }, { $set: { deprecated: true, mergedInto: intoId, updatedAt: at } }, { session });
      const policiesRewritten = await rewritePolicyTagReferences({ ctx: this.ctx, session, fromId, intoId, at });
      const profiles = await rewriteSubscriberTagReferences({ ctx: this.ctx, session, fromId, intoId, at });
      const subscriptions = await rewriteSubscriptionTagReferences({ ctx: this.ctx, session, fromId, intoId });
      // Audience followers reload each changed subscriber once, with its subscriptions.
      await touchSubscribers({ ctx: this.ctx, session, subscriberIds: [...new Set([...profiles, ...subscriptions.subscriberIds])] });
      return { policiesRewritten, subscribersRewritten: profiles.length, subscriptionsRewritten: subscriptions.count };
    });
  }
}

import { textFindingsSchema, type TextFindings } from '../../../schemas/text-findings.schema.js';
import type { TextFindingsRepository } from '../../ports/text-findings.port.js';
import { mongoose, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

/** `_id` = policy id: one record per working copy, unique by construction. */
export const TEXT_FINDINGS_COLLECTION = 'policy_text_findings';

export type TextFindingsDoc = Omit<TextFindings, 'policyId'> & { _id: string };

const { Mixed } = mongoose.Schema.Types;

const textFindingsModelSchema = storedSchema(
  { _id: String, repairs: [Mixed], suspects: [Mixed], metadata: Mixed, updatedAt: String },
  { collection: TEXT_FINDINGS_COLLECTION },
);

export const textFindingsModels: ModelBinding[] = [{ name: 'PolicyTextFindings', schema: textFindingsModelSchema, shape: textFindingsSchema.shape, idField: 'policyId' }];

export function textFindingsDoc(findings: TextFindings): TextFindingsDoc {
  const { policyId, ...rest } = textFindingsSchema.parse(findings);
  return { ...rest, _id: policyId };
}

export class MongoTextFindingsRepository implements TextFindingsRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get collection() {
    return this.ctx.connection.collection<TextFindingsDoc>(TEXT_FINDINGS_COLLECTION);
  }

  async get(policyId: string): Promise<TextFindings | null> {
    const doc = await this.collection.findOne({ _id: policyId });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return textFindingsSchema.parse({ ...rest, policyId: _id });
  }

  async save(findings: TextFindings): Promise<void> {
    const doc = textFindingsDoc(findings);
    await this.collection.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }
}

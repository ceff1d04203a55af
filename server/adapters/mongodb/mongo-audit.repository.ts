import type { ClientSession } from 'mongoose';
import type { Filter } from 'mongodb';
import { auditEntrySchema, type AuditEntry, type NewAuditEntry } from '../../../schemas/audit.schema.js';
import type { AuditFilter, AuditRepository } from '../../ports/audit.port.js';
import { nextSeq, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';

/** Mirrors the SQLite `audit_log`: `_id` is an increasing integer, so ordering by it is write order. */
export const AUDIT_COLLECTION = 'audit_log';
export const AUDIT_SEQ = 'audit_id';

export type AuditDoc = Omit<AuditEntry, 'id'> & { _id: number };

const auditModelSchema = storedSchema(
  {
    _id: Number,
    at: String,
    actorId: String,
    actorName: String,
    actorRole: String,
    action: String,
    targetType: String,
    targetId: String,
    digest: { type: String, default: null },
    details: { type: Object, default: {} },
  },
  { collection: AUDIT_COLLECTION },
);
auditModelSchema.index({ targetType: 1, targetId: 1, _id: 1 }, { name: 'audit_target' });
auditModelSchema.index({ actorId: 1, _id: 1 }, { name: 'audit_actor' });
auditModelSchema.index({ at: 1, _id: 1 }, { name: 'audit_at' });

export const auditModels: ModelBinding[] = [{ name: 'AuditEntry', schema: auditModelSchema, shape: auditEntrySchema.shape, idField: 'id' }];

function collection(ctx: MongoContext) {
  return ctx.connection.collection<AuditDoc>(AUDIT_COLLECTION);
}

/** Appends inside the caller's transaction when given one, so the entry commits with the change it records. */
export async function appendAuditDoc(ctx: MongoContext, session: ClientSession | undefined, entry: NewAuditEntry): Promise<AuditEntry> {
  const id = await nextSeq({ ctx, key: AUDIT_SEQ, ...(session ? { session } : {}) });
  const parsed = auditEntrySchema.parse({ ...entry, id });
  const { id: _id, ...fields } = parsed;
  await collection(ctx).insertOne({ ...fields, _id: id }, session ? { session } : {});
  return parsed;
}

/** Append-only by construction: this repository has no update or delete path. */
export class MongoAuditRepository implements AuditRepository {
  constructor(private readonly ctx: MongoContext) {}

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    return appendAuditDoc(this.ctx, undefined, entry);
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const query: Filter<AuditDoc> = {};
    if (filter.actorId !== undefined) query.actorId = filter.actorId;
    if (filter.action !== undefined) query.action = filter.action;
    if (filter.actions !== undefined) query.action = { $in: [...filter.actions] };
    if (filter.targetType !== undefined) query.targetType = filter.targetType;
    if (filter.targetId !== undefined) query.targetId = filter.targetId;
    if (filter.from !== undefined || filter.to !== undefined) {
      query.at = { ...(filter.from !== undefined ? { $gte: filter.from } : {}), ...(filter.to !== undefined ? { $lte: filter.to } : {}) };
    }
    if (filter.afterId !== undefined) query._id = { $gt: filter.afterId };
    const docs = await collection(this.ctx).find(query).sort({ _id: 1 }).limit(filter.limit).toArray();
    return docs.map(({ _id, ...rest }) => auditEntrySchema.parse({ ...rest, id: _id }));
  }
}

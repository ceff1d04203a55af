import { z } from 'zod';
import { userSchema, type User } from '../../../schemas/user.schema.js';
import type { StoredUser, UserRepository } from '../../ports/store.port.js';
import type { NewAuditEntry } from '../../../schemas/audit.schema.js';
import { COLLECTIONS, inTransaction, mapped, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';
import { appendAuditDoc } from './mongo-audit.repository.js';
import { WEB_ACCOUNT_COLLECTIONS } from './mongo-web-account.repository.js';

const WEB_SESSIONS = WEB_ACCOUNT_COLLECTIONS.sessions;

export type UserDoc = Omit<StoredUser, 'id'> & { _id: string };

const storedUserSchema = userSchema.extend({ tokenHash: z.string().min(1) });

const userModelSchema = storedSchema(
  { _id: String, name: String, role: String, tokenHash: String, disabled: Boolean, createdAt: String },
  { collection: COLLECTIONS.users },
);
// Only hashes are stored; a collision would let one token open two accounts.
userModelSchema.index({ tokenHash: 1 }, { name: 'users_token_hash', unique: true });
userModelSchema.index({ createdAt: 1, _id: 1 }, { name: 'users_created' });

export const userModels: ModelBinding[] = [{ name: 'User', schema: userModelSchema, shape: storedUserSchema.shape, idField: 'id' }];

function userFromDoc(doc: UserDoc): StoredUser {
  const { _id, ...rest } = doc;
  const { tokenHash, ...user } = storedUserSchema.parse({ ...rest, id: _id });
  return { ...user, tokenHash };
}

export class MongoUserRepository implements UserRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get users() {
    return this.ctx.connection.collection<UserDoc>(COLLECTIONS.users);
  }

  async insert(user: StoredUser): Promise<void> {
    const { id, ...rest } = storedUserSchema.parse(user);
    await mapped(() => this.users.insertOne({ ...rest, _id: id }));
  }

  async get(id: string): Promise<StoredUser | null> {
    const doc = await this.users.findOne({ _id: id });
    return doc ? userFromDoc(doc) : null;
  }

  async findByTokenHash(tokenHash: string): Promise<StoredUser | null> {
    const doc = await this.users.findOne({ tokenHash });
    return doc ? userFromDoc(doc) : null;
  }

  async list(): Promise<User[]> {
    const docs = await this.users.find({}).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map(userFromDoc).map(({ tokenHash: _hash, ...user }) => user);
  }

  async upsertWithToken({ id, name, role, tokenHash, at }: { id: string; name: string; role: StoredUser['role']; tokenHash: string; at: string }): Promise<void> {
    // Re-keying keeps the stored name and creation time, like the embedded store.
    await mapped(() =>
      this.users.updateOne({ _id: id }, { $set: { tokenHash, role, disabled: false }, $setOnInsert: { name, createdAt: at } }, { upsert: true }),
    );
  }

  async setDisabled({ id, disabled, audit }: { id: string; disabled: boolean; audit: NewAuditEntry }): Promise<boolean> {
    return inTransaction(this.ctx, async (session) => {
      const result = await this.users.updateOne({ _id: id }, { $set: { disabled } }, { session });
      if (result.matchedCount === 0) return false;
      if (disabled) await this.ctx.connection.collection(WEB_SESSIONS).deleteMany({ 'principal.userId': id }, { session });
      await appendAuditDoc(this.ctx, session, audit);
      return true;
    });
  }

  async replaceToken({ id, tokenHash, audit }: { id: string; tokenHash: string; audit: NewAuditEntry }): Promise<boolean> {
    return inTransaction(this.ctx, async (session) => {
      const result = await this.users.updateOne({ _id: id }, { $set: { tokenHash } }, { session });
      if (result.matchedCount === 0) return false;
      await this.ctx.connection.collection(WEB_SESSIONS).deleteMany({ 'principal.userId': id }, { session });
      await appendAuditDoc(this.ctx, session, audit);
      return true;
    });
  }
}

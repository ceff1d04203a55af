import type { ClientSession } from 'mongoose';
import { z } from 'zod';
import { isoDateTimeSchema } from '../../../schemas/common.schema.js';
import { pushMessagePayloadSchema, type Delivery, type PushMessage } from '../../../schemas/delivery.schema.js';
import { DomainError } from '../../errors.js';
import type { WebAccount, WebAccountRepository, WebSession } from '../../ports/web-account.port.js';
import {
  deliveryFromDoc,
  messageFromDoc,
  PUSH_COLLECTIONS,
  type DeliveryAttemptDoc,
  type DeliveryDoc,
  type PushMessageDoc,
  type PushPreferenceDoc,
  type UnsubscribeEventDoc,
} from './mongo-delivery.models.js';
import { detachParkMembers, removeSubscriber, type SubscriberDoc } from './mongo-subscriber.repository.js';
import type { SubscriptionDoc } from './mongo-subscription.repository.js';
import { chunks, COLLECTIONS, inTransaction, mapped, mongoose, storedSchema, type ModelBinding, type MongoContext } from './mongo.support.js';
import { conflictError } from '../../conflict-catalog.js';

export const WEB_ACCOUNT_COLLECTIONS = { accounts: 'web_accounts', sessions: 'web_sessions' } as const;

/** The port's shapes as stored (they have no API schema: accounts and sessions never leave the server as such). */
export const webAccountRecordSchema = z.object({
  id: z.string(),
  email: z.string(),
  passwordHash: z.string(),
  subscriberId: z.string(),
  createdAt: isoDateTimeSchema,
  lastSignInAt: isoDateTimeSchema.nullable(),
});

const webPrincipalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('account'), accountId: z.string() }),
  z.object({ kind: z.literal('staff'), userId: z.string(), credential: z.string() }),
]);

export const webSessionRecordSchema = z.object({
  idHash: z.string(),
  principal: webPrincipalSchema,
  createdAt: isoDateTimeSchema,
  lastSeenAt: isoDateTimeSchema,
  expiresAt: isoDateTimeSchema,
});

/** `updatedAt` records password changes; the port does not expose it. */
export type WebAccountDoc = Omit<WebAccount, 'id'> & { _id: string; updatedAt: string };
export type WebSessionDoc = Omit<WebSession, 'idHash'> & { _id: string };

const { Mixed } = mongoose.Schema.Types;

const accountModelSchema = storedSchema(
  { _id: String, email: String, passwordHash: String, subscriberId: String, createdAt: String, updatedAt: String, lastSignInAt: String },
  { collection: WEB_ACCOUNT_COLLECTIONS.accounts },
);
accountModelSchema.index({ email: 1 }, { name: 'web_accounts_email', unique: true });
accountModelSchema.index({ subscriberId: 1 }, { name: 'web_accounts_subscriber', unique: true });

const sessionModelSchema = storedSchema(
  { _id: String, principal: Mixed, createdAt: String, lastSeenAt: String, expiresAt: String },
  { collection: WEB_ACCOUNT_COLLECTIONS.sessions },
);
// Sparse: an account session has no user id and a staff session no account id.
sessionModelSchema.index({ 'principal.accountId': 1 }, { name: 'web_sessions_account', sparse: true });
sessionModelSchema.index({ 'principal.userId': 1 }, { name: 'web_sessions_user', sparse: true });
sessionModelSchema.index({ expiresAt: 1 }, { name: 'web_sessions_expires' });

export const webAccountModels: ModelBinding[] = [
  { name: 'WebAccount', schema: accountModelSchema, shape: webAccountRecordSchema.shape, idField: 'id', storageOnly: ['updatedAt'] },
  { name: 'WebSession', schema: sessionModelSchema, shape: webSessionRecordSchema.shape, idField: 'idHash' },
];

const BATCH = 1000;

function accountFromDoc({ _id, updatedAt: _updatedAt, ...rest }: WebAccountDoc): WebAccount {
  return webAccountRecordSchema.parse({ ...rest, id: _id });
}

/** A session whose principal cannot be read is treated as no session (the visitor signs in again). */
function sessionFromDoc({ _id, ...rest }: WebSessionDoc): WebSession | null {
  const parsed = webSessionRecordSchema.safeParse({ ...rest, idHash: _id });
  return parsed.success ? parsed.data : null;
}

/** What SQLite's foreign keys report for a row that names a missing parent. */
function missingParent(details: Record<string, unknown>): DomainError {
  return conflictError({ code: 'conflict', details });
}

function isEmailTaken(error: unknown): boolean {
  if (!(error instanceof DomainError) || error.type !== 'conflict') return false;
  const details = z.object({ index: z.string() }).safeParse(error.details);
  return details.success && details.data.index === 'web_accounts_email';
}

export class MongoWebAccountRepository implements WebAccountRepository {
  constructor(private readonly ctx: MongoContext) {}

  private get accounts() {
    return this.ctx.connection.collection<WebAccountDoc>(WEB_ACCOUNT_COLLECTIONS.accounts);
  }

  private get sessions() {
    return this.ctx.connection.collection<WebSessionDoc>(WEB_ACCOUNT_COLLECTIONS.sessions);
  }

  /** The push collections are the delivery repository's; an account deletion removes the subscriber's part of them. */
  private get push() {
    const c = this.ctx.connection;
    return {
      deliveries: c.collection<DeliveryDoc>(PUSH_COLLECTIONS.deliveries),
      messages: c.collection<PushMessageDoc>(PUSH_COLLECTIONS.pushMessages),
      attempts: c.collection<DeliveryAttemptDoc>(PUSH_COLLECTIONS.deliveryAttempts),
      preferences: c.collection<PushPreferenceDoc>(PUSH_COLLECTIONS.pushPreferences),
      unsubscribes: c.collection<UnsubscribeEventDoc>(PUSH_COLLECTIONS.unsubscribeEvents),
    };
  }

  async insertAccount(account: WebAccount): Promise<void> {
    const { id, ...rest } = webAccountRecordSchema.parse(account);
    try {
      await inTransaction(this.ctx, async (session) => {
        // An account names an existing subscriber (a foreign key in the SQLite store).
        const owner = await this.ctx.connection.collection<SubscriberDoc>(COLLECTIONS.subscribers).findOne({ _id: account.subscriberId }, { session, projection: { _id: 1 } });
        if (!owner) throw missingParent({ subscriberId: account.subscriberId });
        await this.accounts.insertOne({ ...rest, _id: id, updatedAt: account.createdAt }, { session });
      });
    } catch (error) {
      // The one collision a person can cause: name it precisely, as the SQLite store does.
      if (isEmailTaken(error)) throw conflictError({ code: 'account_email_taken', details: { field: 'email' } });
      throw error;
    }
  }

  async getAccount(id: string): Promise<WebAccount | null> {
    const doc = await this.accounts.findOne({ _id: id });
    return doc ? accountFromDoc(doc) : null;
  }

  async findAccountByEmail(email: string): Promise<WebAccount | null> {
    const doc = await this.accounts.findOne({ email });
    return doc ? accountFromDoc(doc) : null;
  }

  async findAccountBySubscriber(subscriberId: string): Promise<WebAccount | null> {
    const doc = await this.accounts.findOne({ subscriberId });
    return doc ? accountFromDoc(doc) : null;
  }

  async recordSignIn({ accountId, at }: { accountId: string; at: string }): Promise<void> {
    await this.accounts.updateOne({ _id: accountId }, { $set: { lastSignInAt: at } });
  }

  async updatePassword({ accountId, passwordHash, at }: { accountId: string; passwordHash: string; at: string }): Promise<void> {
    await this.accounts.updateOne({ _id: accountId }, { $set: { passwordHash, updatedAt: at } });
  }

  /**
   * Everything the subscriber owns goes in one transaction: its outbox rows, push messages and their
   * attempt log (attempts name the address they went to), push preferences, unsubscribe records,
   * subscriptions, sessions, the account, and the subscriber with contacts and tokens (a tombstone
   * keeps its id in the change sequence). Park digests stop naming it as a member; members of a
   * deleted park stay and only lose the link to the park.
   */
  async deleteAccount({ accountId, at }: { accountId: string; at: string }) {
    return inTransaction(this.ctx, async (session) => {
      const account = await this.accounts.findOne({ _id: accountId }, { session });
      if (!account) return null;
      const { subscriberId } = account;
      const c = this.push;
      const members = await detachParkMembers({ ctx: this.ctx, session, parkId: subscriberId, at });
      const deliveryIds = (await c.deliveries.find({ subscriberId }, { session }).project<{ _id: number }>({ _id: 1 }).toArray()).map((d) => d._id);
      const messageIds = (await c.messages.find({ subscriberId }, { session }).project<{ _id: number }>({ _id: 1 }).toArray()).map((m) => m._id);
      for (const batch of chunks(deliveryIds, BATCH)) await c.attempts.deleteMany({ deliveryId: { $in: batch } }, { session });
      for (const batch of chunks(messageIds, BATCH)) await c.attempts.deleteMany({ messageId: { $in: batch } }, { session });
      await c.messages.deleteMany({ subscriberId }, { session });
      await c.preferences.deleteOne({ _id: subscriberId }, { session });
      await c.unsubscribes.deleteMany({ subscriberId }, { session });
      await this.forgetParkMember({ session, memberId: subscriberId });
      const deliveries = (await c.deliveries.deleteMany({ subscriberId }, { session })).deletedCount;
      const subscriptions = (await this.ctx.connection.collection<SubscriptionDoc>(COLLECTIONS.subscriptions).deleteMany({ subscriberId }, { session })).deletedCount;
      await this.sessions.deleteMany({ 'principal.accountId': accountId }, { session });
      await this.accounts.deleteOne({ _id: accountId }, { session });
      await removeSubscriber({ ctx: this.ctx, session, subscriberId, at });
      return { subscriberId, subscriptions, deliveries, members };
    });
  }

  /** Park group digests list the member enterprises each policy concerns; a deleted member is taken out. */
  private async forgetParkMember({ session, memberId }: { session: ClientSession; memberId: string }): Promise<void> {
    const digests = await this.push.messages.find({ kind: 'digest', 'payload.parkItems.memberIds': memberId }, { session }).toArray();
    for (const doc of digests) {
      const payload = pushMessagePayloadSchema.parse(doc.payload);
      if (payload.kind !== 'digest') continue;
      const parkItems = payload.parkItems
        .map((item) => ({ ...item, memberIds: item.memberIds.filter((id) => id !== memberId) }))
        .filter((item) => item.memberIds.length > 0);
      await this.push.messages.updateOne({ _id: doc._id }, { $set: { payload: { ...payload, parkItems } } }, { session });
    }
  }

  async listPushHistory({ subscriberId, limit }: { subscriberId: string; limit: number }): Promise<{ deliveries: Delivery[]; messages: PushMessage[] }> {
    const deliveries = (await this.push.deliveries.find({ subscriberId }).sort({ subscriberId: 1, _id: -1 }).limit(limit).toArray()).map(deliveryFromDoc);
    // Confirmation e-mails are not pushes; the contacts page shows their effect.
    const messages = (await this.push.messages.find({ subscriberId, kind: { $ne: 'confirmation' } }).sort({ _id: -1 }).limit(limit).toArray()).map(messageFromDoc);
    return { deliveries, messages };
  }

  async insertSession(session: WebSession): Promise<void> {
    const { idHash, ...rest } = webSessionRecordSchema.parse(session);
    const principal = rest.principal;
    if (principal.kind === 'account' && !(await this.accounts.findOne({ _id: principal.accountId }, { projection: { _id: 1 } }))) {
      throw missingParent({ accountId: principal.accountId });
    }
    await mapped(() => this.sessions.insertOne({ ...rest, _id: idHash }));
  }

  async getSession(idHash: string): Promise<WebSession | null> {
    const doc = await this.sessions.findOne({ _id: idHash });
    return doc ? sessionFromDoc(doc) : null;
  }

  async touchSession({ idHash, at }: { idHash: string; at: string }): Promise<void> {
    await this.sessions.updateOne({ _id: idHash }, { $set: { lastSeenAt: at } });
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.sessions.deleteOne({ _id: idHash });
  }

  async deleteSessionsOf(principal: { kind: 'account'; accountId: string } | { kind: 'staff'; userId: string }): Promise<number> {
    const filter = principal.kind === 'account' ? { 'principal.accountId': principal.accountId } : { 'principal.userId': principal.userId };
    return (await this.sessions.deleteMany(filter)).deletedCount;
  }

  async deleteExpiredSessions({ now }: { now: string }): Promise<number> {
    return (await this.sessions.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}

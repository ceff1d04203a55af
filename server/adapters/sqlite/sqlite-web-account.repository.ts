import { z } from 'zod';
import { pushMessagePayloadSchema, type Delivery, type PushMessage } from '../../../schemas/delivery.schema.js';
import { DomainError } from '../../errors.js';
import type { WebAccount, WebAccountRepository, WebPrincipal, WebSession } from '../../ports/web-account.port.js';
import { touchSubscriber } from './sqlite-subscriber.repository.js';
import { mapConstraint, nextChangeSeq, type Db } from './sqlite.support.js';
import { deliveryFromRow, messageFromRow } from './sqlite-delivery.rows.js';
import { conflictError } from '../../conflict-catalog.js';

const accountRowSchema = z.object({
  id: z.string(),
  email: z.string(),
  password_hash: z.string(),
  subscriber_id: z.string(),
  created_at: z.string(),
  last_sign_in_at: z.string().nullable(),
});

const sessionRowSchema = z.object({
  id_hash: z.string(),
  principal_kind: z.enum(['account', 'staff']),
  account_id: z.string().nullable(),
  user_id: z.string().nullable(),
  credential: z.string().nullable(),
  created_at: z.string(),
  last_seen_at: z.string(),
  expires_at: z.string(),
});

function accountFromRow(row: unknown): WebAccount {
  const r = accountRowSchema.parse(row);
  return { id: r.id, email: r.email, passwordHash: r.password_hash, subscriberId: r.subscriber_id, createdAt: r.created_at, lastSignInAt: r.last_sign_in_at };
}

function sessionFromRow(row: unknown): WebSession | null {
  const r = sessionRowSchema.parse(row);
  let principal: WebPrincipal;
  if (r.principal_kind === 'account' && r.account_id) principal = { kind: 'account', accountId: r.account_id };
  else if (r.principal_kind === 'staff' && r.user_id && r.credential) principal = { kind: 'staff', userId: r.user_id, credential: r.credential };
  else return null;
  return { idHash: r.id_hash, principal, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at };
}

export class SqliteWebAccountRepository implements WebAccountRepository {
  constructor(private readonly db: Db) {}

  async insertAccount(account: WebAccount): Promise<void> {
    try {
      mapConstraint(() =>
        this.db
          .prepare('INSERT INTO web_accounts (id, email, password_hash, subscriber_id, created_at, updated_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(account.id, account.email, account.passwordHash, account.subscriberId, account.createdAt, account.createdAt, account.lastSignInAt),
      );
    } catch (error) {
      // The shared constraint mapping does not know this table; name the collision precisely.
      if (error instanceof DomainError && error.type === 'conflict' && JSON.stringify(error.details ?? null).includes('web_accounts.email')) {
        throw conflictError({ code: 'account_email_taken', details: { field: 'email' } });
      }
      throw error;
    }
  }

  async getAccount(id: string): Promise<WebAccount | null> {
    const row = this.db.prepare('SELECT * FROM web_accounts WHERE id = ?').get(id);
    return row ? accountFromRow(row) : null;
  }

  async findAccountByEmail(email: string): Promise<WebAccount | null> {
    const row = this.db.prepare('SELECT * FROM web_accounts WHERE email = ?').get(email);
    return row ? accountFromRow(row) : null;
  }

  async findAccountBySubscriber(subscriberId: string): Promise<WebAccount | null> {
    const row = this.db.prepare('SELECT * FROM web_accounts WHERE subscriber_id = ?').get(subscriberId);
    return row ? accountFromRow(row) : null;
  }

  async recordSignIn({ accountId, at }: { accountId: string; at: string }): Promise<void> {
    this.db.prepare('UPDATE web_accounts SET last_sign_in_at = ? WHERE id = ?').run(at, accountId);
  }

  async updatePassword({ accountId, passwordHash, at }: { accountId: string; passwordHash: string; at: string }): Promise<void> {
    this.db.prepare('UPDATE web_accounts SET password_hash = ?, updated_at = ? WHERE id = ?').run(passwordHash, at, accountId);
  }

  async deleteAccount({ accountId, at }: { accountId: string; at: string }) {
    return this.db.transaction(() => {
      const account = this.db.prepare('SELECT * FROM web_accounts WHERE id = ?').get(accountId);
      if (!account) return null;
      const { subscriber_id: subscriberId } = accountRowSchema.parse(account);
      // Members keep their own data; they only lose the link to the park (doc and column alike).
      const members = this.db.prepare('SELECT id FROM subscribers WHERE park_id = ?').pluck().all(subscriberId).map((id) => z.string().parse(id));
      for (const memberId of members) {
        this.db
          .prepare(`UPDATE subscribers SET park_id = NULL, revision = revision + 1, updated_at = ?, doc = json_set(doc, '$.parkId', json('null'), '$.updatedAt', ?, '$.revision', revision + 1) WHERE id = ?`)
          .run(at, at, memberId);
        touchSubscriber(this.db, memberId);
      }
      // Requests to the deleted park have nobody left to answer them: they are dropped.
      this.db
        .prepare(
          `UPDATE subscribers SET park_request_park_id = NULL, park_request_status = NULL, revision = revision + 1, updated_at = ?,
             doc = json_set(doc, '$.parkRequest', json('null'), '$.updatedAt', ?, '$.revision', revision + 1) WHERE park_request_park_id = ?`,
        )
        .run(at, at, subscriberId);
      // The attempt log names the address each attempt went to: it goes before the rows it belongs to.
      this.db
        .prepare(
          `DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE subscriber_id = ?)
             OR message_id IN (SELECT id FROM push_messages WHERE subscriber_id = ?)`,
        )
        .run(subscriberId, subscriberId);
      this.db.prepare('DELETE FROM push_messages WHERE subscriber_id = ?').run(subscriberId);
      this.db.prepare('DELETE FROM push_preferences WHERE subscriber_id = ?').run(subscriberId);
      this.db.prepare('DELETE FROM unsubscribe_events WHERE subscriber_id = ?').run(subscriberId);
      this.forgetParkMember({ memberId: subscriberId });
      const deliveries = this.db.prepare('DELETE FROM deliveries WHERE subscriber_id = ?').run(subscriberId).changes;
      const subscriptions = this.db.prepare('DELETE FROM subscriptions WHERE subscriber_id = ?').run(subscriberId).changes;
      this.db.prepare('DELETE FROM web_sessions WHERE account_id = ?').run(accountId);
      this.db.prepare('DELETE FROM web_accounts WHERE id = ?').run(accountId);
      // Contacts and tokens go with the subscriber (ON DELETE CASCADE).
      this.db.prepare('DELETE FROM subscribers WHERE id = ?').run(subscriberId);
      this.db
        .prepare('INSERT INTO subscriber_tombstones (id, change_seq, deleted_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET change_seq = excluded.change_seq, deleted_at = excluded.deleted_at')
        .run(subscriberId, nextChangeSeq(this.db, 1, 'subscriber_change_seq'), at);
      return { subscriberId, subscriptions, deliveries, members: members.length };
    })();
  }

  /** Park group digests list the member enterprises each policy concerns; a deleted member is taken out. */
  private forgetParkMember({ memberId }: { memberId: string }): void {
    const rows = this.db
      .prepare(
        `SELECT id, payload FROM push_messages WHERE kind = 'digest' AND EXISTS (
           SELECT 1 FROM json_each(push_messages.payload, '$.parkItems') AS item, json_each(item.value, '$.memberIds') AS member WHERE member.value = ?)`,
      )
      .all(memberId)
      .map((row) => z.object({ id: z.number(), payload: z.string() }).parse(row));
    for (const row of rows) {
      const payload = pushMessagePayloadSchema.parse(JSON.parse(row.payload));
      if (payload.kind !== 'digest') continue;
      const parkItems = payload.parkItems
        .map((item) => ({ ...item, memberIds: item.memberIds.filter((id) => id !== memberId) }))
        .filter((item) => item.memberIds.length > 0);
      this.db.prepare('UPDATE push_messages SET payload = ? WHERE id = ?').run(JSON.stringify({ ...payload, parkItems }), row.id);
    }
  }

  async listPushHistory({ subscriberId, limit }: { subscriberId: string; limit: number }): Promise<{ deliveries: Delivery[]; messages: PushMessage[] }> {
    const deliveries = this.db
      .prepare('SELECT * FROM deliveries WHERE subscriber_id = ? ORDER BY id DESC LIMIT ?')
      .all(subscriberId, limit)
      .map((row) => deliveryFromRow(row));
    // Confirmation e-mails are not pushes; the contacts page shows their effect.
    const messages = this.db
      .prepare(`SELECT * FROM push_messages WHERE subscriber_id = ? AND kind <> 'confirmation' ORDER BY id DESC LIMIT ?`)
      .all(subscriberId, limit)
      .map((row) => messageFromRow(row));
    return { deliveries, messages };
  }

  async insertSession(session: WebSession): Promise<void> {
    const p = session.principal;
    mapConstraint(() =>
      this.db
        .prepare(
          `INSERT INTO web_sessions (id_hash, principal_kind, account_id, user_id, credential, created_at, last_seen_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          session.idHash,
          p.kind,
          p.kind === 'account' ? p.accountId : null,
          p.kind === 'staff' ? p.userId : null,
          p.kind === 'staff' ? p.credential : null,
          session.createdAt,
          session.lastSeenAt,
          session.expiresAt,
        ),
    );
  }

  async getSession(idHash: string): Promise<WebSession | null> {
    const row = this.db.prepare('SELECT * FROM web_sessions WHERE id_hash = ?').get(idHash);
    return row ? sessionFromRow(row) : null;
  }

  async touchSession({ idHash, at }: { idHash: string; at: string }): Promise<void> {
    this.db.prepare('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?').run(at, idHash);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteSessionsOf(principal: { kind: 'account'; accountId: string } | { kind: 'staff'; userId: string }): Promise<number> {
    return principal.kind === 'account'
      ? this.db.prepare('DELETE FROM web_sessions WHERE account_id = ?').run(principal.accountId).changes
      : this.db.prepare('DELETE FROM web_sessions WHERE user_id = ?').run(principal.userId).changes;
  }

  async deleteExpiredSessions({ now }: { now: string }): Promise<number> {
    return this.db.prepare('DELETE FROM web_sessions WHERE expires_at <= ?').run(now).changes;
  }
}

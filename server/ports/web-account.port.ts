import type { Delivery, PushMessage } from '../../schemas/delivery.schema.js';

/**
 * Sign-in accounts and browser sessions of the web portal. An account belongs to exactly one
 * subscriber (enterprise, park or individual); staff sign in with their API token and get a
 * session without an account.
 */
export interface WebAccount {
  id: string;
  /** Lower-cased, trimmed; unique. */
  email: string;
  /** `scrypt$N$r$p$salt$hash`, never the password. */
  passwordHash: string;
  subscriberId: string;
  createdAt: string;
  lastSignInAt: string | null;
}

export type WebPrincipal =
  | { kind: 'account'; accountId: string }
  /** `credential` binds the session to the token that opened it: re-keying the user ends the session. */
  | { kind: 'staff'; userId: string; credential: string };

export interface WebSession {
  /** SHA-256 of the cookie value; the value itself is never stored. */
  idHash: string;
  principal: WebPrincipal;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export interface WebAccountRepository {
  /** Conflict `account_email_taken` when the address has an account already. */
  insertAccount(account: WebAccount): Promise<void>;
  getAccount(id: string): Promise<WebAccount | null>;
  findAccountByEmail(email: string): Promise<WebAccount | null>;
  findAccountBySubscriber(subscriberId: string): Promise<WebAccount | null>;
  recordSignIn(input: { accountId: string; at: string }): Promise<void>;
  updatePassword(input: { accountId: string; passwordHash: string; at: string }): Promise<void>;
  /**
   * Deletes the account, its sessions and its subscriber with contacts, tokens, subscriptions,
   * outbox rows, push messages (digests, reminders, confirmations) with their attempt log, push
   * preferences and unsubscribe events, in one transaction; park digests that named the subscriber
   * as a member stop naming it. Member enterprises of a deleted park stay, without the park.
   * The subscriber's id is left in the change sequence so matching engines drop it too.
   */
  deleteAccount(input: { accountId: string; at: string }): Promise<{ subscriberId: string; subscriptions: number; deliveries: number; members: number } | null>;

  /**
   * What was pushed to one subscriber, newest first: its outbox rows (policy pushes) and its push
   * messages (digests, including a park's group digests, and deadline reminders). For the account's
   * own history page.
   */
  listPushHistory(input: { subscriberId: string; limit: number }): Promise<{ deliveries: Delivery[]; messages: PushMessage[] }>;

  insertSession(session: WebSession): Promise<void>;
  getSession(idHash: string): Promise<WebSession | null>;
  touchSession(input: { idHash: string; at: string }): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of one principal (password change, account deletion). */
  deleteSessionsOf(principal: { kind: 'account'; accountId: string } | { kind: 'staff'; userId: string }): Promise<number>;
  deleteExpiredSessions(input: { now: string }): Promise<number>;
}

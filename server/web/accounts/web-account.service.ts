import crypto from 'node:crypto';
import type { Subscriber } from '../../../schemas/subscriber.schema.js';
import { conflict, invalid, notFound } from '../../errors.js';
import type { Store } from '../../ports/store.port.js';
import type { WebAccount, WebPrincipal, WebSession } from '../../ports/web-account.port.js';
import type { Actor } from '../../services/actor.js';
import type { SubscriberService } from '../../services/subscriber.service.js';
import { hashToken } from '../../services/user.service.js';
import { burnPasswordCheck, hashPassword, passwordProblems, verifyPassword } from '../security/password.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Enterprises stay signed in on their own device; staff sessions are short because they can publish. */
export const SESSION_LIFETIMES = {
  account: { absoluteMs: 30 * DAY, idleMs: 7 * DAY },
  staff: { absoluteMs: 12 * HOUR, idleMs: 2 * HOUR },
} as const;

// Writing last-seen on every request would turn every page view into a database write.
const TOUCH_INTERVAL_MS = 5 * 60_000;

export type Viewer =
  | { kind: 'anonymous' }
  | { kind: 'account'; account: WebAccount; subscriber: Subscriber }
  | { kind: 'staff'; actor: Actor };

export interface SignUpInput {
  kind: 'enterprise' | 'park';
  name: string;
  creditCode: string | null;
  email: string;
  password: string;
}

function sessionHash(cookieValue: string): string {
  return crypto.createHash('sha256').update(cookieValue, 'utf8').digest('hex');
}

/** Binds a staff session to the token that opened it without storing the token's hash a second time. */
function staffCredential(tokenHash: string): string {
  return crypto.createHash('sha256').update(`web-staff-session\n${tokenHash}`, 'utf8').digest('hex');
}

/**
 * Accounts of enterprises and parks (e-mail and password, each account one subscriber) and the
 * browser sessions of everyone who signs in, staff included.
 */
export class WebAccountService {
  constructor(private readonly deps: { store: Store; subscribers: SubscriberService; now: () => Date }) {}

  private at(): string {
    return this.deps.now().toISOString();
  }

  async signUp({ input }: { input: SignUpInput }): Promise<{ account: WebAccount; subscriber: Subscriber }> {
    const email = input.email.trim().toLowerCase();
    const problems = passwordProblems({ password: input.password, email });
    if (problems.length > 0) throw invalid({ code: 'password_weak', message: problems.join('；'), details: { field: 'password' } });
    if (await this.deps.store.webAccounts.findAccountByEmail(email)) {
      throw conflict({ code: 'account_email_taken', message: '该邮箱已注册，请直接登录', details: { field: 'email' } });
    }
    // Hash first: the subscriber is written only once everything that can fail cheaply has passed.
    const passwordHash = await hashPassword({ password: input.password });
    // The sign-in address becomes the first e-mail contact; its unique index also settles races
    // between two sign-ups with one address before any account row is written.
    const { subscriber } = await this.deps.subscribers.create({
      body: {
        kind: input.kind,
        name: input.name,
        creditCode: input.creditCode,
        profile: {},
        parkId: null,
        contacts: [{ channel: 'email', address: email, label: '登录邮箱' }],
      },
    });
    const account: WebAccount = {
      id: `acc-${crypto.randomBytes(8).toString('hex')}`,
      email,
      passwordHash,
      subscriberId: subscriber.id,
      createdAt: this.at(),
      lastSignInAt: this.at(),
    };
    await this.deps.store.webAccounts.insertAccount(account);
    return { account, subscriber };
  }

  /** The account for these credentials, or null; takes as long for an unknown address as for a wrong password. */
  async signIn({ email, password }: { email: string; password: string }): Promise<WebAccount | null> {
    const account = await this.deps.store.webAccounts.findAccountByEmail(email.trim().toLowerCase());
    if (!account) return burnPasswordCheck({ password }).then(() => null);
    if (!(await verifyPassword({ password, stored: account.passwordHash }))) return null;
    await this.deps.store.webAccounts.recordSignIn({ accountId: account.id, at: this.at() });
    return account;
  }

  /** Staff exchange their API token for a browser session; the token itself never reaches a cookie. */
  async staffSignIn({ token }: { token: string }): Promise<{ actor: Actor; principal: WebPrincipal } | null> {
    const tokenHash = hashToken(token.trim());
    const user = await this.deps.store.users.findByTokenHash(tokenHash);
    if (!user || user.disabled) return null;
    return { actor: { id: user.id, name: user.name, role: user.role }, principal: { kind: 'staff', userId: user.id, credential: staffCredential(tokenHash) } };
  }

  /** A new session; the returned value goes into the cookie, only its hash into the store. */
  async startSession({ principal }: { principal: WebPrincipal }): Promise<{ cookieValue: string; session: WebSession; maxAgeSeconds: number }> {
    const cookieValue = crypto.randomBytes(32).toString('base64url');
    const now = this.deps.now();
    const lifetime = SESSION_LIFETIMES[principal.kind];
    const session: WebSession = {
      idHash: sessionHash(cookieValue),
      principal,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + lifetime.absoluteMs).toISOString(),
    };
    // Expired rows are swept whenever someone signs in, so the table needs no separate job.
    await this.deps.store.webAccounts.deleteExpiredSessions({ now: now.toISOString() });
    await this.deps.store.webAccounts.insertSession(session);
    return { cookieValue, session, maxAgeSeconds: Math.floor(lifetime.absoluteMs / 1000) };
  }

  /** Who the cookie belongs to, after every check: expiry, idle time, disabled or re-keyed staff, deleted account. */
  async resolve({ cookieValue }: { cookieValue: string | undefined }): Promise<{ viewer: Viewer; sessionKey: string | null }> {
    const anonymous = { viewer: { kind: 'anonymous' } as const, sessionKey: null };
    if (!cookieValue || cookieValue.length > 100) return anonymous;
    const idHash = sessionHash(cookieValue);
    const session = await this.deps.store.webAccounts.getSession(idHash);
    if (!session) return anonymous;
    const now = this.deps.now();
    const lifetime = SESSION_LIFETIMES[session.principal.kind];
    const idleSince = now.getTime() - Date.parse(session.lastSeenAt);
    if (Date.parse(session.expiresAt) <= now.getTime() || idleSince > lifetime.idleMs) {
      await this.deps.store.webAccounts.deleteSession(idHash);
      return anonymous;
    }
    const viewer = await this.viewerOf(session.principal);
    if (!viewer) {
      await this.deps.store.webAccounts.deleteSession(idHash);
      return anonymous;
    }
    if (idleSince > TOUCH_INTERVAL_MS) await this.deps.store.webAccounts.touchSession({ idHash, at: now.toISOString() });
    return { viewer, sessionKey: idHash };
  }

  private async viewerOf(principal: WebPrincipal): Promise<Viewer | null> {
    if (principal.kind === 'staff') {
      const user = await this.deps.store.users.get(principal.userId);
      if (!user || user.disabled || staffCredential(user.tokenHash) !== principal.credential) return null;
      return { kind: 'staff', actor: { id: user.id, name: user.name, role: user.role } };
    }
    const account = await this.deps.store.webAccounts.getAccount(principal.accountId);
    if (!account) return null;
    const subscriber = await this.deps.store.subscribers.get(account.subscriberId);
    return subscriber ? { kind: 'account', account, subscriber } : null;
  }

  async endSession({ cookieValue }: { cookieValue: string | undefined }): Promise<void> {
    if (cookieValue) await this.deps.store.webAccounts.deleteSession(sessionHash(cookieValue));
  }

  /** Other devices are signed out; the caller starts a fresh session for this one. */
  async changePassword({ account, current, next }: { account: WebAccount; current: string; next: string }): Promise<void> {
    if (!(await verifyPassword({ password: current, stored: account.passwordHash }))) {
      throw invalid({ code: 'password_wrong', message: '当前密码不正确', details: { field: 'current' } });
    }
    const problems = passwordProblems({ password: next, email: account.email });
    if (problems.length > 0) throw invalid({ code: 'password_weak', message: problems.join('；'), details: { field: 'password' } });
    await this.deps.store.webAccounts.updatePassword({ accountId: account.id, passwordHash: await hashPassword({ password: next }), at: this.at() });
    await this.deps.store.webAccounts.deleteSessionsOf({ kind: 'account', accountId: account.id });
  }

  /** Deletes the account and every piece of the subscriber's data; asks for the password again first. */
  async deleteAccount({ account, password }: { account: WebAccount; password: string }) {
    if (!(await verifyPassword({ password, stored: account.passwordHash }))) {
      throw invalid({ code: 'password_wrong', message: '密码不正确，账号未删除', details: { field: 'password' } });
    }
    const result = await this.deps.store.webAccounts.deleteAccount({ accountId: account.id, at: this.at() });
    if (!result) throw notFound({ code: 'account_not_found', message: '账号不存在或已删除' });
    return result;
  }
}

import { expect } from 'chai';
import type { NewDelivery } from '../../schemas/delivery.schema.js';
import type { Contact, Subscriber } from '../../schemas/subscriber.schema.js';
import type { Subscription } from '../../schemas/subscription.schema.js';
import { DomainError } from '../../server/errors.js';
import type { Store } from '../../server/ports/store.port.js';
import type { WebAccount } from '../../server/ports/web-account.port.js';

const t = (minutes: number) => new Date(Date.parse('2026-11-20T08:00:00.000Z') + minutes * 60_000).toISOString();
const AT = t(0);

function subscriber(id: string, kind: Subscriber['kind'], parkId: string | null, contacts?: Contact[]): Subscriber {
  return {
    id,
    kind,
    name: id,
    creditCode: null,
    profile: {},
    parkId,
    contacts: contacts ?? [{ id: `c-${id}`, channel: 'email', address: `${id}@x.example`, label: null, confirmedAt: AT, invalidAt: null }],
    createdAt: AT,
    updatedAt: AT,
    revision: 1,
  };
}

function account(id: string, subscriberId: string, email: string): WebAccount {
  return { id, email, passwordHash: 'scrypt$16384$8$1$salt$hash', subscriberId, createdAt: AT, lastSignInAt: null };
}

function subscription(id: string, subscriberId: string): Subscription {
  return { id, subscriberId, name: 'x', criteria: {}, keywords: ['专利'], channels: ['email'], frequency: 'immediate', eligibleOnly: true, createdAt: AT, endedAt: null, endReason: null, replaces: null };
}

function row(subscriberId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    policyId: 'p-a',
    version: 1,
    subscriberId,
    channel: 'email',
    frequency: 'immediate',
    subscriptionIds: [],
    explanation: { eligible: true, eligibility: {}, unknown: [], subscriptions: [] },
    urgent: false,
    ...overrides,
  };
}

/** Portal accounts and sessions, and what deleting an account removes, as every store adapter must behave. */
export function webAccountContract({ name, create }: { name: string; create: () => Promise<Store> }): void {
  describe(`Web account contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await create();
      await store.migrate();
    });
    afterEach(async () => store.close());

    it('keeps one account per e-mail address and per subscriber, and finds it every way the portal looks', async () => {
      await store.subscribers.insert({ subscriber: subscriber('sub-a', 'enterprise', null), tokenHash: 'h1' });
      await store.subscribers.insert({ subscriber: subscriber('sub-b', 'enterprise', null), tokenHash: 'h2' });
      await store.webAccounts.insertAccount(account('acc-a', 'sub-a', 'a@x.example'));
      try {
        await store.webAccounts.insertAccount(account('acc-b', 'sub-b', 'a@x.example'));
        expect.fail('a second account with the same e-mail was accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(DomainError);
        expect(error).to.deep.include({ type: 'conflict', code: 'account_email_taken', details: { field: 'email' } });
      }
      try {
        await store.webAccounts.insertAccount(account('acc-c', 'sub-a', 'c@x.example'));
        expect.fail('a second account for one subscriber was accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(DomainError);
        expect((error as DomainError).type).to.equal('conflict');
      }
      expect(await store.webAccounts.getAccount('acc-a')).to.deep.equal(account('acc-a', 'sub-a', 'a@x.example'));
      expect(await store.webAccounts.findAccountByEmail('a@x.example')).to.include({ id: 'acc-a' });
      expect(await store.webAccounts.findAccountBySubscriber('sub-a')).to.include({ id: 'acc-a' });
      expect(await store.webAccounts.findAccountByEmail('nobody@x.example')).to.equal(null);
      await store.webAccounts.recordSignIn({ accountId: 'acc-a', at: t(5) });
      await store.webAccounts.updatePassword({ accountId: 'acc-a', passwordHash: 'scrypt$new', at: t(6) });
      expect(await store.webAccounts.getAccount('acc-a')).to.include({ lastSignInAt: t(5), passwordHash: 'scrypt$new' });
    });

    it('finds sessions by their hash only, touches, ends and expires them', async () => {
      await store.subscribers.insert({ subscriber: subscriber('sub-a', 'enterprise', null), tokenHash: 'h1' });
      await store.webAccounts.insertAccount(account('acc-a', 'sub-a', 'a@x.example'));
      const session = (idHash: string, principal: { kind: 'account'; accountId: string } | { kind: 'staff'; userId: string; credential: string }, expiresAt: string) => ({
        idHash,
        principal,
        createdAt: AT,
        lastSeenAt: AT,
        expiresAt,
      });
      await store.webAccounts.insertSession(session('sess-1', { kind: 'account', accountId: 'acc-a' }, t(24 * 60)));
      await store.webAccounts.insertSession(session('sess-2', { kind: 'account', accountId: 'acc-a' }, t(24 * 60)));
      await store.webAccounts.insertSession(session('sess-3', { kind: 'staff', userId: 'wang', credential: 'cred' }, t(60)));
      await store.webAccounts.insertSession(session('sess-4', { kind: 'staff', userId: 'li', credential: 'cred' }, t(24 * 60)));
      expect(await store.webAccounts.getSession('sess-3')).to.deep.equal(session('sess-3', { kind: 'staff', userId: 'wang', credential: 'cred' }, t(60)));
      expect(await store.webAccounts.getSession('unknown')).to.equal(null);
      await store.webAccounts.touchSession({ idHash: 'sess-1', at: t(7) });
      expect(await store.webAccounts.getSession('sess-1')).to.include({ lastSeenAt: t(7) });

      expect(await store.webAccounts.deleteExpiredSessions({ now: t(120) })).to.equal(1);
      expect(await store.webAccounts.getSession('sess-3')).to.equal(null);
      expect(await store.webAccounts.deleteSessionsOf({ kind: 'account', accountId: 'acc-a' })).to.equal(2);
      expect(await store.webAccounts.deleteSessionsOf({ kind: 'staff', userId: 'wang' })).to.equal(0);
      await store.webAccounts.deleteSession('sess-4');
      expect(await store.webAccounts.getSession('sess-4')).to.equal(null);
    });

    it('deletes a park account with everything it owns; members stay, leave the park and are reported as changed', async () => {
      await store.subscribers.insert({ subscriber: subscriber('park-a', 'park', null), tokenHash: 'h1' });
      await store.subscribers.insert({ subscriber: subscriber('sub-m', 'enterprise', 'park-a'), tokenHash: 'h2' });
      await store.subscriptions.insert(subscription('s-1', 'park-a'));
      await store.webAccounts.insertAccount(account('acc-a', 'park-a', 'a@x.example'));
      await store.webAccounts.insertSession({ idHash: 'sess-1', principal: { kind: 'account', accountId: 'acc-a' }, createdAt: AT, lastSeenAt: AT, expiresAt: t(30 * 24 * 60) });
      const before = await store.subscribers.latestSeq();

      const result = await store.webAccounts.deleteAccount({ accountId: 'acc-a', at: t(1) });
      expect(result).to.deep.equal({ subscriberId: 'park-a', subscriptions: 1, deliveries: 0, members: 1 });
      expect(await store.subscribers.get('park-a')).to.equal(null);
      expect(await store.subscribers.findByTokenHash('h1')).to.equal(null);
      expect(await store.subscriptions.listBySubscriber({ subscriberId: 'park-a', includeEnded: true })).to.deep.equal([]);
      expect(await store.webAccounts.getSession('sess-1')).to.equal(null);
      expect(await store.webAccounts.getAccount('acc-a')).to.equal(null);
      const member = await store.subscribers.get('sub-m');
      expect(member).to.include({ parkId: null, revision: 2, updatedAt: t(1) });
      const changes = (await store.subscribers.changesSince({ afterSeq: before, limit: 10 })).map((c) => c.id);
      expect(changes).to.have.members(['park-a', 'sub-m']);
      expect(await store.webAccounts.deleteAccount({ accountId: 'acc-a', at: t(2) })).to.equal(null);
      // The address is free again.
      await store.subscribers.insert({ subscriber: subscriber('park-b', 'park', null, [{ id: 'c-again', channel: 'email', address: 'park-a@x.example', label: null, confirmedAt: null, invalidAt: null }]), tokenHash: 'h3' });
    });

    it("lists a subscriber's push history and deletes all of it with the account, taking it out of park digests", async () => {
      await store.subscribers.insert({ subscriber: subscriber('park-p', 'park', null, [{ id: 'c-group', channel: 'wechat', address: '园区群', label: null, confirmedAt: null, invalidAt: null }]), tokenHash: 'hp' });
      await store.subscribers.insert({
        subscriber: subscriber('sub-m', 'enterprise', 'park-p', [{ id: 'c-m', channel: 'email', address: 'm@x.example', label: null, confirmedAt: null, invalidAt: null }]),
        tokenHash: 'hm',
      });
      await store.subscribers.insert({ subscriber: subscriber('sub-o', 'enterprise', 'park-p'), tokenHash: 'ho' });
      await store.webAccounts.insertAccount(account('acc-m', 'sub-m', 'm@x.example'));
      await store.outbox.enqueue([row('sub-m'), row('sub-o')], t(1));
      await store.outbox.enqueue([row('sub-m', { policyId: 'p-b', frequency: 'daily' })], t(2));
      expect(await store.digests.planDigest({ runKey: 'daily:1', frequency: 'daily', slotAt: t(3), at: t(3), parkFirstWindowStart: t(-7 * 24 * 60) })).to.deep.equal({
        created: 2,
        alreadyRan: false,
      });
      expect(await store.outbox.enqueueConfirmations({ at: t(4), limit: 10 })).to.deep.equal({ inserted: 1 });
      await store.pushSettings.setPreferences({ subscriberId: 'sub-m', preferences: { deadlineReminders: false }, at: t(4) });
      const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(5), leaseUntil: t(9), owner: 'w', limit: 10 });
      await store.deliveryLeases.recordOutcomes({
        owner: 'w',
        at: t(6),
        outcomes: claimed.map((w) => ({
          ref: w.source === 'delivery' ? { source: 'delivery' as const, id: w.delivery.id } : { source: 'message' as const, id: w.message.id },
          channel: 'email' as const,
          outcome: 'sent' as const,
          attempt: 1,
          errorClass: null,
          response: null,
          account: 'smtp',
          dryRun: false,
          durationMs: 5,
          nextAttemptAt: null,
        })),
      });
      const history = await store.webAccounts.listPushHistory({ subscriberId: 'sub-m', limit: 10 });
      expect(history.deliveries.map((d) => d.policyId)).to.deep.equal(['p-b', 'p-a']);
      expect(history.messages.map((m) => m.kind)).to.deep.equal(['digest']);
      const pushed = history.deliveries.find((d) => d.policyId === 'p-a');
      if (!pushed) throw new Error('no push');
      await store.pushSettings.recordUnsubscribe({ subscriberId: 'sub-m', scope: 'all', subscriptionIds: [], origin: { source: 'delivery', id: pushed.id }, source: 'link', at: t(7) });
      expect((await store.deliveryLog.policyLog({ policyId: 'p-a', version: 1 })).unsubscribes).to.deep.equal([{ scope: 'all', count: 1 }]);
      const parkDigest = (await store.webAccounts.listPushHistory({ subscriberId: 'park-p', limit: 10 })).messages[0];
      expect(parkDigest?.payload).to.deep.include({
        parkItems: [
          { policyId: 'p-a', version: 1, memberIds: ['sub-m', 'sub-o'] },
          { policyId: 'p-b', version: 1, memberIds: ['sub-m'] },
        ],
      });

      expect(await store.webAccounts.deleteAccount({ accountId: 'acc-m', at: t(8) })).to.deep.equal({ subscriberId: 'sub-m', subscriptions: 0, deliveries: 2, members: 0 });
      expect(await store.webAccounts.listPushHistory({ subscriberId: 'sub-m', limit: 10 })).to.deep.equal({ deliveries: [], messages: [] });
      expect(await store.deliveryLog.listAttempts({ deliveryIds: [pushed.id], messageIds: [] })).to.deep.equal([]);
      expect(await store.pushSettings.getPreferences('sub-m')).to.deep.equal({ deadlineReminders: true });
      expect((await store.deliveryLog.policyLog({ policyId: 'p-a', version: 1 })).unsubscribes).to.deep.equal([]);
      const after = (await store.webAccounts.listPushHistory({ subscriberId: 'park-p', limit: 10 })).messages[0];
      expect(after?.payload).to.deep.include({ parkItems: [{ policyId: 'p-a', version: 1, memberIds: ['sub-o'] }] });
      // Other subscribers keep theirs.
      expect((await store.outbox.listForSubscriber({ subscriberId: 'sub-o', limit: 10 })).map((d) => [d.policyId, d.status])).to.deep.equal([['p-a', 'sent']]);
    });
  });
}

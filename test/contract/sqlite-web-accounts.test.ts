import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';

describe('SQLite web accounts: accounts, sessions and account deletion', () => {
  let dir: string;
  let store: SqliteStore;
  const at = '2026-11-20T08:00:00.000Z';
  const subscriber = (id: string, kind: Subscriber['kind'], parkId: string | null): Subscriber => ({
    id,
    kind,
    name: id,
    creditCode: null,
    profile: {},
    parkId,
    contacts: [{ id: `c-${id}`, channel: 'email', address: `${id}@x.example`, label: null, confirmedAt: at, invalidAt: null }],
    createdAt: at,
    updatedAt: at,
    revision: 1,
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-accounts-'));
    store = new SqliteStore({ file: path.join(dir, 'platform.sqlite') });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one account per e-mail address and finds sessions by their hash only', async () => {
    await store.subscribers.insert({ subscriber: subscriber('park-a', 'park', null), tokenHash: 'h1' });
    await store.subscribers.insert({ subscriber: subscriber('sub-b', 'enterprise', null), tokenHash: 'h2' });
    await store.webAccounts.insertAccount({ id: 'acc-a', email: 'a@x.example', passwordHash: 'scrypt$…', subscriberId: 'park-a', createdAt: at, lastSignInAt: null });
    try {
      await store.webAccounts.insertAccount({ id: 'acc-b', email: 'a@x.example', passwordHash: 'scrypt$…', subscriberId: 'sub-b', createdAt: at, lastSignInAt: null });
      expect.fail('a second account with the same e-mail was accepted');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('account_email_taken');
    }
    await store.webAccounts.insertSession({ idHash: 'sess-1', principal: { kind: 'account', accountId: 'acc-a' }, createdAt: at, lastSeenAt: at, expiresAt: '2026-11-21T08:00:00.000Z' });
    await store.webAccounts.insertSession({ idHash: 'sess-2', principal: { kind: 'staff', userId: 'wang', credential: 'cred' }, createdAt: at, lastSeenAt: at, expiresAt: '2026-11-20T09:00:00.000Z' });
    expect((await store.webAccounts.getSession('sess-2'))?.principal).to.deep.equal({ kind: 'staff', userId: 'wang', credential: 'cred' });
    expect(await store.webAccounts.deleteExpiredSessions({ now: '2026-11-20T10:00:00.000Z' })).to.equal(1);
    expect(await store.webAccounts.getSession('sess-2')).to.equal(null);
  });

  it('deletes a park account with everything it owns; members stay, leave the park and are reported as changed', async () => {
    await store.subscribers.insert({ subscriber: subscriber('park-a', 'park', null), tokenHash: 'h1' });
    await store.subscribers.insert({ subscriber: subscriber('sub-m', 'enterprise', 'park-a'), tokenHash: 'h2' });
    await store.subscriptions.insert({ id: 's-1', subscriberId: 'park-a', name: 'x', criteria: {}, keywords: ['专利'], channels: ['email'], frequency: 'immediate', eligibleOnly: true, createdAt: at, endedAt: null, endReason: null, replaces: null });
    await store.webAccounts.insertAccount({ id: 'acc-a', email: 'a@x.example', passwordHash: 'scrypt$…', subscriberId: 'park-a', createdAt: at, lastSignInAt: null });
    await store.webAccounts.insertSession({ idHash: 'sess-1', principal: { kind: 'account', accountId: 'acc-a' }, createdAt: at, lastSeenAt: at, expiresAt: '2026-12-20T08:00:00.000Z' });
    const before = await store.subscribers.latestSeq();

    const result = await store.webAccounts.deleteAccount({ accountId: 'acc-a', at });
    expect(result).to.deep.equal({ subscriberId: 'park-a', subscriptions: 1, deliveries: 0, members: 1 });
    expect(await store.subscribers.get('park-a')).to.equal(null);
    expect(await store.subscribers.findByTokenHash('h1')).to.equal(null);
    expect(await store.webAccounts.getSession('sess-1')).to.equal(null);
    const member = await store.subscribers.get('sub-m');
    expect(member?.parkId).to.equal(null);
    expect(member?.revision).to.equal(2);
    const changes = (await store.subscribers.changesSince({ afterSeq: before, limit: 10 })).map((c) => c.id);
    expect(changes).to.have.members(['park-a', 'sub-m']);
    expect(await store.webAccounts.deleteAccount({ accountId: 'acc-a', at })).to.equal(null);
  });
});

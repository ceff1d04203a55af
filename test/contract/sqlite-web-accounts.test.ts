import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';

describe('SQLite web accounts: accounts, sessions, account deletion and push history', () => {
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

  it('deletes the push rows of a deleted account, keeps everyone else’s, and takes a deleted member out of its park’s digests', async () => {
    await store.subscribers.insert({ subscriber: subscriber('park-p', 'park', null), tokenHash: 'h1' });
    await store.subscribers.insert({ subscriber: subscriber('sub-x', 'enterprise', 'park-p'), tokenHash: 'h2' });
    await store.subscribers.insert({ subscriber: subscriber('sub-y', 'enterprise', 'park-p'), tokenHash: 'h3' });
    await store.webAccounts.insertAccount({ id: 'acc-x', email: 'x@x.example', passwordHash: 'scrypt$…', subscriberId: 'sub-x', createdAt: at, lastSignInAt: null });
    const explanation = { eligible: true, eligibility: {}, unknown: [], subscriptions: [] };
    const row = (subscriberId: string) => ({ policyId: 'p-1', version: 1, subscriberId, channel: 'email' as const, frequency: 'immediate' as const, subscriptionIds: ['s'], explanation, urgent: false });
    await store.outbox.enqueue([row('sub-x'), row('sub-y')], at);
    await store.pushSettings.setPreferences({ subscriberId: 'sub-x', preferences: { deadlineReminders: false }, at });
    await store.pushSettings.recordUnsubscribe({ subscriberId: 'sub-x', scope: 'all', subscriptionIds: [], origin: null, source: 'link', at });
    // Raw rows for what only the dispatcher and the digest planner write.
    const db = new Database(path.join(dir, 'platform.sqlite'));
    const message = db.prepare(
      `INSERT INTO push_messages (kind, dedupe_key, subscriber_id, channel, payload, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'sent', ?, ?)`,
    );
    const own = Number(message.run('reminder', 'r:x', 'sub-x', 'email', JSON.stringify({ kind: 'reminder', daysBefore: 7, closesAt: '2026-12-01', subscriptionIds: ['s'], deliveryId: 1 }), at, at).lastInsertRowid);
    const parkDigest = {
      kind: 'digest',
      frequency: 'daily',
      runKey: 'daily:2026-11-20',
      parkItems: [
        { policyId: 'p-1', version: 1, memberIds: ['sub-x', 'sub-y'] },
        { policyId: 'p-2', version: 1, memberIds: ['sub-x'] },
      ],
      parkCoveredThrough: 2,
    };
    const digest = Number(message.run('digest', 'd:p', 'park-p', 'wechat', JSON.stringify(parkDigest), at, at).lastInsertRowid);
    const attempt = db.prepare(`INSERT INTO delivery_attempts (delivery_id, message_id, channel, attempt, at, outcome) VALUES (?, ?, 'email', 1, ?, 'sent')`);
    const deliveryIds = db.prepare('SELECT id FROM deliveries ORDER BY id').pluck().all() as number[];
    for (const id of deliveryIds) attempt.run(id, null, at);
    attempt.run(null, own, at);
    attempt.run(null, digest, at);
    db.close();

    expect((await store.webAccounts.listPushHistory({ subscriberId: 'sub-x', limit: 10 })).messages.map((m) => m.kind)).to.deep.equal(['reminder']);
    const result = await store.webAccounts.deleteAccount({ accountId: 'acc-x', at });
    expect(result).to.deep.equal({ subscriberId: 'sub-x', subscriptions: 0, deliveries: 1, members: 0 });
    expect(await store.webAccounts.listPushHistory({ subscriberId: 'sub-x', limit: 10 })).to.deep.equal({ deliveries: [], messages: [] });
    expect((await store.pushSettings.getPreferences('sub-x')).deadlineReminders, 'preferences back to the default').to.equal(true);
    const left = await store.deliveryLog.listAttempts({ deliveryIds, messageIds: [own, digest] });
    expect(left.map((a) => a.deliveryId ?? `m${a.messageId ?? ''}`)).to.deep.equal([deliveryIds[1], `m${digest}`]);
    const park = await store.webAccounts.listPushHistory({ subscriberId: 'park-p', limit: 10 });
    expect(park.messages[0]?.payload).to.deep.include({ parkItems: [{ policyId: 'p-1', version: 1, memberIds: ['sub-y'] }] });
    expect((await store.webAccounts.listPushHistory({ subscriberId: 'sub-y', limit: 10 })).deliveries).to.have.length(1);
    const check = new Database(path.join(dir, 'platform.sqlite'));
    expect(check.prepare('SELECT COUNT(*) FROM unsubscribe_events WHERE subscriber_id = ?').pluck().get('sub-x')).to.equal(0);
    check.close();
  });
});

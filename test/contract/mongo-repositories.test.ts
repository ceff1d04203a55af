import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import mongoose from 'mongoose';
import type { NewDelivery } from '../../schemas/delivery.schema.js';
import { PUSH_COLLECTIONS, type DigestRunDoc } from '../../server/adapters/mongodb/mongo-delivery.models.js';
import { MongoStore } from '../../server/adapters/mongodb/mongo.store.js';
import { interpretationContract } from './interpretation.contract.js';
import { pushQueueContract } from './push-queue.contract.js';
import { webAccountContract } from './web-accounts.contract.js';
import { pushTrackingContract } from './push-tracking.contract.js';
import { wechatChannelContract } from './wechat-channels.contract.js';
import { textFindingsContract } from './text-findings.contract.js';
import { disclosureContract } from './disclosure.contract.js';

/**
 * The push queue, interpretation and web account contracts against a real MongoDB replica set, when
 * `MONGODB_URL` points at one. Every case gets a database of its own, dropped at the end.
 */
const url = process.env.MONGODB_URL;
const databases: string[] = [];

function freshDatabase(): string {
  const dbName = `policy_push_repos_${randomBytes(4).toString('hex')}`;
  databases.push(dbName);
  return dbName;
}

async function freshStore(): Promise<MongoStore> {
  if (!url) throw new Error('MONGODB_URL is not set');
  return new MongoStore({ url, dbName: freshDatabase() });
}

const t = (minutes: number) => new Date(Date.parse('2026-05-01T00:00:00.000Z') + minutes * 60_000).toISOString();

function row(subscriberId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    policyId: 'p-1',
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

describe('MongoDB push queue, interpretation and web accounts (runs when MONGODB_URL is set)', function () {
  before(function () {
    if (!url) {
      console.log('    MongoDB repository contracts skipped: MONGODB_URL is not set (point it at a replica set to run them, see docs/operations.md)');
      this.skip();
    }
  });

  after(async function () {
    if (!url || databases.length === 0) return;
    this.timeout(60_000);
    const admin = await mongoose.createConnection(url).asPromise();
    try {
      for (const name of databases) await admin.useDb(name, { useCache: false }).dropDatabase();
    } finally {
      await admin.close();
    }
  });

  pushQueueContract({ name: 'mongodb (replica set)', create: freshStore });
  interpretationContract({ name: 'mongodb (replica set)', create: freshStore });
  webAccountContract({ name: 'mongodb (replica set)', create: freshStore });
  pushTrackingContract({ name: 'mongodb (replica set)', create: freshStore });
  wechatChannelContract({ name: 'mongodb (replica set)', create: freshStore });
  textFindingsContract({ name: 'mongodb (replica set)', create: freshStore });
  disclosureContract({ name: 'mongodb (replica set)', create: freshStore });

  describe('engine-specific: MongoDB', () => {
    const stores: MongoStore[] = [];
    let dbName: string;

    /** Several stores on one database stand in for worker processes on several machines. */
    async function worker(): Promise<MongoStore> {
      if (!url) throw new Error('MONGODB_URL is not set');
      const store = new MongoStore({ url, dbName });
      stores.push(store);
      await store.migrate();
      return store;
    }

    beforeEach(() => {
      dbName = freshDatabase();
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    it('shares one outbox between workers on separate connections: every item is claimed once', async function () {
      this.timeout(60_000);
      const workers: MongoStore[] = [];
      for (let i = 0; i < 4; i += 1) workers.push(await worker());
      const [first] = workers;
      if (!first) throw new Error('no worker');
      expect(await first.outbox.enqueue(Array.from({ length: 300 }, (_, i) => row(`s-${i}`, { urgent: i % 10 === 0 })), t(0))).to.deep.equal({ inserted: 300 });
      const seen: number[] = [];
      const rounds = await Promise.all(
        workers.map(async (store, w) => {
          const mine: number[] = [];
          for (;;) {
            const claimed = await store.deliveryLeases.claim({ channel: 'email', now: t(1), leaseUntil: t(5), owner: `w${w}`, limit: 25 });
            if (claimed.length === 0) return mine;
            mine.push(...claimed.map((c) => (c.source === 'delivery' ? c.delivery.id : -c.message.id)));
          }
        }),
      );
      for (const mine of rounds) seen.push(...mine);
      expect(seen).to.have.length(300);
      expect(new Set(seen).size).to.equal(300);
      expect(rounds.filter((mine) => mine.length > 0).length, 'more than one worker did part of the work').to.be.greaterThan(1);
    });

    it('writes each outbox row once when matchers enqueue overlapping batches at the same time', async function () {
      this.timeout(60_000);
      const a = await worker();
      const b = await worker();
      const batch = Array.from({ length: 500 }, (_, i) => row(`s-${i}`));
      const results = await Promise.all([a.outbox.enqueue(batch, t(0)), b.outbox.enqueue(batch.slice(250).concat(batch.slice(0, 100)), t(0))]);
      expect(results.reduce((sum, r) => sum + r.inserted, 0)).to.equal(500);
      expect(await a.outbox.countForPolicy({ policyId: 'p-1', version: 1 })).to.equal(500);
      const ids = (await a.outbox.listForPolicy({ policyId: 'p-1', limit: 1000, offset: 0 })).items.map((d) => d.id);
      expect(new Set(ids).size).to.equal(500);
    });

    it('plans one digest run once across concurrent workers, and resumes a run whose worker died', async function () {
      this.timeout(60_000);
      const a = await worker();
      const b = await worker();
      await a.outbox.enqueue(Array.from({ length: 30 }, (_, i) => row(`s-${String(i).padStart(2, '0')}`, { frequency: 'daily' })), t(0));
      const plan = (store: MongoStore, runKey: string, at: number) =>
        store.digests.planDigest({ runKey, frequency: 'daily', slotAt: t(at), at: t(at), parkFirstWindowStart: t(-7 * 24 * 60) });
      const together = await Promise.all([plan(a, 'daily:1', 1), plan(b, 'daily:1', 1)]);
      expect(together.map((r) => r.alreadyRan).sort()).to.deep.equal([false, true]);
      expect(together.reduce((sum, r) => sum + r.created, 0)).to.equal(30);

      // A run left behind mid-way (its worker died): live lease means hands off, expired lease means take over.
      await a.outbox.enqueue(Array.from({ length: 5 }, (_, i) => row(`s-${i}`, { policyId: 'p-2', frequency: 'daily' })), t(2));
      const newest = (await a.outbox.listForPolicy({ policyId: 'p-2', limit: 10, offset: 0 })).items.map((d) => d.id);
      const runs = mongoose.createConnection(url ?? '', { dbName });
      try {
        await runs.asPromise();
        await runs.collection<DigestRunDoc>(PUSH_COLLECTIONS.digestRuns).insertOne({
          _id: 'daily:2',
          frequency: 'daily',
          slotAt: t(3),
          status: 'running',
          leaseUntil: t(10),
          maxId: Math.max(...newest),
          messages: 0,
          startedAt: t(3),
          finishedAt: null,
        });
      } finally {
        await runs.close();
      }
      expect(await plan(b, 'daily:2', 5)).to.deep.equal({ created: 0, alreadyRan: true });
      expect(await plan(b, 'daily:2', 11)).to.deep.equal({ created: 5, alreadyRan: false });
      expect(await plan(a, 'daily:2', 12)).to.deep.equal({ created: 0, alreadyRan: true });
      const waiting = (await a.outbox.listForPolicy({ policyId: 'p-2', limit: 10, offset: 0 })).items;
      expect(waiting.every((d) => d.messageId !== null)).to.equal(true);
    });
  });
});

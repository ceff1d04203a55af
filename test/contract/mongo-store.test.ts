import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { collectionOf, MONGO_MODELS, MongoStore } from '../../server/adapters/mongodb/mongo.store.js';
import { createPolicyBodySchema } from '../../schemas/policy.schema.js';
import { DomainError } from '../../server/errors.js';
import { newPolicyRecord, publishTransition } from '../../server/services/policy-workflow.js';
import type { Subscriber } from '../../schemas/subscriber.schema.js';
import { auditContract } from './audit.contract.js';
import { consultationContract } from './consultation.contract.js';
import { storeContract } from './store.contract.js';

/**
 * The store contract against a real MongoDB replica set, when `MONGODB_URL` points at one
 * (e.g. `MONGODB_URL=mongodb://localhost:27017/?replicaSet=rs0 npm test`). Every case gets a
 * database of its own, dropped at the end.
 */
const url = process.env.MONGODB_URL;
const databases: string[] = [];

async function freshStore(): Promise<MongoStore> {
  if (!url) throw new Error('MONGODB_URL is not set');
  const dbName = `policy_push_contract_${randomBytes(4).toString('hex')}`;
  databases.push(dbName);
  return new MongoStore({ url, dbName });
}

const AT = '2026-05-01T02:00:00.000Z';
const ACTOR = { id: 'drafter-a', name: '起草人甲', role: 'drafter' as const };

function enterprise(id: string, overrides: Partial<Subscriber> = {}): Subscriber {
  return { id, kind: 'enterprise', name: `企业${id}`, creditCode: null, profile: {}, parkId: null, contacts: [], createdAt: AT, updatedAt: AT, revision: 1, ...overrides };
}

async function expectConflict(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    expect((error as DomainError).code).to.equal(code);
    return;
  }
  expect.fail(`expected a ${code} conflict`);
}

describe('MongoDB store (runs when MONGODB_URL is set)', function () {
  before(function () {
    if (!url) {
      console.log('    MongoDB store contract skipped: MONGODB_URL is not set (point it at a replica set to run it, see docs/operations.md)');
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

  storeContract({ name: 'mongodb (replica set)', create: freshStore });
  auditContract({ name: 'mongodb (replica set)', create: freshStore });
  consultationContract({ name: 'mongodb (replica set)', create: freshStore });

  describe('engine-specific: MongoDB', () => {
    let store: MongoStore;
    beforeEach(async () => {
      store = await freshStore();
      await store.migrate();
    });
    afterEach(async () => store.close());

    it('creates every declared index under its declared name', async () => {
      const db = mongoose.createConnection(url ?? '');
      try {
        await db.asPromise();
        const target = db.useDb(store.databaseName(), { useCache: false });
        for (const binding of MONGO_MODELS) {
          const existing = (await target.collection(collectionOf(binding)).indexes()).map((i) => i.name);
          const declared = binding.schema.indexes().map(([, options]) => options.name);
          expect(existing, collectionOf(binding)).to.include.members(declared);
        }
      } finally {
        await db.close();
      }
    });

    it('lets exactly one of many concurrent workers claim a matching job', async () => {
      const policy = newPolicyRecord({ id: 'p-race', body: createPolicyBodySchema.parse({ title: '并发认领', issuer: '上海市知识产权局' }), actor: ACTOR, at: AT });
      await store.policies.insert(policy);
      const result = publishTransition({ policy: { ...policy, status: 'approved' }, actor: ACTOR, roundReviews: [], predecessor: null, at: AT, interpretation: { status: 'historical' } });
      await store.policies.publish({ policy: result.policy, expectedRevision: policy.revision, version: result.version });
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => store.matchingJobs.claim({ policyId: 'p-race', version: 1, now: AT, leaseUntil: '2026-05-01T02:05:00.000Z' })),
      );
      expect(claims.filter(Boolean)).to.have.length(1);
      expect(await store.matchingJobs.get({ policyId: 'p-race', version: 1 })).to.include({ status: 'running', attempts: 1 });
    });

    it('hands out change sequence numbers without gaps under concurrent writers', async () => {
      const start = await store.policies.latestSeq();
      const ids = Array.from({ length: 16 }, (_, i) => `p-seq-${i}`);
      await Promise.all(
        ids.map((id) => store.policies.insert(newPolicyRecord({ id, body: createPolicyBodySchema.parse({ title: `并发写入${id}`, issuer: '上海市知识产权局' }), actor: ACTOR, at: AT }))),
      );
      const seqs = (await store.policies.changesSince({ afterSeq: start, limit: 100 })).map((c) => c.seq);
      expect(seqs).to.deep.equal(ids.map((_, i) => start + i + 1));
    });

    it('refuses an e-mail address listed twice by one subscriber (unique indexes compare documents only)', async () => {
      const contact = { id: 'c-1', channel: 'email' as const, address: 'twice@example.cn', label: null, confirmedAt: null, invalidAt: null };
      await expectConflict(store.subscribers.insert({ subscriber: enterprise('sub-twice', { contacts: [contact, { ...contact, id: 'c-2' }] }), tokenHash: 't' }), 'email_taken');
      expect(await store.subscribers.get('sub-twice')).to.equal(null);
    });

    it('reports a repeated natural key with the embedded store code', async () => {
      await store.subscribers.insert({ subscriber: enterprise('sub-dup'), tokenHash: 't1' });
      await expectConflict(store.subscribers.insert({ subscriber: enterprise('sub-dup'), tokenHash: 't2' }), 'subscriber_exists');
    });

    it('keeps empty criteria and profiles (no minimisation of empty objects)', async () => {
      await store.subscribers.insert({ subscriber: enterprise('sub-empty'), tokenHash: 't' });
      expect((await store.subscribers.get('sub-empty'))?.profile).to.deep.equal({});
      const policy = newPolicyRecord({ id: 'p-empty', body: createPolicyBodySchema.parse({ title: '没有适用条件', issuer: '上海市知识产权局' }), actor: ACTOR, at: AT });
      await store.policies.insert(policy);
      expect((await store.policies.get('p-empty'))?.criteria).to.deep.equal({});
    });
  });
});

import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { MongoStore } from '../../server/adapters/mongodb/mongo.store.js';
import { auditContract } from './audit.contract.js';

/** The audit contract against a real MongoDB replica set, when `MONGODB_URL` points at one. */
const url = process.env.MONGODB_URL;
const databases: string[] = [];

describe('MongoDB audit trail (runs when MONGODB_URL is set)', function () {
  before(function () {
    if (!url) {
      console.log('    MongoDB audit contract skipped: MONGODB_URL is not set (point it at a replica set to run it, see docs/operations.md)');
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

  auditContract({
    name: 'mongodb (replica set)',
    create: async () => {
      if (!url) throw new Error('MONGODB_URL is not set');
      const dbName = `policy_push_audit_${randomBytes(4).toString('hex')}`;
      databases.push(dbName);
      return new MongoStore({ url, dbName });
    },
  });
});

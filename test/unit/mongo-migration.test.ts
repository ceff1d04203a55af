import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { collectionOf, MONGO_MODELS } from '../../server/adapters/mongodb/mongo.store.js';
import { MIGRATIONS } from '../../server/adapters/sqlite/sqlite.migrations.js';
import { copiersFor } from '../../server/cli/migrate-to-mongo.copiers.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices } from '../../server/platform.js';

/** Tables of the embedded store that hold no data of their own. */
const NOT_COPIED = new Set(['meta', 'schema_migrations', 'sqlite_sequence']);

function tables(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .all()
    .map(String)
    .filter((name) => !NOT_COPIED.has(name))
    .sort();
}

describe('migrate:mongo: every embedded table has a way into a declared collection', () => {
  it('copies each SQLite table once, into each MongoDB collection once', () => {
    const db = new Database(':memory:');
    try {
      for (const migration of MIGRATIONS) db.exec(migration.sql);
      const copiers = copiersFor(db);
      expect(copiers.map((c) => c.table).sort(), 'SQLite tables without a copier (or copied twice)').to.deep.equal(tables(db));
      expect(copiers.map((c) => c.collection).sort(), 'MongoDB collections the copy does not fill').to.deep.equal(MONGO_MODELS.map(collectionOf).sort());
    } finally {
      db.close();
    }
  });

  it('turns every row of a demo installation into a document its model accepts', async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-mongo-'));
    const connection = mongoose.createConnection();
    try {
      const config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '1', LOG_LEVEL: 'silent' });
      await closeServices(await openServices({ config, logger: createLogger({ level: 'silent' }) }));
      const db = new Database(path.join(dir, 'platform.sqlite'), { readonly: true });
      try {
        let converted = 0;
        for (const copier of copiersFor(db)) {
          const binding = MONGO_MODELS.find((b) => collectionOf(b) === copier.collection);
          if (!binding) throw new Error(`no model for ${copier.collection}`);
          const Model = connection.model(binding.name, binding.schema);
          for (const row of db.prepare(`SELECT * FROM ${copier.table}`).all()) {
            const op = copier.write(row as Record<string, unknown>);
            if (!('replaceOne' in op)) throw new Error(`${copier.table}: the copy must upsert`);
            const id: unknown = op.replaceOne.filter._id;
            // strict: 'throw' makes a field the model does not declare fail here.
            const doc = new Model({ ...op.replaceOne.replacement, ...(id === undefined ? {} : { _id: id }) });
            await doc.validate().catch((error: unknown) => expect.fail(`${copier.table} row does not fit ${binding.name}: ${String(error)}`));
            converted += 1;
          }
        }
        expect(converted).to.be.greaterThan(100);
      } finally {
        db.close();
      }
    } finally {
      await connection.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

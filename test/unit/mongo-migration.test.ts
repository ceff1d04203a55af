import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { AnyBulkWriteOperation } from 'mongodb';
import mongoose from 'mongoose';
import { importOperations, mongoCollectionOf, type ImportDoc } from '../../server/adapters/mongodb/mongo-store.import.js';
import { collectionOf, MONGO_MODELS } from '../../server/adapters/mongodb/mongo.store.js';
import { SqliteStoreExport, sqliteTableOf } from '../../server/adapters/sqlite/sqlite-store.export.js';
import { MIGRATIONS } from '../../server/adapters/sqlite/sqlite.migrations.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { closeServices, openServices } from '../../server/platform.js';
import { STORE_ENTITIES, STORE_RECORD_SCHEMAS, type StoreCounters, type StoreEntity, type StoreImport, type StoreRecords } from '../../server/ports/store-transfer.port.js';

/** Tables of the embedded store that hold no data of their own (counters travel as `StoreCounters`). */
const NOT_COPIED = new Set(['meta', 'schema_migrations', 'sqlite_sequence']);

function dataTables(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .all()
    .map(String)
    .filter((name) => !NOT_COPIED.has(name))
    .sort();
}

/** A target store in memory: what `migrate:mongo` would write, by entity, in arrival order. */
class MemoryStoreImport implements StoreImport {
  readonly written = new Map<StoreEntity, unknown[]>();
  counters: StoreCounters | null = null;

  async prepare(): Promise<void> {}

  async count(entity: StoreEntity): Promise<number> {
    return this.written.get(entity)?.length ?? 0;
  }

  async write<K extends StoreEntity>({ entity, records }: { entity: K; records: StoreRecords[K][] }): Promise<void> {
    this.written.set(entity, [...(this.written.get(entity) ?? []), ...records]);
  }

  async raiseCounters(counters: StoreCounters): Promise<void> {
    this.counters = counters;
  }

  async close(): Promise<void> {}
}

/** The document an upsert leaves in its collection. */
function upsertedDoc(op: AnyBulkWriteOperation<ImportDoc>): Record<string, unknown> | null {
  if ('replaceOne' in op) {
    expect(op.replaceOne.upsert, 'a copy must upsert').to.equal(true);
    const id: unknown = op.replaceOne.filter._id;
    return { ...op.replaceOne.replacement, ...(id === undefined ? {} : { _id: id }) };
  }
  if ('updateOne' in op) {
    const update = op.updateOne.update;
    if (Array.isArray(update) || !op.updateOne.upsert) return null;
    return { ...(update.$setOnInsert ?? {}), ...(update.$set ?? {}) };
  }
  throw new Error(`unexpected write ${Object.keys(op).join()}`);
}

describe('migrate:mongo: the embedded store read out through the transfer port, written in by the MongoDB adapter', () => {
  it('reads each SQLite table through exactly one entity and fills each MongoDB collection', () => {
    const db = new Database(':memory:');
    try {
      for (const migration of MIGRATIONS) db.exec(migration.sql);
      expect(STORE_ENTITIES.map(sqliteTableOf).sort(), 'SQLite tables no entity reads (or read twice)').to.deep.equal(dataTables(db));
      expect(new Set(STORE_ENTITIES).size).to.equal(Object.keys(STORE_RECORD_SCHEMAS).length);
      expect([...new Set(STORE_ENTITIES.map(mongoCollectionOf))].sort(), 'MongoDB collections the copy does not fill').to.deep.equal(MONGO_MODELS.map(collectionOf).sort());
    } finally {
      db.close();
    }
  });

  describe('over a demo installation', function () {
    let dir = '';
    let file = '';

    before(async function () {
      this.timeout(120_000);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-mongo-'));
      file = path.join(dir, 'platform.sqlite');
      const config = loadConfig({ DATA_DIR: dir, DEMO_DATA: '1', LOG_LEVEL: 'silent' });
      await closeServices(await openServices({ config, logger: createLogger({ level: 'silent' }) }));
    });

    after(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('exports every row once, as records the port schemas accept unchanged, in any batch size', async function () {
      this.timeout(60_000);
      const raw = new Database(file, { readonly: true });
      const source = new SqliteStoreExport({ file });
      const target = new MemoryStoreImport();
      try {
        await source.snapshot(async (reader) => {
          for (const entity of STORE_ENTITIES) {
            for await (const records of reader.records({ entity, batchSize: 1000 })) await target.write({ entity, records });
            const rows = Number(raw.prepare(`SELECT COUNT(*) FROM ${sqliteTableOf(entity)}`).pluck().get());
            expect(await target.count(entity), entity).to.equal(rows);
            expect(await reader.count(entity), entity).to.equal(rows);
            const written = target.written.get(entity) ?? [];
            // Round trip: nothing the schema does not know, nothing it would change.
            for (const record of written) expect(STORE_RECORD_SCHEMAS[entity].parse(record), entity).to.deep.equal(record);
            // Keyset paging: small pages see the same records in the same order.
            const paged: unknown[] = [];
            for await (const records of reader.records({ entity, batchSize: 7 })) {
              expect(records.length).to.be.within(1, 7);
              paged.push(...records);
            }
            expect(paged, entity).to.deep.equal(written);
          }
          await target.raiseCounters(await reader.counters());
        });
        const total = [...target.written.values()].reduce((sum, records) => sum + records.length, 0);
        expect(total).to.be.greaterThan(100);
        for (const entity of ['policies', 'policyVersions', 'tags', 'subscribers', 'contacts', 'subscriptions', 'faqs'] as const) {
          expect(target.written.get(entity), `${entity} in the demo data`).to.not.be.empty;
        }
        const policies = target.written.get('policies') ?? [];
        const maxChangeSeq = Math.max(...policies.map((record) => STORE_RECORD_SCHEMAS.policies.parse(record).changeSeq));
        expect(target.counters?.policyChangeSeq).to.be.at.least(maxChangeSeq);
      } finally {
        raw.close();
        await source.close();
      }
    });

    it('turns every exported record into an upsert whose document the MongoDB model accepts', async function () {
      this.timeout(60_000);
      const connection = mongoose.createConnection();
      const source = new SqliteStoreExport({ file });
      try {
        let converted = 0;
        await source.snapshot(async (reader) => {
          for (const entity of STORE_ENTITIES) {
            for await (const records of reader.records({ entity, batchSize: 1000 })) {
              for (const { collection, ops } of importOperations({ entity, records, context: { maxDeliveryId: 0 } })) {
                const binding = MONGO_MODELS.find((b) => collectionOf(b) === collection);
                if (!binding) throw new Error(`no model for ${collection}`);
                const Model = connection.models[binding.name] ?? connection.model(binding.name, binding.schema);
                for (const op of ops) {
                  const doc = upsertedDoc(op);
                  if (!doc) continue;
                  // strict: 'throw' makes a field the model does not declare fail here.
                  await new Model(doc).validate().catch((error: unknown) => expect.fail(`${entity} record does not fit ${binding.name}: ${String(error)}`));
                  converted += 1;
                }
              }
            }
          }
        });
        expect(converted).to.be.greaterThan(100);
      } finally {
        await source.close();
        await connection.close();
      }
    });

    it('refuses an installation whose schema is older than this program', function () {
      const db = new Database(file);
      try {
        db.prepare('DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)').run();
      } finally {
        db.close();
      }
      expect(() => new SqliteStoreExport({ file })).to.throw('结构版本');
    });
  });
});

import { expect } from 'chai';
import { collectionOf, MONGO_MODELS, redact } from '../../server/adapters/mongodb/mongo.store.js';
import { CONFLICTS, mapMongoError, violatedIndex, type ModelBinding } from '../../server/adapters/mongodb/mongo.support.js';
import { DomainError } from '../../server/errors.js';

/** Top-level stored paths of a model, with `_id` named after the zod key it holds. */
function modelKeys(binding: ModelBinding): string[] {
  const keys = new Set(Object.keys(binding.schema.paths).map((path) => path.split('.')[0] ?? path));
  if (binding.idField && keys.delete('_id')) keys.add(binding.idField);
  for (const key of binding.storageOnly ?? []) keys.delete(key);
  return [...keys].sort();
}

function indexesOf(binding: ModelBinding): { fields: Record<string, unknown>; options: Record<string, unknown> }[] {
  return binding.schema.indexes().map(([fields, options]) => ({ fields, options: { ...options } }));
}

describe('MongoDB models stay in step with the zod schemas', () => {
  it('covers a non-trivial set of stored shapes', () => {
    expect(MONGO_MODELS.length).to.be.greaterThan(10);
  });

  for (const binding of MONGO_MODELS) {
    describe(`model ${binding.name}`, () => {
      it('stores exactly the fields of its zod schema (plus declared storage-only paths)', () => {
        const zodKeys = Object.keys(binding.shape).sort();
        const stored = modelKeys(binding);
        const missingInModel = zodKeys.filter((k) => !stored.includes(k));
        const missingInZod = stored.filter((k) => !zodKeys.includes(k));
        expect({ missingInModel, missingInZod }, `model ${binding.name} and its zod schema differ`).to.deep.equal({ missingInModel: [], missingInZod: [] });
      });

      it('declares its storage-only paths and natural key truthfully', () => {
        const paths = new Set(Object.keys(binding.schema.paths).map((path) => path.split('.')[0] ?? path));
        for (const key of binding.storageOnly ?? []) expect(paths.has(key), `storage-only path ${key} is not in the model`).to.equal(true);
        if (binding.idField) {
          expect(binding.schema.path('_id')?.instance, `${binding.name}._id holds ${binding.idField}`).to.be.oneOf(['String', 'Number']);
          expect(Object.keys(binding.shape)).to.include(binding.idField);
        }
      });

      it('names its collection and every index explicitly', () => {
        expect(collectionOf(binding)).to.match(/^[a-z_]+$/);
        for (const { fields, options } of indexesOf(binding)) {
          expect(options.name, `index ${JSON.stringify(fields)} of ${binding.name} has no name`).to.be.a('string');
        }
      });
    });
  }

  it('gives every collection one owner, so index synchronisation cannot fight', () => {
    const collections = MONGO_MODELS.map(collectionOf);
    const repeated = collections.filter((c, i) => collections.indexOf(c) !== i);
    expect(repeated).to.deep.equal([]);
    const names = MONGO_MODELS.map((b) => b.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).to.deep.equal([]);
  });

  it('maps every conflict code to a unique index that exists', () => {
    const unique = new Set<string>();
    for (const binding of MONGO_MODELS) {
      for (const { options } of indexesOf(binding)) if (options.unique === true && typeof options.name === 'string') unique.add(options.name);
      // Natural keys live in `_id`; its index is reported as `<collection>_id`.
      if (binding.idField) unique.add(`${collectionOf(binding)}_id`);
    }
    const dangling = Object.keys(CONFLICTS).filter((name) => !unique.has(name));
    expect(dangling, 'CONFLICTS entries without a unique index').to.deep.equal([]);
  });
});

describe('MongoDB duplicate-key errors become the same domain conflicts as SQLite', () => {
  const duplicate = (message: string) => Object.assign(new Error(message), { code: 11000 });

  it('reads the index from the server message, naming `_id_` after its collection', () => {
    expect(violatedIndex('E11000 duplicate key error collection: pp.policies index: policies_doc_number dup key: { docNumber: "x" }')).to.equal('policies_doc_number');
    expect(violatedIndex('E11000 duplicate key error collection: pp.policies index: _id_ dup key: { _id: "p-1" }')).to.equal('policies_id');
    expect(violatedIndex('E11000 duplicate key error collection: pp.subscriber_tokens index: _id_ dup key: { _id: "h" }')).to.equal('subscriber_tokens_id');
  });

  it('maps known indexes to their codes and unknown ones to a generic conflict', () => {
    const known = mapMongoError(duplicate('E11000 duplicate key error collection: pp.contacts index: contacts_email dup key: { address: "a@b.cn" }'));
    expect(known).to.be.instanceOf(DomainError);
    expect(known).to.include({ type: 'conflict', code: 'email_taken' });
    expect(mapMongoError(duplicate('E11000 duplicate key error collection: pp.subscribers index: _id_ dup key: { _id: "s" }'))).to.include({ code: 'subscriber_exists' });
    expect(mapMongoError(duplicate('E11000 duplicate key error collection: pp.x index: x_y dup key: {}'))).to.include({ code: 'conflict' });
    const other = new Error('network');
    expect(mapMongoError(other)).to.equal(other);
  });

  it('never prints the password of a connection string', () => {
    expect(redact('mongodb://app:secret@db1:27017,db2:27017/pp?replicaSet=rs0')).to.equal('mongodb://***@db1:27017,db2:27017/pp?replicaSet=rs0');
    expect(redact('mongodb://db1:27017/pp')).to.equal('mongodb://db1:27017/pp');
  });
});

import { expect } from 'chai';
import { CONFLICTS, mapMongoError } from '../../server/adapters/mongodb/mongo.support.js';
import { constraintConflict } from '../../server/adapters/sqlite/sqlite.support.js';
import { CONFLICT_CATALOG, conflictError } from '../../server/conflict-catalog.js';

describe('conflict catalogue', () => {
  it('builds a conflict with the catalogue’s message', () => {
    const error = conflictError({ code: 'credit_code_taken', details: { index: 'x' } });
    expect(error).to.include({ type: 'conflict', code: 'credit_code_taken', message: '该统一社会信用代码已登记' });
    expect(error.details).to.deep.equal({ index: 'x' });
  });

  it('names SQLite constraints by their columns, the most specific first', () => {
    expect(constraintConflict('UNIQUE constraint failed: contacts.subscriber_id, contacts.channel, contacts.address')).to.equal('contact_exists');
    expect(constraintConflict('UNIQUE constraint failed: contacts.address')).to.equal('email_taken');
    expect(constraintConflict('UNIQUE constraint failed: subscribers.id')).to.equal('subscriber_exists');
    expect(constraintConflict('UNIQUE constraint failed: something.else')).to.equal('conflict');
  });

  it('reports the same code and message for the same duplicate on either engine', () => {
    const mongo = mapMongoError(Object.assign(new Error('E11000 duplicate key error collection: pp.subscribers index: _id_ dup key: { _id: "s" }'), { code: 11000 }));
    expect(mongo).to.include({ code: constraintConflict('UNIQUE constraint failed: subscribers.id'), message: CONFLICT_CATALOG.subscriber_exists });
    for (const code of Object.values(CONFLICTS)) expect(CONFLICT_CATALOG[code]).to.be.a('string');
  });
});

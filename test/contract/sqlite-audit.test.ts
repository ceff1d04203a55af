import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { newAuditEntry } from '../../server/services/audit.service.js';
import { auditContract } from './audit.contract.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function freshFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
  dirs.push(dir);
  return path.join(dir, 'platform.sqlite');
}

auditContract({ name: 'sqlite', create: async () => new SqliteStore({ file: freshFile() }) });

describe('SQLite audit trail', () => {
  it('refuses UPDATE and DELETE on audit entries, even from a statement outside the adapter', async () => {
    const file = freshFile();
    const store = new SqliteStore({ file });
    await store.migrate();
    await store.audit.append(newAuditEntry({ at: '2026-05-01T00:00:00.000Z', actor: { id: 'a', name: '甲', role: 'admin' }, action: 'user.create', targetType: 'user', targetId: 'wang' }));
    await store.close();
    const db = new Database(file);
    try {
      expect(() => db.prepare("UPDATE audit_log SET actor_id = 'someone-else'").run()).to.throw(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).to.throw(/append-only/);
      expect(db.prepare('SELECT actor_id FROM audit_log').pluck().all()).to.deep.equal(['a']);
    } finally {
      db.close();
    }
  });
});

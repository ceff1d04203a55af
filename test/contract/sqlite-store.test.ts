import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { storeContract } from './store.contract.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

storeContract({
  name: 'sqlite (file, WAL)',
  create: async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
    dirs.push(dir);
    return new SqliteStore({ file: path.join(dir, 'platform.sqlite') });
  },
});

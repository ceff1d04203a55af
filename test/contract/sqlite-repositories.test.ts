import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { interpretationContract } from './interpretation.contract.js';
import { pushQueueContract } from './push-queue.contract.js';
import { webAccountContract } from './web-accounts.contract.js';
import { consultationContract } from './consultation.contract.js';

/** The embedded store is the reference: these contracts run against it on every test run. */
const create = async () => new SqliteStore({ file: ':memory:' });

pushQueueContract({ name: 'sqlite', create });
interpretationContract({ name: 'sqlite', create });
webAccountContract({ name: 'sqlite', create });
consultationContract({ name: 'sqlite', create });

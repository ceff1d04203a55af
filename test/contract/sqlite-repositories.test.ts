import { SqliteStore } from '../../server/adapters/sqlite/sqlite.store.js';
import { interpretationContract } from './interpretation.contract.js';
import { pushQueueContract } from './push-queue.contract.js';
import { webAccountContract } from './web-accounts.contract.js';
import { pushTrackingContract } from './push-tracking.contract.js';
import { wechatChannelContract } from './wechat-channels.contract.js';
import { textFindingsContract } from './text-findings.contract.js';
import { disclosureContract } from './disclosure.contract.js';
import { consultationContract } from './consultation.contract.js';

/** The embedded store is the reference: these contracts run against it on every test run. */
const create = async () => new SqliteStore({ file: ':memory:' });

pushQueueContract({ name: 'sqlite', create });
interpretationContract({ name: 'sqlite', create });
webAccountContract({ name: 'sqlite', create });
pushTrackingContract({ name: 'sqlite', create });
wechatChannelContract({ name: 'sqlite', create });
textFindingsContract({ name: 'sqlite', create });
disclosureContract({ name: 'sqlite', create });
consultationContract({ name: 'sqlite', create });

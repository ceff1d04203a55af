import type { Config } from '../server/config.js';
import type { Logger } from '../server/logger.js';
import type { Store } from '../server/ports/store.port.js';
import type { ChatGateway } from '../server/ports/chat-gateway.port.js';
import type { MailTransport } from '../server/ports/mail-transport.port.js';
import { PushDispatcher, type PushServices } from '../server/push/push-platform.js';
import type { GroupRobotApi } from '../server/ports/group-robot.port.js';
import type { OfficialAccountApi } from '../server/ports/official-account.port.js';

/**
 * Outbox → email and WeChat. Each lane claims due work under a lease, so several worker processes
 * can run side by side; stop() releases what was not started and waits for sends in flight.
 */
export function createDispatcherWorker(deps: {
  config: Config;
  store: Store;
  push: PushServices;
  logger: Logger;
  now: () => Date;
  mail: MailTransport | null;
  chat: ChatGateway | null;
  officialAccount?: OfficialAccountApi | null;
  groupRobots?: GroupRobotApi | null;
}) {
  return new PushDispatcher(deps);
}

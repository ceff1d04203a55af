import type { Logger } from '../server/logger.js';
import type { MailTransport } from '../server/ports/mail-transport.port.js';
import type { DisclosureMailService } from '../server/open-government/requests/request-mail.service.js';
import { PeriodicWorker } from './periodic.worker.js';

/** 依申请公开: deadline reminders to staff and replies to applicants, by e-mail. Closes its transport on stop. */
export function createDisclosureMailWorker({ mail, transport, intervalMs, logger }: { mail: DisclosureMailService; transport: MailTransport | null; intervalMs: number; logger: Logger }) {
  const worker = new PeriodicWorker({ name: 'disclosure-mail', intervalMs, logger, run: () => mail.run() });
  return {
    start: () => worker.start(),
    tick: () => worker.tick(),
    stop: async () => {
      await worker.stop();
      transport?.close();
    },
  };
}

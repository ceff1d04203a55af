import type { Logger } from '../server/logger.js';
import type { PushScheduler } from '../server/push/scheduler.js';
import { PeriodicWorker } from './periodic.worker.js';

/** Double opt-in: queues a confirmation email for every new, unconfirmed email contact. */
export function createConfirmationWorker({ scheduler, intervalMs, logger }: { scheduler: PushScheduler; intervalMs: number; logger: Logger }) {
  return new PeriodicWorker({ name: 'confirmations', intervalMs, logger, run: () => scheduler.runConfirmations() });
}

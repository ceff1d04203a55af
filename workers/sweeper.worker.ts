import type { Logger } from '../server/logger.js';
import type { Store } from '../server/ports/store.port.js';
import { PeriodicWorker } from './periodic.worker.js';

/** Returns work whose lease expired (a worker crashed or hung) to the queue, or fails it after the attempt limit. */
export function createSweeperWorker({ store, intervalMs, maxAttempts, now, logger }: { store: Store; intervalMs: number; maxAttempts: number; now: () => Date; logger: Logger }) {
  return new PeriodicWorker({
    name: 'push-sweeper',
    intervalMs,
    logger,
    run: async () => {
      const result = await store.deliveryLeases.sweepExpiredLeases({ now: now().toISOString(), maxAttempts });
      if (result.requeued + result.failed > 0) logger.warn('expired push leases swept', result);
    },
  });
}

import type { Logger } from '../server/logger.js';
import type { Store } from '../server/ports/store.port.js';
import { PeriodicWorker } from './periodic.worker.js';

/** Retention is measured in days: deleting expired opens and feedback once an hour is often enough. */
const PURGE_EVERY_MS = 60 * 60_000;

/**
 * Returns work whose lease expired (a worker crashed or hung) to the queue, or fails it after the
 * attempt limit; and, when given `purgeTracking`, deletes push opens and feedback past their retention.
 */
export function createSweeperWorker({
  store,
  intervalMs,
  maxAttempts,
  now,
  logger,
  purgeTracking,
}: {
  store: Store;
  intervalMs: number;
  maxAttempts: number;
  now: () => Date;
  logger: Logger;
  purgeTracking?: () => Promise<{ opens: number; feedback: number; before: string }>;
}) {
  let lastPurge = Number.NEGATIVE_INFINITY;
  return new PeriodicWorker({
    name: 'push-sweeper',
    intervalMs,
    logger,
    run: async () => {
      const result = await store.deliveryLeases.sweepExpiredLeases({ now: now().toISOString(), maxAttempts });
      if (result.requeued + result.failed > 0) logger.warn('expired push leases swept', result);
      if (purgeTracking && now().getTime() - lastPurge >= PURGE_EVERY_MS) {
        const purged = await purgeTracking();
        lastPurge = now().getTime();
        if (purged.opens + purged.feedback > 0) logger.info('push opens and feedback past retention deleted', purged);
      }
    },
  });
}

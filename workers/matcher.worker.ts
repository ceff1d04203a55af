import type { Logger } from '../server/logger.js';
import type { MatchingService } from '../server/services/matching.service.js';
import { PeriodicWorker } from './periodic.worker.js';

const LEASE_MS = 5 * 60_000;

/** Published versions → outbox. Polling the store (not an in-process event) means a crash or a second worker loses nothing. */
export function createMatcherWorker({ matching, intervalMs, batchSize, logger }: { matching: MatchingService; intervalMs: number; batchSize: number; logger: Logger }) {
  return new PeriodicWorker({
    name: 'matcher',
    intervalMs,
    logger,
    run: () => matching.runDueJobs({ batchSize, leaseMs: LEASE_MS }),
  });
}

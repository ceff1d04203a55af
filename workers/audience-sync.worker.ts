import type { Logger } from '../server/logger.js';
import type { AudienceSyncService } from '../server/services/audience-sync.service.js';
import { PeriodicWorker } from './periodic.worker.js';

/** Keeps this process's matching engine current with profile changes made by other processes. */
export function createAudienceSyncWorker({ audienceSync, intervalMs, logger }: { audienceSync: AudienceSyncService; intervalMs: number; logger: Logger }) {
  return new PeriodicWorker({ name: 'audience-sync', intervalMs, logger, run: () => audienceSync.catchUp() });
}

import type { Logger } from '../server/logger.js';
import type { SearchSyncService } from '../server/services/search-sync.service.js';
import { PeriodicWorker } from './periodic.worker.js';

/**
 * Brings the search index up to the store's latest change. Web processes index their own writes at
 * once; this worker catches what another process wrote or what a crash interrupted.
 */
export function createSearchSyncWorker({ searchSync, intervalMs, logger }: { searchSync: SearchSyncService; intervalMs: number; logger: Logger }) {
  return new PeriodicWorker({
    name: 'search-sync',
    intervalMs,
    logger,
    run: async () => {
      const applied = await searchSync.catchUp();
      if (applied > 0) logger.info('search index caught up', { applied });
    },
  });
}

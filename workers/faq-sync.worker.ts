import type { Logger } from '../server/logger.js';
import type { FaqSyncService } from '../server/interpretation/faq-sync.service.js';
import { PeriodicWorker } from './periodic.worker.js';

/** Brings the FAQ index up to the store's latest policy change, like the search-sync worker. */
export function createFaqSyncWorker({ faqSync, intervalMs, logger }: { faqSync: FaqSyncService; intervalMs: number; logger: Logger }) {
  return new PeriodicWorker({
    name: 'faq-sync',
    intervalMs,
    logger,
    run: async () => {
      const applied = await faqSync.catchUp();
      if (applied > 0) logger.info('faq index caught up', { applied });
    },
  });
}

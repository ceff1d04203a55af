import type { Logger } from '../server/logger.js';
import type { PushScheduler } from '../server/push/scheduler.js';
import { PeriodicWorker } from './periodic.worker.js';

/** Daily (08:30) and weekly (Monday 08:30) digests in Asia/Shanghai; each slot runs once across all workers. */
export function createDigestWorker({ scheduler, intervalMs, logger }: { scheduler: PushScheduler; intervalMs: number; logger: Logger }) {
  return new PeriodicWorker({ name: 'digests', intervalMs, logger, run: () => scheduler.runDigests() });
}

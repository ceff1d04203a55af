import type { Logger } from '../server/logger.js';
import type { PushScheduler } from '../server/push/scheduler.js';
import { PeriodicWorker } from './periodic.worker.js';

/** Application-deadline reminders (7 and 1 days before the window closes by default). */
export function createReminderWorker({ scheduler, intervalMs, logger }: { scheduler: PushScheduler; intervalMs: number; logger: Logger }) {
  return new PeriodicWorker({ name: 'reminders', intervalMs, logger, run: () => scheduler.runReminders() });
}

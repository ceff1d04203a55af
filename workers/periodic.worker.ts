import type { Logger } from '../server/logger.js';

/**
 * Runs a task on an interval. A failing run is retried with capped exponential backoff; `stop()`
 * waits for the run in flight so a shutdown never cuts a task in half.
 */
export class PeriodicWorker {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly options: {
      name: string;
      intervalMs: number;
      maxBackoffMs?: number;
      run: () => Promise<unknown>;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs now (or joins the run in flight) and resolves when it is done. */
  async tick(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.runOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().then(() => {
        const backoff = Math.min(this.options.intervalMs * 2 ** this.failures, this.options.maxBackoffMs ?? 60_000);
        this.schedule(this.failures === 0 ? this.options.intervalMs : backoff);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    try {
      await this.options.run();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.options.logger.error(`${this.options.name} failed`, { attempt: this.failures, error });
    }
  }
}

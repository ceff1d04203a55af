import type { Logger } from '../logger.js';

/**
 * The search and FAQ indexes catching up with the store after a start (after an import, a restore or
 * a crash). A web process listens at once and serves while this runs; readiness reports it until done,
 * so an orchestrator can hold traffic back from a replica whose results are still incomplete.
 */
export class IndexCatchUp {
  private running = 0;
  private failure: string | null = null;

  get catchingUp(): boolean {
    return this.running > 0;
  }

  /** Why the last background catch-up failed (the sync workers retry on their interval). */
  get lastFailure(): string | null {
    return this.failure;
  }

  /** Runs the catch-up without holding the caller; a failure is logged and kept, never thrown. */
  inBackground({ work, logger }: { work: () => Promise<void>; logger: Logger }): Promise<void> {
    this.running += 1;
    return work()
      .then(
        () => {
          this.failure = null;
        },
        (error: unknown) => {
          this.failure = error instanceof Error ? error.message : String(error);
          logger.error('search index catch-up after start failed; the sync workers retry', { error: this.failure });
        },
      )
      .finally(() => {
        this.running -= 1;
      });
  }
}

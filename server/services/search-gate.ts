import { DomainError } from '../errors.js';

/** How long a refused search is told to wait before trying again. */
const RETRY_AFTER_SECONDS = 1;

export function searchBusy(): DomainError {
  return new DomainError({
    type: 'unavailable',
    code: 'search_busy',
    message: `搜索请求过多，请 ${RETRY_AFTER_SECONDS} 秒后重试`,
    details: { retryAfterSeconds: RETRY_AFTER_SECONDS },
  });
}

interface Waiter {
  start: () => void;
  refuse: (error: DomainError) => void;
  timer: NodeJS.Timeout;
}

/**
 * Admission for computed searches, so a burst of searches never starves the rest of the server.
 *
 * An engine on the caller's event loop computes a search synchronously. Run as they arrive, 32
 * concurrent searches each held the loop in turn and a /healthz or a page request waited behind all
 * of them (p50 496 ms in the measurement). Here searches run in slices of the loop's time:
 * within `sliceMs` of the loop last coming round, the next search starts at once; after that, the
 * next slot is handed on through `setImmediate`, i.e. after the loop has polled the network again,
 * so whatever else arrived meanwhile is answered before the next slice. Handing on after every
 * search (a slice of 0) kept every waiting request parked for a turn of the loop per search ahead of
 * it; at 32 clients that cost some 5–15 % more server CPU per search in back-to-back runs. 5 ms
 * slices trade that for a /healthz p99 of 21–30 ms instead of 8–10 ms under the same load
 * (`docs/benchmarks.md`).
 *
 * The embedded index as deployed runs on a thread of its own (`embedded-thread.search-index.ts`),
 * and Elasticsearch answers over the network: their searches wait on a message, not on this loop,
 * so they get several slots and no slices. Slices are for an index computing on the caller's loop
 * (`SearchIndex.searchesOnCallerLoop`), as the embedded index does when used directly.
 *
 * A few searches queue (`maxQueue`, each for at most `maxWaitMs`); beyond that the answer is a
 * clear refusal (503, `Retry-After`, code `search_busy`) rather than an ever longer wait.
 */
export class SearchGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private handing = false;
  /** When the current slice began: the last time the loop came round after polling the network. */
  private sliceStartedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: { concurrency: number; maxQueue: number; maxWaitMs: number; sliceMs?: number },
    /** Milliseconds on a monotonic clock; tests pass their own. */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.admit();
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.handOn();
    }
  }

  /** Searches waiting for a slot now, for metrics and tests. */
  get queued(): number {
    return this.waiting.length;
  }

  private admit(): Promise<void> {
    if (this.waiting.length === 0 && this.running < this.limits.concurrency && this.inSlice()) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxQueue) return Promise.reject(searchBusy());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        refuse: reject,
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at === -1) return;
          this.waiting.splice(at, 1);
          reject(searchBusy());
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(waiter);
      this.handOn();
    });
  }

  /** Starts waiting searches now while the slice lasts, else on a later turn of the loop, after it has polled the network. */
  private handOn(): void {
    if (this.inSlice()) {
      this.startWaiting();
      return;
    }
    if (this.handing || this.waiting.length === 0) return;
    this.handing = true;
    setImmediate(() => {
      this.handing = false;
      this.sliceStartedAt = this.clock();
      this.startWaiting();
    });
  }

  /**
   * Wall time, not the searches' own: the rest of each request (checking and writing its response)
   * runs on the same turn of the loop, and it is the turn's length that other requests wait for.
   */
  private inSlice(): boolean {
    return this.clock() - this.sliceStartedAt < (this.limits.sliceMs ?? 0);
  }

  private startWaiting(): void {
    while (this.running < this.limits.concurrency) {
      const next = this.waiting.shift();
      if (!next) return;
      clearTimeout(next.timer);
      this.running += 1;
      next.start();
    }
  }
}

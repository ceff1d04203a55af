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
 * The embedded engine computes a search synchronously on the event loop. Run as they arrive, 32
 * concurrent searches each held the loop in turn and a /healthz or a page request waited behind all
 * of them (p50 496 ms in the measurement). Here every search waits for a slot, and a slot
 * is handed on through `setImmediate`, i.e. after the loop has polled the network again: whatever
 * else arrived meanwhile is answered between two searches, so it waits for at most one search.
 *
 * Why not worker threads: the index lives in process memory (bitsets, word index, bodies) and
 * copying it into workers would double the memory the issue asks to keep under 1 GB; with ranking
 * at a few milliseconds a search, interleaving is enough. An engine that answers over the network
 * (Elasticsearch) gets several slots, since its searches wait on I/O, not on this loop.
 *
 * A few searches queue (`maxQueue`, each for at most `maxWaitMs`); beyond that the answer is a
 * clear refusal (503, `Retry-After`, code `search_busy`) rather than an ever longer wait.
 */
export class SearchGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private handing = false;

  constructor(private readonly limits: { concurrency: number; maxQueue: number; maxWaitMs: number }) {}

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

  /** Starts the next waiting searches on a later turn of the loop, after it has polled the network. */
  private handOn(): void {
    if (this.handing) return;
    this.handing = true;
    setImmediate(() => {
      this.handing = false;
      while (this.running < this.limits.concurrency) {
        const next = this.waiting.shift();
        if (!next) return;
        clearTimeout(next.timer);
        this.running += 1;
        next.start();
      }
    });
  }
}

/**
 * Full-jitter exponential backoff: a random delay between zero and the capped exponential, so
 * many deliveries failing together (a provider outage) do not come back in lockstep.
 */
export function fullJitterDelay({ attempt, baseMs, maxMs, random = Math.random }: { attempt: number; baseMs: number; maxMs: number; random?: () => number }): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Token bucket: `ratePerSecond` tokens refill continuously up to `capacity`. `take()` waits for a
 * token instead of failing, so a lane simply slows down to the configured rate.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private waiting: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly options: { ratePerSecond: number; capacity: number; now?: () => number },
  ) {
    this.tokens = options.capacity;
    this.last = this.clock();
  }

  private clock(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.options.capacity, this.tokens + ((now - this.last) / 1000) * this.options.ratePerSecond);
    this.last = now;
  }

  /** Takes a token without waiting; false when the bucket is empty. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits (in arrival order) until a token is available and takes it. */
  take(): Promise<void> {
    // The common case under the limit: nobody waiting and a token at hand, no promise chain needed.
    if (this.queued === 0 && this.tryTake()) return Promise.resolve();
    this.queued += 1;
    const turn = this.waiting.then(async () => {
      while (!this.tryTake()) await sleep(Math.max(1, Math.ceil(((1 - this.tokens) / this.options.ratePerSecond) * 1000)));
      this.queued -= 1;
    });
    this.waiting = turn;
    return turn;
  }
}

/** One bucket per key (channel, sending account), created on first use with the same settings. */
export class BucketRegistry {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly settings: (key: string) => { ratePerSecond: number; capacity: number }) {}

  get(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.settings(key));
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

/** An interval of about `intervalMs` ± `jitterMs`, never below zero: human-looking pacing for WeChat. */
export function jitteredInterval({ intervalMs, jitterMs, random = Math.random }: { intervalMs: number; jitterMs: number; random?: () => number }): number {
  return Math.max(0, Math.round(intervalMs + (random() * 2 - 1) * jitterMs));
}

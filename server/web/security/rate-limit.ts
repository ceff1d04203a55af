/**
 * Fixed-window counters per key (client address, e-mail address), in process memory. Enough to
 * slow password guessing and form spam on one web process; several web processes each keep their
 * own counts, so the effective limit is per process (see docs/web.md).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly options: { limit: number; windowMs: number; now?: () => number; maxKeys?: number }) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** Counts one attempt; `allowed` is false once the key has used up its window. */
  hit(key: string): { allowed: boolean; retryAfterSeconds: number } {
    const now = this.now();
    this.prune(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.options.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { allowed: window.count <= this.options.limit, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }

  /** Whether the key is over its limit, without counting an attempt. */
  blocked(key: string): { blocked: boolean; retryAfterSeconds: number } {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) return { blocked: false, retryAfterSeconds: 0 };
    return { blocked: window.count >= this.options.limit, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }

  /** A successful sign-in clears the failures counted against that account. */
  reset(key: string): void {
    this.windows.delete(key);
  }

  private prune(now: number): void {
    // Bounded memory under a flood of distinct keys: expired windows go first, then the oldest.
    if (this.windows.size < (this.options.maxKeys ?? 50_000)) return;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    const excess = this.windows.size - Math.floor((this.options.maxKeys ?? 50_000) * 0.9);
    if (excess <= 0) return;
    let removed = 0;
    for (const key of this.windows.keys()) {
      if (removed >= excess) break;
      this.windows.delete(key);
      removed += 1;
    }
  }
}

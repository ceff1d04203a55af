const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * At most `limit` sends in any `windowMs` (WeCom: 20 messages a minute per robot). A sliding
 * window rather than a token bucket: a full bucket plus a minute of refill would let 39 through in
 * the first minute, and the platform answers the 21st with 45009. `hold` keeps the robot quiet
 * after the platform said it was sending too fast.
 */
export class SlidingWindowLimit {
  private sent: number[] = [];
  private heldUntil = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: { limit: number; windowMs: number; now?: () => number }) {}

  private clock(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** Waits (in arrival order) until a send is allowed and counts it. */
  take(): Promise<void> {
    const turn = this.chain.then(async () => {
      for (;;) {
        const now = this.clock();
        this.sent = this.sent.filter((t) => t > now - this.options.windowMs - Math.min(250, this.options.windowMs * 0.05));
        // A small margin: the platform counts arrival, which comes a little after our clock says "sent".
        const margin = Math.min(250, this.options.windowMs * 0.05);
        const full = this.sent.length >= this.options.limit ? (this.sent[0] ?? now) + this.options.windowMs + margin - now : 0;
        const wait = Math.max(full, this.heldUntil - now);
        if (wait <= 0) {
          this.sent.push(now);
          return;
        }
        await sleep(wait);
      }
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  hold(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.clock() + ms);
  }

  heldFor(): number {
    return Math.max(0, this.heldUntil - this.clock());
  }
}

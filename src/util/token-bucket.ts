// The rate authority: a token bucket refilled smoothly (ordersPerMinute / 60 000 per ms), so the
// allowance comes back order by order instead of in one burst at each minute boundary.

/** What the throttle asks before orders leave: this process's bucket, or the account's shared in Redis. */
export interface RateDecision {
  /** the most orders one decision can grant (a block larger than this leaves in chunks) */
  readonly capacity: number;
  /** takes `n` sends if all are allowed now (0), or says how many ms to wait before asking again */
  take(n: number): number | Promise<number>;
  /** a venue said "slow down" (429): grant nothing until `ms` from now */
  pauseFor(ms: number): void;
  /** the venue says only `n` are left */
  limitTo(n: number): void;
  /** whole sends available now, for a display */
  available(): number;
  /** this process no longer waits for what it asked (its backlog was dropped): others go first */
  giveUp?(): void;
}

export class TokenBucket implements RateDecision {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(
    readonly capacity: number,
    perMinute: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.perMs = perMinute / 60_000;
    this.last = clock();
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
  }

  /** takes `n` tokens if all are there; never partially */
  tryTake(n: number): boolean {
    this.refill();
    if (this.tokens + 1e-9 < n) return false;
    this.tokens -= n;
    return true;
  }

  take(n: number): number {
    return this.tryTake(n) ? 0 : Math.max(1, this.msUntil(n));
  }

  /** ms until `n` tokens will be there (0 if now) */
  msUntil(n: number): number {
    this.refill();
    return this.tokens + 1e-9 >= n ? 0 : (n - this.tokens) / this.perMs;
  }

  /** whole tokens available now: the budget a display shows */
  available(): number {
    this.refill();
    return Math.floor(this.tokens + 1e-9);
  }

  /** the venue says only `n` are left: never spend more than that */
  limitTo(n: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, n);
  }

  /** a venue said "slow down" (429): spend nothing until `ms` from now */
  pauseFor(ms: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, -ms * this.perMs);
  }
}

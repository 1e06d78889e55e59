// The rate authority: a token bucket refilled smoothly (ordersPerMinute / 60 000 per ms), so the
// allowance comes back order by order instead of in one burst at each minute boundary.

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(readonly capacity: number, perMinute: number, private readonly clock: () => number = () => performance.now()) {
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

// Throttle: orders leave in arrival order within the broker's rate. With budget to spare and no
// backlog, a block goes straight to the workers in the strategy's own call stack (no timer hop);
// otherwise it waits in a bottleneck queue (FIFO, one job at a time) until the bucket refills.
// One job carries a whole block (up to the bucket's capacity), so a 100-leg block pays bottleneck's
// per-job timer cost once, not 100 times.
import Bottleneck from 'bottleneck';
import type { Order } from '../orders/order.js';
import { TokenBucket, type RateDecision } from '../util/token-bucket.js';

export class Throttle {
  private readonly queue = new Bottleneck({ maxConcurrent: 1 });
  private readonly waitingChunks = new Set<Order[]>();
  private waiting = 0;
  private stopped = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly bucket: RateDecision,
    private readonly dispatch: (legs: Order[]) => void,
  ) {}

  /** orders waiting for rate budget */
  get backlog(): number {
    return this.waiting;
  }

  send(legs: Order[]): void {
    for (let i = 0; i < legs.length; i += this.bucket.capacity) {
      const chunk = legs.slice(i, i + this.bucket.capacity);
      // a local bucket decides in the caller's stack; a shared one (a Redis round trip) always via the queue
      if (this.waiting === 0 && this.bucket instanceof TokenBucket && this.bucket.tryTake(chunk.length)) {
        this.dispatch(chunk);
        continue;
      }
      this.waiting += chunk.length;
      this.waitingChunks.add(chunk);
      this.queue.schedule(() => this.release(chunk)).catch(() => undefined); // dropped at stop()
    }
  }

  private async release(chunk: Order[]): Promise<void> {
    for (;;) {
      if (this.stopped || !this.waitingChunks.has(chunk)) return this.bucket.giveUp?.();
      // asked again each time: a shared limit can shrink (another runner's figure, a lost Redis)
      const n = Math.min(chunk.length, Math.max(1, this.bucket.capacity));
      const wait = await this.bucket.take(n);
      if (wait > 0) {
        await this.pause(wait);
        continue;
      }
      // granted: a chunk dropped while the grant was on its way is not sent (the grant is spent)
      if (this.stopped || !this.waitingChunks.has(chunk)) return;
      const legs = chunk.splice(0, n);
      this.waiting -= legs.length;
      if (!chunk.length) this.waitingChunks.delete(chunk);
      this.dispatch(legs);
      if (!chunk.length) return;
    }
  }

  /** a wait for budget that stop() and a withdrawal cut short, so neither waits out a slow refill */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.ceil(ms));
      this.wakers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** What the venue itself reports overrides our own count: a 429's wait, or its remaining allowance. */
  venueSays(info: { remaining?: number; resetAt?: number; retryAfterMs?: number }): void {
    const wait = info.retryAfterMs ?? (info.resetAt !== undefined ? info.resetAt - Date.now() : 0);
    if ((info.remaining ?? 0) <= 0 && wait > 0) this.bucket.pauseFor(wait);
    else if (info.remaining !== undefined) this.bucket.limitTo(info.remaining);
  }

  /** Takes one order back from the backlog (canceled before it was sent); false when it already left. */
  withdraw(order: Order): boolean {
    for (const chunk of this.waitingChunks) {
      const i = chunk.indexOf(order);
      if (i < 0) continue;
      chunk.splice(i, 1);
      this.waiting--;
      if (!chunk.length) {
        this.waitingChunks.delete(chunk);
        this.wakeAll(); // its job need not wait for budget any longer
      }
      return true;
    }
    return false;
  }

  /** Takes back every order still waiting for budget (end of session), for the caller to close out. */
  dropWaiting(): Order[] {
    const never = [...this.waitingChunks].flat();
    this.waitingChunks.clear();
    this.waiting = 0;
    this.wakeAll(); // the job sleeping for a dropped chunk returns now instead of after a refill
    return never;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.dropWaiting();
    this.wakeAll();
    await this.queue.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}

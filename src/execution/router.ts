// Router: orders leave in arrival order within the broker's rate. With budget to spare and no
// backlog, a block goes straight to the workers in the strategy's own call stack (no timer hop);
// otherwise it waits in a bottleneck queue (FIFO, one job at a time) until the bucket refills.
// One job carries a whole block (up to the bucket's capacity), so a 100-leg block pays bottleneck's
// per-job timer cost once, not 100 times.
import Bottleneck from 'bottleneck';
import type { Order } from './order.js';
import { TokenBucket, type RateDecision } from './token-bucket.js';

export class Router {
  private readonly queue = new Bottleneck({ maxConcurrent: 1 });
  private readonly waitingChunks = new Set<Order[]>();
  private waiting = 0;
  private stopped = false;
  /** wakes the job sleeping until the bucket refills, so a drop or a stop never waits out a refill */
  private wake: (() => void) | undefined;

  constructor(private readonly bucket: RateDecision, private readonly dispatch: (legs: Order[]) => void) {}

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
      if (this.stopped || !this.waitingChunks.has(chunk)) return;
      const wait = await this.bucket.take(chunk.length);
      if (wait === 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.wake = undefined; resolve(); }, Math.ceil(wait));
        this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
      });
    }
    // granted: a chunk dropped while the grant was on its way is not sent (the grant is spent)
    if (this.stopped || !this.waitingChunks.delete(chunk)) return;
    this.waiting -= chunk.length;
    this.dispatch(chunk);
  }

  /** What the venue itself reports overrides our own count: a 429's wait, or its remaining allowance. */
  venueSays(info: { remaining?: number; resetAt?: number; retryAfterMs?: number }): void {
    const wait = info.retryAfterMs ?? (info.resetAt !== undefined ? info.resetAt - Date.now() : 0);
    if ((info.remaining ?? 0) <= 0 && wait > 0) this.bucket.pauseFor(wait);
    else if (info.remaining !== undefined) this.bucket.limitTo(info.remaining);
  }

  /** Takes back every order still waiting for budget (end of session), for the caller to close out. */
  dropWaiting(): Order[] {
    const never = [...this.waitingChunks].flat();
    this.waitingChunks.clear();
    this.waiting = 0;
    this.wake?.(); // the job sleeping for a dropped chunk returns now instead of after a refill
    return never;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.dropWaiting();
    await this.queue.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}

// The pool of execution worker threads. Legs are spread over the workers when they are created
// (the worker id is part of the client order id), and a dispatch sends each worker its legs in
// one message.
import type { Worker } from 'node:worker_threads';
import type { BrokerHub } from '../brokers/broker.js';
import type { BrokerConfig } from '../brokers/index.js';
import { spawnWorker } from '../util/worker-entry.js';
import type { ExecutionWorkerData, FromWorker, ToWorker } from './messages.js';
import { toWire, type Order } from '../orders/order.js';
import type { RetryPolicy } from './submit-with-retry.js';

export interface WorkerActivity {
  workerId: number;
  inFlight: number;
  sent: number;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly activity: WorkerActivity[] = [];
  private next = 0;
  /** per worker, how wide its broker client sends, as it said when ready */
  readonly widths: string[] = [];

  private constructor(private readonly onMessage: (workerId: number, message: FromWorker) => void) {}

  static async start(options: {
    size: number;
    broker: BrokerConfig;
    hub?: BrokerHub;
    retry: RetryPolicy;
    /** legs one worker may be handed at once: its share of the burst */
    width?: number;
    onMessage: (workerId: number, message: FromWorker) => void;
    /** a worker died after it started: its orders in flight have no answer coming */
    onCrash?: (workerId: number, error: Error) => void;
  }): Promise<WorkerPool> {
    const pool = new WorkerPool(options.onMessage);
    const ready: Promise<void>[] = [];
    for (let workerId = 1; workerId <= options.size; workerId++) {
      const { link, transfer } = options.hub?.link(workerId) ?? { link: { workerId }, transfer: [] };
      link.width = options.width;
      const data: ExecutionWorkerData = { workerId, broker: options.broker, link, retry: options.retry };
      const worker = spawnWorker('execution/execution-worker', { workerData: data, transferList: transfer });
      pool.workers.push(worker);
      pool.activity.push({ workerId, inFlight: 0, sent: 0 });
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', function first(m: FromWorker) {
            if (m.type === 'ready') {
              worker.off('message', first);
              pool.widths[workerId - 1] = m.width ?? '';
              resolve();
            }
            if (m.type === 'connect-failed')
              reject(new Error(`execution worker ${workerId} could not connect to the broker: ${m.message}`));
          });
        }),
      );
      worker.on('message', (m: FromWorker) => pool.receive(workerId, m));
      // without a listener a worker's uncaught error would crash the whole process, end of session and all
      worker.on('error', (error) => options.onCrash?.(workerId, error));
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** round-robin: the worker a new leg will be sent by */
  assign(): number {
    this.next = (this.next % this.workers.length) + 1;
    return this.next;
  }

  dispatch(legs: Order[]): void {
    const byWorker = new Map<number, Order[]>();
    for (const leg of legs) {
      const list = byWorker.get(leg.workerId);
      if (list) list.push(leg);
      else byWorker.set(leg.workerId, [leg]);
    }
    for (const [workerId, orders] of byWorker) {
      const a = this.activity[workerId - 1];
      a.inFlight += orders.length;
      a.sent += orders.length;
      this.post(workerId, { type: 'submit', orders: orders.map(toWire) });
    }
  }

  cancel(order: Order): void {
    // an order adopted at start may name a worker of a larger pool than this one
    this.post((((order.workerId || 1) - 1) % this.workers.length) + 1, {
      type: 'cancel',
      clientOrderId: order.clientOrderId,
      venueClientOrderId: order.venueClientOrderId,
    });
  }

  /** end of session: no worker starts a retry after `by` (epoch ms) */
  stopRetries(by: number): void {
    for (let workerId = 1; workerId <= this.workers.length; workerId++)
      this.post(workerId, { type: 'stop-retries', by });
  }

  stats(): readonly WorkerActivity[] {
    return this.activity;
  }

  get inFlight(): number {
    return this.activity.reduce((n, a) => n + a.inFlight, 0);
  }

  /** lets every worker finish what it started, then stops them (bounded) */
  async close(timeoutMs = 5000): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker, i) => {
        const closed = new Promise<void>((resolve) => {
          worker.on('message', (m: FromWorker) => m.type === 'closed' && resolve());
          worker.once('exit', () => resolve());
        });
        try {
          this.post(i + 1, { type: 'close' });
        } catch {
          /* already gone */
        }
        const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
        await Promise.race([closed, timer]);
        await worker.terminate();
      }),
    );
  }

  private receive(workerId: number, message: FromWorker): void {
    if (message.type === 'ready' || message.type === 'connect-failed' || message.type === 'closed') return; // the pool's own
    if (
      message.type === 'accepted' ||
      message.type === 'rejected' ||
      message.type === 'failed' ||
      message.type === 'not-sent' ||
      message.type === 'unconfirmed'
    ) {
      this.activity[workerId - 1].inFlight--;
    }
    this.onMessage(workerId, message);
  }

  private post(workerId: number, message: ToWorker): void {
    this.workers[workerId - 1].postMessage(message);
  }
}

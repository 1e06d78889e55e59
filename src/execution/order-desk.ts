// The order desk turns what a strategy returns into orders: it checks each request, gives every
// order (valid or not) its client order id and a row in the log, routes the valid legs of a block
// together, and books what the execution workers report back.
import { randomBytes } from 'node:crypto';
import type { SessionLog } from '../util/session-log.js';
import type { FromWorker } from './messages.js';
import { clientOrderId, isTerminal, preciseNow, type Order } from './order.js';
import type { OrderBook } from './order-book.js';
import type { Router } from './router.js';
import { checkOrder, type PositionView } from './validate.js';
import type { WorkerPool } from './worker-pool.js';

const DEFAULT_ACTION: Record<string, string> = { buy: 'buy_long', sell: 'sell_long' };

export interface DeskStats {
  retries: number;
  rejections: number;
  /** strategy return → broker ack, ms, most recent first (bounded) */
  ackLatencies: number[];
}

export class OrderDesk {
  readonly stats: DeskStats = { retries: 0, rejections: 0, ackLatencies: [] };
  private blockSeq = 0;
  private sessionTag = randomBytes(2).toString('hex');
  /** the journal's hook: makes the legs' intent durable, then sends them (or never, if it cannot) */
  beforeSend: (legs: Order[], send: () => void) => void = (_legs, send) => send();
  private readonly cancelAskedAt = new Map<string, number>();

  constructor(
    private readonly book: OrderBook,
    private readonly router: Router,
    private readonly pool: WorkerPool,
    private readonly view: PositionView,
    private readonly log: SessionLog,
  ) {}

  /** One block: every request becomes an order; the valid ones leave together. */
  submitBlock(requests: readonly unknown[], decidedAt = preciseNow()): Order[] {
    const blockId = `${this.sessionTag}-${++this.blockSeq}`;
    const orders: Order[] = [];
    const valid: Order[] = [];
    requests.forEach((raw, leg) => {
      const verdict = checkOrder(raw, this.view);
      if (verdict.ok) {
        const workerId = this.pool.assign();
        const order: Order = {
          ...verdict.order, clientOrderId: clientOrderId(verdict.order.action, workerId), blockId, leg, workerId,
          status: 'created', filledQty: 0, filledAvgPrice: 0, decidedAt, attempts: 0,
        };
        this.book.add(order);
        this.book.move(order, 'queued', { source: 'local' });
        orders.push(order);
        valid.push(order);
      } else {
        const p = verdict.partial;
        const action = p.action || DEFAULT_ACTION[p.side] || 'invalid';
        const order: Order = {
          clientOrderId: clientOrderId(action, 0), ticker: p.ticker, quantity: p.quantity,
          side: (p.side === 'sell' ? 'sell' : 'buy'), orderType: 'market', timeInForce: 'day', action: action as Order['action'],
          blockId, leg, workerId: 0, status: 'created', filledQty: 0, filledAvgPrice: 0, decidedAt, attempts: 0,
        };
        this.book.add(order);
        this.book.move(order, 'rejected', { source: 'local', rawStatus: 'invalid', reason: verdict.reason });
        this.stats.rejections++;
        this.log.warn(`order rejected before sending (block ${blockId}, leg ${leg}): ${verdict.reason}`);
        orders.push(order);
      }
    });
    if (valid.length) this.beforeSend(valid, () => this.router.send(valid));
    return orders;
  }

  /** a resumed session keeps its block id prefix and numbering, so block ids never repeat */
  continueBlocks(sessionTag: string, blockSeq: number): void {
    this.sessionTag = sessionTag;
    this.blockSeq = blockSeq;
  }

  get blockTag(): string {
    return this.sessionTag;
  }

  onWorkerMessage(workerId: number, message: FromWorker): void {
    if (message.type === 'rate-limit') {
      this.router.venueSays(message.info);
      return;
    }
    if (message.type === 'retry') {
      this.stats.retries++;
      if (message.retryAfterMs) this.router.venueSays({ retryAfterMs: message.retryAfterMs });
      this.log.warn(`worker ${workerId} retrying ${message.clientOrderId} (attempt ${message.attempt} failed: ${message.error})`);
      return;
    }
    if (message.type === 'cancel-failed') {
      const order = this.book.get(message.clientOrderId);
      if (order && !isTerminal(order.status)) this.log.warn(`cancel of ${message.clientOrderId} refused: ${message.reason}`);
      return;
    }
    if (message.type !== 'accepted' && message.type !== 'rejected' && message.type !== 'failed') return;
    const order = this.book.get(message.clientOrderId);
    if (!order) return;
    order.handedAt = message.handedAt;
    order.ackAt = message.ackAt;
    order.attempts = message.attempts;
    this.stats.ackLatencies.unshift(message.ackAt - order.decidedAt);
    if (this.stats.ackLatencies.length > 1000) this.stats.ackLatencies.pop();
    if (message.type === 'accepted') {
      order.brokerOrderId ??= message.ack.brokerOrderId;
      this.book.move(order, 'submitted', { source: 'execution', rawStatus: message.ack.rawStatus, at: Date.now() });
      return;
    }
    this.stats.rejections += message.type === 'rejected' ? 1 : 0;
    this.book.move(order, message.type, { source: message.type === 'rejected' ? 'execution' : 'local', rawStatus: message.type, reason: message.reason });
    this.log.warn(`order ${order.clientOrderId} ${message.type}: ${message.reason}`);
  }

  /**
   * Closes out every open order: ones still waiting for rate budget are canceled here, the rest
   * are canceled at the broker (again every second while the broker has not confirmed).
   * Resolves with the orders still open at the deadline.
   */
  async cancelOpen(timeoutMs: number, reason: string): Promise<Order[]> {
    for (const order of this.router.dropWaiting()) this.book.move(order, 'canceled', { source: 'local', rawStatus: 'not_sent', reason });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = this.book.open();
      if (!open.length || Date.now() >= deadline) return open;
      for (const order of open) {
        // a cancel can only reach an order the broker has acknowledged
        if (order.status === 'queued' || (order.status === 'submitted' && !order.brokerOrderId)) continue;
        const asked = this.cancelAskedAt.get(order.clientOrderId) ?? 0;
        if (Date.now() - asked < 1000) continue;
        this.cancelAskedAt.set(order.clientOrderId, Date.now());
        this.pool.cancel(order);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

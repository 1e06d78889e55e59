// The order desk turns what a strategy returns into orders: it checks each request, gives every
// order (valid or not) its client order id and a row in the log, routes the valid legs of a block
// together, and books what the execution workers report back.
import { randomBytes } from 'node:crypto';
import type { Log } from '../util/log.js';
import type { FromWorker } from './messages.js';
import { clientOrderId, freshOrderState, isTerminal, preciseNow, type Order } from '../orders/order.js';
import { InstructionDesk, instructionOf, openOrderView, type Instruction } from './order-instructions.js';
import type { OrderRegistry } from './order-registry.js';
import type { Throttle } from './throttle.js';
import { checkOrder, type CheckedRequest, type PositionView } from './validate.js';
import type { WorkerPool } from './worker-pool.js';

const DEFAULT_ACTION: Record<string, string> = { buy: 'buy_long', sell: 'sell_long' };
/** how long the end of session waits for blocks whose journal sync is under way */
const JOURNAL_WAIT_MS = 2000;

/** the pre-trade risk check (src/risk/): one verdict per leg, undefined = passes */
export interface RiskGate {
  check(legs: ReadonlyArray<CheckedRequest | undefined>): ReadonlyArray<{ reason: string } | undefined>;
}

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
  /** the runner's strategy id: every client order id made here ends with it (none: blockpaca's shape) */
  strategyId: string | undefined;
  private readonly cancelAskedAt = new Map<string, number>();
  /** blocks whose intents are being made durable: a stop before that ends cancels them unsent */
  private readonly awaitingJournal = new Set<Order[]>();
  private readonly instructions: InstructionDesk;
  /** the block being taken in, for rows of refused cancels and replaces */
  private current = { blockId: '', leg: 0, decidedAt: 0 };

  constructor(
    private readonly book: OrderRegistry,
    private readonly throttle: Throttle,
    private readonly pool: WorkerPool,
    private readonly view: PositionView,
    private readonly log: Log,
    private readonly risk?: RiskGate,
  ) {
    this.instructions = new InstructionDesk({
      book,
      throttle,
      pool,
      view,
      refuse: (kind, target, reason) =>
        this.reject(
          { ticker: target?.ticker ?? '', quantity: 0, side: target?.side ?? '', action: target?.action ?? kind },
          reason,
          { idTag: kind },
        ),
    });
  }

  /**
   * One block: cancels and replaces are carried out, every new order request becomes an order,
   * the new orders are checked together (risk counts the block's own earlier legs), and the valid
   * ones leave together.
   */
  submitBlock(requests: readonly unknown[], decidedAt = preciseNow()): Order[] {
    const blockId = `${this.sessionTag}-${++this.blockSeq}`;
    const orders: Order[] = [];
    const valid: Order[] = [];
    const refused: string[] = [];
    const fresh: Array<{ raw: unknown; leg: number }> = [];
    requests.forEach((raw, leg) => {
      this.current = { blockId, leg, decidedAt };
      const instruction = instructionOf(raw);
      if (!instruction) {
        fresh.push({ raw, leg });
        return;
      }
      const done = this.carryOut(instruction);
      if (done) orders.push(done.order);
      if (done?.queued) valid.push(done.order);
    });
    const verdicts = fresh.map(({ raw }) => checkOrder(raw, this.view));
    const refusals = this.risk?.check(verdicts.map((v) => (v.ok ? v.order : undefined)));
    verdicts.forEach((verdict, i) => {
      const leg = fresh[i].leg;
      this.current = { blockId, leg, decidedAt };
      const refusal = refusals?.[i];
      if (!verdict.ok) {
        orders.push(this.reject(verdict.partial, verdict.reason));
        return;
      }
      if (refusal) {
        refused.push(refusal.reason);
        orders.push(this.reject(verdict.order, refusal.reason, { risk: true }));
        return;
      }
      const workerId = this.pool.assign();
      // a bracket's exits are orders of their own in the book and the log; they travel with their entry
      const make = (terms: CheckedRequest, parentId?: string): Order => {
        const order: Order = {
          ...terms,
          ...(parentId === undefined ? {} : { parentId }),
          legs: undefined,
          clientOrderId: clientOrderId(terms.action, workerId, this.strategyId),
          blockId,
          leg,
          workerId,
          ...freshOrderState(decidedAt),
        };
        this.book.add(order);
        this.book.move(order, 'queued', { source: 'local' });
        orders.push(order);
        return order;
      };
      const entry = make(verdict.order);
      if (verdict.order.legs) entry.legs = verdict.order.legs.map((terms) => make(terms, entry.clientOrderId));
      valid.push(entry);
    });
    // one line per block, not per leg: a runaway strategy's 1,000 refused legs must not flood the log
    if (refused.length)
      this.log.warn(
        `risk refused ${refused.length} of ${requests.length} leg(s) of block ${blockId}: ${refused.slice(0, 3).join(' | ')}${refused.length > 3 ? ` (+${refused.length - 3} more: see the trade log)` : ''}`,
      );
    // validate → risk → journal: only what is sent is journaled, and its intent is on disk first
    if (valid.length) {
      this.awaitingJournal.add(valid);
      this.beforeSend(valid, () => {
        if (this.awaitingJournal.delete(valid)) this.throttle.send(valid);
      });
    }
    return orders.sort((x, y) => x.leg - y.leg);
  }

  /**
   * A cancel or replace of the current leg. A cancel leaves no order of its own; a replace is a new
   * order (queued: true), or its rejection row when the instruction is malformed or risk refuses it.
   */
  private carryOut(instruction: Instruction | { problem: string }): { order: Order; queued: boolean } | undefined {
    if ('problem' in instruction) {
      const order = this.reject({ ticker: '', quantity: 0, side: '', action: '' }, instruction.problem, {
        idTag: 'instruction',
      });
      return { order, queued: false };
    }
    const replacement = this.instructions.handle(instruction, this.current);
    if (!replacement) return undefined;
    // a replace is a new order at the venue: the same limits apply to what it asks for
    const refusal = this.risk?.check([replacement as unknown as CheckedRequest])[0];
    if (refusal)
      return { order: this.reject(replacement, refusal.reason, { idTag: 'replace', risk: true }), queued: false };
    this.book.add(replacement);
    this.book.move(replacement, 'queued', { source: 'local' });
    return { order: replacement, queued: true };
  }

  /**
   * The open orders a strategy sees in getCurrentData().orders, oldest first. While a replace is on
   * its way the list shows the replacement only (its `replaces` names the order it swaps out): the
   * strategy manages one order, and a tick that lands mid-replace must not see two and act on both.
   */
  openOrders() {
    const now = preciseNow();
    const open = this.book.open();
    const beingReplaced = new Set(open.map((o) => o.replaces));
    return open.filter((o) => !beingReplaced.has(o.clientOrderId)).map((o) => openOrderView(o, now));
  }

  /**
   * A request that never reaches a broker: its own id and one `rejected` row. `risk`: refused by a
   * limit (raw status `risk`; the block's one log line says so), else invalid (a line each).
   */
  private reject(
    p: {
      ticker: string;
      quantity: number;
      side: string;
      action: string;
      orderType?: Order['orderType'];
      limitPrice?: number;
    },
    reason: string,
    { idTag, risk = false }: { idTag?: string; risk?: boolean } = {},
  ): Order {
    const { blockId, leg, decidedAt } = this.current;
    const action = p.action || DEFAULT_ACTION[p.side] || 'invalid';
    const order: Order = {
      clientOrderId: clientOrderId(idTag ?? action, 0, this.strategyId),
      ticker: p.ticker,
      quantity: p.quantity,
      side: p.side === 'sell' ? 'sell' : 'buy',
      orderType: p.orderType ?? 'market',
      limitPrice: p.limitPrice,
      timeInForce: 'day',
      action: action as Order['action'],
      blockId,
      leg,
      workerId: 0,
      ...freshOrderState(decidedAt),
    };
    this.book.add(order);
    this.book.move(order, 'rejected', { source: 'local', rawStatus: risk ? 'risk' : 'invalid', reason });
    this.stats.rejections++;
    if (!risk)
      this.log.warn(
        `${idTag && idTag !== 'instruction' ? `${idTag} refused` : 'order rejected before sending'} (block ${blockId}, leg ${leg}): ${reason}`,
      );
    return order;
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
      this.throttle.venueSays(message.info);
      return;
    }
    if (message.type === 'retry') {
      this.stats.retries++;
      if (message.retryAfterMs) this.throttle.venueSays({ retryAfterMs: message.retryAfterMs });
      this.log.warn(
        `worker ${workerId} retrying ${message.clientOrderId} (attempt ${message.attempt} failed: ${message.error})`,
      );
      return;
    }
    if (message.type === 'cancel-failed') {
      const order = this.book.get(message.clientOrderId);
      if (order && this.instructions.cancelRefused(order, message.reason)) return;
      if (order && !isTerminal(order.status))
        this.log.warn(`cancel of ${message.clientOrderId} refused: ${message.reason}`);
      return;
    }
    if (
      message.type !== 'accepted' &&
      message.type !== 'rejected' &&
      message.type !== 'failed' &&
      message.type !== 'not-sent' &&
      message.type !== 'unconfirmed'
    )
      return;
    const order = this.book.get(message.clientOrderId);
    if (!order) return;
    order.handedAt = message.handedAt;
    order.wiredAt = message.wiredAt;
    order.ackAt = message.ackAt;
    order.attempts = message.attempts;
    this.stats.ackLatencies.unshift(message.ackAt - order.decidedAt);
    if (this.stats.ackLatencies.length > 1000) this.stats.ackLatencies.pop();
    if (message.type === 'accepted') {
      order.brokerOrderId ??= message.ack.brokerOrderId;
      for (const leg of message.ack.legs ?? [])
        this.book.alias(leg.clientOrderId, leg.venueClientOrderId, leg.brokerOrderId);
      this.book.move(order, 'submitted', { source: 'execution', rawStatus: message.ack.rawStatus, at: Date.now() });
      this.instructions.acknowledged(order);
      return;
    }
    this.stats.rejections += message.type === 'rejected' ? 1 : 0;
    // not sent again at the end of session: canceled unsent; no final word from the broker: unconfirmed
    const [status, rawStatus] =
      message.type === 'not-sent'
        ? (['canceled', 'not_sent'] as const)
        : message.type === 'unconfirmed'
          ? (['expired', 'unconfirmed'] as const)
          : ([message.type, message.type] as const);
    this.book.move(order, status, {
      source: message.type === 'rejected' ? 'execution' : 'local',
      rawStatus,
      reason: message.reason,
    });
    for (const exit of order.legs ?? []) {
      const leg = this.book.get(exit.clientOrderId);
      if (!leg) throw new Error(`exit ${exit.clientOrderId} of ${order.clientOrderId} is not in the order registry`);
      this.book.move(leg, status, {
        source: 'local',
        rawStatus,
        reason: `its ${order.orderClass} entry ${order.clientOrderId} was ${status}: ${message.reason}`,
      });
    }
    if (message.type === 'not-sent') return;
    this.log.warn(`order ${order.clientOrderId} ${message.type}: ${message.reason}`);
  }

  /**
   * End of session: orders still waiting for rate budget are canceled here (never sent), and no
   * retry starts after `retriesUntil`: an order whose next attempt would come later is canceled
   * as not sent (its worker answers for it).
   */
  async stopSending(reason: string, retriesUntil: number): Promise<void> {
    // a block the strategy already returned leaves once its intent is durable (a sync takes ms);
    // only a stalled disk is not waited for past JOURNAL_WAIT_MS: then it is canceled unsent
    const waitUntil = Date.now() + JOURNAL_WAIT_MS;
    while (this.awaitingJournal.size && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 2));
    // a bracket's exits travel with their entry: they end with it
    const waiting = [...this.awaitingJournal]
      .flat()
      .concat(this.throttle.dropWaiting())
      .flatMap((o) => [o, ...((o.legs ?? []) as Order[])]);
    this.awaitingJournal.clear();
    for (const order of waiting) this.book.move(order, 'canceled', { source: 'local', rawStatus: 'not_sent', reason });
    this.pool.stopRetries(retriesUntil);
  }

  /**
   * The last word on orders the broker never gave a final status for by the deadline: each gets a
   * terminal `expired` row (raw status `unconfirmed`) saying so, so the trade log is complete; a
   * broker that fills it later shows up in the reconciliation. Returns them.
   */
  closeOut(open: Order[], reason: string): Order[] {
    for (const order of open) {
      this.log.warn(`order ${order.clientOrderId} still ${order.status} at the end of the session: ${reason}`);
      this.book.move(order, 'expired', { source: 'local', rawStatus: 'unconfirmed', reason });
    }
    return open;
  }

  /**
   * Closes out every open order: ones still waiting for rate budget are canceled here, the rest
   * are canceled at the broker (again every second while the broker has not confirmed).
   * Resolves with the orders still open at the deadline.
   */
  async cancelOpen(timeoutMs: number, reason: string): Promise<Order[]> {
    const deadline = Date.now() + timeoutMs;
    await this.stopSending(reason, deadline);
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

// Every order of the session and its one state machine (the table in orders/status.ts). Each
// accepted transition is announced once (trade log, portfolio, display listen here), so the log has
// exactly one row per status change. A broker update the table refuses is recorded with its reason:
// a fill racing a cancel must not vanish unseen.
import type { TradeUpdate } from '../brokers/broker.js';
import type { BlockTiming, OrderStatus, RefusedTransitions, TerminalStatus } from '../types.js';
import type { Order } from '../orders/order.js';
import { isTerminal, salvoStatusOf, transitionRefusal } from '../orders/status.js';
import type { Log } from '../util/log.js';
import { closesSide } from './validate.js';

export interface OrderEvent {
  order: Order;
  status: OrderStatus;
  /** the venue's word, or salvo's own for local transitions */
  rawStatus: string;
  /** 'execution' for what a broker reported, 'local' for what salvo decided */
  source: 'execution' | 'local';
  /** epoch ms */
  at: number;
  reason?: string;
  /** the quantity and price filled by this transition, if any */
  fill?: { qty: number; price: number };
}

/** salvo's order `clientOrderId` is `venueClientOrderId` / `brokerOrderId` at the venue */
export interface OrderAlias {
  clientOrderId: string;
  venueClientOrderId: string;
  brokerOrderId: string;
}

/** refused updates kept one by one in the report; the rest are only counted */
const REFUSALS_KEPT = 20;
const EPS = 1e-12;

/** unknown ids whose updates are kept for an alias that may still come */
const MAX_UNCLAIMED = 1000;

export class OrderRegistry {
  private readonly orders = new Map<string, Order>();
  private readonly listeners: Array<(event: OrderEvent) => void> = [];
  private readonly blocks = new Map<string, Order[]>();
  /** updates for ids this session does not know (another client on the account), counted */
  foreignUpdates = 0;
  private readonly refused: RefusedTransitions = { count: 0, withFill: 0, byReason: {}, first: [] };
  /** a venue's own client order ids for salvo's group legs (Alpaca names a bracket's legs itself) */
  private readonly aliases = new Map<string, Order>();
  /**
   * updates for unknown ids, kept a while: a leg's first updates can overtake the ack that names
   * it (the stream and the worker's answer race), and are applied when the alias arrives
   */
  private readonly unclaimed = new Map<string, TradeUpdate[]>();
  private readonly aliasListeners: Array<(alias: OrderAlias) => void> = [];

  /** `log` hears a warning for each refused update that carries a fill */
  constructor(private readonly log?: Pick<Log, 'warn'>) {}

  onEvent(listener: (event: OrderEvent) => void): void {
    this.listeners.push(listener);
  }

  /** hears each alias learned (the journal keeps them: a resumed session asks the venue by its ids) */
  onAlias(listener: (alias: OrderAlias) => void): void {
    this.aliasListeners.push(listener);
  }

  add(order: Order): void {
    this.orders.set(order.clientOrderId, order);
    const block = this.blocks.get(order.blockId);
    if (block) block.push(order);
    else this.blocks.set(order.blockId, [order]);
  }

  get(clientOrderId: string): Order | undefined {
    return this.orders.get(clientOrderId);
  }

  /** Moves an order if its state machine allows it; returns whether it moved. */
  move(
    order: Order,
    status: OrderStatus,
    how: {
      rawStatus?: string;
      source: 'execution' | 'local';
      reason?: string;
      filledQty?: number;
      filledAvgPrice?: number;
      at?: number;
    },
  ): boolean {
    const filledQty = how.filledQty ?? order.filledQty;
    if (transitionRefusal(order.status, status, filledQty > order.filledQty + EPS)) return false;
    let fill: OrderEvent['fill'];
    if (filledQty > order.filledQty + EPS) {
      const avg = how.filledAvgPrice ?? order.filledAvgPrice;
      const qty = filledQty - order.filledQty;
      fill = { qty, price: (avg * filledQty - order.filledAvgPrice * order.filledQty) / qty };
      order.filledQty = filledQty;
      order.filledAvgPrice = avg;
    }
    order.status = status;
    if (how.reason) order.reason = how.reason;
    const event: OrderEvent = {
      order,
      status,
      rawStatus: how.rawStatus ?? status,
      source: how.source,
      at: how.at ?? Date.now(),
      reason: how.reason,
      fill,
    };
    for (const listener of this.listeners) listener(event);
    return true;
  }

  /** the venue calls salvo's order `clientOrderId` `venueClientOrderId` (and `brokerOrderId`) in its updates */
  alias(clientOrderId: string, venueClientOrderId: string, brokerOrderId: string): void {
    const order = this.orders.get(clientOrderId);
    if (!order) return;
    order.brokerOrderId ??= brokerOrderId;
    order.venueClientOrderId = venueClientOrderId;
    this.aliases.set(venueClientOrderId, order);
    for (const listener of this.aliasListeners) listener({ clientOrderId, venueClientOrderId, brokerOrderId });
    const early = this.unclaimed.get(venueClientOrderId) ?? [];
    this.unclaimed.delete(venueClientOrderId);
    this.foreignUpdates -= early.length;
    for (const update of early) this.applyUpdate(update);
  }

  /** A trade update from the broker's stream; one the table refuses is recorded (see refusedTransitions). */
  applyUpdate(update: TradeUpdate): void {
    const venueId = update.order.clientOrderId;
    const order = this.orders.get(venueId) ?? this.aliases.get(venueId);
    if (!order) {
      this.foreignUpdates++;
      this.keepUnclaimed(update);
      return;
    }
    const status = salvoStatusOf(update.order.status);
    if (!status) return;
    order.brokerOrderId ??= update.order.brokerOrderId;
    const rawStatus = update.order.rawStatus || update.event;
    const from = order.status;
    const moved = this.move(order, status, {
      source: 'execution',
      rawStatus,
      at: update.timestamp,
      reason:
        update.order.reason ??
        (update.order.status === 'replaced' ? `replaced by ${update.order.replacedBy ?? 'a new order'}` : undefined),
      filledQty: update.order.filledQty,
      filledAvgPrice: update.order.filledAvgPrice,
    });
    if (!moved) this.refuse(order, from, status, rawStatus, update);
  }

  /**
   * Records a refused update. A repeat of the status the order has, with nothing more filled, is a
   * duplicate (a venue's ack and its stream both say `new`): nothing is lost, so it is not counted.
   */
  private refuse(order: Order, from: OrderStatus, to: OrderStatus, rawStatus: string, update: TradeUpdate): void {
    const filledQty = update.order.filledQty;
    const moreFilled = filledQty > order.filledQty + EPS;
    if (from === to && !moreFilled) return;
    const reason = transitionRefusal(from, to, moreFilled) ?? `${from} → ${to}`;
    const r = this.refused;
    r.count++;
    r.byReason[reason] = (r.byReason[reason] ?? 0) + 1;
    const { clientOrderId } = order;
    const knownQty = order.filledQty;
    if (r.first.length < REFUSALS_KEPT)
      r.first.push({ clientOrderId, from, to, rawStatus, reason, filledQty, knownQty, at: update.timestamp });
    if (!moreFilled) return;
    r.withFill++;
    this.log?.warn(
      `order ${clientOrderId} ${order.ticker}: the broker reports ${filledQty} filled (${rawStatus}), salvo booked ${knownQty}; update refused (${reason}): ${filledQty - knownQty} filled at the broker are not in salvo's positions`,
    );
  }

  /** the broker updates the state table refused so far, for the session report */
  refusedTransitions(): RefusedTransitions {
    const r = this.refused;
    return { ...r, byReason: { ...r.byReason }, first: r.first.map((x) => ({ ...x })) };
  }

  private keepUnclaimed(update: TradeUpdate): void {
    const id = update.order.clientOrderId;
    const list = this.unclaimed.get(id);
    if (list) list.push(update);
    else this.unclaimed.set(id, [update]);
    // another client's orders on the account must not grow this without bound: the oldest ids go
    for (const oldest of this.unclaimed.keys()) {
      if (this.unclaimed.size <= MAX_UNCLAIMED) break;
      this.unclaimed.delete(oldest);
    }
  }

  all(): IterableIterator<Order> {
    return this.orders.values();
  }

  open(): Order[] {
    return [...this.orders.values()].filter((o) => !isTerminal(o.status));
  }

  /**
   * quantity open orders are already closing on one side of a ticker (for action checks). The
   * exits of one group (a bracket's two, an OCO's pair) close the same shares once: the larger counts.
   */
  closingInFlight(ticker: string, side: 'long' | 'short'): number {
    let qty = 0;
    const groups = new Map<string, number>();
    for (const o of this.orders.values()) {
      if (o.ticker !== ticker || isTerminal(o.status) || closesSide(o.action) !== side) continue;
      const left = o.quantity - o.filledQty;
      const group = o.parentId ?? (o.orderClass === 'oco' ? o.clientOrderId : undefined);
      if (group === undefined) qty += left;
      else groups.set(group, Math.max(groups.get(group) ?? 0, left));
    }
    for (const left of groups.values()) qty += left;
    return qty;
  }

  counts(): Record<TerminalStatus, number> & { submitted: number; total: number; open: number } {
    const c = { filled: 0, canceled: 0, rejected: 0, expired: 0, failed: 0, submitted: 0, total: 0, open: 0 };
    for (const o of this.orders.values()) {
      c.total++;
      if (o.handedAt !== undefined || o.brokerOrderId !== undefined) c.submitted++;
      if (isTerminal(o.status)) c[o.status]++;
      else c.open++;
    }
    return c;
  }

  /** resolves with the ids still open when all of `orders` are terminal or the time is up */
  async whenTerminal(orders: Order[], timeoutMs: number): Promise<Order[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = orders.filter((o) => !isTerminal(o.status));
      if (!open.length || Date.now() >= deadline) return open;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * per block that reached the venue: strategy return → last ack and → last leg on the wire, and
   * the spread of its legs on the wire and at the hand-off to the adapters
   */
  blockTimings(): BlockTiming[] {
    const out: BlockTiming[] = [];
    for (const [blockId, legs] of this.blocks) {
      const sent = legs.filter(
        (o): o is Order & Required<Pick<Order, 'wiredAt' | 'handedAt' | 'ackAt'>> =>
          o.wiredAt !== undefined && o.handedAt !== undefined && o.ackAt !== undefined,
      );
      if (!sent.length) continue;
      const spread = (times: number[]) => Math.max(...times) - Math.min(...times);
      const wired = sent.map((o) => o.wiredAt);
      out.push({
        blockId,
        legs: sent.length,
        ackMs: Math.max(...sent.map((o) => o.ackAt)) - sent[0].decidedAt,
        wireMs: Math.max(...wired) - sent[0].decidedAt,
        skewMs: spread(wired),
        handoffSkewMs: spread(sent.map((o) => o.handedAt)),
      });
    }
    return out;
  }
}

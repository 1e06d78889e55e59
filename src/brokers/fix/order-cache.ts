// What one FIX session knows about its orders: the order as sent, its latest state from the
// peer's ExecutionReports, which outbound MsgSeqNum carried what (Reject(3) and
// BusinessMessageReject name only a sequence number), and positions netted from the fills.
// It answers getOrder when the peer has no OrderStatusRequest.
import type { BrokerOrderState, BrokerPosition, RecalledOrder, TradeUpdate, WireOrder } from '../broker.js';
import { tradeUpdateOf, type ExecReport } from '../../fix/codec.js';
import { Portfolio } from '../../portfolio/portfolio.js';
import { isFinalAtBroker } from '../../orders/status.js';
const EPS = 1e-9;
/** Reject(3) arrives within a round trip; older sequence numbers are forgotten */
const SEQ_MEMORY = 20_000;

export interface Sent {
  kind: 'submit' | 'replace' | 'cancel' | 'status';
  clientOrderId: string;
}

interface Known {
  wire?: WireOrder;
  state?: BrokerOrderState;
  /** ExecIDs seen: a report resent after a reconnect (PossDupFlag) must not count twice */
  execIds: Set<string>;
  /** a replacement: CumQty / AvgPx its venue reported at the replace, fills of the replaced order */
  base?: { qty: number; avg: number };
  /** a resumed session's journaled fills, counted in the positions until the peer's first report */
  recalled?: { filledQty: number; filledAvgPrice: number };
}

export class OrderCache {
  private readonly orders = new Map<string, Known>();
  /** cancel request ClOrdID → the order it cancels */
  private readonly cancelIds = new Map<string, string>();
  private readonly bySeq = new Map<number, Sent>();
  /** positions from the fills this session saw: the same average-cost book salvo keeps */
  private readonly holdings = new Portfolio();
  private cancelCount = 0;

  sent(order: WireOrder): void {
    const known = this.orders.get(order.clientOrderId);
    if (known) known.wire ??= order;
    else this.orders.set(order.clientOrderId, { wire: order, execIds: new Set() });
  }

  /**
   * A resumed session's journaled orders (another process sent them): their terms, for status
   * requests and cancels, and their journaled fills, so positions go on from where the journal was.
   */
  recall(orders: readonly RecalledOrder[]): void {
    for (const { wire, filledQty, filledAvgPrice } of orders) {
      if (this.orders.has(wire.clientOrderId)) continue;
      this.orders.set(wire.clientOrderId, { wire, execIds: new Set(), recalled: { filledQty, filledAvgPrice } });
      if (filledQty > EPS) this.holdings.applyFill(wire.ticker, wire.side, filledQty, filledAvgPrice);
    }
  }

  wire(clientOrderId: string): WireOrder | undefined {
    return this.orders.get(clientOrderId)?.wire;
  }

  state(clientOrderId: string): BrokerOrderState | undefined {
    const s = this.orders.get(clientOrderId)?.state;
    return s && { ...s };
  }

  open(): BrokerOrderState[] {
    return [...this.orders.values()].flatMap((k) =>
      k.state && !isFinalAtBroker(k.state.status) ? [{ ...k.state }] : [],
    );
  }

  positions(): BrokerPosition[] {
    return this.holdings.held();
  }

  /** a ClOrdID for a cancel request, unique across runs of the process */
  cancelIdFor(clientOrderId: string): string {
    const id = `${clientOrderId}-c${Date.now().toString(36)}${(++this.cancelCount).toString(36)}`;
    this.cancelIds.set(id, clientOrderId);
    return id;
  }

  carried(seqNum: number | undefined, sent: Sent): void {
    if (seqNum === undefined) return;
    this.bySeq.set(seqNum, sent);
    const oldest = this.bySeq.keys().next();
    if (this.bySeq.size > SEQ_MEMORY && !oldest.done) this.bySeq.delete(oldest.value);
  }

  carriedBy(seqNum: number): Sent | undefined {
    return this.bySeq.get(seqNum);
  }

  /** the order a report or a cancel reject is about: cancel requests carry their own ClOrdID */
  orderOf(clOrdId: string, origClOrdId?: string): string {
    const viaCancel = this.cancelIds.get(clOrdId);
    if (viaCancel) return viaCancel;
    if (this.orders.has(clOrdId) || !origClOrdId) return clOrdId;
    return this.cancelIds.get(origClOrdId) ?? origClOrdId;
  }

  /** applies a report; undefined for one already seen */
  apply(er: ExecReport, clientOrderId: string): TradeUpdate | undefined {
    let known = this.orders.get(clientOrderId);
    if (!known) this.orders.set(clientOrderId, (known = { execIds: new Set() }));
    if (er.execId) {
      if (known.execIds.has(er.execId)) return undefined;
      known.execIds.add(er.execId);
    }
    const update = tradeUpdateOf(known.base ? ownFills(er, known.base) : er, clientOrderId, known.wire);
    const before = known.state ?? known.recalled;
    // fills are counted from CumQty, not LastQty: a terse report or a lost one cannot skew positions
    const prevQty = before?.filledQty ?? 0;
    const qty = update.order.filledQty - prevQty;
    if (qty > EPS) {
      const price =
        (update.order.filledAvgPrice * update.order.filledQty - (before?.filledAvgPrice ?? 0) * prevQty) / qty;
      this.holdings.applyFill(update.order.ticker, update.order.side, qty, price);
    }
    known.state = update.order;
    return update;
  }

  /** ExecType 5 from the venue: the replaced order's update; `er` tells what it had filled */
  replaced(clientOrderId: string, replacementId: string, er: ExecReport): TradeUpdate | undefined {
    const known = this.orders.get(clientOrderId);
    const replacement = this.orders.get(replacementId);
    if (replacement && er.cumQty > EPS) replacement.base = { qty: er.cumQty, avg: er.avgPx };
    if (!known?.state || isFinalAtBroker(known.state.status)) return undefined;
    known.state = { ...known.state, status: 'replaced', rawStatus: 'REPLACED', replacedBy: replacementId };
    return { event: 'replaced', order: { ...known.state }, timestamp: er.transactTime ?? Date.now() };
  }

  /** the peer refused an order outright (Reject / BusinessMessageReject): it is rejected here too */
  refused(clientOrderId: string, reason: string, rawStatus: string): TradeUpdate | undefined {
    const known = this.orders.get(clientOrderId);
    if (!known?.wire || (known.state && isFinalAtBroker(known.state.status))) return undefined;
    const w = known.wire;
    known.state = {
      clientOrderId,
      brokerOrderId: known.state?.brokerOrderId ?? '',
      ticker: w.ticker,
      side: w.side,
      quantity: w.quantity,
      status: 'rejected',
      rawStatus,
      filledQty: known.state?.filledQty ?? 0,
      filledAvgPrice: known.state?.filledAvgPrice ?? 0,
      reason,
    };
    return { event: 'rejected', order: { ...known.state }, timestamp: Date.now() };
  }
}

/** a replacement's report net of what the replaced order had filled (venues that carry CumQty across the chain) */
function ownFills(er: ExecReport, base: { qty: number; avg: number }): ExecReport {
  const cumQty = Math.max(0, er.cumQty - base.qty);
  const avgPx = cumQty > EPS ? (er.avgPx * er.cumQty - base.avg * base.qty) / cumQty : 0;
  return { ...er, cumQty, avgPx, orderQty: er.orderQty === undefined ? undefined : er.orderQty - base.qty };
}

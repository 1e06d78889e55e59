// The last state of every order seen on the trade stream, so that (1) after a drop the broker knows
// which orders may have changed unseen and since when to ask, and (2) an update that arrives late
// (a stream message older than a REST snapshot already applied) is not passed on as news.
// Which status is later is the broker's order state table (orders/status.ts).
import type { BrokerOrderStatus, TradeUpdate } from '../broker.js';
import { brokerMovesOn, isFinalAtBroker } from '../../orders/status.js';

const EPS = 1e-9;

interface Seen {
  status: BrokerOrderStatus;
  filledQty: number;
  createdAt: number;
}

export class OrderTracker {
  private readonly seen = new Map<string, Seen>();

  /**
   * true when `update` moves its order forward (new order, more filled, or a later status). After
   * a final status only more filled is news: a fill that raced a cancel goes on to salvo's order
   * registry, which refuses it and reports it, rather than vanishing here.
   */
  admit(update: TradeUpdate, createdAt: number = update.timestamp): boolean {
    const o = update.order;
    const prev = this.seen.get(o.clientOrderId);
    if (prev) {
      const more = o.filledQty > prev.filledQty + EPS;
      const final = isFinalAtBroker(prev.status);
      const later = !final && brokerMovesOn(prev.status, o.status) && o.filledQty >= prev.filledQty - EPS;
      if (!more && !later) return false;
      if (!final) prev.status = o.status;
      prev.filledQty = Math.max(prev.filledQty, o.filledQty);
      return true;
    }
    this.seen.set(o.clientOrderId, { status: o.status, filledQty: o.filledQty, createdAt });
    return true;
  }

  /** creation time of the oldest order not yet final, if any */
  oldestOpen(): number | undefined {
    let oldest: number | undefined;
    for (const s of this.seen.values())
      if (!isFinalAtBroker(s.status) && (oldest === undefined || s.createdAt < oldest)) oldest = s.createdAt;
    return oldest;
  }
}

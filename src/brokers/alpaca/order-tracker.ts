// The last state of every order seen on the trade stream, so that (1) after a drop the broker knows
// which orders may have changed unseen and since when to ask, and (2) an update that arrives late
// (a stream message older than a REST snapshot already applied) is not passed on as news.
import type { BrokerOrderStatus, TradeUpdate } from '../broker.js';

const RANK: Record<BrokerOrderStatus, number> = {
  pending_new: 1,
  held: 1,
  new: 2,
  pending_cancel: 2,
  partially_filled: 3,
  filled: 5,
  canceled: 5,
  rejected: 5,
  expired: 5,
  replaced: 5,
};
const EPS = 1e-9;

interface Seen {
  status: BrokerOrderStatus;
  filledQty: number;
  createdAt: number;
}

export class OrderTracker {
  private readonly seen = new Map<string, Seen>();

  /** true when `update` moves its order forward (new order, more filled, or a later status) */
  admit(update: TradeUpdate, createdAt: number = update.timestamp): boolean {
    const o = update.order;
    const prev = this.seen.get(o.clientOrderId);
    if (prev) {
      if (RANK[prev.status] === 5) return false;
      const more = o.filledQty > prev.filledQty + EPS;
      const later = RANK[o.status] > RANK[prev.status] && o.filledQty >= prev.filledQty - EPS;
      if (!more && !later) return false;
      prev.status = o.status;
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
      if (RANK[s.status] < 5 && (oldest === undefined || s.createdAt < oldest)) oldest = s.createdAt;
    return oldest;
  }
}

// What open orders would add if they all filled (pending exposure), kept up to date from the order
// book's events so a check never has to walk every open order: a leg is counted from the moment it
// is queued until it is terminal, less what has filled (a fill moves it into the position).
import type { OrderEvent } from '../execution/order-registry.js';
import type { Side } from '../types.js';
import { isTerminal } from '../orders/status.js';

export interface OpenQty {
  buy: number;
  sell: number;
}

interface Tracked {
  ticker: string;
  side: Side;
  remaining: number;
  key: string;
}

/** the same ticker, side, quantity and price: what `duplicateWindowMs` compares */
export const duplicateKey = (ticker: string, side: Side, quantity: number, limitPrice: number | undefined): string =>
  `${ticker}|${side}|${quantity}|${limitPrice ?? 'market'}`;

export class OpenExposure {
  private readonly orders = new Map<string, Tracked>();
  readonly byTicker = new Map<string, OpenQty>();
  /** open orders by duplicate key: the newest one's id and when it was queued */
  private readonly recent = new Map<string, { id: string; at: number; count: number }>();

  get openOrders(): number {
    return this.orders.size;
  }

  of(ticker: string): OpenQty | undefined {
    return this.byTicker.get(ticker);
  }

  /** the open order with this key, if one is still open */
  duplicateOf(key: string): { id: string; at: number } | undefined {
    return this.recent.get(key);
  }

  onEvent(e: OrderEvent): void {
    const o = e.order;
    let t = this.orders.get(o.clientOrderId);
    if (!t) {
      if (e.status !== 'queued') return; // refused before it was queued: never open
      t = {
        ticker: o.ticker,
        side: o.side,
        remaining: o.quantity,
        key: duplicateKey(o.ticker, o.side, o.quantity, o.limitPrice),
      };
      this.orders.set(o.clientOrderId, t);
      this.add(t, t.remaining);
      const seen = this.recent.get(t.key);
      this.recent.set(t.key, { id: o.clientOrderId, at: e.at, count: (seen?.count ?? 0) + 1 });
      return;
    }
    const left = isTerminal(e.status) ? 0 : Math.max(0, o.quantity - o.filledQty);
    if (left !== t.remaining) {
      this.add(t, left - t.remaining);
      t.remaining = left;
    }
    if (left === 0) {
      this.orders.delete(o.clientOrderId);
      const seen = this.recent.get(t.key);
      if (seen && --seen.count === 0) this.recent.delete(t.key);
    }
  }

  private add(t: Tracked, qty: number): void {
    let q = this.byTicker.get(t.ticker);
    if (!q) this.byTicker.set(t.ticker, (q = { buy: 0, sell: 0 }));
    q[t.side] += qty;
    if (q.buy < 1e-9 && q.sell < 1e-9) this.byTicker.delete(t.ticker);
  }
}

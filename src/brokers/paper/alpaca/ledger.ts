// What the Alpaca gateway remembers about each order beyond the venue's state: how it was asked
// for (type, time in force, limit price) and when each step happened, so an order renders as the
// full JSON Alpaca returns. Orders that reached the venue through another gateway (FIX, message
// ports) are recorded from their first update, with market/day as the best guess of their terms.
import type { BrokerOrderState, TradeUpdate, WireOrder } from '../../broker.js';

export interface LedgerOrder {
  state: BrokerOrderState;
  orderType: WireOrder['orderType'];
  timeInForce: WireOrder['timeInForce'];
  limitPrice?: number;
  createdAt: number;
  updatedAt: number;
  filledAt?: number;
  canceledAt?: number;
  expiredAt?: number;
  /** arrival order, the tie-break when two orders share a millisecond */
  seq: number;
}

const OPEN = new Set(['pending_new', 'new', 'partially_filled', 'pending_cancel']);

export const isOpenStatus = (status: string): boolean => OPEN.has(status);

export class OrderLedger {
  private readonly byClientId = new Map<string, LedgerOrder>();
  private readonly byBrokerId = new Map<string, LedgerOrder>();
  /** terms of submits in flight, read when the venue announces the order it created */
  private readonly asked = new Map<string, WireOrder>();
  private seq = 0;

  /** call before handing the order to the venue; `done` after it answered (either way) */
  expect(order: WireOrder): () => void {
    if (!this.byClientId.has(order.clientOrderId)) this.asked.set(order.clientOrderId, order);
    return () => { this.asked.delete(order.clientOrderId); };
  }

  /** every venue update passes here, before it is sent on the stream */
  record(update: TradeUpdate): LedgerOrder {
    const id = update.order.clientOrderId;
    let o = this.byClientId.get(id);
    if (!o) {
      const wire = this.asked.get(id);
      o = {
        state: update.order, orderType: wire?.orderType ?? 'market', timeInForce: wire?.timeInForce ?? 'day',
        limitPrice: wire?.limitPrice, createdAt: update.timestamp, updatedAt: update.timestamp, seq: ++this.seq,
      };
      this.byClientId.set(id, o);
      this.byBrokerId.set(update.order.brokerOrderId, o);
    }
    o.state = update.order;
    o.updatedAt = update.timestamp;
    if (update.order.status === 'filled') o.filledAt = update.timestamp;
    if (update.order.status === 'canceled') o.canceledAt = update.timestamp;
    if (update.order.status === 'expired') o.expiredAt = update.timestamp;
    return o;
  }

  byClientOrderId(id: string): LedgerOrder | undefined {
    return this.byClientId.get(id);
  }

  byId(id: string): LedgerOrder | undefined {
    return this.byBrokerId.get(id);
  }

  /** every order in arrival order */
  all(): LedgerOrder[] {
    return [...this.byClientId.values()];
  }

  get size(): number {
    return this.byClientId.size;
  }
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const decimal = (n: number): string => String(Math.round(n * 1e9) / 1e9);

const INTENT: Record<string, string> = { buy: 'buy_to_open', sell: 'sell_to_close' };

/** Alpaca's order object: numbers as strings, nulls where a field does not apply */
export function orderJson(o: LedgerOrder): Record<string, unknown> {
  const s = o.state;
  const limit = o.limitPrice === undefined ? null : decimal(o.limitPrice);
  return {
    id: s.brokerOrderId,
    client_order_id: s.clientOrderId,
    created_at: iso(o.createdAt),
    updated_at: iso(o.updatedAt),
    submitted_at: iso(o.createdAt),
    filled_at: iso(o.filledAt),
    expired_at: iso(o.expiredAt),
    canceled_at: iso(o.canceledAt),
    failed_at: null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: assetId(s.ticker),
    symbol: s.ticker,
    asset_class: 'us_equity',
    notional: null,
    qty: decimal(s.quantity),
    filled_qty: decimal(s.filledQty),
    filled_avg_price: s.filledQty > 0 ? decimal(s.filledAvgPrice) : null,
    order_class: '',
    order_type: o.orderType,
    type: o.orderType,
    side: s.side,
    position_intent: INTENT[s.side],
    time_in_force: o.timeInForce,
    limit_price: limit,
    stop_price: null,
    status: s.status,
    extended_hours: false,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
    expires_at: null,
  };
}

/** a stable made-up asset id per symbol, shaped like Alpaca's UUIDs */
export function assetId(symbol: string): string {
  let h = 2166136261;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const c of `${symbol}#${round}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    hex.push(h.toString(16).padStart(8, '0'));
  }
  const all = hex.join('');
  return `${all.slice(0, 8)}-${all.slice(8, 12)}-4${all.slice(13, 16)}-8${all.slice(17, 20)}-${all.slice(20, 32)}`;
}

export { decimal };

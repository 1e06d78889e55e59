// What the Alpaca gateway remembers about each order beyond the venue's state: how it was asked
// for (type, time in force, limit price) and when each step happened, so an order renders as the
// full JSON Alpaca returns. Orders that reached the venue through another gateway (FIX, message
// ports) are recorded from their first update, whose state carries the venue's own terms; time in
// force defaults to day there.
import type { BrokerOrderState, TradeUpdate, WireOrder } from '../../brokers/broker.js';
import { isFinalAtBroker } from '../../orders/status.js';

export interface LedgerOrder {
  state: BrokerOrderState;
  orderType: WireOrder['orderType'];
  timeInForce: WireOrder['timeInForce'];
  limitPrice?: number;
  /** a notional order's money (its qty is then null in Alpaca's answer) */
  notional?: number;
  createdAt: number;
  updatedAt: number;
  filledAt?: number;
  canceledAt?: number;
  expiredAt?: number;
  replacedAt?: number;
  /** broker order ids of a replace's two orders, linked when the replacement is first seen */
  replaces?: string;
  replacedBy?: string;
  /** a bracket / OTO entry's exits, an OCO take-profit's stop-loss */
  legs?: LedgerOrder[];
  /** arrival order, the tie-break when two orders share a millisecond */
  seq: number;
}

export class OrderLedger {
  private readonly byClientId = new Map<string, LedgerOrder>();
  private readonly byBrokerId = new Map<string, LedgerOrder>();
  /** terms of submits in flight, read when the venue announces the order it created */
  private readonly asked = new Map<string, WireOrder>();
  private seq = 0;

  /** `live`: the venue's current state of an order, for what moves without an update (a trailing stop's stop and hwm, an OCO sibling's qty) */
  constructor(private readonly live?: (clientOrderId: string) => BrokerOrderState | undefined) {}

  private fresh(o: LedgerOrder): LedgerOrder;
  private fresh(o: LedgerOrder | undefined): LedgerOrder | undefined;
  private fresh(o: LedgerOrder | undefined): LedgerOrder | undefined {
    if (!o || !this.live || isFinalAtBroker(o.state.status)) return o;
    const now = this.live(o.state.clientOrderId);
    if (now) o.state = { ...o.state, stopPrice: now.stopPrice, hwm: now.hwm, quantity: now.quantity };
    return o;
  }

  /** call before handing the order to the venue; `done` after it answered (either way) */
  expect(order: WireOrder): () => void {
    if (!this.byClientId.has(order.clientOrderId)) this.asked.set(order.clientOrderId, order);
    return () => {
      this.asked.delete(order.clientOrderId);
    };
  }

  /** every venue update passes here, before it is sent on the stream */
  record(update: TradeUpdate): LedgerOrder {
    const id = update.order.clientOrderId;
    let o = this.byClientId.get(id);
    if (!o) {
      const wire = this.asked.get(id);
      o = {
        state: update.order,
        orderType: update.order.orderType ?? wire?.orderType ?? 'market',
        timeInForce: wire?.timeInForce ?? 'day',
        limitPrice: wire?.limitPrice,
        notional: wire?.notional,
        createdAt: update.timestamp,
        updatedAt: update.timestamp,
        seq: ++this.seq,
      };
      this.byClientId.set(id, o);
      this.byBrokerId.set(update.order.brokerOrderId, o);
      const parent = update.order.parentId === undefined ? undefined : this.byClientId.get(update.order.parentId);
      if (parent) (parent.legs ??= []).push(o);
      const old = update.order.replaces === undefined ? undefined : this.byClientId.get(update.order.replaces);
      if (old) {
        o.replaces = old.state.brokerOrderId;
        old.replacedBy = update.order.brokerOrderId;
      }
    }
    o.state = update.order;
    o.updatedAt = update.timestamp;
    if (update.order.status === 'filled') o.filledAt = update.timestamp;
    if (update.order.status === 'canceled') o.canceledAt = update.timestamp;
    if (update.order.status === 'expired') o.expiredAt = update.timestamp;
    if (update.order.status === 'replaced') o.replacedAt = update.timestamp;
    return o;
  }

  byClientOrderId(id: string): LedgerOrder | undefined {
    return this.fresh(this.byClientId.get(id));
  }

  byId(id: string): LedgerOrder | undefined {
    return this.fresh(this.byBrokerId.get(id));
  }

  /** every order in arrival order */
  all(): LedgerOrder[] {
    return [...this.byClientId.values()].map((o) => this.fresh(o));
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
  const price = (n: number | undefined) => (n === undefined ? null : decimal(n));
  const limit = price(s.limitPrice ?? o.limitPrice);
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
    replaced_at: iso(o.replacedAt),
    replaced_by: o.replacedBy ?? null,
    replaces: o.replaces ?? null,
    asset_id: assetId(s.ticker),
    symbol: s.ticker,
    asset_class: 'us_equity',
    notional: o.notional === undefined ? null : decimal(o.notional),
    qty: o.notional === undefined ? decimal(s.quantity) : null,
    filled_qty: decimal(s.filledQty),
    filled_avg_price: s.filledQty > 0 ? decimal(s.filledAvgPrice) : null,
    order_class: s.orderClass ?? '',
    order_type: o.orderType,
    type: o.orderType,
    side: s.side,
    position_intent: INTENT[s.side],
    time_in_force: o.timeInForce,
    limit_price: limit,
    stop_price: price(s.stopPrice),
    status: s.status,
    extended_hours: false,
    legs: o.legs ? o.legs.map(orderJson) : null,
    trail_percent: price(s.trailPercent),
    trail_price: price(s.trailPrice),
    hwm: price(s.hwm),
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

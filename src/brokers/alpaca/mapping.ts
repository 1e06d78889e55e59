// Alpaca's JSON ↔ salvo's broker shapes. Alpaca sends numbers as strings and has more statuses
// than salvo's state machine; the ones that change nothing for salvo map to the nearest status.
import type { BrokerOrderState, BrokerOrderStatus, BrokerPosition, TradeUpdate, WireOrder } from '../broker.js';

export interface AlpacaOrderJson {
  id: string;
  client_order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: string | null;
  type?: string;
  order_class?: string;
  /** a bracket / OTO entry's exits, an OCO take-profit's stop-loss, each with the ids Alpaca gave it */
  legs?: AlpacaOrderJson[] | null;
  filled_qty?: string | null;
  filled_avg_price?: string | null;
  status: string;
  created_at?: string;
  updated_at?: string;
}

const STATUS: Record<string, BrokerOrderStatus> = {
  pending_new: 'pending_new',
  accepted: 'pending_new',
  accepted_for_bidding: 'pending_new',
  new: 'new',
  partially_filled: 'partially_filled',
  filled: 'filled',
  pending_cancel: 'pending_cancel',
  pending_replace: 'new',
  replaced: 'replaced',
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
  held: 'held',
};

const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
};

export function orderStatus(raw: string, filledQty: number): BrokerOrderStatus {
  // own keys only: a status such as 'constructor' is an unknown word, not an inherited function
  const s = Object.hasOwn(STATUS, raw) ? STATUS[raw] : undefined;
  if (s) return s;
  // done_for_day, stopped, suspended, calculated: still open for salvo
  return filledQty > 0 ? 'partially_filled' : 'new';
}

export function toOrderState(o: AlpacaOrderJson, rawStatus = o.status): BrokerOrderState {
  const filledQty = num(o.filled_qty);
  const updatedAt = Date.parse(o.updated_at ?? '');
  return {
    clientOrderId: o.client_order_id,
    brokerOrderId: o.id,
    ticker: o.symbol,
    side: o.side,
    quantity: num(o.qty),
    status: orderStatus(o.status, filledQty),
    rawStatus,
    filledQty,
    filledAvgPrice: filledQty > 0 ? num(o.filled_avg_price) : 0,
    ...(Number.isFinite(updatedAt) ? { updatedAt } : {}),
  };
}

/** the trade_updates event that announces a status */
const EVENT: Record<BrokerOrderStatus, string> = {
  pending_new: 'pending_new',
  new: 'new',
  partially_filled: 'partial_fill',
  filled: 'fill',
  pending_cancel: 'pending_cancel',
  canceled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
  replaced: 'replaced',
  held: 'pending_new',
};

export const eventFor = (status: BrokerOrderStatus): string => EVENT[status];

/** one trade_updates message's data → salvo's update; the raw word is the event, as in the CSV */
export function toTradeUpdate(data: {
  event?: unknown;
  order?: AlpacaOrderJson;
  timestamp?: unknown;
  price?: unknown;
  qty?: unknown;
}): TradeUpdate | undefined {
  if (typeof data.event !== 'string' || !data.order || typeof data.order.client_order_id !== 'string') return undefined;
  const at = typeof data.timestamp === 'string' ? Date.parse(data.timestamp) : NaN;
  const update: TradeUpdate = {
    event: data.event,
    order: toOrderState(data.order, data.event),
    timestamp: Number.isFinite(at) ? at : Date.now(),
  };
  if ((data.event === 'fill' || data.event === 'partial_fill') && data.qty !== undefined)
    update.fill = { qty: num(data.qty), price: num(data.price) };
  return update;
}

export function orderRequest(o: WireOrder): Record<string, unknown> {
  const body: Record<string, unknown> = {
    symbol: o.ticker,
    // a notional order sends its money; its quantity is only salvo's estimate
    ...(o.notional === undefined ? { qty: String(o.quantity) } : { notional: String(o.notional) }),
    side: o.side,
    type: o.orderType,
    time_in_force: o.timeInForce,
    client_order_id: o.clientOrderId,
  };
  return { ...body, ...priceTerms(o), ...groupTerms(o) };
}

const isStop = (o: { orderType?: string; type?: string }) => {
  const type = o.orderType ?? o.type;
  return type === 'stop' || type === 'stop_limit';
};

/** a group's legs in Alpaca's request shape: order_class with take_profit / stop_loss */
function groupTerms(o: WireOrder): Record<string, unknown> {
  if (!o.orderClass || !o.legs?.length) return {};
  const takeProfit = o.orderClass === 'oco' ? o : o.legs.find((leg) => leg.orderType === 'limit');
  const stopLoss = o.legs.find(isStop);
  return {
    order_class: o.orderClass,
    ...(takeProfit ? { take_profit: { limit_price: String(takeProfit.limitPrice) } } : {}),
    ...(stopLoss
      ? {
          stop_loss: {
            stop_price: String(stopLoss.stopPrice),
            ...(stopLoss.limitPrice === undefined ? {} : { limit_price: String(stopLoss.limitPrice) }),
          },
        }
      : {}),
  };
}

/**
 * Alpaca names a group's legs itself: salvo's legs paired with the ones in its answer, a take-profit
 * with the limit leg and a stop-loss with the stop leg. A leg the answer lacks stays unpaired: its
 * order is then never confirmed, and the end of session closes it out as unconfirmed.
 */
export function pairLegs(
  sent: WireOrder[],
  answer: AlpacaOrderJson,
): Array<{ clientOrderId: string; venueClientOrderId: string; brokerOrderId: string }> {
  const theirs = [...(answer.legs ?? [])];
  return sent.flatMap((leg) => {
    const i = theirs.findIndex((t) => isStop(t) === isStop(leg));
    if (i < 0) return [];
    const [t] = theirs.splice(i, 1);
    return [{ clientOrderId: leg.clientOrderId, venueClientOrderId: t.client_order_id, brokerOrderId: t.id }];
  });
}

/** the prices an order type carries, in Alpaca's names (strings, as Alpaca sends numbers) */
function priceTerms(o: WireOrder): Record<string, string> {
  const out: Record<string, string> = {};
  if (o.limitPrice !== undefined) out.limit_price = String(o.limitPrice);
  if (o.stopPrice !== undefined) out.stop_price = String(o.stopPrice);
  if (o.trailPercent !== undefined) out.trail_percent = String(o.trailPercent);
  if (o.trailPrice !== undefined) out.trail_price = String(o.trailPrice);
  return out;
}

/** PATCH /v2/orders/{id}: the replacement's terms; Alpaca calls a trailing stop's new distance `trail` */
export function replaceRequest(o: WireOrder): Record<string, unknown> {
  const { trail_percent: pct, trail_price: price, ...prices } = priceTerms(o);
  return {
    qty: String(o.quantity),
    time_in_force: o.timeInForce,
    client_order_id: o.clientOrderId,
    ...prices,
    ...((pct ?? price) ? { trail: pct ?? price } : {}),
  };
}

export function toPosition(p: { symbol: string; qty: string; side?: string; avg_entry_price: string }): BrokerPosition {
  const qty = Math.abs(num(p.qty));
  return {
    ticker: p.symbol,
    quantity: p.side === 'short' || num(p.qty) < 0 ? -qty : qty,
    avgEntryPrice: num(p.avg_entry_price),
  };
}

export { num };

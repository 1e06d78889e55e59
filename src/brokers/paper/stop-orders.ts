// The price terms of each order type, as the paper venue checks them on arrival, and the stop a
// trailing stop keeps behind the best price. One place for both, so the venue, its Alpaca face and
// its FIX face refuse the same orders with the same words.
import type { WireOrder } from '../broker.js';

const positive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;
/** prices in the venue's arithmetic: no float dust (100 × 0.95 must stay 95) */
const clean = (n: number): number => Math.round(n * 1e9) / 1e9;

/** where a trailing stop stands when the best price is `best`: below it for a sell, above it for a buy */
export function trailStop(order: Pick<WireOrder, 'side' | 'trailPercent' | 'trailPrice'>, best: number): number {
  const distance = order.trailPrice ?? (best * order.trailPercent!) / 100;
  return clean(order.side === 'buy' ? best + distance : best - distance);
}

/** [code, reason] when an order's prices do not fit its type or the market; `q` is the current quote */
export function priceTermsProblem(order: WireOrder, q: { bid: number; ask: number }): [string, string] | undefined {
  const { orderType: type, ticker, side, limitPrice, stopPrice, trailPercent, trailPrice } = order;
  const needsLimit = type === 'limit' || type === 'stop_limit';
  const needsStop = type === 'stop' || type === 'stop_limit';
  if (needsLimit && !positive(limitPrice)) return ['invalid_limit_price', `${type} order for ${ticker} needs a positive limit price, got ${limitPrice}`];
  if (!needsLimit && limitPrice !== undefined) return ['invalid_limit_price', `a ${type} order takes no limit price`];
  if (needsStop && !positive(stopPrice)) return ['invalid_stop_price', `${type} order for ${ticker} needs a positive stop price, got ${stopPrice}`];
  if (!needsStop && stopPrice !== undefined) return ['invalid_stop_price', `a ${type} order takes no stop price`];
  if (type === 'trailing_stop') {
    if ((trailPercent === undefined) === (trailPrice === undefined)) return ['invalid_trail', 'a trailing stop needs exactly one of trail_percent and trail_price'];
    if (trailPercent !== undefined && !(Number.isFinite(trailPercent) && trailPercent > 0 && trailPercent < 100)) {
      return ['invalid_trail', `trail_percent must be above 0 and below 100, got ${trailPercent}`];
    }
    if (trailPrice !== undefined && !positive(trailPrice)) return ['invalid_trail', `trail_price must be a positive number, got ${trailPrice}`];
  } else if (trailPercent !== undefined || trailPrice !== undefined) {
    return ['invalid_trail', `a ${type} order takes no trail_percent or trail_price`];
  }
  if (type === 'market' || type === 'limit') return undefined;
  if (order.timeInForce === 'ioc' || order.timeInForce === 'fok') return ['invalid_time_in_force', `a ${type} order rests until triggered: time in force must be day or gtc, not ${order.timeInForce}`];
  if (needsStop) return wrongSide(side, ticker, stopPrice!, q);
  return undefined;
}

/** a stop the market already reached would trigger on arrival: refused, as a market order is what was meant */
function wrongSide(side: WireOrder['side'], ticker: string, stop: number, q: { bid: number; ask: number }): [string, string] | undefined {
  if (side === 'buy' && q.ask > 0 && q.ask >= stop) {
    return ['invalid_stop_price', `stop price ${stop} for a buy of ${ticker} must be above the ask ${q.ask}; at or below it the stop would trigger at once`];
  }
  if (side === 'sell' && q.bid > 0 && q.bid <= stop) {
    return ['invalid_stop_price', `stop price ${stop} for a sell of ${ticker} must be below the bid ${q.bid}; at or above it the stop would trigger at once`];
  }
  return undefined;
}

// The price terms of each order type and the stop a trailing stop keeps behind the best price. One
// place for both: salvo's validation (in the strategy's field names) and the paper venue (in
// Alpaca's) refuse the same orders for the same reasons.
import type { WireOrder } from '../brokers/broker.js';
import { required } from '../util/defined.js';

export interface TermNames {
  limitPrice: string;
  stopPrice: string;
  trailPercent: string;
  trailPrice: string;
}
export const SALVO_NAMES: TermNames = {
  limitPrice: 'limitPrice',
  stopPrice: 'stopPrice',
  trailPercent: 'trailPercent',
  trailPrice: 'trailPrice',
};
export const ALPACA_NAMES: TermNames = {
  limitPrice: 'limit_price',
  stopPrice: 'stop_price',
  trailPercent: 'trail_percent',
  trailPrice: 'trail_price',
};
type Terms = Pick<
  WireOrder,
  'orderType' | 'side' | 'ticker' | 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice' | 'timeInForce'
>;

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
/** prices in the venue's arithmetic: no float dust (100 × 0.95 must stay 95) */
export const cleanPrice = (n: number): number => Math.round(n * 1e9) / 1e9;

/** where a trailing stop stands when the best price is `best`: below it for a sell, above it for a buy */
export function trailStop(order: Pick<WireOrder, 'side' | 'trailPercent' | 'trailPrice'>, best: number): number {
  const distance =
    order.trailPrice ??
    (best * required(order.trailPercent, 'the trail percent or trail price of a trailing stop')) / 100;
  return cleanPrice(order.side === 'buy' ? best + distance : best - distance);
}

/**
 * [code, reason] when an order's prices do not fit its type or the market (`q`, the current quote;
 * 0 where there is none), with fields named as the caller's user knows them.
 */
export function priceTermsProblem(
  order: Terms,
  q: { bid: number; ask: number },
  n: TermNames = ALPACA_NAMES,
): [string, string] | undefined {
  const { orderType: type, ticker, side, limitPrice, stopPrice, trailPercent, trailPrice } = order;
  const needsLimit = type === 'limit' || type === 'stop_limit';
  const needsStop = type === 'stop' || type === 'stop_limit';
  const got = (v: unknown) => `; got ${v === undefined ? 'undefined' : JSON.stringify(v)}`;
  if (needsLimit && !positive(limitPrice))
    return ['invalid_limit_price', `a ${type} order needs a positive ${n.limitPrice}${got(limitPrice)}`];
  if (!needsLimit && limitPrice !== undefined)
    return [
      'invalid_limit_price',
      `${n.limitPrice} is only for limit and stop_limit orders; this one is a ${type} order`,
    ];
  if (needsStop && !positive(stopPrice))
    return ['invalid_stop_price', `a ${type} order needs a positive ${n.stopPrice}${got(stopPrice)}`];
  if (!needsStop && stopPrice !== undefined)
    return ['invalid_stop_price', `${n.stopPrice} is only for stop and stop_limit orders; this one is a ${type} order`];
  if (type === 'trailing_stop') {
    if ((trailPercent === undefined) === (trailPrice === undefined))
      return ['invalid_trail', `a trailing_stop order needs exactly one of ${n.trailPercent} and ${n.trailPrice}`];
    if (trailPercent !== undefined && !(typeof trailPercent === 'number' && trailPercent > 0 && trailPercent < 100)) {
      return ['invalid_trail', `${n.trailPercent} must be above 0 and below 100${got(trailPercent)}`];
    }
    if (trailPrice !== undefined && !positive(trailPrice))
      return ['invalid_trail', `${n.trailPrice} must be a positive number${got(trailPrice)}`];
  } else if (trailPercent !== undefined || trailPrice !== undefined) {
    return [
      'invalid_trail',
      `${n.trailPercent} and ${n.trailPrice} are only for trailing_stop orders; this one is a ${type} order`,
    ];
  }
  if (type === 'market' || type === 'limit') return undefined;
  if (order.timeInForce === 'ioc' || order.timeInForce === 'fok')
    return [
      'invalid_time_in_force',
      `a ${type} order rests until triggered: time in force must be day or gtc, not ${order.timeInForce}`,
    ];
  if (needsStop && positive(stopPrice)) return wrongSide(side, ticker, stopPrice, q, n);
  return undefined;
}

/** a stop the market already reached would trigger on arrival: refused, as a market order is what was meant */
function wrongSide(
  side: WireOrder['side'],
  ticker: string,
  stop: number,
  q: { bid: number; ask: number },
  n: TermNames,
): [string, string] | undefined {
  if (side === 'buy' && q.ask > 0 && q.ask >= stop) {
    return [
      'invalid_stop_price',
      `${n.stopPrice} ${stop} for a buy of ${ticker} must be above the ask ${q.ask}; at or below it the stop would trigger at once`,
    ];
  }
  if (side === 'sell' && q.bid > 0 && q.bid <= stop) {
    return [
      'invalid_stop_price',
      `${n.stopPrice} ${stop} for a sell of ${ticker} must be below the bid ${q.bid}; at or above it the stop would trigger at once`,
    ];
  }
  return undefined;
}

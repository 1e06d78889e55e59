// Order groups at the paper venue, as Alpaca shapes them:
//   bracket  [entry, take-profit limit, stop-loss stop]  the exits wait ('held') until the entry fills
//   oto      [entry, one exit]                           the same with a single exit
//   oco      [take-profit limit, stop-loss stop]         both working at once, on the same side
// Exits of a bracket or OTO are on the other side of the entry and close what it opened. The rules
// the venue keeps (documented in the README): exits activate when the entry is completely filled,
// or for what it filled if it ends early; a fill of one exit shrinks its sibling to what is left to
// close, and a complete fill cancels it; canceling any member cancels the group, except that an
// entry canceled after a partial fill activates its exits for the part filled.
import type { WireOrder } from '../brokers/broker.js';

export type OrderClass = 'bracket' | 'oco' | 'oto';

export interface Group<T> {
  orderClass: OrderClass;
  /** bracket / oto: the entry; oco has none */
  entry?: T;
  exits: T[];
  /** the member Alpaca answers with (the entry, or an OCO's take-profit); the others are its legs */
  head?: T;
  /** set while the venue cancels the rest of a group, so each cancel does not cascade again */
  closing: boolean;
}

/** 'a bracket', 'an oco', 'an oto' */
const an = (c: OrderClass) => (c === 'bracket' ? 'a bracket' : `an ${c}`);
const isExitType = (o: WireOrder) => o.orderType === 'limit' || o.orderType === 'stop' || o.orderType === 'stop_limit';
const takeProfit = (legs: WireOrder[]) => legs.find((o) => o.orderType === 'limit');
const stopLoss = (legs: WireOrder[]) => legs.find((o) => o.orderType === 'stop' || o.orderType === 'stop_limit');

export interface GroupNames {
  tp: string;
  sl: string;
  both: string;
}
const ALPACA: GroupNames = {
  tp: 'take_profit.limit_price',
  sl: 'stop_loss.stop_price',
  both: 'take_profit and stop_loss',
};
export const SALVO_GROUP_NAMES: GroupNames = {
  tp: 'takeProfit.limitPrice',
  sl: 'stopLoss.stopPrice',
  both: 'takeProfit and stopLoss',
};

/** why the venue (or salvo's validation, with its names) refuses this group as a whole; each order's own terms are checked apart */
export function groupProblem(
  orderClass: OrderClass,
  orders: WireOrder[],
  touch: { bid: number; ask: number },
  n: GroupNames = ALPACA,
): string | undefined {
  const [first] = orders;
  if (orders.some((o) => o.ticker !== first.ticker || o.timeInForce !== first.timeInForce))
    return `the orders of ${an(orderClass)} share one symbol and time in force`;
  if (first.timeInForce !== 'day' && first.timeInForce !== 'gtc')
    return `${an(orderClass)} order takes time_in_force day or gtc, not ${first.timeInForce}`;
  const want = orderClass === 'bracket' ? 3 : 2;
  if (orders.length !== want) return `${an(orderClass)} order has ${want} orders, got ${orders.length}`;
  const hasEntry = orderClass !== 'oco';
  const entry = hasEntry ? first : undefined;
  const exits = hasEntry ? orders.slice(1) : orders;
  if (entry && entry.orderType !== 'market' && entry.orderType !== 'limit')
    return `the entry of ${an(orderClass)} order is a market or limit order, not ${entry.orderType}`;
  const exitSide = entry ? (entry.side === 'buy' ? 'sell' : 'buy') : first.side;
  if (exits.some((o) => o.side !== exitSide || !isExitType(o) || Math.abs(o.quantity - first.quantity) > 1e-9)) {
    return `the exits of ${an(orderClass)} order are a take-profit limit and a stop-loss stop for the same qty${entry ? ', on the other side of the entry' : ''}`;
  }
  const tp = takeProfit(exits);
  const sl = stopLoss(exits);
  if (orderClass !== 'oto' && (!tp || !sl)) return `${an(orderClass)} order needs both ${n.both}`;
  // selling exits: take profit above, stop loss below (buying exits the other way round)
  const up = exitSide === 'sell' ? 1 : -1;
  // each order's own terms are checked after this: a missing price fails those checks, not these
  const tpPrice = tp?.limitPrice;
  const slPrice = sl?.stopPrice;
  if (tpPrice !== undefined && slPrice !== undefined && (tpPrice - slPrice) * up <= 0) {
    return `${n.tp} ${tpPrice} must be ${up > 0 ? 'above' : 'below'} ${n.sl} ${slPrice}`;
  }
  const base = entry
    ? entry.orderType === 'limit'
      ? (entry.limitPrice ?? 0)
      : entry.side === 'buy'
        ? touch.ask
        : touch.bid
    : 0;
  if (entry && tpPrice !== undefined && base > 0 && (tpPrice - base) * up <= 0) {
    return `${n.tp} ${tpPrice} must be ${up > 0 ? 'above' : 'below'} the entry's price ${base} for a ${entry.side}`;
  }
  if (entry && slPrice !== undefined && base > 0 && (base - slPrice) * up <= 0) {
    return `${n.sl} ${slPrice} must be ${up > 0 ? 'below' : 'above'} the entry's price ${base} for a ${entry.side}`;
  }
  return undefined;
}

type Exit = Pick<
  WireOrder,
  'ticker' | 'quantity' | 'side' | 'orderType' | 'limitPrice' | 'stopPrice' | 'timeInForce' | 'action'
>;

/**
 * A strategy's bracket / OTO request → its exit legs (other side, closing actions, same quantity
 * and time in force); an OCO request (its take-profit limit) → its stop-loss leg (same side and
 * action); or the one-line reason it cannot be. `touch`: the current bid and ask.
 */
export function exitLegs(
  entry: Exit,
  orderClass: OrderClass,
  takeProfit: unknown,
  stopLoss: unknown,
  touch: { bid: number; ask: number },
): { legs: Exit[] } | { problem: string } {
  const tp = legTerms(takeProfit, 'takeProfit', ['limitPrice']);
  const sl = legTerms(stopLoss, 'stopLoss', ['stopPrice', 'limitPrice']);
  if (typeof tp === 'string') return { problem: tp };
  if (typeof sl === 'string') return { problem: sl };
  if (orderClass === 'oto' && !tp === !sl)
    return { problem: 'an oto order needs exactly one of takeProfit and stopLoss' };
  if (orderClass !== 'oto' && (!tp || !sl))
    return { problem: `${an(orderClass)} order needs both takeProfit and stopLoss` };
  const oco = orderClass === 'oco';
  if (oco && (entry.orderType !== 'limit' || entry.limitPrice !== tp?.limitPrice))
    return {
      problem: `an oco order is its take-profit limit order: orderType 'limit', limitPrice left out or equal to takeProfit.limitPrice ${tp?.limitPrice}`,
    };
  const side = oco ? entry.side : entry.side === 'buy' ? 'sell' : 'buy';
  const base = {
    ticker: entry.ticker,
    quantity: entry.quantity,
    side,
    timeInForce: entry.timeInForce,
    action: oco ? entry.action : side === 'sell' ? 'sell_long' : 'buy_to_cover',
  } as const;
  const legs: Exit[] = [];
  if (tp && !oco) legs.push({ ...base, orderType: 'limit', limitPrice: tp.limitPrice });
  if (sl)
    legs.push({
      ...base,
      orderType: sl.limitPrice === undefined ? 'stop' : 'stop_limit',
      stopPrice: sl.stopPrice,
      limitPrice: sl.limitPrice,
    });
  const problem = groupProblem(
    orderClass,
    [entry, ...legs].map((o, i) => ({ ...o, clientOrderId: String(i) })),
    touch,
    SALVO_GROUP_NAMES,
  );
  return problem ? { problem } : { legs };
}

function legTerms(
  value: unknown,
  name: string,
  fields: string[],
): Record<string, number | undefined> | undefined | string {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${name} must be an object like { ${fields[0]} }`;
  const v = value as Record<string, unknown>;
  const extra = Object.keys(v).filter((k) => !fields.includes(k));
  if (extra.length) return `unknown field '${name}.${extra[0]}'`;
  const out: Record<string, number | undefined> = {};
  for (const key of fields) {
    const x = v[key];
    if (x === undefined && key !== fields[0]) continue;
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0)
      return `${name}.${key} must be a positive number; got ${JSON.stringify(x)}`;
    out[key] = x;
  }
  return out;
}

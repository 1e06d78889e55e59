// order_class bracket / oco / oto in Alpaca's request shape → the venue's group of orders (see
// src/execution/order-groups.ts). Each leg gets its own order id; the answer is the first order with its legs.
import { randomUUID } from 'node:crypto';
import type { WireOrder } from '../../brokers/broker.js';
import type { OrderClass } from '../../orders/groups.js';
import { invalid } from './http.js';
import { parseOrderRequest, positiveNumber, present } from './order-request.js';

const CLASSES = new Set<string>(['bracket', 'oco', 'oto']);

/** undefined for a simple order; 422 for a group Alpaca would refuse outright */
export function parseOrderGroup(
  body: Record<string, unknown>,
): { orderClass: OrderClass; orders: WireOrder[] } | undefined {
  const { order_class: cls, take_profit: tpBody, stop_loss: slBody, ...rest } = body;
  if (typeof cls !== 'string' || !CLASSES.has(cls)) return undefined;
  const orderClass = cls as OrderClass;
  if (present(rest.notional)) throw invalid(`notional orders are simple orders: an ${orderClass} order takes qty`);
  const tp = leg(tpBody, 'take_profit', ['limit_price']);
  const sl = leg(slBody, 'stop_loss', ['stop_price', 'limit_price']);
  if (orderClass !== 'oto' && (!tp || !sl)) throw invalid(`an ${orderClass} order needs take_profit and stop_loss`);
  if (orderClass === 'oto' && !tp === !sl) throw invalid('an oto order needs exactly one of take_profit and stop_loss');
  // an OCO is its take-profit limit order, with the stop-loss as its leg
  const first = parseOrderRequest(
    orderClass === 'oco' && tp ? { ...rest, limit_price: rest.limit_price ?? tp.limit_price } : rest,
  );
  const exitSide = orderClass === 'oco' ? first.side : first.side === 'buy' ? 'sell' : 'buy';
  const exit = (terms: Partial<WireOrder>): WireOrder => ({
    clientOrderId: randomUUID(),
    ticker: first.ticker,
    quantity: first.quantity,
    side: exitSide,
    timeInForce: first.timeInForce,
    action: exitSide === 'sell' ? 'sell_long' : 'buy_to_cover',
    orderType: 'limit',
    ...terms,
  });
  const stop =
    sl &&
    exit(
      sl.limit_price === undefined
        ? { orderType: 'stop', stopPrice: sl.stop_price }
        : { orderType: 'stop_limit', stopPrice: sl.stop_price, limitPrice: sl.limit_price },
    );
  if (orderClass === 'oco' && stop) return { orderClass, orders: [first, stop] };
  const profit = tp && exit({ orderType: 'limit', limitPrice: tp.limit_price });
  return { orderClass, orders: [first, ...(profit ? [profit] : []), ...(stop ? [stop] : [])] };
}

function leg(value: unknown, name: string, fields: string[]): Record<string, number | undefined> | undefined {
  if (!present(value)) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${name} must be an object`);
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!fields.includes(key)) throw invalid(`unsupported field '${name}.${key}'`);
  const out: Record<string, number | undefined> = {};
  for (const key of fields) out[key] = positiveNumber(v[key], `${name}.${key}`);
  if (out[fields[0]] === undefined) throw invalid(`${name}.${fields[0]} is required`);
  return out;
}

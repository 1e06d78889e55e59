// Alpaca's order request read into the venue's wire order: every field known or refused, never
// ignored. Shared by plain orders and by each leg of an order class.
import { randomUUID } from 'node:crypto';
import type { WireOrder } from '../../brokers/broker.js';
import { invalid } from './http.js';

const TYPES = new Set(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);
export const TIFS = new Set(['day', 'gtc', 'ioc', 'fok']);
/** every field of Alpaca's order request; anything else is refused, never ignored */
const KNOWN = new Set([
  'symbol',
  'qty',
  'notional',
  'side',
  'type',
  'order_type',
  'time_in_force',
  'limit_price',
  'stop_price',
  'trail_price',
  'trail_percent',
  'client_order_id',
  'extended_hours',
  'order_class',
  'take_profit',
  'stop_loss',
  'legs',
  'position_intent',
  'advanced_instructions',
]);

export function positiveNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw invalid(`invalid ${name}`);
  if (n <= 0) throw invalid(`${name} must be > 0`);
  return n;
}

export const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false;

/**
 * What the paper venue cannot honour answers 422 naming it: an order that looked accepted but
 * lacked its protective legs (a bracket taken as a plain order) is the worst answer a venue can give.
 */
function refuseUnsupported(body: Record<string, unknown>): void {
  for (const key of Object.keys(body))
    if (!KNOWN.has(key))
      throw invalid(`unsupported field '${key}': the paper venue does not know it and will not ignore it`);
  const cls = body.order_class;
  if (cls !== undefined && cls !== null && cls !== '' && cls !== 'simple') {
    throw invalid(
      `order_class ${JSON.stringify(cls)} is not supported by the paper venue: simple, bracket, oco and oto only`,
    );
  }
  for (const key of ['take_profit', 'stop_loss'])
    if (present(body[key])) throw invalid(`${key} needs order_class bracket, oco or oto`);
  for (const key of ['legs', 'advanced_instructions'])
    if (present(body[key])) throw invalid(`${key} is not supported by the paper venue`);
  if (present(body.extended_hours)) throw invalid('extended_hours orders are not supported by the paper venue');
  const intent = body.position_intent;
  if (present(intent) && !(typeof intent === 'string' && intent.startsWith(`${String(body.side)}_to_`))) {
    throw invalid(`position_intent ${JSON.stringify(intent)} does not go with side ${JSON.stringify(body.side)}`);
  }
}

/** Alpaca's order request → the venue's wire order; 422 for what Alpaca would refuse outright */
export function parseOrderRequest(body: Record<string, unknown>): WireOrder {
  refuseUnsupported(body);
  const symbol = body.symbol;
  if (typeof symbol !== 'string' || !symbol.trim()) throw invalid('symbol is required');
  const qty = positiveNumber(body.qty, 'qty');
  const notional = positiveNumber(body.notional, 'notional');
  if (qty === undefined && notional === undefined) throw invalid('qty or notional is required');
  if (qty !== undefined && notional !== undefined) throw invalid('qty and notional cannot both be given');
  const side = body.side;
  if (side !== 'buy' && side !== 'sell') throw invalid(`invalid side: ${JSON.stringify(side)} (buy | sell)`);
  const type = body.type ?? body.order_type;
  if (typeof type !== 'string' || !TYPES.has(type))
    throw invalid(`invalid order type: ${JSON.stringify(type)} (market | limit | stop | stop_limit | trailing_stop)`);
  const tif = body.time_in_force;
  if (typeof tif !== 'string' || !TIFS.has(tif))
    throw invalid(`invalid time_in_force: ${JSON.stringify(tif)} (day | gtc | ioc | fok)`);
  const id = body.client_order_id;
  if (id !== undefined && id !== null && (typeof id !== 'string' || id.length > 128))
    throw invalid('client_order_id must be a string of at most 128 characters');
  const order: WireOrder = {
    clientOrderId: typeof id === 'string' && id ? id : randomUUID(),
    ticker: symbol.trim(),
    // a notional order's quantity is what its money buys when the venue takes it
    quantity: qty ?? 0,
    ...(notional === undefined ? {} : { notional }),
    side,
    orderType: type as WireOrder['orderType'],
    timeInForce: tif as WireOrder['timeInForce'],
    action: side === 'buy' ? 'buy_long' : 'sell_long',
  };
  return { ...order, ...priceFields(body) };
}

/** limit/stop/trail prices as given; whether they fit the type is the venue's check (one wording for every face) */
export function priceFields(
  body: Record<string, unknown>,
): Pick<WireOrder, 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice'> {
  const out: Pick<WireOrder, 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice'> = {};
  const limitPrice = positiveNumber(body.limit_price, 'limit_price');
  const stopPrice = positiveNumber(body.stop_price, 'stop_price');
  const trailPercent = positiveNumber(body.trail_percent, 'trail_percent');
  const trailPrice = positiveNumber(body.trail_price, 'trail_price');
  if (limitPrice !== undefined) out.limitPrice = limitPrice;
  if (stopPrice !== undefined) out.stopPrice = stopPrice;
  if (trailPercent !== undefined) out.trailPercent = trailPercent;
  if (trailPrice !== undefined) out.trailPrice = trailPrice;
  return out;
}

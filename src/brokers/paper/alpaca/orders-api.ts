// /v2/orders over the paper venue: create, list, get (by id or client order id), cancel.
// The venue's refusals become Alpaca's answers: 403 for buying power / short qty, 422 for the rest.
import { randomUUID } from 'node:crypto';
import { BrokerRejection, BrokerTransientError, type WireOrder } from '../../broker.js';
import type { PaperVenue } from '../venue.js';
import { ApiError, invalid, notFound, venueTooMany } from './http.js';
import { isOpenStatus, orderJson, type LedgerOrder, type OrderLedger } from './ledger.js';
import { parseOrderGroup } from './order-classes.js';

/** what a submit did: an order to answer with, or nothing (the venue lost the answer on purpose) */
export type SubmitResult = { order: LedgerOrder } | 'swallowed';

const TYPES = new Set(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);
export const TIFS = new Set(['day', 'gtc', 'ioc', 'fok']);
/** every field of Alpaca's order request; anything else is refused, never ignored */
const KNOWN = new Set([
  'symbol', 'qty', 'notional', 'side', 'type', 'order_type', 'time_in_force', 'limit_price', 'stop_price', 'trail_price',
  'trail_percent', 'client_order_id', 'extended_hours', 'order_class', 'take_profit', 'stop_loss', 'legs', 'position_intent',
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
  for (const key of Object.keys(body)) if (!KNOWN.has(key)) throw invalid(`unsupported field '${key}': the paper venue does not know it and will not ignore it`);
  const cls = body.order_class;
  if (cls !== undefined && cls !== null && cls !== '' && cls !== 'simple') {
    throw invalid(`order_class ${JSON.stringify(cls)} is not supported by the paper venue: simple, bracket, oco and oto only`);
  }
  for (const key of ['take_profit', 'stop_loss']) if (present(body[key])) throw invalid(`${key} needs order_class bracket, oco or oto`);
  for (const key of ['legs', 'advanced_instructions']) if (present(body[key])) throw invalid(`${key} is not supported by the paper venue`);
  if (present(body.notional)) throw invalid('notional orders are not supported by the paper venue; use qty');
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
  if (qty === undefined) throw invalid('qty is required');
  const side = body.side;
  if (side !== 'buy' && side !== 'sell') throw invalid(`invalid side: ${JSON.stringify(side)} (buy | sell)`);
  const type = body.type ?? body.order_type;
  if (typeof type !== 'string' || !TYPES.has(type)) throw invalid(`invalid order type: ${JSON.stringify(type)} (market | limit | stop | stop_limit | trailing_stop)`);
  const tif = body.time_in_force;
  if (typeof tif !== 'string' || !TIFS.has(tif)) throw invalid(`invalid time_in_force: ${JSON.stringify(tif)} (day | gtc | ioc | fok)`);
  const id = body.client_order_id;
  if (id !== undefined && id !== null && (typeof id !== 'string' || id.length > 128)) throw invalid('client_order_id must be a string of at most 128 characters');
  const order: WireOrder = {
    clientOrderId: typeof id === 'string' && id ? id : randomUUID(),
    ticker: symbol.trim(), quantity: qty, side, orderType: type as WireOrder['orderType'],
    timeInForce: tif as WireOrder['timeInForce'], action: side === 'buy' ? 'buy_long' : 'sell_long',
  };
  return { ...order, ...priceFields(body) };
}

/** limit/stop/trail prices as given; whether they fit the type is the venue's check (one wording for every face) */
export function priceFields(body: Record<string, unknown>): Pick<WireOrder, 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice'> {
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

export function venueError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof BrokerRejection) {
    switch (error.code) {
      case 'insufficient_buying_power':
      case 'insufficient_qty':
        return new ApiError(403, 40310000, error.reason);
      case 'duplicate_client_order_id':
        return invalid('client_order_id must be unique');
      case 'not_found':
        return notFound('order not found');
      case 'not_cancelable':
        return new ApiError(422, 42210000, error.reason);
      default:
        return invalid(error.reason);
    }
  }
  if (error instanceof BrokerTransientError) {
    if (error.status === 429) return venueTooMany(error.retryAfterMs);
    const status = error.status && error.status >= 500 && error.status < 600 ? error.status : 503;
    return new ApiError(status, status * 100_000 + 10_000, error.message);
  }
  return new ApiError(500, 50010000, 'internal server error occurred');
}

export async function createOrder(venue: PaperVenue, ledger: OrderLedger, body: Record<string, unknown>): Promise<SubmitResult> {
  const group = parseOrderGroup(body);
  if (group) {
    const [head, ...legs] = group.orders;
    return { order: await placed(venue, ledger, head, () => venue.submitGroup(group.orderClass, group.orders), legs) };
  }
  const wire = parseOrderRequest(body);
  let swallowed = false;
  const order = await placed(venue, ledger, wire, async () => { swallowed = (await venue.submit(wire)) === 'swallowed'; });
  return swallowed ? 'swallowed' : { order };
}

export interface ListQuery {
  status: 'open' | 'closed' | 'all';
  limit: number;
  after?: number;
  until?: number;
  direction: 'asc' | 'desc';
  symbols?: Set<string>;
  side?: string;
}

/** an RFC 3339 time or epoch seconds in a query, as epoch ms */
export function time(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`invalid ${name}: ${value}`);
  return ms;
}

export function parseListQuery(q: URLSearchParams): ListQuery {
  const status = q.get('status') ?? 'open';
  if (status !== 'open' && status !== 'closed' && status !== 'all') throw invalid(`invalid status: ${status} (open | closed | all)`);
  const limit = q.get('limit') === null ? 50 : Number(q.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('limit must be between 1 and 500');
  const direction = q.get('direction') ?? 'desc';
  if (direction !== 'asc' && direction !== 'desc') throw invalid(`invalid direction: ${direction} (asc | desc)`);
  const symbols = q.get('symbols');
  return {
    status, limit, direction, side: q.get('side') ?? undefined,
    after: time(q.get('after'), 'after'), until: time(q.get('until'), 'until'),
    symbols: symbols ? new Set(symbols.split(',').map((s) => s.trim()).filter(Boolean)) : undefined,
  };
}

export function listOrders(ledger: OrderLedger, q: ListQuery): Record<string, unknown>[] {
  const picked = ledger.all().filter((o) => {
    const open = isOpenStatus(o.state.status);
    if (q.status === 'open' && !open) return false;
    if (q.status === 'closed' && open) return false;
    if (q.after !== undefined && !(o.createdAt > q.after)) return false;
    if (q.until !== undefined && !(o.createdAt < q.until)) return false;
    if (q.symbols && !q.symbols.has(o.state.ticker)) return false;
    if (q.side && o.state.side !== q.side) return false;
    return true;
  });
  picked.sort((a, b) => (a.createdAt - b.createdAt || a.seq - b.seq) * (q.direction === 'asc' ? 1 : -1));
  return picked.slice(0, q.limit).map((o) => orderJson(o));
}

export async function cancelOrder(venue: PaperVenue, ledger: OrderLedger, id: string): Promise<void> {
  const order = ledger.byId(id);
  if (!order) throw notFound('order not found');
  try {
    await venue.cancel(order.state.clientOrderId);
  } catch (error) {
    throw venueError(error);
  }
}

/** DELETE /v2/orders: Alpaca answers 207 with one entry per order it tried to cancel */
export async function cancelAll(venue: PaperVenue, ledger: OrderLedger): Promise<Array<{ id: string; status: number; body?: unknown }>> {
  const open = ledger.all().filter((o) => isOpenStatus(o.state.status));
  return Promise.all(open.map(async (o) => {
    try {
      await venue.cancel(o.state.clientOrderId);
      return { id: o.state.brokerOrderId, status: 200 };
    } catch (error) {
      const e = venueError(error);
      return { id: o.state.brokerOrderId, status: e.status, body: { code: e.code, message: e.message } };
    }
  }));
}

/** hands `order` to the venue through `send`, recording its terms, and answers with the order the venue created */
export async function placed(venue: PaperVenue, ledger: OrderLedger, order: WireOrder, send: () => Promise<unknown>, legs: WireOrder[] = []): Promise<LedgerOrder> {
  const dones = [order, ...legs].map((o) => ledger.expect(o));
  try {
    await send();
    const created = ledger.byClientOrderId(order.clientOrderId);
    if (!created) throw new Error(`venue accepted ${order.clientOrderId} without announcing it`);
    return created;
  } catch (error) {
    throw venueError(error);
  } finally {
    for (const done of dones) done();
  }
}

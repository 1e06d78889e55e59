// Alpaca's ways of changing what is held besides a new order: PATCH /v2/orders/{id} (replace) and
// DELETE /v2/positions[/{symbol}] (close by market order), over the paper venue.
import { randomUUID } from 'node:crypto';
import type { WireOrder } from '../../brokers/broker.js';
import type { PaperVenue } from '../venue.js';
import { ApiError, invalid, notFound } from './http.js';
import { orderJson, type LedgerOrder, type OrderLedger } from './ledger.js';
import { cancelAll, placed, venueError } from './orders-api.js';
import { positiveNumber, present, priceFields, TIFS } from './order-request.js';

const PATCH_FIELDS = new Set([
  'qty',
  'time_in_force',
  'limit_price',
  'stop_price',
  'trail',
  'client_order_id',
  'notional',
  'advanced_instructions',
]);

/**
 * PATCH /v2/orders/{id}: Alpaca's replace. The venue swaps the order in one step for a new one
 * (new id, `replaces` the old; the old ends 'replaced' with `replaced_by`). Unchanged terms carry
 * over; `qty` defaults to what the old order has left; `trail` is the trailing stop's new distance.
 */
export async function replaceOrder(
  venue: PaperVenue,
  ledger: OrderLedger,
  id: string,
  body: Record<string, unknown>,
): Promise<LedgerOrder> {
  const old = ledger.byId(id);
  if (!old) throw notFound('order not found');
  for (const key of Object.keys(body))
    if (!PATCH_FIELDS.has(key)) throw invalid(`unsupported field '${key}' in a replace`);
  if (present(body.notional)) throw invalid('notional orders are not supported by the paper venue; use qty');
  if (present(body.advanced_instructions)) throw invalid('advanced_instructions are not supported by the paper venue');
  const s = old.state;
  const tif = body.time_in_force ?? old.timeInForce;
  if (typeof tif !== 'string' || !TIFS.has(tif))
    throw invalid(`invalid time_in_force: ${JSON.stringify(tif)} (day | gtc | ioc | fok)`);
  const trail = positiveNumber(body.trail, 'trail');
  const prices = priceFields(body);
  const cid = body.client_order_id;
  if (cid !== undefined && cid !== null && (typeof cid !== 'string' || cid.length > 128))
    throw invalid('client_order_id must be a string of at most 128 characters');
  const order: WireOrder = {
    clientOrderId: typeof cid === 'string' && cid ? cid : randomUUID(),
    ticker: s.ticker,
    side: s.side,
    orderType: old.orderType,
    quantity: positiveNumber(body.qty, 'qty') ?? s.quantity - s.filledQty,
    timeInForce: tif as WireOrder['timeInForce'],
    action: s.side === 'buy' ? 'buy_long' : 'sell_long',
    replaces: s.clientOrderId,
    limitPrice: prices.limitPrice ?? s.limitPrice ?? old.limitPrice,
    stopPrice: prices.stopPrice ?? (old.orderType === 'trailing_stop' ? undefined : s.stopPrice),
    trailPercent: s.trailPercent === undefined ? undefined : (trail ?? s.trailPercent),
    trailPrice: s.trailPrice === undefined ? undefined : (trail ?? s.trailPrice),
  };
  if (trail !== undefined && old.orderType !== 'trailing_stop') throw invalid('trail is only for trailing_stop orders');
  return placed(ledger, order, () => venue.replace(order));
}

/**
 * DELETE /v2/positions/{symbol}: closes all (or `qty`, or `percentage` %) of a position with a
 * market order on the other side; never more than is held, so a close cannot open the other way.
 */
export async function closePosition(
  venue: PaperVenue,
  ledger: OrderLedger,
  symbol: string,
  q: URLSearchParams,
): Promise<LedgerOrder> {
  const held = venue.positions().find((p) => p.ticker === symbol)?.quantity ?? 0;
  if (Math.abs(held) < 1e-9) throw notFound('position does not exist');
  const qty = positiveNumber(q.get('qty') ?? undefined, 'qty');
  const pct = positiveNumber(q.get('percentage') ?? undefined, 'percentage');
  if (qty !== undefined && pct !== undefined) throw invalid('only one of qty and percentage may be given');
  if (pct !== undefined && pct > 100) throw invalid('percentage must be at most 100');
  const quantity = qty ?? (Math.abs(held) * (pct ?? 100)) / 100;
  if (quantity > Math.abs(held) + 1e-9)
    throw new ApiError(
      403,
      40310000,
      `insufficient qty available for order (requested: ${quantity}, available: ${Math.abs(held)})`,
    );
  const side = held > 0 ? 'sell' : 'buy';
  const order: WireOrder = {
    clientOrderId: randomUUID(),
    ticker: symbol,
    quantity: Math.round(quantity * 1e9) / 1e9,
    side,
    orderType: 'market',
    timeInForce: 'day',
    action: side === 'sell' ? 'sell_long' : 'buy_to_cover',
  };
  return placed(ledger, order, async () => {
    const ack = await venue.submit(order);
    if (ack === 'swallowed') return; // the order exists; the gateway answers with it anyway
  });
}

/** DELETE /v2/positions: every position closed (after canceling open orders when asked), 207 with one entry each */
export async function closeAll(
  venue: PaperVenue,
  ledger: OrderLedger,
  q: URLSearchParams,
): Promise<Array<{ symbol: string; status: number; body: unknown }>> {
  if (queryBool(q.get('cancel_orders'), 'cancel_orders')) await cancelAll(venue, ledger);
  return Promise.all(
    venue
      .positions()
      .filter((p) => Math.abs(p.quantity) > 1e-9)
      .map(async (p) => {
        try {
          return {
            symbol: p.ticker,
            status: 200,
            body: orderJson(await closePosition(venue, ledger, p.ticker, new URLSearchParams())),
          };
        } catch (error) {
          const e = venueError(error);
          return { symbol: p.ticker, status: e.status, body: { code: e.code, message: e.message } };
        }
      }),
  );
}

/**
 * A boolean query parameter as Alpaca's server reads one (Go's ParseBool): alpaca-py sends Python's
 * `True`, the JS SDK `true`; anything else is refused rather than read as false.
 */
export function queryBool(value: string | null, name: string): boolean {
  if (value === null || value === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw invalid(`invalid ${name}: ${JSON.stringify(value)} (true | false)`);
}

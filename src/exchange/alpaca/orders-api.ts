import { BrokerRejection, BrokerTransientError, type WireOrder } from '../../brokers/broker.js';
import type { PaperVenue } from '../venue.js';
import { ApiError, invalid, notFound, venueTooMany } from './http.js';
import { orderJson, type LedgerOrder, type OrderLedger } from './ledger.js';
import { isFinalAtBroker } from '../../orders/status.js';
import { parseOrderGroup } from './order-classes.js';
import { parseOrderRequest } from './order-request.js';

/** what a submit did: an order to answer with, or nothing (the venue lost the answer on purpose) */
export type SubmitResult = { order: LedgerOrder } | 'swallowed';

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

export async function createOrder(
  venue: PaperVenue,
  ledger: OrderLedger,
  body: Record<string, unknown>,
): Promise<SubmitResult> {
  const group = parseOrderGroup(body);
  if (group) {
    const [head, ...legs] = group.orders;
    return { order: await placed(ledger, head, () => venue.submitGroup(group.orderClass, group.orders), legs) };
  }
  const wire = parseOrderRequest(body);
  let swallowed = false;
  const order = await placed(ledger, wire, async () => {
    swallowed = (await venue.submit(wire)) === 'swallowed';
  });
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
  if (status !== 'open' && status !== 'closed' && status !== 'all')
    throw invalid(`invalid status: ${status} (open | closed | all)`);
  const limit = q.get('limit') === null ? 50 : Number(q.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('limit must be between 1 and 500');
  const direction = q.get('direction') ?? 'desc';
  if (direction !== 'asc' && direction !== 'desc') throw invalid(`invalid direction: ${direction} (asc | desc)`);
  const symbols = q.get('symbols');
  return {
    status,
    limit,
    direction,
    side: q.get('side') ?? undefined,
    after: time(q.get('after'), 'after'),
    until: time(q.get('until'), 'until'),
    symbols: symbols
      ? new Set(
          symbols
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        )
      : undefined,
  };
}

export function listOrders(ledger: OrderLedger, q: ListQuery): Record<string, unknown>[] {
  const picked = ledger.all().filter((o) => {
    const open = !isFinalAtBroker(o.state.status);
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
export async function cancelAll(
  venue: PaperVenue,
  ledger: OrderLedger,
): Promise<Array<{ id: string; status: number; body?: unknown }>> {
  const open = ledger.all().filter((o) => !isFinalAtBroker(o.state.status));
  return Promise.all(
    open.map(async (o) => {
      try {
        await venue.cancel(o.state.clientOrderId);
        return { id: o.state.brokerOrderId, status: 200 };
      } catch (error) {
        const e = venueError(error);
        return { id: o.state.brokerOrderId, status: e.status, body: { code: e.code, message: e.message } };
      }
    }),
  );
}

/** hands `order` to the venue through `send`, recording its terms, and answers with the order the venue created */
export async function placed(
  ledger: OrderLedger,
  order: WireOrder,
  send: () => Promise<unknown>,
  legs: WireOrder[] = [],
): Promise<LedgerOrder> {
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

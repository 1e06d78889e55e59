// The Trading API's routes at the Alpaca face, one handler per method and path: exact paths, then
// paths with an id after a prefix (the id decoded, a malformed one refused with a 400). What is not
// here is the account surface's (account-extras.ts), or a 404.
import type { IncomingMessage } from 'node:http';
import type { QuoteBoard } from '../../market/quote-board.js';
import type { PaperVenue } from '../venue.js';
import { accountJson, calendarJson, clockJson, positionJson } from './account-api.js';
import type { Answer } from './account-extras.js';
import { decodePathPart, notFound, readJson } from './http.js';
import { type OrderLedger, orderJson } from './ledger.js';
import { closeAll, closePosition, replaceOrder } from './order-changes.js';
import { cancelAll, cancelOrder, createOrder, listOrders, parseListQuery } from './orders-api.js';

export interface RouteContext {
  venue: PaperVenue;
  ledger: OrderLedger;
  board: QuoteBoard;
  /** the zone /v2/calendar reports the market's hours in */
  timeZone: string;
  /** what creates an order (a submit, a replace, closing a position) passes the gate; throws a 429 */
  admitOrder(): void;
}

/** 'held': the venue lost the answer on purpose (timeoutRate); the request is left hanging */
export type RouteAnswer = Answer | 'held';

interface Route {
  method: string;
  /** the exact path, or with `prefix` the part before an id */
  path: string;
  prefix?: boolean;
  handle(c: RouteContext, req: IncomingMessage, url: URL, id: string): Promise<RouteAnswer> | RouteAnswer;
}

const ok = (body: unknown, status = 200): Answer => ({ status, body });

function position(c: RouteContext, symbol: string): Answer {
  const p = c.venue.positions().find((x) => x.ticker === symbol);
  if (!p) throw notFound('position does not exist');
  return ok(positionJson(c.board, p));
}

function order(o: ReturnType<OrderLedger['byId']>): Answer {
  if (!o) throw notFound('order not found');
  return ok(orderJson(o));
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/v2/orders',
    async handle(c, req) {
      c.admitOrder();
      const result = await createOrder(c.venue, c.ledger, await readJson(req));
      return result === 'swallowed' ? 'held' : ok(orderJson(result.order));
    },
  },
  { method: 'GET', path: '/v2/account', handle: (c) => ok(accountJson(c.venue, c.board)) },
  { method: 'GET', path: '/v2/clock', handle: (c) => ok(clockJson(c.venue)) },
  {
    method: 'GET',
    path: '/v2/calendar',
    handle: (c, _req, url) => ok(calendarJson(c.venue, url.searchParams, c.timeZone)),
  },
  {
    method: 'GET',
    path: '/v2/positions',
    handle: (c) => ok(c.venue.positions().map((p) => positionJson(c.board, p))),
  },
  { method: 'GET', path: '/v2/positions/', prefix: true, handle: (c, _req, _url, symbol) => position(c, symbol) },
  {
    method: 'GET',
    path: '/v2/orders',
    handle: (c, _req, url) => ok(listOrders(c.ledger, parseListQuery(url.searchParams))),
  },
  {
    method: 'GET',
    path: '/v2/orders:by_client_order_id',
    handle: (c, _req, url) => {
      const id = url.searchParams.get('client_order_id');
      return order(id ? c.ledger.byClientOrderId(id) : undefined);
    },
  },
  { method: 'GET', path: '/v2/orders/', prefix: true, handle: (c, _req, _url, id) => order(c.ledger.byId(id)) },
  { method: 'DELETE', path: '/v2/orders', handle: async (c) => ok(await cancelAll(c.venue, c.ledger), 207) },
  {
    method: 'DELETE',
    path: '/v2/orders/',
    prefix: true,
    async handle(c, _req, _url, id) {
      await cancelOrder(c.venue, c.ledger, id);
      return { status: 204 };
    },
  },
  {
    method: 'PATCH',
    path: '/v2/orders/',
    prefix: true,
    async handle(c, req, _url, id) {
      c.admitOrder();
      return ok(orderJson(await replaceOrder(c.venue, c.ledger, id, await readJson(req))));
    },
  },
  {
    method: 'DELETE',
    path: '/v2/positions',
    async handle(c, _req, url) {
      c.admitOrder();
      return ok(await closeAll(c.venue, c.ledger, url.searchParams), 207);
    },
  },
  {
    method: 'DELETE',
    path: '/v2/positions/',
    prefix: true,
    async handle(c, _req, url, symbol) {
      c.admitOrder();
      return ok(orderJson(await closePosition(c.venue, c.ledger, symbol, url.searchParams)));
    },
  },
];

const EXACT = new Map(ROUTES.filter((r) => !r.prefix).map((r) => [`${r.method} ${r.path}`, r]));
const BY_PREFIX = ROUTES.filter((r) => r.prefix);

/** the answer of the route for this request, or undefined when no route here takes it */
export async function routeTrading(
  c: RouteContext,
  req: IncomingMessage,
  method: string,
  url: URL,
): Promise<RouteAnswer | undefined> {
  const path = url.pathname;
  const exact = EXACT.get(`${method} ${path}`);
  if (exact) return exact.handle(c, req, url, '');
  const route = BY_PREFIX.find((r) => r.method === method && path.startsWith(r.path) && path.length > r.path.length);
  return route?.handle(c, req, url, decodePathPart(path.slice(route.path.length)));
}

// The paper venue served over Alpaca's APIs on one port: Trading API v2 REST, the trade_updates
// websocket at /stream and the market-data websocket at /v2/{iex,sip,test} fed from the quote
// board. Any Alpaca client (salvo's adapter, the official SDK) can trade against it, and several
// processes can share it (one account; every stream listener sees every update).
// Failure injection: the venue's failureRate (503) and timeoutRate (the answer is never sent: the
// request hangs until the client gives up) plus the stream drops configured here.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { QuoteBoard } from '../market/quote-board.js';
import type { BrokerOrderState } from '../brokers/broker.js';
import type { PaperVenue } from './venue.js';
import { accountJson, calendarJson, clockJson, positionJson } from './alpaca/account-api.js';
import { DataStreamServer } from './alpaca/data-stream.js';
import {
  ApiError,
  checkAuth,
  decodePathPart,
  notFound,
  RateGate,
  readJson,
  requestUrl,
  sendError,
  sendJson,
} from './alpaca/http.js';
import { OrderLedger, orderJson } from './alpaca/ledger.js';
import { cancelAll, cancelOrder, createOrder, listOrders, parseListQuery, venueError } from './alpaca/orders-api.js';
import { closeAll, closePosition, replaceOrder } from './alpaca/order-changes.js';
import { AccountExtras } from './alpaca/account-extras.js';
import { TradeUpdatesServer } from './alpaca/trade-updates.js';

export interface AlpacaServerOptions {
  host?: string;
  port?: number;
  keyId: string;
  secretKey: string;
  board: QuoteBoard;
  /** gateway allowance for order submissions; beyond it 429 with Alpaca's X-Ratelimit-* headers */
  ordersPerMinute?: number;
  failure?: {
    /** each trade_updates connection is cut this long after it authenticates */
    dropStreamAfterMs?: number;
    /** at most this many trade_updates connections are cut (default: no limit) */
    maxStreamDrops?: number;
    dropDataStreamAfterMs?: number;
    maxDataStreamDrops?: number;
  };
  /** trade_updates frames as binary, as Alpaca's paper stream sends them (default true) */
  binaryFrames?: boolean;
  /** the zone /v2/calendar reports the paper market's hours in (default America/New_York) */
  timeZone?: string;
  /** how often the market-data stream looks at the board (default 5 ms) */
  dataPollMs?: number;
}

export interface AlpacaServerStats {
  /** POST /v2/orders received, answered or not */
  submitRequests: number;
  /** submits whose answer was withheld (the venue's timeoutRate) */
  swallowed: number;
  rateLimited: number;
  streamDrops: number;
  dataStreamDrops: number;
  /** venue updates that no trade_updates client was listening for */
  updatesUnheard: number;
}

export interface AlpacaServer {
  restUrl: string;
  streamUrl: string;
  dataStreamUrl: string;
  port: number;
  /** cuts every authenticated trade_updates connection now; returns how many */
  dropStreams(): number;
  dropDataStreams(): number;
  stats(): AlpacaServerStats;
  /** how many orders the venue created per client order id (more than one would be a duplicate) */
  createdPerClientOrderId(): Map<string, number>;
  /** every order seen through the venue's updates, latest state */
  orders(): BrokerOrderState[];
  close(): Promise<void>;
}

const DATA_PATHS = new Set(['/v2/iex', '/v2/sip', '/v2/test', '/v2/delayed_sip']);

export async function serveAlpaca(venue: PaperVenue, options: AlpacaServerOptions): Promise<AlpacaServer> {
  const credentials = { keyId: options.keyId, secretKey: options.secretKey };
  if (!credentials.keyId || !credentials.secretKey) throw new Error('serveAlpaca needs keyId and secretKey');
  const failure = options.failure ?? {};
  const ledger = new OrderLedger((id) => venue.getOrder(id));
  const gate = options.ordersPerMinute ? new RateGate(options.ordersPerMinute) : undefined;
  const stats: AlpacaServerStats = {
    submitRequests: 0,
    swallowed: 0,
    rateLimited: 0,
    streamDrops: 0,
    dataStreamDrops: 0,
    updatesUnheard: 0,
  };
  const created = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const trades = new TradeUpdatesServer(venue, {
    credentials,
    binaryFrames: options.binaryFrames ?? true,
    dropAfterMs: failure.dropStreamAfterMs,
    maxDrops: failure.maxStreamDrops ?? Infinity,
  });
  const data = new DataStreamServer({
    credentials,
    board: options.board,
    pollMs: options.dataPollMs ?? 5,
    dropAfterMs: failure.dropDataStreamAfterMs,
    maxDrops: failure.maxDataStreamDrops ?? Infinity,
  });
  const unsubscribe = venue.onUpdate((update) => {
    if (update.event === 'pending_new')
      created.set(update.order.clientOrderId, (created.get(update.order.clientOrderId) ?? 0) + 1);
    trades.publish(update, ledger.record(update));
  });

  const extras = new AccountExtras(venue, options.board);
  /** what creates an order besides POST /v2/orders (replace, closing a position) counts against the same gate */
  const admitOrder = () => {
    stats.submitRequests++;
    if (gate && !gate.take()) {
      stats.rateLimited++;
      throw gate.tooMany();
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const { pathname: path } = url;
    const method = req.method ?? 'GET';
    const ok = (body: unknown, status = 200) => sendJson(res, status, body, gate?.headers());
    if (path === '/v2/orders' && method === 'POST') {
      stats.submitRequests++;
      if (gate && !gate.take()) {
        stats.rateLimited++;
        throw gate.tooMany();
      }
      const result = await createOrder(venue, ledger, await readJson(req));
      if (result === 'swallowed') {
        // the order exists but its answer is lost: hold the request until the client gives up
        stats.swallowed++;
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      return ok(orderJson(result.order));
    }
    if (method === 'GET') {
      if (path === '/v2/account') return ok(accountJson(venue, options.board));
      if (path === '/v2/clock') return ok(clockJson(venue));
      if (path === '/v2/calendar')
        return ok(calendarJson(venue, url.searchParams, options.timeZone ?? 'America/New_York'));
      if (path === '/v2/positions') return ok(venue.positions().map((p) => positionJson(options.board, p)));
      if (path.startsWith('/v2/positions/')) {
        const symbol = decodePathPart(path.slice('/v2/positions/'.length));
        const p = venue.positions().find((x) => x.ticker === symbol);
        if (!p) throw notFound('position does not exist');
        return ok(positionJson(options.board, p));
      }
      if (path === '/v2/orders') return ok(listOrders(ledger, parseListQuery(url.searchParams)));
      if (path === '/v2/orders:by_client_order_id') {
        const id = url.searchParams.get('client_order_id');
        const o = id ? ledger.byClientOrderId(id) : undefined;
        if (!o) throw notFound('order not found');
        return ok(orderJson(o));
      }
      if (path.startsWith('/v2/orders/')) {
        const o = ledger.byId(decodePathPart(path.slice('/v2/orders/'.length)));
        if (!o) throw notFound('order not found');
        return ok(orderJson(o));
      }
    }
    if (method === 'DELETE') {
      if (path === '/v2/orders') return ok(await cancelAll(venue, ledger), 207);
      if (path.startsWith('/v2/orders/')) {
        await cancelOrder(venue, ledger, decodePathPart(path.slice('/v2/orders/'.length)));
        return sendJson(res, 204, undefined, gate?.headers());
      }
    }
    const more = await routeMore(req, method, url);
    if (more) return more.status === 204 ? sendJson(res, 204, undefined, gate?.headers()) : ok(more.body, more.status);
    throw notFound('endpoint not found');
  };

  /** replace, closing positions, and the account extras: kept apart from the order routes above */
  const routeMore = async (
    req: IncomingMessage,
    method: string,
    url: URL,
  ): Promise<{ status: number; body?: unknown } | undefined> => {
    const path = url.pathname;
    if (method === 'PATCH' && path.startsWith('/v2/orders/')) {
      admitOrder();
      return {
        status: 200,
        body: orderJson(
          await replaceOrder(venue, ledger, decodeURIComponent(path.slice('/v2/orders/'.length)), await readJson(req)),
        ),
      };
    }
    if (method === 'DELETE' && path === '/v2/positions') {
      admitOrder();
      return { status: 207, body: await closeAll(venue, ledger, url.searchParams) };
    }
    if (method === 'DELETE' && path.startsWith('/v2/positions/')) {
      admitOrder();
      return {
        status: 200,
        body: orderJson(
          await closePosition(venue, ledger, decodeURIComponent(path.slice('/v2/positions/'.length)), url.searchParams),
        ),
      };
    }
    return extras.route(req, method, url);
  };

  // Guarantee: whatever bytes arrive, the answer is a 4xx (or a closed socket) and the server goes
  // on serving. Every step that reads the request (its URL included) runs inside the catch.
  const server = http.createServer((req, res) => {
    (async () => {
      const url = requestUrl(req);
      checkAuth(req, credentials);
      await route(req, res, url);
    })().catch((error: unknown) => {
      const e = error instanceof ApiError ? error : venueError(error);
      // a body refused half-read leaves the rest of it on the socket: close it rather than read on
      const closing: Record<string, string> = e.status === 413 ? { Connection: 'close' } : {};
      sendError(res, e, { ...(e.status === 401 ? {} : gate?.headers()), ...closing });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node leaves an upgraded socket without an error listener: a reset would be an uncaught error
    socket.on('error', () => socket.destroy());
    let path: string;
    try {
      path = requestUrl(req).pathname;
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const wss = path === '/stream' ? trades.wss : DATA_PATHS.has(path) ? data.wss : undefined;
    if (!wss) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let closed = false;

  return {
    restUrl: `http://${hostPart}:${port}`,
    streamUrl: `ws://${hostPart}:${port}/stream`,
    dataStreamUrl: `ws://${hostPart}:${port}/v2/iex`,
    port,
    dropStreams: () => trades.dropAll(),
    dropDataStreams: () => data.dropAll(),
    stats: () => ({
      ...stats,
      streamDrops: trades.drops,
      dataStreamDrops: data.drops,
      updatesUnheard: trades.updatesUnheard,
    }),
    createdPerClientOrderId: () => new Map(created),
    orders: () => ledger.all().map((o) => ({ ...o.state })),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      unsubscribe();
      extras.close();
      trades.close();
      data.close();
      for (const res of held) res.destroy();
      held.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

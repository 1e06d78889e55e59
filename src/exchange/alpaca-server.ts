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
import { DataStreamServer } from './alpaca/data-stream.js';
import { ApiError, checkAuth, notFound, RateGate, requestUrl, sendError, sendJson } from './alpaca/http.js';
import { OrderLedger } from './alpaca/ledger.js';
import { marketData } from './alpaca/market-data.js';
import { venueError } from './alpaca/orders-api.js';
import { type RouteContext, routeTrading } from './alpaca/routes.js';
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
  const ledger = new OrderLedger((id) => venue.getOrder(id));
  const gate = options.ordersPerMinute ? new RateGate(options.ordersPerMinute) : undefined;
  const stats = { submitRequests: 0, swallowed: 0, rateLimited: 0 };
  const created = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const { trades, data } = openStreams(venue, options);
  const unsubscribe = venue.onUpdate((update) => {
    if (update.event === 'pending_new')
      created.set(update.order.clientOrderId, (created.get(update.order.clientOrderId) ?? 0) + 1);
    trades.publish(update, ledger.record(update));
  });
  const extras = new AccountExtras(venue, options.board);
  const context: RouteContext = {
    venue,
    ledger,
    board: options.board,
    timeZone: options.timeZone ?? 'America/New_York',
    // every request that creates an order (a submit, a replace, closing a position) passes the same gate
    admitOrder: () => {
      stats.submitRequests++;
      if (gate && !gate.take()) {
        stats.rateLimited++;
        throw gate.tooMany();
      }
    },
  };
  const route = router(context, extras, gate, stats, held);

  const server = httpServer(credentials, gate, route);
  server.on('upgrade', upgrader(trades, data));
  const base = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  let closed = false;
  return {
    restUrl: `http://${base}`,
    streamUrl: `ws://${base}/stream`,
    dataStreamUrl: `ws://${base}/v2/iex`,
    port: (server.address() as { port: number }).port,
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

/**
 * Each request to the trading API, then the account extras, then market data; an order whose answer
 * the venue swallows keeps its request open (in `held`) until the client gives up.
 */
function router(
  context: RouteContext,
  extras: AccountExtras,
  gate: RateGate | undefined,
  stats: { swallowed: number },
  held: Set<ServerResponse>,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    const method = req.method ?? 'GET';
    const answer =
      (await routeTrading(context, req, method, url)) ??
      (await extras.route(req, method, url)) ??
      marketData(context.board, method, url);
    if (!answer) throw notFound('endpoint not found');
    if (answer === 'held') {
      // the order exists but its answer is lost: hold the request until the client gives up
      stats.swallowed++;
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    sendJson(res, answer.status, answer.status === 204 ? undefined : answer.body, gate?.headers());
  };
}

/**
 * Guarantee: whatever bytes arrive, the answer is a 4xx (or a closed socket) and the server goes on
 * serving. Every step that reads the request (its URL included) runs inside the catch.
 */
function httpServer(
  credentials: { keyId: string; secretKey: string },
  gate: RateGate | undefined,
  route: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>,
): http.Server {
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
  return server;
}

/** the trade_updates and market-data websockets, with the drops the options inject */
function openStreams(venue: PaperVenue, options: AlpacaServerOptions) {
  const credentials = { keyId: options.keyId, secretKey: options.secretKey };
  const failure = options.failure ?? {};
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
  return { trades, data };
}

/** websocket upgrades: /stream for trade updates, the data paths for quotes, anything else 404 */
function upgrader(trades: TradeUpdatesServer, data: DataStreamServer) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
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
  };
}

/** listens on host:port (0: any free port); resolves with `host:port` as a URL writes it */
async function listen(server: http.Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as { port: number }).port;
  return `${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

// Alpaca's market-data websocket (/v2/iex, /v2/sip, /v2/test) serving the quote board: quotes
// ('q') when a ticker's update count changes, trades ('t') when its last price changes, checked
// every few ms. A client that upgrades with Content-Type: application/msgpack (the official SDK
// does) gets msgpack frames with timestamps as msgpack timestamps; everyone else gets JSON text.
import type { IncomingMessage } from 'node:http';
import { decode, encode } from '@msgpack/msgpack';
import { WebSocketServer, type WebSocket } from 'ws';
import { emptyQuote, type QuoteBoard } from '../../market/quote-board.js';
import { credentialsMatch } from './http.js';

export interface DataStreamOptions {
  credentials: { keyId: string; secretKey: string };
  board: QuoteBoard;
  pollMs: number;
  /** an authenticated connection is cut this long after it authenticated */
  dropAfterMs?: number;
  maxDrops: number;
}

const CHANNELS = [
  'trades',
  'quotes',
  'bars',
  'updatedBars',
  'dailyBars',
  'statuses',
  'lulds',
  'corrections',
  'cancelErrors',
] as const;
type Channel = (typeof CHANNELS)[number];
const AUTH_TIMEOUT_MS = 10_000;

interface Client {
  msgpack: boolean;
  authed: boolean;
  subs: Record<Channel, Set<string>>;
  timers: NodeJS.Timeout[];
}

type Frame = Record<string, unknown>;

export class DataStreamServer {
  readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly clients = new Map<WebSocket, Client>();
  private readonly seenUpdates: Float64Array;
  private readonly seenLast: Float64Array;
  private readonly scratch = emptyQuote();
  private poller?: NodeJS.Timeout;
  private tradeSeq = 0;
  drops = 0;

  constructor(private readonly options: DataStreamOptions) {
    const n = options.board.tickers.length;
    this.seenUpdates = new Float64Array(n);
    this.seenLast = new Float64Array(n);
    this.wss.on('connection', (ws, req: IncomingMessage) => this.accept(ws, req));
  }

  dropAll(): number {
    let n = 0;
    for (const [ws, c] of this.clients)
      if (c.authed) {
        ws.terminate();
        n++;
      }
    return n;
  }

  close(): void {
    if (this.poller) clearInterval(this.poller);
    for (const [ws, c] of this.clients) {
      c.timers.forEach(clearTimeout);
      ws.terminate();
    }
    this.clients.clear();
    this.wss.close();
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const msgpack = String(req.headers['content-type'] ?? '').includes('msgpack');
    const subs = Object.fromEntries(CHANNELS.map((c) => [c, new Set<string>()])) as Record<Channel, Set<string>>;
    const client: Client = { msgpack, authed: false, subs, timers: [] };
    this.clients.set(ws, client);
    client.timers.push(
      setTimeout(() => {
        if (client.authed) return;
        this.send(ws, client, [{ T: 'error', code: 404, msg: 'auth timeout' }]);
        ws.close();
      }, AUTH_TIMEOUT_MS),
    );
    ws.on('message', (raw: Buffer, isBinary: boolean) => this.onMessage(ws, client, raw, isBinary));
    ws.on('close', () => {
      client.timers.forEach(clearTimeout);
      this.clients.delete(ws);
    });
    ws.on('error', () => undefined);
    this.send(ws, client, [{ T: 'success', msg: 'connected' }]);
  }

  private send(ws: WebSocket, client: Client, frames: Frame[]): void {
    if (ws.readyState !== ws.OPEN) return;
    if (client.msgpack) ws.send(encode(frames), { binary: true });
    else ws.send(JSON.stringify(frames), { binary: false });
  }

  private onMessage(ws: WebSocket, client: Client, raw: Buffer, isBinary: boolean): void {
    let msg: Record<string, unknown>;
    try {
      const value = isBinary && client.msgpack ? decode(raw) : JSON.parse(raw.toString('utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      msg = value as Record<string, unknown>;
    } catch {
      this.send(ws, client, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
      return;
    }
    switch (msg.action) {
      case 'auth':
        if (client.authed) return this.send(ws, client, [{ T: 'error', code: 403, msg: 'already authenticated' }]);
        if (!credentialsMatch(msg.key, msg.secret, this.options.credentials)) {
          this.send(ws, client, [{ T: 'error', code: 402, msg: 'auth failed' }]);
          ws.close();
          return;
        }
        client.authed = true;
        this.send(ws, client, [{ T: 'success', msg: 'authenticated' }]);
        this.armDrop(ws);
        return;
      case 'subscribe':
      case 'unsubscribe': {
        if (!client.authed) return this.send(ws, client, [{ T: 'error', code: 401, msg: 'not authenticated' }]);
        for (const channel of CHANNELS) {
          const symbols = msg[channel];
          if (symbols === undefined) continue;
          if (!Array.isArray(symbols) || symbols.some((s) => typeof s !== 'string'))
            return this.send(ws, client, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
          for (const s of symbols as string[]) {
            if (msg.action === 'subscribe') client.subs[channel].add(s);
            else client.subs[channel].delete(s);
          }
        }
        this.send(ws, client, [
          { T: 'subscription', ...Object.fromEntries(CHANNELS.map((c) => [c, [...client.subs[c]]])) },
        ]);
        this.watch();
        return;
      }
      default:
        this.send(ws, client, [{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    }
  }

  private armDrop(ws: WebSocket): void {
    const { dropAfterMs, maxDrops } = this.options;
    if (dropAfterMs === undefined || this.drops >= maxDrops) return;
    const timer = setTimeout(() => {
      if (this.drops >= maxDrops || ws.readyState !== ws.OPEN) return;
      this.drops++;
      ws.terminate();
    }, dropAfterMs);
    this.clients.get(ws)?.timers.push(timer);
  }

  private watch(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.sweep(), this.options.pollMs);
    this.poller.unref();
  }

  /** one pass over the board: what changed since the last pass goes to whoever subscribed to it */
  private sweep(): void {
    const { board } = this.options;
    const quotes: Array<{ symbol: string; json: Frame; packed: Frame }> = [];
    const trades: Array<{ symbol: string; json: Frame; packed: Frame }> = [];
    for (let slot = 0; slot < board.tickers.length; slot++) {
      const updates = board.updates(slot);
      if (updates === this.seenUpdates[slot]) continue;
      this.seenUpdates[slot] = updates;
      const q = board.read(slot, this.scratch);
      const symbol = board.tickers[slot];
      const at = q.timestamp > 0 ? q.timestamp : Date.now();
      const iso = new Date(at).toISOString();
      if (q.bid > 0 || q.ask > 0) {
        const base = {
          T: 'q',
          S: symbol,
          bx: 'V',
          bp: q.bid,
          bs: q.bidSize,
          ax: 'V',
          ap: q.ask,
          as: q.askSize,
          c: ['R'],
          z: 'C',
        };
        quotes.push({ symbol, json: { ...base, t: iso }, packed: { ...base, t: new Date(at) } });
      }
      if (q.last > 0 && q.last !== this.seenLast[slot]) {
        this.seenLast[slot] = q.last;
        const base = {
          T: 't',
          S: symbol,
          i: ++this.tradeSeq,
          x: 'V',
          p: q.last,
          s: q.lastSize > 0 ? q.lastSize : 100,
          c: ['@'],
          z: 'C',
        };
        trades.push({ symbol, json: { ...base, t: iso }, packed: { ...base, t: new Date(at) } });
      }
    }
    if (!quotes.length && !trades.length) return;
    for (const [ws, c] of this.clients) {
      if (!c.authed) continue;
      const wants = (set: Set<string>, s: string) => set.has(s) || set.has('*');
      const frames: Frame[] = [];
      for (const t of trades) if (wants(c.subs.trades, t.symbol)) frames.push(c.msgpack ? t.packed : t.json);
      for (const q of quotes) if (wants(c.subs.quotes, q.symbol)) frames.push(c.msgpack ? q.packed : q.json);
      if (frames.length) this.send(ws, c, frames);
    }
  }
}

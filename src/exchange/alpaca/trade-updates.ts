// The trade_updates websocket (/stream) in Alpaca's protocol. Both auth forms Alpaca accepts are
// understood: {action:'auth', key, secret} and {action:'authenticate', data:{key_id, secret_key}}.
// Like Alpaca's own paper stream, frames go out as binary by default, so clients must decode both.
// Updates are not buffered for a disconnected client: a client that drops must resync over REST.
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TradeUpdate } from '../../brokers/broker.js';
import type { PaperVenue } from '../venue.js';
import { writePerTurn, type Corkable } from '../../util/write-per-turn.js';
import { credentialsMatch } from './http.js';
import { decimal, orderJson, type LedgerOrder } from './ledger.js';

export interface TradeUpdatesOptions {
  credentials: { keyId: string; secretKey: string };
  binaryFrames: boolean;
  /** an authenticated connection is cut (as by the network) this long after it authenticated */
  dropAfterMs?: number;
  /** how many connections may be cut that way in all */
  maxDrops: number;
}

const AUTH_TIMEOUT_MS = 10_000;

interface Client {
  authed: boolean;
  listening: boolean;
  timers: NodeJS.Timeout[];
}

export class TradeUpdatesServer {
  readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly clients = new Map<WebSocket, Client>();
  drops = 0;
  updatesSent = 0;
  /** venue updates published while no client was listening: lost to every client that was away */
  updatesUnheard = 0;

  constructor(
    private readonly venue: PaperVenue,
    private readonly options: TradeUpdatesOptions,
  ) {
    this.wss.on('connection', (ws) => this.accept(ws));
  }

  /** one venue update, already recorded in the ledger */
  publish(update: TradeUpdate, order: LedgerOrder): void {
    const listeners = [...this.clients].filter(([, c]) => c.listening);
    if (!listeners.length) {
      this.updatesUnheard++;
      return;
    }
    const data: Record<string, unknown> = {
      event: update.event,
      timestamp: new Date(update.timestamp).toISOString(),
      order: orderJson(order),
    };
    if (update.fill) {
      const held = this.venue.positions().find((p) => p.ticker === update.order.ticker)?.quantity ?? 0;
      Object.assign(data, {
        execution_id: randomUUID(),
        price: decimal(update.fill.price),
        qty: decimal(update.fill.qty),
        position_qty: decimal(held),
      });
    }
    const frame = JSON.stringify({ stream: 'trade_updates', data });
    for (const [ws] of listeners) {
      this.send(ws, frame);
      this.updatesSent++;
    }
  }

  /** cuts every authenticated connection at once, without a close handshake; returns how many */
  dropAll(): number {
    let n = 0;
    for (const [ws, c] of this.clients) {
      if (!c.authed) continue;
      ws.terminate();
      n++;
    }
    return n;
  }

  close(): void {
    for (const [ws, c] of this.clients) {
      c.timers.forEach(clearTimeout);
      ws.terminate();
    }
    this.clients.clear();
    this.wss.close();
  }

  private send(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(this.options.binaryFrames ? Buffer.from(text) : text, { binary: this.options.binaryFrames });
  }

  private accept(ws: WebSocket): void {
    const client: Client = { authed: false, listening: false, timers: [] };
    this.clients.set(ws, client);
    // a 100-order block makes ~300 updates in a few turns: one socket write per turn, not per frame
    const socket = (ws as unknown as { _socket?: Corkable })._socket;
    if (socket) writePerTurn(socket);
    client.timers.push(
      setTimeout(() => {
        if (!client.authed) ws.close(1008, 'auth timeout');
      }, AUTH_TIMEOUT_MS),
    );
    ws.on('message', (raw) => this.onMessage(ws, client, raw.toString()));
    ws.on('close', () => {
      client.timers.forEach(clearTimeout);
      this.clients.delete(ws);
    });
    ws.on('error', () => undefined);
  }

  private onMessage(ws: WebSocket, client: Client, text: string): void {
    let msg: {
      action?: unknown;
      key?: unknown;
      secret?: unknown;
      data?: { key_id?: unknown; secret_key?: unknown; streams?: unknown };
    };
    try {
      msg = JSON.parse(text);
      // `null`, a number or a string parse too; reading .action off null would throw in the listener
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new Error('not an object');
    } catch {
      this.send(ws, JSON.stringify({ action: 'error', data: { error_message: 'invalid syntax' } }));
      return;
    }
    if (msg.action === 'auth' || msg.action === 'authenticate') {
      const key = msg.action === 'auth' ? msg.key : msg.data?.key_id;
      const secret = msg.action === 'auth' ? msg.secret : msg.data?.secret_key;
      if (!credentialsMatch(key, secret, this.options.credentials)) {
        this.send(
          ws,
          JSON.stringify({ stream: 'authorization', data: { status: 'unauthorized', action: 'authenticate' } }),
        );
        ws.close(1008, 'unauthorized');
        return;
      }
      client.authed = true;
      this.send(
        ws,
        JSON.stringify({ stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } }),
      );
      this.armDrop(ws, client);
      return;
    }
    if (msg.action === 'listen') {
      if (!client.authed) {
        this.send(ws, JSON.stringify({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } }));
        return;
      }
      const asked = Array.isArray(msg.data?.streams) ? msg.data.streams : [];
      client.listening = asked.includes('trade_updates');
      this.send(
        ws,
        JSON.stringify({ stream: 'listening', data: { streams: client.listening ? ['trade_updates'] : [] } }),
      );
      return;
    }
    this.send(
      ws,
      JSON.stringify({ action: 'error', data: { error_message: `unknown action: ${String(msg.action)}` } }),
    );
  }

  private armDrop(ws: WebSocket, client: Client): void {
    const { dropAfterMs, maxDrops } = this.options;
    if (dropAfterMs === undefined || this.drops >= maxDrops) return;
    client.timers.push(
      setTimeout(() => {
        if (this.drops >= maxDrops || ws.readyState !== ws.OPEN) return;
        this.drops++;
        ws.terminate();
      }, dropAfterMs),
    );
  }
}

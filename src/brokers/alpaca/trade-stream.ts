// The trade_updates websocket client: authenticate, listen, and keep it up. Alpaca's paper stream
// sends binary frames and its live stream text frames, so both are decoded. After a drop it
// reconnects with backoff, and once listening again it calls onResumed, where the broker resyncs
// over REST what it missed while it was gone.
import WebSocket from 'ws';
import { BrokerConnectError } from '../broker.js';
import type { AlpacaCredentials } from '../../util/credentials.js';

export interface TradeStreamHandlers {
  /** the `data` of one trade_updates message */
  onData(data: Record<string, unknown>): void;
  /** listening again after a drop; `downSince` is when the previous connection went away */
  onResumed(downSince: number): void;
}

const FIRST_CONNECT_TIMEOUT_MS = 10_000;
const BACKOFF_MS = [100, 200, 400, 800, 1600, 3200, 5000];
const PING_EVERY_MS = 10_000;
const PONG_WAIT_MS = 5_000;

export class TradeStream {
  readonly host: string;
  private ws?: WebSocket;
  private closed = false;
  private attempt = 0;
  private downSince?: number;
  private retryTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private pongTimer?: NodeJS.Timeout;
  /** drops survived, for tests and diagnostics */
  reconnects = 0;

  constructor(
    private readonly url: string,
    private readonly credentials: AlpacaCredentials,
    private readonly handlers: TradeStreamHandlers,
  ) {
    this.host = new URL(url).host;
  }

  /** resolves once listening; a refusal or no connection at all is a BrokerConnectError */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ws?.terminate();
        reject(
          new BrokerConnectError(
            `trade_updates stream at ${this.host} did not confirm listening within ${FIRST_CONNECT_TIMEOUT_MS} ms`,
          ),
        );
      }, FIRST_CONNECT_TIMEOUT_MS);
      this.open({
        listening: () => {
          clearTimeout(timer);
          resolve();
        },
        failed: (why) => {
          clearTimeout(timer);
          this.closed = true;
          reject(new BrokerConnectError(why));
        },
      });
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    this.ws?.removeAllListeners();
    this.ws?.on('error', () => undefined);
    this.ws?.terminate();
    this.ws = undefined;
  }

  /** `first` is given for the first connection only: its outcome decides start() */
  private open(first?: { listening(): void; failed(why: string): void }): void {
    if (this.closed) return;
    const ws = new WebSocket(this.url, { perMessageDeflate: false, handshakeTimeout: FIRST_CONNECT_TIMEOUT_MS });
    this.ws = ws;
    let listening = false;
    ws.on('open', () => {
      ws.send(JSON.stringify({ action: 'auth', key: this.credentials.keyId, secret: this.credentials.secretKey }));
    });
    ws.on('message', (raw: Buffer) => {
      for (const msg of decode(raw)) {
        const stream = msg.stream;
        const data = (msg.data ?? {}) as Record<string, unknown>;
        if (stream === 'authorization') {
          if (data.status === 'authorized')
            ws.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
          else {
            const why = `trade_updates stream at ${this.host} refused the credentials (${String(data.status ?? 'unauthorized')})`;
            if (first) first.failed(why);
            ws.terminate();
          }
        } else if (stream === 'listening') {
          if (listening || !Array.isArray(data.streams) || !data.streams.includes('trade_updates')) continue;
          listening = true;
          this.attempt = 0;
          this.startHeartbeat(ws);
          if (first) first.listening();
          else if (this.downSince !== undefined) {
            this.reconnects++;
            this.handlers.onResumed(this.downSince);
          }
          this.downSince = undefined;
        } else if (stream === 'trade_updates') {
          this.handlers.onData(data);
        }
      }
    });
    ws.on('pong', () => clearTimeout(this.pongTimer));
    ws.on('error', (error: Error) => {
      if (first && !listening) first.failed(`cannot open the trade_updates stream at ${this.host}: ${error.message}`);
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.stopHeartbeat();
      this.ws = undefined;
      if (this.closed) return;
      if (first && !listening)
        return first.failed(`trade_updates stream at ${this.host} closed before it was listening`);
      // a connection that never got to listening leaves downSince where the last good one left it
      this.downSince ??= Date.now();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    const delay = base * (0.8 + Math.random() * 0.4);
    this.retryTimer = setTimeout(() => this.open(), delay);
    this.retryTimer.unref();
  }

  /** a connection that stops answering pings is cut, which starts a reconnect */
  private startHeartbeat(ws: WebSocket): void {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      ws.ping();
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => ws.terminate(), PONG_WAIT_MS);
      this.pongTimer.unref();
    }, PING_EVERY_MS);
    this.pingTimer.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}

function decode(raw: Buffer): Array<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    const list = Array.isArray(value) ? value : [value];
    return list.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null);
  } catch {
    return [];
  }
}

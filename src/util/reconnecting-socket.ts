// One websocket kept open: connect, let the caller's protocol bring it to "ready" (authenticated,
// listening or subscribed), and after a drop connect again with backoff until closed. Alpaca's
// trade_updates stream (a broker adapter) and Alpaca's market-data stream (a quote source) both
// ride on it; it lives in util/ because a market source may not import a broker adapter.
import WebSocket from 'ws';

/** what the caller's protocol sees of the current connection */
export interface SocketLink {
  readonly ws: WebSocket;
  /** the protocol called ready() on this connection */
  readonly isReady: boolean;
  /** this connection is usable (after auth, listen or subscribe) */
  ready(): void;
  /** the far end said no (bad credentials): the first connection fails start(); later ones are cut and tried again */
  refused(why: string): void;
}

export interface SocketProtocol {
  /** a connection opened, before any message (send the auth here if the far end waits for it) */
  opened?(link: SocketLink): void;
  /** one message of the current connection */
  message(raw: Buffer, link: SocketLink): void;
  /** usable again after a drop; `downSince`: when the last usable connection went away (epoch ms) */
  resumed?(downSince: number): void;
  /** a usable connection went away; a reconnect follows */
  dropped?(): void;
}

export interface ReconnectOptions {
  /** the far end in messages: 'the trade_updates stream at host:port' */
  what: string;
  /** what ready means, in the start timeout's message: 'listening', 'the subscription' */
  readyMeans: string;
  /** how long start() waits for the first connection to be ready */
  startTimeoutMs: number;
  /** waits before reconnect attempts 1, 2, …; the last repeats */
  backoffMs: readonly number[];
  /** ±20 % on each wait, so clients dropped together do not all return at once (default false) */
  jitter?: boolean;
  /** ping this often once ready; no pong within `pongWaitMs` cuts the connection (default: no pings) */
  heartbeat?: { everyMs: number; pongWaitMs: number };
}

export class ReconnectingSocket {
  private ws?: WebSocket;
  private closed = false;
  private attempt = 0;
  private downSince?: number;
  private retryTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private pongTimer?: NodeJS.Timeout;
  /** drops survived (ready again after each), for tests and diagnostics */
  reconnects = 0;

  constructor(
    private readonly url: string,
    private readonly options: ReconnectOptions,
    private readonly protocol: SocketProtocol,
  ) {}

  /** resolves once the first connection is ready; rejects with the reason it never will be */
  start(): Promise<void> {
    const { what, readyMeans, startTimeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.closed = true;
        this.ws?.terminate();
        reject(new Error(`${what} did not confirm ${readyMeans} within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      this.open({
        ready: () => {
          clearTimeout(timer);
          resolve();
        },
        failed: (why) => {
          clearTimeout(timer);
          this.closed = true;
          reject(new Error(why));
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
  private open(first?: { ready(): void; failed(why: string): void }): void {
    if (this.closed) return;
    const { what, startTimeoutMs } = this.options;
    const ws = new WebSocket(this.url, { perMessageDeflate: false, handshakeTimeout: startTimeoutMs });
    this.ws = ws;
    let isReady = false;
    const link: SocketLink = {
      ws,
      get isReady() {
        return isReady;
      },
      ready: () => {
        if (isReady) return;
        isReady = true;
        this.attempt = 0;
        this.startHeartbeat(ws);
        if (first) first.ready();
        else if (this.downSince !== undefined) {
          this.reconnects++;
          this.protocol.resumed?.(this.downSince);
        }
        this.downSince = undefined;
      },
      refused: (why) => {
        if (first && !isReady) first.failed(why);
        ws.terminate();
      },
    };
    ws.on('open', () => this.protocol.opened?.(link));
    ws.on('message', (raw: Buffer) => this.protocol.message(raw, link));
    ws.on('pong', () => clearTimeout(this.pongTimer));
    ws.on('error', (error: Error) => {
      if (first && !isReady) first.failed(`cannot connect to ${what}: ${error.message}`);
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.stopHeartbeat();
      this.ws = undefined;
      if (this.closed) return;
      if (first && !isReady) return first.failed(`${what} closed the connection before it was ready`);
      // a connection that never got ready leaves downSince where the last good one left it
      if (this.downSince === undefined) {
        this.downSince = Date.now();
        this.protocol.dropped?.();
      }
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const { backoffMs, jitter } = this.options;
    const base = backoffMs[Math.min(this.attempt, backoffMs.length - 1)];
    this.attempt++;
    this.retryTimer = setTimeout(() => this.open(), jitter ? base * (0.8 + Math.random() * 0.4) : base);
    this.retryTimer.unref();
  }

  /** a connection that stops answering pings is cut, which starts a reconnect */
  private startHeartbeat(ws: WebSocket): void {
    const beat = this.options.heartbeat;
    if (!beat) return;
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      ws.ping();
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => ws.terminate(), beat.pongWaitMs);
      this.pongTimer.unref();
    }, beat.everyMs);
    this.pingTimer.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}

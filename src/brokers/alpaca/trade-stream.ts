// The trade_updates websocket client: authenticate, listen, and keep it up. Alpaca's paper stream
// sends binary frames and its live stream text frames, so both are decoded. After a drop it
// reconnects with backoff (util/reconnecting-socket.ts), and once listening again it calls
// onResumed, where the broker resyncs over REST what it missed while it was gone.
import { BrokerConnectError } from '../broker.js';
import type { AlpacaCredentials } from '../../util/credentials.js';
import { ReconnectingSocket } from '../../util/reconnecting-socket.js';

export interface TradeStreamHandlers {
  /** the `data` of one trade_updates message */
  onData(data: Record<string, unknown>): void;
  /** listening again after a drop; `downSince` is when the previous connection went away */
  onResumed(downSince: number): void;
}

export class TradeStream {
  readonly host: string;
  private readonly socket: ReconnectingSocket;

  constructor(url: string, credentials: AlpacaCredentials, handlers: TradeStreamHandlers) {
    this.host = new URL(url).host;
    const what = `the trade_updates stream at ${this.host}`;
    this.socket = new ReconnectingSocket(
      url,
      {
        what,
        readyMeans: 'listening',
        startTimeoutMs: 10_000,
        backoffMs: [100, 200, 400, 800, 1600, 3200, 5000],
        jitter: true,
        heartbeat: { everyMs: 10_000, pongWaitMs: 5_000 },
      },
      {
        opened: ({ ws }) =>
          ws.send(JSON.stringify({ action: 'auth', key: credentials.keyId, secret: credentials.secretKey })),
        message: (raw, link) => {
          for (const msg of decode(raw)) {
            const data = (msg.data ?? {}) as Record<string, unknown>;
            if (msg.stream === 'authorization') {
              if (data.status === 'authorized')
                link.ws.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
              else link.refused(`${what} refused the credentials (${String(data.status ?? 'unauthorized')})`);
            } else if (msg.stream === 'listening') {
              if (Array.isArray(data.streams) && data.streams.includes('trade_updates')) link.ready();
            } else if (msg.stream === 'trade_updates') {
              handlers.onData(data);
            }
          }
        },
        resumed: (downSince) => handlers.onResumed(downSince),
      },
    );
  }

  /** drops survived, for tests and diagnostics */
  get reconnects(): number {
    return this.socket.reconnects;
  }

  /** resolves once listening; a refusal or no connection at all is a BrokerConnectError */
  async start(): Promise<void> {
    try {
      await this.socket.start();
    } catch (error) {
      throw new BrokerConnectError((error as Error).message);
    }
  }

  close(): void {
    this.socket.close();
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

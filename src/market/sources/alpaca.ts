// Quotes from Alpaca's market-data websocket (v2/iex or v2/sip), JSON flavour: connected →
// auth → subscribe quotes (and trades for `last`), then batches of 'q' / 't' frames. After a drop it
// reconnects with backoff and subscribes again; the board keeps the last quotes meanwhile.
import WebSocket from 'ws';
import { MISSING_CREDENTIALS, resolveCredentials, type AlpacaCredentials } from '../../util/credentials.js';
import { alpacaDataUrl, alpacaQuotesSchema, type AlpacaQuotesConfig } from './feed-schemas.js';
import type { QuoteSink, QuoteSource } from './source.js';

const START_TIMEOUT_MS = 10_000;
const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];

type Frame = Record<string, unknown>;

export class AlpacaQuoteSource implements QuoteSource {
  readonly name = 'alpaca';
  private readonly config: AlpacaQuotesConfig;
  private readonly url: string;
  private readonly host: string;
  private credentials?: AlpacaCredentials;
  private tickers: readonly string[] = [];
  private sink?: QuoteSink;
  private ws?: WebSocket;
  private closed = false;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;

  constructor(input: unknown) {
    this.config = alpacaQuotesSchema.parse(input);
    this.url = this.config.url ?? alpacaDataUrl(this.config.feed);
    this.host = new URL(this.url).host;
  }

  async start(tickers: readonly string[], sink: QuoteSink): Promise<void> {
    this.credentials = resolveCredentials(this.config);
    if (!this.credentials) throw new Error(`alpaca quotes: ${MISSING_CREDENTIALS}`);
    this.tickers = tickers;
    this.sink = sink;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.closed = true;
        this.ws?.terminate();
        reject(new Error(`alpaca quotes: ${this.host} did not confirm the subscription within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      this.open({
        ready: () => {
          clearTimeout(timer);
          resolve();
        },
        failed: (why) => {
          clearTimeout(timer);
          this.closed = true;
          reject(new Error(`alpaca quotes: ${why}`));
        },
      });
    });
    sink.status('connected', `alpaca ${this.host}: ${tickers.length} ticker(s)`);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.ws?.removeAllListeners();
    this.ws?.on('error', () => undefined);
    this.ws?.terminate();
    this.ws = undefined;
  }

  private open(first?: { ready(): void; failed(why: string): void }): void {
    if (this.closed) return;
    const ws = new WebSocket(this.url, { perMessageDeflate: false, handshakeTimeout: START_TIMEOUT_MS });
    this.ws = ws;
    let subscribed = false;
    ws.on('message', (raw: Buffer) => {
      let frames: unknown;
      try {
        frames = JSON.parse(raw.toString('utf8'));
      } catch {
        this.sink?.malformed('not JSON', raw.toString('utf8').slice(0, 100));
        return;
      }
      for (const f of Array.isArray(frames) ? frames : [frames]) {
        if (typeof f !== 'object' || f === null) continue;
        const frame = f as Frame;
        switch (frame.T) {
          case 'success':
            if (frame.msg === 'connected')
              ws.send(
                JSON.stringify({ action: 'auth', key: this.credentials!.keyId, secret: this.credentials!.secretKey }),
              );
            else if (frame.msg === 'authenticated')
              ws.send(
                JSON.stringify({
                  action: 'subscribe',
                  quotes: this.tickers,
                  ...(this.config.trades ? { trades: this.tickers } : {}),
                }),
              );
            break;
          case 'subscription':
            if (subscribed) break;
            subscribed = true;
            this.attempt = 0;
            if (first) first.ready();
            else this.sink?.status('connected', `alpaca ${this.host}: subscribed again`);
            break;
          case 'error': {
            const said = `${String(frame.code ?? '')} ${String(frame.msg ?? 'error')}`.trim();
            const why =
              frame.code === 401 || frame.code === 402
                ? `${this.host} refused the credentials (${said})`
                : `${this.host} answered ${said}`;
            if (first && !subscribed) first.failed(why);
            else this.sink?.status('disconnected', why);
            break;
          }
          case 'q':
            this.quote(frame);
            break;
          case 't':
            this.trade(frame);
            break;
        }
      }
    });
    ws.on('error', (error: Error) => {
      if (first && !subscribed) first.failed(`cannot connect to ${this.host}: ${error.message}`);
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.closed) return;
      if (first && !subscribed)
        return first.failed(`${this.host} closed the connection before the subscription was confirmed`);
      this.sink?.status('reconnecting', `alpaca ${this.host}: connection lost`);
      const delay = BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)];
      this.retryTimer = setTimeout(() => this.open(), delay);
    });
  }

  private time(frame: Frame): number | undefined {
    const t = typeof frame.t === 'string' ? Date.parse(frame.t) : NaN;
    if (Number.isFinite(t)) return t;
    this.sink?.malformed('bad timestamp', `${String(frame.S)}: ${String(frame.t)}`);
    return undefined;
  }

  private quote(frame: Frame): void {
    if (typeof frame.S !== 'string') return this.sink?.malformed('no symbol', JSON.stringify(frame).slice(0, 100));
    const timestamp = this.time(frame);
    if (timestamp === undefined) return;
    this.sink?.quote(frame.S, {
      bid: frame.bp as number,
      ask: frame.ap as number,
      bidSize: frame.bs as number,
      askSize: frame.as as number,
      timestamp,
    });
  }

  private trade(frame: Frame): void {
    if (typeof frame.S !== 'string') return this.sink?.malformed('no symbol', JSON.stringify(frame).slice(0, 100));
    const timestamp = this.time(frame);
    if (timestamp === undefined) return;
    this.sink?.quote(frame.S, { last: frame.p as number, lastSize: frame.s as number, timestamp });
  }
}

// Quotes from Alpaca's market-data websocket (v2/iex or v2/sip), JSON flavour: connected →
// auth → subscribe quotes (and trades for `last`), then batches of 'q' / 't' frames. After a drop it
// reconnects with backoff and subscribes again (util/reconnecting-socket.ts); the board keeps the
// last quotes meanwhile.
import { MISSING_CREDENTIALS, resolveCredentials, type AlpacaCredentials } from '../../util/credentials.js';
import { alpacaDataUrl, alpacaQuotesSchema, type AlpacaQuotesConfig } from './feed-schemas.js';
import type { QuoteSink, QuoteSource } from './source.js';
import { ReconnectingSocket, type SocketLink } from '../../util/reconnecting-socket.js';

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
  private socket?: ReconnectingSocket;

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
    this.socket = new ReconnectingSocket(
      this.url,
      { what: this.host, readyMeans: 'the subscription', startTimeoutMs: START_TIMEOUT_MS, backoffMs: BACKOFF_MS },
      {
        message: (raw, link) => this.message(raw, link),
        resumed: () => this.sink?.status('connected', `alpaca ${this.host}: subscribed again`),
        dropped: () => this.sink?.status('reconnecting', `alpaca ${this.host}: connection lost`),
      },
    );
    try {
      await this.socket.start();
    } catch (error) {
      throw new Error(`alpaca quotes: ${(error as Error).message}`);
    }
    sink.status('connected', `alpaca ${this.host}: ${tickers.length} ticker(s)`);
  }

  async close(): Promise<void> {
    this.socket?.close();
  }

  /** connected → auth → subscribe → subscription confirmed (ready); then quote and trade frames */
  private message(raw: Buffer, link: SocketLink): void {
    let frames: unknown;
    try {
      frames = JSON.parse(raw.toString('utf8'));
    } catch {
      this.sink?.malformed('not JSON', raw.toString('utf8').slice(0, 100));
      return;
    }
    const credentials = this.credentials as AlpacaCredentials;
    for (const f of Array.isArray(frames) ? frames : [frames]) {
      if (typeof f !== 'object' || f === null) continue;
      const frame = f as Frame;
      switch (frame.T) {
        case 'success':
          if (frame.msg === 'connected')
            link.ws.send(JSON.stringify({ action: 'auth', key: credentials.keyId, secret: credentials.secretKey }));
          else if (frame.msg === 'authenticated')
            link.ws.send(
              JSON.stringify({
                action: 'subscribe',
                quotes: this.tickers,
                ...(this.config.trades ? { trades: this.tickers } : {}),
              }),
            );
          break;
        case 'subscription':
          link.ready();
          break;
        case 'error': {
          const said = `${String(frame.code ?? '')} ${String(frame.msg ?? 'error')}`.trim();
          const why =
            frame.code === 401 || frame.code === 402
              ? `${this.host} refused the credentials (${said})`
              : `${this.host} answered ${said}`;
          if (link.isReady) this.sink?.status('disconnected', why);
          else link.refused(why);
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

// The paper exchange as a server: one venue, priced by its own quote feed, served over Alpaca's
// Trading API v2 + trade_updates + market-data websockets and, when asked, as a FIX 4.4 acceptor.
// Several runner processes can trade against one exchange; each protocol checks its credentials.
import { QuoteBoard } from '../market/quote-board.js';
import { BoardSink } from '../market/quote-sink.js';
import { createQuoteSource, parseQuoteConfig } from '../market/sources/index.js';
import { serveAlpaca, type AlpacaServer, type AlpacaServerOptions } from './alpaca-server.js';
import { parsePaperBrokerConfig, type PaperBrokerConfig } from './config.js';
import type { ServeFixOptions } from './fix-acceptor.js';
import { PaperVenue } from './venue.js';
import { defined } from '../util/defined.js';

export interface ExchangeOptions {
  /** loopback by default */
  host?: string;
  /** 0: any free port */
  httpPort?: number;
  /** a FIX acceptor is started when this or `fix` is given; 0: any free port */
  fixPort?: number;
  tickers: string[];
  /** what prices the venue: any quote source config, checked as runTrading's `quotes` is; default 'sim' */
  quotes?: string | ({ type: string } & Record<string, unknown>);
  cash?: number;
  latencyMs?: number;
  /** order submissions per minute over the Alpaca API, answered with 429 and X-Ratelimit-* beyond */
  ordersPerMinute?: number;
  failureRate?: number;
  timeoutRate?: number;
  /** any other paper venue setting (allowShort, fillAtDisplayedSize, closeAt, …) */
  venue?: Partial<PaperBrokerConfig>;
  keyId: string;
  secretKey: string;
  /**
   * The FIX acceptor's logon checks: its own CompID (the initiators' TargetCompID, default PAPER),
   * the initiators' SenderCompID (default SALVO; '*' lets any in), and when set the Username(553) /
   * Password(554) a Logon must carry; a connection not logged on within logonTimeoutSeconds
   * (default 10) is dropped.
   */
  fix?: Partial<Omit<ServeFixOptions, 'host' | 'port'>>;
  /** failure injection and protocol details of the Alpaca side (dropped streams, binary frames) */
  alpaca?: Partial<Omit<AlpacaServerOptions, 'board' | 'keyId' | 'secretKey' | 'host' | 'port'>>;
}

/** the CompIDs a FIX acceptor of startExchange uses unless told otherwise */
export const FIX_DEFAULTS = { senderCompId: 'PAPER', targetCompId: 'SALVO' } as const;

export interface Exchange {
  restUrl: string;
  streamUrl: string;
  dataStreamUrl: string;
  /** undefined when no FIX acceptor was asked for */
  fixPort?: number;
  board: QuoteBoard;
  venue: PaperVenue;
  alpaca: AlpacaServer;
  close(): Promise<void>;
}

export async function startExchange(options: ExchangeOptions): Promise<Exchange> {
  const host = options.host ?? '127.0.0.1';
  const board = new QuoteBoard(options.tickers);
  const source = await createQuoteSource(parseQuoteConfig(options.quotes ?? 'sim'));
  await source.start(options.tickers, new BoardSink(board));
  const config = parsePaperBrokerConfig({
    type: 'paper',
    ...options.venue,
    ...defined({
      cash: options.cash,
      latencyMs: options.latencyMs,
      failureRate: options.failureRate,
      timeoutRate: options.timeoutRate,
    }),
  });
  const venue = new PaperVenue(config, board);
  const closers: Array<() => unknown> = [() => source.close(), () => venue.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const alpaca = await serveAlpaca(venue, {
      ...options.alpaca,
      host,
      port: options.httpPort ?? 0,
      board,
      keyId: options.keyId,
      secretKey: options.secretKey,
      ...defined({ ordersPerMinute: options.ordersPerMinute }),
    });
    closers.push(() => alpaca.close());
    let fixPort: number | undefined;
    if (options.fix || options.fixPort !== undefined) {
      const { serveFix } = await import('./fix-acceptor.js'); // jspurefix only when FIX is asked for
      const fix = await serveFix(venue, {
        ...options.fix,
        host,
        port: options.fixPort ?? 0,
        senderCompId: options.fix?.senderCompId ?? FIX_DEFAULTS.senderCompId,
        targetCompId: options.fix?.targetCompId ?? FIX_DEFAULTS.targetCompId,
      });
      closers.push(() => fix.close());
      fixPort = fix.port;
    }
    return {
      restUrl: alpaca.restUrl,
      streamUrl: alpaca.streamUrl,
      dataStreamUrl: alpaca.dataStreamUrl,
      fixPort,
      board,
      venue,
      alpaca,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

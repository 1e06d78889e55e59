// An Alpaca-compatible paper exchange for tests: salvo's own startExchange on 127.0.0.1, priced by
// a seeded simulated market.
import type { QuoteBoard } from '../../src/market/quote-board.js';
import type { PaperBrokerConfig } from '../../src/exchange/config.js';
import type { PaperVenue } from '../../src/exchange/venue.js';
import type { AlpacaServer, AlpacaServerOptions } from '../../src/exchange/alpaca-server.js';
import { startExchange } from '../../src/exchange/exchange.js';
import { until } from './until.js';

export const KEY_ID = 'PKTESTKEY0000000001';
export const SECRET = 'test-secret-5f3a9c0e7d';

export interface TestExchange {
  board: QuoteBoard;
  venue: PaperVenue;
  server: AlpacaServer;
  /** when a FIX acceptor was asked for */
  fixPort?: number;
  close(): Promise<void>;
}

/** salvo's `broker` and `quotes` options for a test exchange's Alpaca face, with the test keys unless `keys` */
export const alpacaVenue = (ex: TestExchange, keys = { keyId: KEY_ID, secretKey: SECRET }) => ({
  broker: { type: 'alpaca', baseUrl: ex.server.restUrl, streamUrl: ex.server.streamUrl, ...keys } as const,
  quotes: { type: 'alpaca', url: ex.server.dataStreamUrl, ...keys } as const,
});

export async function startAlpacaExchange(options: {
  tickers: string[];
  venue?: Partial<PaperBrokerConfig>;
  server?: Partial<Omit<AlpacaServerOptions, 'board'>>;
  updatesPerSecond?: number;
  /** also serve the venue as a FIX 4.4 acceptor on this port (0: any free one), for any SenderCompID */
  fixPort?: number;
}): Promise<TestExchange> {
  const { ordersPerMinute, keyId, secretKey, ...alpaca } = options.server ?? {};
  const ex = await startExchange({
    tickers: options.tickers,
    keyId: keyId ?? KEY_ID,
    secretKey: secretKey ?? SECRET,
    ordersPerMinute,
    venue: options.venue,
    fixPort: options.fixPort,
    fix: options.fixPort === undefined ? undefined : { targetCompId: '*' },
    alpaca,
    quotes: {
      type: 'sim',
      seed: 7,
      volatility: 0.3,
      spreadBps: 2,
      updatesPerSecond: options.updatesPerSecond ?? 20,
      size: 100,
    },
  });
  return { board: ex.board, venue: ex.venue, server: ex.alpaca, fixPort: ex.fixPort, close: ex.close };
}

/** resolves when every ticker has a quote on the board */
export async function quoted(board: QuoteBoard, timeoutMs = 10_000): Promise<void> {
  await until(() => !board.missing().length, {
    what: 'a quote for every ticker',
    timeoutMs,
    detail: () => `no quotes for ${board.missing().join(', ')}`,
  });
}

/** salvo's `broker` option for this exchange, with the test credentials */
export function alpacaBrokerOf(ex: TestExchange) {
  return {
    type: 'alpaca',
    baseUrl: ex.server.restUrl,
    streamUrl: ex.server.streamUrl,
    keyId: KEY_ID,
    secretKey: SECRET,
  };
}

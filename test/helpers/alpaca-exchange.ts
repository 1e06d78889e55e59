// An Alpaca-compatible paper exchange for tests: its own quote board fed by the simulated market,
// a paper venue over it, and the venue served over Alpaca's REST and websockets on 127.0.0.1.
import { QuoteBoard } from '../../src/market/quote-board.js';
import { BoardSink } from '../../src/market/quote-sink.js';
import { SimulatedMarket } from '../../src/market/sources/sim.js';
import { parsePaperBrokerConfig, type PaperBrokerConfig } from '../../src/brokers/paper/config.js';
import { PaperVenue } from '../../src/brokers/paper/venue.js';
import { serveAlpaca, type AlpacaServer, type AlpacaServerOptions } from '../../src/brokers/paper/alpaca-server.js';

export const KEY_ID = 'PKTESTKEY0000000001';
export const SECRET = 'test-secret-5f3a9c0e7d';

export interface TestExchange {
  board: QuoteBoard;
  venue: PaperVenue;
  server: AlpacaServer;
  close(): Promise<void>;
}

export async function startAlpacaExchange(options: {
  tickers: string[];
  venue?: Partial<PaperBrokerConfig>;
  server?: Partial<Omit<AlpacaServerOptions, 'board'>>;
  updatesPerSecond?: number;
}): Promise<TestExchange> {
  const board = new QuoteBoard(options.tickers);
  const market = new SimulatedMarket({ type: 'sim', seed: 7, volatility: 0.3, spreadBps: 2, updatesPerSecond: options.updatesPerSecond ?? 20, size: 100 });
  await market.start(options.tickers, new BoardSink(board));
  const venue = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', ...options.venue }), board);
  const server = await serveAlpaca(venue, { keyId: KEY_ID, secretKey: SECRET, ...options.server, board });
  return {
    board, venue, server,
    async close() {
      await server.close();
      venue.close();
      await market.close();
    },
  };
}

/** resolves when every ticker has a quote on the board */
export async function quoted(board: QuoteBoard, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (board.missing().length) {
    if (Date.now() > deadline) throw new Error(`no quotes for ${board.missing().join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// The QuoteSource seam: every feed (sim, redis, kafka, replay, alpaca) is one implementation.
// A source runs inside the quote worker and pushes into a sink; the sink validates and writes the board.
import type { Quote } from '../../types.js';

export type QuoteUpdate = Partial<Quote>;

export interface QuoteSink {
  /** a full or partial quote for one ticker; the sink checks it before it reaches the board */
  quote(ticker: string, update: QuoteUpdate): void;
  /** a message that could not be used, counted per reason */
  malformed(reason: string, detail?: string): void;
  /** connection state changes, for the session log and display */
  status(state: 'connected' | 'disconnected' | 'reconnecting', detail?: string): void;
}

export interface QuoteSource {
  readonly name: string;
  /** connect and subscribe; resolves once the source is delivering (or throws naming host and cause) */
  start(tickers: readonly string[], sink: QuoteSink): Promise<void>;
  close(): Promise<void>;
}

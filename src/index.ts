// salvo's public API.
import { checkLogFolder, parseOptions, type RunTradingOptions } from './session/options.js';
import { Session } from './session/session.js';
import type { SessionReport } from './types.js';
import { maskError, secretsOf } from './util/secrets.js';
import type { Exchange, ExchangeOptions } from './brokers/paper/exchange.js';

export type * from './types.js';
export type { RunTradingOptions, SessionOptions } from './session/options.js';
export { SalvoOptionsError, parseOptions } from './session/options.js';
export type { Broker, BrokerDriver, WireOrder, TradeUpdate } from './brokers/broker.js';
export type { QuoteSource, QuoteSink } from './market/sources/source.js';
export { QuoteBoard } from './market/quote-board.js';
export { TRADE_LOG_COLUMNS } from './journal/trade-log.js';

/**
 * Runs a strategy for one session and resolves with its report. Invalid options throw a
 * SalvoOptionsError before anything starts.
 */
export async function runTrading(options: RunTradingOptions): Promise<SessionReport> {
  const parsed = parseOptions(options);
  checkLogFolder(parsed);
  try {
    return await (await Session.start(parsed)).run();
  } catch (error) {
    throw maskError(error, secretsOf(parsed)); // whatever failed, its message names no credential
  }
}
export { isEntryPoint } from './util/entry-point.js';
export type { Exchange, ExchangeOptions } from './brokers/paper/exchange.js';

/** The paper exchange as a server (Alpaca API v2 + websockets, optionally FIX 4.4); loaded on first use. */
export async function startExchange(options: ExchangeOptions): Promise<Exchange> {
  return (await import('./brokers/paper/exchange.js')).startExchange(options);
}

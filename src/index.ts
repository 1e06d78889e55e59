// salvo's public API.
import { checkLogFolder, parseOptions, type RunTradingOptions } from './session/options.js';
import { runBeside } from './display/beside.js';
import { Session } from './session/session.js';
import type { SessionReport } from './types.js';
import { maskError, secretsOf } from './util/secrets.js';
import type { Exchange, ExchangeOptions } from './exchange/exchange.js';

export type * from './types.js';
export type { RunTradingOptions, SessionOptions } from './session/options.js';
export type { BrokerConfig, BrokerConfigInput } from './brokers/index.js';
export type { QuoteConfig, QuoteConfigInput } from './market/sources/index.js';
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
    return await runBeside(await Session.start(parsed));
  } catch (error) {
    throw maskError(error, secretsOf(parsed)); // whatever failed, its message names no credential
  }
}
/** A running session, from startTrading(). */
export interface TradingHandle {
  /** resolves with the report once the end of session has run (rejects if the session failed) */
  done: Promise<SessionReport>;
  /** ends the session early through its normal end of session (endReason 'stopped') */
  stop(): void;
  /**
   * The kill switch: strategy calls stop, the limiter's backlog is dropped, open orders are
   * canceled and positions flattened (unless `kill: { flatten: false }`); endReason 'killed'.
   * Returns what it did, or why it did nothing (a second kill, a session already ending).
   */
  kill(): string;
}

/**
 * Starts a session and returns at once with a handle to stop or kill it. Invalid options throw a
 * SalvoOptionsError here, before anything starts.
 */
export function startTrading(options: RunTradingOptions): TradingHandle {
  const parsed = parseOptions(options);
  let session: Session | undefined;
  let asked: 'stop' | 'kill' | undefined;
  const done = Session.start(parsed)
    .then((s) => {
      session = s;
      if (asked === 'kill') s.kill('handle');
      else if (asked === 'stop') s.requestStop('stopped');
      return runBeside(s);
    })
    .catch((error: unknown) => {
      throw maskError(error, secretsOf(parsed));
    });
  return {
    done,
    stop: () => {
      if (session) session.requestStop('stopped');
      else asked ??= 'stop';
    },
    kill: () => {
      if (session) return session.kill('handle');
      if (asked === 'kill') return 'kill (handle): already asked; the session is killed as soon as it has started';
      asked = 'kill';
      return 'kill (handle): the session is still starting; it is killed as soon as it has started';
    },
  };
}

export { isEntryPoint } from './util/entry-point.js';
export type { Exchange, ExchangeOptions } from './exchange/exchange.js';

/** The paper exchange as a server (Alpaca API v2 + websockets, optionally FIX 4.4); loaded on first use. */
export async function startExchange(options: ExchangeOptions): Promise<Exchange> {
  return (await import('./exchange/exchange.js')).startExchange(options);
}

// Read-only views of a running session, one per consumer: what the live display draws from and
// may do (q, K), and what the CLI's status line reads. The session builds them over its own state;
// a consumer imports these types, never the Session class, so the session does not depend on the
// screens that show it. (End of session and risk control declare their views beside themselves.)
import type { BrokerAccount } from '../brokers/broker.js';
import type { DeskStats } from '../execution/order-desk.js';
import type { OrderEvent, OrderRegistry } from '../execution/order-registry.js';
import type { WorkerActivity } from '../execution/worker-pool.js';
import type { QuoteBoard } from '../market/quote-board.js';
import type { BrokerConfig } from '../brokers/index.js';
import type { EndReason, Position } from '../types.js';
import type { LogLevel, LogSink } from '../util/log.js';
import type { SessionStatus } from './status.js';

export type { SessionStatus };

/** the order path's gauges, read at the display's refresh rate */
export interface ExecutionGauges {
  /** legs waiting in the throttle's backlog for rate budget */
  readonly backlog: number;
  /** legs handed to execution workers and not yet answered */
  readonly inFlight: number;
  workers(): readonly WorkerActivity[];
  /** orders the rate limit allows right now, of `capacity` */
  available(): number;
  readonly capacity: number;
  /** retries, rejections and strategy return → ack latencies */
  readonly desk: Readonly<DeskStats>;
}

/** the trading state (ACTIVE | REDUCING | HALTED), why, and how many legs the risk checks refused */
export interface TradingGauge {
  readonly state: string;
  readonly reason: string;
  readonly refused: number;
}

/** What a display frame is drawn from (a session's display view is one; tests pass a plain object). */
export interface DisplaySource extends SessionStatus {
  readonly clock: { readonly ticks: number; readonly overruns: number };
  /** when the strategy clock started, ms since epoch (0 before) */
  readonly clockStartedAt: number;
  /** how long the strategy clock runs, ms */
  readonly runMs: number;
  readonly strategyErrors: number;
  readonly options: {
    readonly tradeLogName: string;
    readonly broker: BrokerConfig;
    readonly quotes: { readonly type: string };
    readonly eosBehavior: string;
    readonly periodMs: number;
    readonly numWorkers: number;
  };
  readonly board: QuoteBoard;
  readonly portfolio: {
    positions(mark: (ticker: string) => number | undefined): Position[];
    readonly realizedPnl: number;
  };
  readonly execution: ExecutionGauges;
  /** absent where there is no risk control (tests) */
  readonly trading?: TradingGauge;
  readonly log: { readonly recent: ReadonlyArray<{ at: number; level: LogLevel; message: string }> };
}

/** The live display's view of a session: what it draws, and the few things it may do. */
export interface DisplayView extends DisplaySource {
  readonly options: DisplaySource['options'] & {
    readonly liveDisplay: boolean;
    readonly displayRefreshRate: number;
    readonly maxTradeUpdates: number;
    readonly kill?: { readonly flatten: boolean };
  };
  readonly log: DisplaySource['log'] & {
    /** every line as it is written (warnings and errors are counted on screen) */
    onLine(listener: LogSink): void;
    warn(message: string): void;
    /** while the full-screen display owns the terminal, log lines do not go to stderr */
    muteDefault: boolean;
  };
  /** every order status change, as the trade log gets it */
  onOrderEvent(listener: (e: OrderEvent) => void): void;
  /** the broker's account (cash at start) */
  account(): Promise<BrokerAccount>;
  /** the display's q: ends trading through the end of session */
  requestStop(reason: EndReason): void;
  /** the display's K: the kill switch (absent where there is none) */
  kill?(source: string): string;
}

/** What the CLI's status line reads (when there is no live display). */
export interface StatusLineSource extends SessionStatus {
  counts(): ReturnType<OrderRegistry['counts']>;
  readonly realizedPnl: number;
  /** unrealized P&L marked against the board now */
  unrealizedPnl(): number;
  onOrderEvent(listener: (e: OrderEvent) => void): void;
}

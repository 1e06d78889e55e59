// The trader-facing shapes. Everything a strategy sees or returns is defined here.

export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';
/** order types that rest untriggered until the market reaches their stop */
export const STOP_TYPES: ReadonlySet<OrderType> = new Set(['stop', 'stop_limit', 'trailing_stop']);
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';

/** blockpaca's actions; a buy without action opens/adds to a long, a sell without one closes a long. */
export type Action = 'buy_long' | 'buy_to_cover' | 'cover_short' | 'sell_long' | 'liquidate' | 'short_sell';

/** What a strategy returns (or passes to ctx.submitOrder). */
export interface OrderRequest {
  ticker: string;
  quantity: number;
  side: Side;
  orderType: OrderType;
  /** limit and stop_limit orders */
  limitPrice?: number;
  /** stop and stop_limit orders: a buy triggers when the ask reaches it, a sell when the bid does */
  stopPrice?: number;
  /** trailing_stop orders: exactly one, the distance from the best price since placement */
  trailPercent?: number;
  trailPrice?: number;
  action?: Action;
  timeInForce?: TimeInForce;
  /**
   * 'bracket': this entry plus a takeProfit limit and a stopLoss stop on the other side; 'oto': one
   * of them. The exits are orders of their own (same block id), held by the venue until the entry fills.
   */
  orderClass?: 'bracket' | 'oto';
  takeProfit?: { limitPrice: number };
  stopLoss?: { stopPrice: number; limitPrice?: number };
}

/** Cancels one of the session's open orders (returned beside new orders). */
export interface CancelRequest {
  cancel: string;
}
/** Replaces an open order by a new one with new terms (a new client order id; the old ends canceled, raw status 'replaced'). */
export interface ReplaceRequest {
  replace: string;
  quantity?: number;
  limitPrice?: number;
  stopPrice?: number;
}
/** Cancels every open order of the session, or those of one ticker. */
export interface CancelAllRequest {
  cancelAll: true | string;
}
export type OrderInstruction = OrderRequest | CancelRequest | ReplaceRequest | CancelAllRequest;

/** One of the session's open orders as a strategy sees it. */
export interface OpenOrder {
  clientOrderId: string;
  ticker: string;
  side: Side;
  orderType: OrderType;
  action: Action;
  quantity: number;
  limitPrice?: number;
  stopPrice?: number;
  trailPercent?: number;
  trailPrice?: number;
  filledQty: number;
  remainingQty: number;
  status: OrderStatus;
  /** ms since the strategy returned it */
  ageMs: number;
}

export interface Quote {
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  last: number;
  /** epoch milliseconds of the quote */
  timestamp: number;
  /** second and third depth levels; 0 when the feed does not send them */
  bid2: number;
  bid3: number;
  bidSize2: number;
  bidSize3: number;
  ask2: number;
  ask3: number;
  askSize2: number;
  askSize3: number;
  /** the exchange's reference price for the day (0 when not sent) */
  refPrice: number;
  /** quantity traded so far in the session (0 when not sent) */
  volume: number;
  /** quantity of the last trade (0 when not sent) */
  lastSize: number;
}

export interface Position {
  ticker: string;
  /** signed: short < 0 */
  quantity: number;
  /** average entry price of the open quantity */
  boughtAt: number;
  /** signed quantity × average entry price */
  costBasis: number;
  marketValue: number;
  unrealizedPnl: number;
}

export interface CurrentData {
  quotes: Record<string, Quote>;
  positions: Position[];
  /** the session's open orders, oldest first */
  orders: OpenOrder[];
}

export interface StrategyContext {
  getCurrentData(): CurrentData;
  submitOrder(orders: OrderInstruction | OrderInstruction[]): void;
  /** wall-clock time of this call */
  now: Date;
  /** 1-based count of strategy calls in this session */
  tick: number;
  log(...args: unknown[]): void;
}

export type StrategyResult = OrderInstruction[] | OrderInstruction | void | undefined | null;
export type Strategy = (ctx: StrategyContext) => StrategyResult | Promise<StrategyResult>;

export type TerminalStatus = 'filled' | 'canceled' | 'rejected' | 'expired' | 'failed';
export type OrderStatus = 'created' | 'queued' | 'submitted' | 'new' | 'partially_filled' | TerminalStatus;

export interface BlockTiming {
  blockId: string;
  legs: number;
  /** strategy return → last leg acknowledged by the broker, ms */
  ackMs: number;
  /** strategy return → last leg on the wire to the venue, ms */
  wireMs: number;
  /**
   * first → last leg on the wire to the venue, ms: the request written on its socket (Alpaca), the
   * message written on the session (FIX), the venue thread receiving it (paper)
   */
  skewMs: number;
  /** first → last leg handed to the broker adapter in its execution worker, ms (the hand-off alone) */
  handoffSkewMs: number;
}

/**
 * Why a session ended. Every one of them ran the end of session once:
 * - `'completed'`: runSeconds ran out (for 'EOD', 30 s before the close)
 * - `'stopped'`: stop() on startTrading's handle
 * - `'signal'`: SIGINT or SIGTERM (with handleSignals)
 * - `'display'`: q or Ctrl-C in the live display
 * - `'halted'`: the strategy threw and haltOnError is on
 * - `'killed'`: the kill switch (startTrading's kill(), killFile, `salvo kill`, the display's K)
 * - `'risk'`: a loss limit breached with onBreach 'flatten'
 * - `'failed'`: the session itself failed (an execution worker crashed, the tick loop threw)
 * - `'journal failed'`: the order journal could not be written, so nothing more could be sent
 */
export type EndReason =
  | 'completed'
  | 'stopped'
  | 'signal'
  | 'display'
  | 'halted'
  | 'killed'
  | 'risk'
  | 'failed'
  | 'journal failed';

export interface SessionReport {
  orders: Record<TerminalStatus, number> & { submitted: number; total: number; open: number };
  positions: Position[];
  realizedPnl: number;
  unrealizedPnl: number;
  tradeLogFile: string;
  startedAt: Date;
  endedAt: Date;
  ticks: number;
  overruns: number;
  /** runTrading() → workers and venue ready, ms; then how long warm-up waited for quotes */
  startupMs: number;
  warmUpMs: number;
  strategyErrors: number;
  blocks: BlockTiming[];
  /** why the session ended (see EndReason) */
  endReason: EndReason;
  /** orders still open at the end (should be empty), by client order id */
  stillOpen: string[];
  malformedQuotes: Record<string, number>;
  /** whether salvo's positions (from the fills it saw) agree with what the broker holds at the end */
  reconciled: boolean;
  /** the trading state at the end, risk refusals by rule, loss-limit breaches, and who killed the session */
  risk: {
    state: 'ACTIVE' | 'REDUCING' | 'HALTED';
    refusals: { total: number; byRule: Record<string, number> };
    breaches: Array<{ rule: string; limit: number; value: number; action: string; at: number; reason: string }>;
    killedBy?: string;
  };
  /** the broker's own positions at the end */
  brokerPositions: Array<{ ticker: string; quantity: number }>;
  /** open orders with salvo client ids this session did not know at start, and what was done with them */
  orphans: StartCheck['orphans'];
  /** positions held at the broker at start that this session did not open */
  heldAtStart: StartCheck['heldAtStart'];
  /** what a resumed session found (resume: true only) */
  resumed?: ResumeReport;
  /** the order journal beside the trade log */
  journalFile: string;
}

export interface ResumeReport {
  /** orders the journal holds */
  journaled: number;
  /** found final at the broker (filled, canceled… while salvo was down) */
  settled: number;
  /** still open at the broker: tracked by this session */
  adopted: number;
  /** journaled but never reached the broker: failed, not resent */
  notSent: number;
  /** terminal rows the crash kept out of the CSV, written now */
  rowsRestored: number;
  /** rebuilt positions against the broker's, one line per ticker that differs */
  positionMismatches: string[];
}

/** what a session does at start with open orders carrying salvo client ids it does not know */
export type OrphanPolicy = 'report' | 'adopt' | 'cancel';

export interface StartCheck {
  orphans: { count: number; tickers: string[]; clientOrderIds: string[]; action: OrphanPolicy };
  /** positions held at the broker when this session started that it did not open itself */
  heldAtStart: Array<{ ticker: string; quantity: number }>;
}

// The trader-facing shapes. Everything a strategy sees or returns is defined here.
import type { OrderStatus, TerminalStatus } from './orders/status.js';

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
  /** shares; fractional where the broker allows */
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
   * of them. The exits are orders of their own (same block id, parent_id the entry), held by the
   * venue until the entry fills. 'oco': two exits working at once on this order's side, closing a
   * position — this order is the takeProfit limit (orderType 'limit', limitPrice may be left out),
   * the stopLoss stop is its leg; a fill of one cancels the other. Default: a simple order.
   */
  orderClass?: 'bracket' | 'oto' | 'oco';
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
/**
 * An order for an amount of money instead of a quantity: a simple market order, time in force day,
 * filled in fractional shares at the venue's price. Only where the broker takes it (the paper venue,
 * Alpaca); salvo's own checks count it as `notional / touch` shares.
 */
export type NotionalOrderRequest = Omit<OrderRequest, 'quantity'> & { notional: number; quantity?: undefined };
export type OrderInstruction = OrderRequest | NotionalOrderRequest | CancelRequest | ReplaceRequest | CancelAllRequest;

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
  /** a replacement: the client order id of the order it swaps out */
  replaces?: string;
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

// biome-ignore lint/suspicious/noConfusingVoidType: a strategy may be a function that returns nothing
export type StrategyResult = OrderInstruction[] | OrderInstruction | void | undefined | null;
export type Strategy = (ctx: StrategyContext) => StrategyResult | Promise<StrategyResult>;

/** salvo's order statuses; their from → to table is src/orders/status.ts */
export type { OrderStatus, TerminalStatus };

export interface BlockTiming {
  /** the block's id, as in the CSV's block_id column */
  blockId: string;
  /** legs sent in it */
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
 * - `'write failed'`: the order journal or the CSV could not be written (a full disk, a file size
 *   limit): nothing more is sent from the strategy
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
  | 'write failed';

export interface SessionReport {
  /** orders by terminal status, plus those submitted (sent to a broker), the total and those still open */
  orders: Record<TerminalStatus, number> & { submitted: number; total: number; open: number };
  /** this runner's strategy id (option `strategyId`; default: the trade log name) */
  strategyId: string;
  /**
   * this runner's own book: the positions its own fills opened (orders carrying its strategy id),
   * valued at its last quotes. What the account held at start, and other runners' fills, are not in
   * it: see `account`.
   */
  positions: Position[];
  /** P&L its own fills realized (average cost, own fills only) */
  realizedPnl: number;
  /** P&L open in `positions` at its last quotes */
  unrealizedPnl: number;
  /** the whole account at the end, every runner's and anything else on it */
  account: AccountBook;
  /** the CSV trade log: `<tradeLogPath>/<tradeLogName>.csv` */
  tradeLogFile: string;
  /** when runTrading() began, and when the report was made */
  startedAt: Date;
  endedAt: Date;
  /** strategy calls made; due times skipped because a call ran past them */
  ticks: number;
  overruns: number;
  /** runTrading() → workers and venue ready, ms; then how long warm-up waited for quotes */
  startupMs: number;
  warmUpMs: number;
  /** strategy calls that threw, returned something unreadable or were abandoned (strategyTimeout) */
  strategyErrors: number;
  /** one entry per block (strategy call) that sent orders: its legs and their timings */
  blocks: BlockTiming[];
  /** why the session ended (see EndReason) */
  endReason: EndReason;
  /** orders still open at the end (should be empty), by client order id */
  stillOpen: string[];
  /** quotes the board refused, by reason (unknown symbol, not finite, crossed, out of order…) */
  malformedQuotes: Record<string, number>;
  /**
   * whether the broker's positions at the end are what this runner accounts for: held at start, plus
   * its own fills, plus other runners' fills seen on the account's update stream (see `account`)
   */
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
  /**
   * positions the account held when the session started (a resumed session: when the session it
   * resumes started); they count toward position checks, and liquidation does not close them
   */
  heldAtStart: Array<{ ticker: string; quantity: number }>;
  /** open orders of other runners on the account at start (another strategy id): left alone */
  otherRunnersAtStart: StartCheck['otherRunners'];
  /** what a resumed session found (resume: true only) */
  resumed?: ResumeReport;
  /** the order journal beside the trade log */
  journalFile: string;
  /** broker updates the order state table refused (src/orders/status.ts), e.g. a fill that came after a cancel */
  refusedTransitions: RefusedTransitions;
  /**
   * trade updates for client order ids this session does not know (another client on the same
   * account, or orders of an earlier session), counted and otherwise ignored
   */
  foreignUpdates: number;
}

/** one broker update the order state table refused */
export interface RefusedTransition {
  clientOrderId: string;
  /** the order's status when the update came */
  from: OrderStatus;
  /** what the update means in salvo's statuses */
  to: OrderStatus;
  /** the venue's own word for it */
  rawStatus: string;
  /** the table's one-line reason, e.g. `canceled → filled: canceled is final` */
  reason: string;
  /** cumulative quantity filled, as the update reports it */
  filledQty: number;
  /** what salvo had booked as filled: `filledQty` above it is a fill salvo's positions do not have */
  knownQty: number;
  /** epoch ms at the venue */
  at: number;
}

/**
 * Broker updates the order state table refused. A repeat of the status an order already has, with
 * nothing more filled (a venue's ack and its stream both saying `new`), is a duplicate, not counted.
 */
export interface RefusedTransitions {
  /** refused updates in the session */
  count: number;
  /**
   * of those, the ones reporting more filled than salvo had booked (a fill racing a cancel): each is
   * a warning in the session log, and the broker's position differs from salvo's by that much
   */
  withFill: number;
  /** count by reason (the table's one-line reason, e.g. `canceled → filled: canceled is final`) */
  byReason: Record<string, number>;
  /** the first 20 refused updates, in arrival order */
  first: RefusedTransition[];
}

/** The account a runner trades on, as its report shows it beside the runner's own book. */
export interface AccountBook {
  /** the broker's positions at the end, valued at this runner's last quotes (entry price without one); [] when the broker did not list them */
  positions: Position[];
  /** P&L open in those positions at the same marks */
  unrealizedPnl: number;
  /**
   * net quantity other runners filled during this session, by strategy id, then ticker (buys +,
   * sells −): what the broker's update stream showed of orders carrying another strategy id. Alpaca
   * streams every order on the account; a FIX session hears only its own, so this stays {} there.
   */
  otherRunners: Record<string, Record<string, number>>;
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
  /**
   * open orders at start that carry another runner's strategy id: that runner's, so never adopted
   * or canceled (whatever onStartOrphans says), only counted here and in the log
   */
  otherRunners: { count: number; strategies: string[]; clientOrderIds: string[] };
}

/** where a session is: connecting, waiting for quotes, calling the strategy, closing out, over */
export type SessionPhase = 'starting' | 'warm-up' | 'running' | 'end of session' | 'done';

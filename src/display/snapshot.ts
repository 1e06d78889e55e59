// What the live display shows, as one plain object taken at the display's own refresh rate. Taking
// it reads the shared quote board (seqlock reads) and counters the session already keeps; the only
// thing the display adds to the order path is TradeTape.record, a few field writes per status change.
import type { OrderEvent } from '../execution/order-registry.js';
import type { WorkerActivity } from '../execution/worker-pool.js';
import { emptyQuote } from '../market/quote-board.js';
import { markOf } from '../market/mark.js';
import type { DisplaySource } from '../session/views.js';
import type { LogLevel } from '../util/log.js';
import type { Position, TerminalStatus } from '../types.js';

export type { DisplaySource };

export interface TradeRow {
  at: number;
  clientOrderId: string;
  ticker: string;
  side: string;
  action: string;
  status: string;
  /** average fill price so far, else the limit price, else undefined (market, unfilled) */
  price?: number;
  filledQty: number;
  quantity: number;
  reason?: string;
}

/** Listens to the order book: the latest trade updates, cash moved by fills, open and final counts. */
export class TradeTape {
  private rows: TradeRow[] = [];
  /** Σ signed cash from fills since the display started: sells +, buys − */
  fillCash = 0;
  /** broker cash when the display started; undefined when the broker would not say */
  startCash: number | undefined;
  readonly final: Record<TerminalStatus, number> = { filled: 0, canceled: 0, rejected: 0, expired: 0, failed: 0 };
  private readonly openIds = new Set<string>();
  warnings = 0;
  errors = 0;
  active = true;

  constructor(readonly max: number) {}

  record(e: OrderEvent): void {
    if (!this.active) return;
    const o = e.order;
    if (e.fill) this.fillCash += (o.side === 'buy' ? -1 : 1) * e.fill.qty * e.fill.price;
    if (e.status in this.final) {
      this.final[e.status as TerminalStatus]++;
      this.openIds.delete(o.clientOrderId);
    } else this.openIds.add(o.clientOrderId);
    this.rows.push({
      at: e.at,
      clientOrderId: o.clientOrderId,
      ticker: o.ticker,
      side: o.side,
      action: o.action,
      status: e.status,
      price: o.filledAvgPrice > 0 ? o.filledAvgPrice : o.limitPrice,
      filledQty: o.filledQty,
      quantity: o.quantity,
      reason: e.reason,
    });
    if (this.rows.length > this.max * 4) this.rows.splice(0, this.rows.length - this.max);
  }

  line(level: LogLevel): void {
    if (!this.active) return;
    if (level === 'warn') this.warnings++;
    if (level === 'error') this.errors++;
  }

  /** newest first */
  latest(): TradeRow[] {
    return this.rows.slice(-this.max).reverse();
  }

  get open(): number {
    return this.openIds.size;
  }
}

export interface PositionRow extends Position {
  last?: number;
  pctChange?: number;
}
export interface QuoteRow {
  ticker: string;
  bid: number;
  ask: number;
  last: number;
  ageMs?: number;
  updates: number;
  stale: boolean;
}

export interface DisplaySnapshot {
  at: number;
  header: {
    strategy: string;
    broker: string;
    quotes: string;
    phase: string;
    stopping: boolean;
    endReason: string;
    eosBehavior: string;
    elapsedMs: number;
    remainingMs: number;
    runMs: number;
    ticks: number;
    frequencyMs: number;
    /** ACTIVE | REDUCING | HALTED, why, and how many legs the risk checks refused */
    trading?: { state: string; reason: string; refused: number };
  };
  positions: PositionRow[];
  totals: {
    marketValue: number;
    costBasis: number;
    unrealizedPnl: number;
    pctChange?: number;
    realizedPnl: number;
    pnl: number;
    cash?: number;
    equity?: number;
  };
  trades: TradeRow[];
  execution: {
    queue: number;
    inFlight: number;
    workers: WorkerActivity[];
    budget: number;
    capacity: number;
    retries: number;
    rejections: number;
    ackP50?: number;
    ackP99?: number;
    ackSamples: number;
    overruns: number;
    final: Record<TerminalStatus, number>;
    open: number;
    strategyErrors: number;
    warnings: number;
    errors: number;
  };
  quotes: QuoteRow[];
  staleAfterMs: number;
  staleCount: number;
  log: Array<{ at: number; level: LogLevel; message: string }>;
}

export interface SnapshotOptions {
  now?: number;
  staleAfterMs?: number;
  logLines?: number;
}

export function takeSnapshot(
  s: DisplaySource,
  tape: TradeTape,
  { now = Date.now(), staleAfterMs = 5000, logLines = 30 }: SnapshotOptions = {},
): DisplaySnapshot {
  const { positions, totals } = book(s, tape);
  const { quotes, staleCount } = quoteRows(s, now, staleAfterMs);
  return {
    at: now,
    header: header(s, now),
    positions,
    totals,
    trades: tape.latest(),
    execution: execution(s, tape),
    quotes,
    staleAfterMs,
    staleCount,
    log: s.log.recent.slice(-logLines).map((l) => ({ ...l })),
  };
}

function header(s: DisplaySource, now: number): DisplaySnapshot['header'] {
  const started = s.clockStartedAt > 0 && s.phase !== 'starting' && s.phase !== 'warm-up';
  const elapsedMs = started ? Math.max(0, now - s.clockStartedAt) : 0;
  const clockOver = s.phase === 'end of session' || s.phase === 'done' || s.stopping;
  const trading = s.trading;
  return {
    strategy: s.options.tradeLogName,
    broker: s.options.broker.type,
    quotes: s.options.quotes.type,
    phase: s.phase,
    stopping: s.stopping,
    endReason: s.endReason,
    eosBehavior: s.options.eosBehavior,
    elapsedMs: clockOver ? elapsedMs : Math.min(elapsedMs, s.runMs),
    remainingMs: started && !clockOver ? Math.max(0, s.runMs - elapsedMs) : started ? 0 : s.runMs,
    runMs: s.runMs,
    ticks: s.clock.ticks,
    frequencyMs: s.options.periodMs,
    trading: trading && { ...trading },
  };
}

/** positions marked against the board, and their totals (cash: what the broker said at start ± fills) */
function book(s: DisplaySource, tape: TradeTape): Pick<DisplaySnapshot, 'positions' | 'totals'> {
  const mark = (t: string) => markOf(s.board, t);
  const positions: PositionRow[] = s.portfolio.positions(mark).map((p) => {
    const last = mark(p.ticker);
    return { ...p, last, pctChange: p.costBasis ? (p.unrealizedPnl / Math.abs(p.costBasis)) * 100 : undefined };
  });
  const sum = (f: (p: PositionRow) => number) => positions.reduce((n, p) => n + (f(p) || 0), 0);
  const marketValue = sum((p) => p.marketValue);
  const costBasis = sum((p) => p.costBasis);
  const unrealizedPnl = sum((p) => p.unrealizedPnl);
  const realizedPnl = s.portfolio.realizedPnl;
  const cash = tape.startCash === undefined ? undefined : tape.startCash + tape.fillCash;
  return {
    positions,
    totals: {
      marketValue,
      costBasis,
      unrealizedPnl,
      pctChange: costBasis ? (unrealizedPnl / Math.abs(costBasis)) * 100 : undefined,
      realizedPnl,
      pnl: realizedPnl + unrealizedPnl,
      cash,
      equity: cash === undefined ? undefined : cash + marketValue,
    },
  };
}

function quoteRows(s: DisplaySource, now: number, staleAfterMs: number): { quotes: QuoteRow[]; staleCount: number } {
  const board = s.board;
  const quotes: QuoteRow[] = [];
  const q = emptyQuote();
  let staleCount = 0;
  board.tickers.forEach((ticker, slot) => {
    board.read(slot, q);
    const ageMs = q.updates > 0 && q.timestamp > 0 ? now - q.timestamp : undefined;
    const stale = q.updates === 0 || (ageMs !== undefined && ageMs > staleAfterMs);
    if (stale) staleCount++;
    quotes.push({ ticker, bid: q.bid, ask: q.ask, last: q.last, ageMs, updates: q.updates, stale });
  });
  return { quotes, staleCount };
}

function execution(s: DisplaySource, tape: TradeTape): DisplaySnapshot['execution'] {
  const x = s.execution;
  const latencies = [...x.desk.ackLatencies].sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]
      : undefined;
  return {
    queue: x.backlog,
    inFlight: x.inFlight,
    workers: x.workers().map((w) => ({ ...w })),
    budget: x.available(),
    capacity: x.capacity,
    retries: x.desk.retries,
    rejections: x.desk.rejections,
    ackP50: pct(50),
    ackP99: pct(99),
    ackSamples: latencies.length,
    overruns: s.clock.overruns,
    final: { ...tape.final },
    open: tape.open,
    strategyErrors: s.strategyErrors,
    warnings: tape.warnings,
    errors: tape.errors,
  };
}

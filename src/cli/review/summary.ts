// The review of one or more trade logs, built row by row as the reader streams them. Per order it
// keeps a small record (and the rows themselves only while the order is open, or when the order is
// shown as an example); everything else is folded into counters, samples and per-second series.
// Fills are the increases of executed_qty per order, each priced so that the order's executed_price
// stays the running average of its fills. P&L is average cost per ticker (see TickerBook).
import type { JournalCheck } from './journal-check.js';
import type { FileReport, LogFormat, LogRow } from './reader.js';
import { isTerminal, statusOfLogWord } from '../../orders/status.js';
import {
  distribution,
  histogram,
  reasonKey,
  round,
  Samples,
  Series,
  TickerBook,
  type Distribution,
  type Histogram,
} from './stats.js';

// Latencies run from the order's first "sent" row: salvo's `queued` (the order left the strategy
// for the throttle, stamped locally) or, without one, `submitted` / blockpaca's `pending_new` (the
// venue has it). Leg skew uses the venue's `submitted` times. A status word means what
// orders/status.ts says, in salvo's log and blockpaca's alike (`accepted` is an ack, `replaced`
// and `done_for_day` are final).

/** lifecycles shown in full when a log has this many orders or fewer */
const SHOW_ALL = 20;
const SLOWEST = 5;

interface Step {
  status: string;
  raw: string;
  ts: number;
  qty: number;
  price: number;
}

/**
 * One order. Its rows are kept (`steps`) only for the first orders of a review, which are shown in
 * full when the log is small; any other order's lifecycle is rebuilt from the milestones below
 * (first row, submitted, acknowledged, first fill, terminal), so a large log allocates nothing per row.
 */
interface Track {
  id: string;
  ticker: string;
  side: string;
  action: string;
  block: string;
  worker: string;
  file: number;
  firstTs: number;
  firstStatus: string;
  firstRaw: string;
  sentTs?: number;
  submitTs?: number;
  submitStatus?: string;
  ackTs?: number;
  ackStatus?: string;
  fillTs?: number;
  fillStatus?: string;
  fillQty?: number;
  fillPrice?: number;
  terminalTs?: number;
  terminal?: string;
  terminals: number;
  last: string;
  lastTs: number;
  lastLine: number;
  qty: number;
  price: number;
  fills: number;
  reason: string;
  steps?: Step[];
  fillMs?: number;
}

/** an order once its first fill is seen: what the slowest list ranks by */
type FilledTrack = Track & { fillMs: number };

export interface Lifecycle {
  id: string;
  ticker: string;
  side: string;
  action: string;
  block?: string;
  worker?: string;
  status: string;
  submitToFillMs?: number;
  steps: Array<{ status: string; raw: string; at: number; sinceFirstMs: number; qty: number; price: number }>;
}

export interface ReviewSummary {
  files: Array<Omit<FileReport, 'file'> & { file: string }>;
  /** the order journal beside each salvo CSV that has one: the orders the CSV cannot account for */
  journals?: JournalCheck[];
  rows: number;
  period: { start: number | null; end: number | null; seconds: number };
  orders: { total: number; byStatus: Record<string, number>; open: number; multipleTerminal: number };
  neverTerminal: {
    count: number;
    orders: Array<{
      id: string;
      ticker: string;
      side: string;
      lastStatus: string;
      lastAt: number;
      file: string;
      line: number;
    }>;
  };
  fillRatio: { filled: number; total: number; ratio: number | null; withFills: number; partialThenEnded: number };
  rejections: Array<{ reason: string; count: number; statuses: Record<string, number>; example: string }>;
  pnl: {
    method: 'average-cost';
    realized: number;
    tickers: Array<{
      ticker: string;
      fills: number;
      boughtQty: number;
      avgBuyPrice: number | null;
      soldQty: number;
      avgSellPrice: number | null;
      position: number;
      avgCost: number | null;
      realized: number;
    }>;
  };
  latencyMs: { submitToAck: Distribution | null; submitToFill: Distribution | null; fillHistogram: Histogram | null };
  lifecycles: { all: boolean; examples: Lifecycle[]; slowest: Lifecycle[] };
  blocks: null | {
    count: number;
    multiLeg: number;
    skewMs: Distribution | null;
    worst: Array<{ block: string; legs: number; skewMs: number }>;
  };
  timeline: { pnl: Array<[number, number]>; gross: Array<[number, number]>; fillsPerMinute: Array<[number, number]> };
  anomalies: { rowsAfterTerminal: number; qtyDecreased: number; unknownSide: number };
  /** the risk rows (action risk_state): trading state changes, not orders; only when the log has some */
  tradingStates?: Array<{ at: number; state: string; reason: string }>;
}

export class Review {
  private readonly tracks = new Map<string, Track>();
  private readonly books = new Map<string, TickerBook>();
  private readonly blocks = new Map<string, { legs: number; min: number; max: number; sent: number }>();
  private readonly ackMs = new Samples();
  private readonly fillMs = new Samples();
  private readonly pnl = new Series();
  private readonly gross = new Series();
  private readonly fillsPerMinute = new Map<number, number>();
  private readonly examples: Track[] = [];
  private readonly exampleStatuses = new Set<string>();
  private slowest: FilledTrack[] = [];
  private filledExamples = 0;
  private realized = 0;
  private exposure = 0;
  private rows = 0;
  private start = Infinity;
  private end = -Infinity;
  private readonly anomalies = { rowsAfterTerminal: 0, qtyDecreased: 0, unknownSide: 0 };
  private readonly tradingStates: NonNullable<ReviewSummary['tradingStates']> = [];
  private readonly fileNames: string[] = [];
  private readonly formats: LogFormat[] = [];

  /** call before the rows of each file; returns the file's index */
  startFile(file: string, format: LogFormat = 'salvo'): number {
    this.fileNames.push(file);
    this.formats.push(format);
    return this.fileNames.length - 1;
  }

  setFormat(fileIndex: number, format: LogFormat): void {
    this.formats[fileIndex] = format;
  }

  add(row: LogRow, file: number): void {
    this.rows++;
    if (row.ts < this.start) this.start = row.ts;
    if (row.ts > this.end) this.end = row.ts;
    if (row.action === 'risk_state') {
      // a trading state change (salvo's risk control), not an order
      this.tradingStates.push({ at: row.ts, state: row.status.toUpperCase(), reason: row.reason });
      return;
    }
    let t = this.tracks.get(row.id);
    if (!t) {
      t = {
        id: row.id,
        ticker: row.ticker,
        side: row.side,
        action: row.action,
        block: row.block,
        worker: row.worker,
        file,
        firstTs: row.ts,
        firstStatus: row.status,
        firstRaw: row.raw,
        terminals: 0,
        last: row.status,
        lastTs: row.ts,
        lastLine: row.line,
        qty: 0,
        price: 0,
        fills: 0,
        reason: '',
        steps: this.tracks.size < SHOW_ALL ? [] : undefined,
      };
      this.tracks.set(row.id, t);
      if (this.formats[file] === 'salvo' && row.block) {
        const key = `${file}:${row.block}`;
        const b = this.blocks.get(key);
        if (b) b.legs++;
        else this.blocks.set(key, { legs: 1, min: Infinity, max: -Infinity, sent: 0 });
      }
    } else if (t.terminal) {
      this.anomalies.rowsAfterTerminal++;
    }
    t.steps?.push({ status: row.status, raw: row.raw, ts: row.ts, qty: row.qty, price: row.price });
    t.last = row.status;
    t.lastTs = row.ts;
    t.lastLine = row.line;
    if (row.worker && row.worker !== '0') t.worker = row.worker;
    if (row.reason) t.reason = row.reason;

    const meaning = statusOfLogWord(row.status);
    if ((row.status === 'queued' || meaning === 'submitted') && t.sentTs === undefined) t.sentTs = row.ts;
    if (meaning === 'submitted' && t.submitTs === undefined) {
      t.submitTs = row.ts;
      t.submitStatus = row.status;
      const b = this.formats[file] === 'salvo' && t.block ? this.blocks.get(`${file}:${t.block}`) : undefined;
      if (b) {
        b.sent++;
        b.min = Math.min(b.min, row.ts);
        b.max = Math.max(b.max, row.ts);
      }
    }
    if (meaning === 'new' && t.ackTs === undefined) {
      t.ackTs = row.ts;
      t.ackStatus = row.status;
      if (t.sentTs !== undefined) this.ackMs.push((row.ts - t.sentTs) * 1000);
    }
    if (row.qty > t.qty + 1e-9) this.fill(t, row);
    else if (row.qty < t.qty - 1e-9) this.anomalies.qtyDecreased++;

    if (meaning && isTerminal(meaning)) {
      t.terminals++;
      t.terminal = row.status;
      t.terminalTs = row.ts;
      if (t.terminals === 1) this.ended(t, row.status);
    }
  }

  private fill(t: Track, row: LogRow): void {
    const qty = row.qty - t.qty;
    let price = (row.qty * row.price - t.qty * t.price) / qty;
    if (!Number.isFinite(price) || price <= 0) price = row.price;
    t.qty = row.qty;
    t.price = row.price;
    t.fills++;
    const minute = Math.floor(row.ts / 60) * 60;
    this.fillsPerMinute.set(minute, (this.fillsPerMinute.get(minute) ?? 0) + 1);
    if (t.fillTs === undefined) {
      t.fillTs = row.ts;
      t.fillStatus = row.status;
      t.fillQty = row.qty;
      t.fillPrice = row.price;
      const filled = Object.assign(t, { fillMs: (row.ts - (t.sentTs ?? t.firstTs)) * 1000 });
      this.fillMs.push(filled.fillMs);
      this.considerSlowest(filled);
    }
    const side = t.side === 'buy' || t.side === 'sell' ? t.side : undefined;
    if (!side) {
      this.anomalies.unknownSide++;
      return;
    }
    let book = this.books.get(t.ticker);
    if (!book) this.books.set(t.ticker, (book = new TickerBook()));
    const before = book.realized;
    this.exposure -= book.exposure;
    book.fill(side, qty, price);
    this.exposure += book.exposure;
    this.realized += book.realized - before;
    this.pnl.add(row.ts, this.realized);
    this.gross.add(row.ts, this.exposure);
  }

  private considerSlowest(t: FilledTrack): void {
    if (this.slowest.length >= SLOWEST && t.fillMs <= this.slowest[this.slowest.length - 1].fillMs) return;
    this.slowest.push(t);
    this.slowest.sort((a, b) => b.fillMs - a.fillMs);
    if (this.slowest.length > SLOWEST) this.slowest.pop();
  }

  /** first terminal row of an order: the first three filled orders and the first of each other ending are examples */
  private ended(t: Track, terminal: string): void {
    if (terminal === 'filled' ? this.filledExamples++ < 3 : !this.exampleStatuses.has(terminal)) {
      this.exampleStatuses.add(terminal);
      this.examples.push(t);
    }
  }

  /** the order's first terminal status in the logs reviewed, if it has one */
  terminalOf(id: string): string | undefined {
    return this.tracks.get(id)?.terminal;
  }

  finish(files: FileReport[]): ReviewSummary {
    const { byStatus, rejections, open, openCount, multipleTerminal, withFills, partialThenEnded } = this.tally();
    const total = this.tracks.size;
    const fillSorted = this.fillMs.sorted();
    return {
      files: files.map((f) => ({ ...f })),
      rows: this.rows,
      period: {
        start: this.rows ? this.start : null,
        end: this.rows ? this.end : null,
        seconds: this.rows ? round(this.end - this.start) : 0,
      },
      orders: { total, byStatus, open: openCount, multipleTerminal },
      neverTerminal: {
        count: openCount,
        orders: open.map((t) => ({
          id: t.id,
          ticker: t.ticker,
          side: t.side,
          lastStatus: t.last,
          lastAt: t.lastTs,
          file: this.fileNames[t.file],
          line: t.lastLine,
        })),
      },
      fillRatio: {
        filled: byStatus.filled,
        total,
        ratio: total ? round(byStatus.filled / total, 4) : null,
        withFills,
        partialThenEnded,
      },
      rejections: [...rejections.entries()].map(([reason, g]) => ({ reason, ...g })).sort((a, b) => b.count - a.count),
      pnl: this.pnlSummary(),
      latencyMs: {
        submitToAck: distribution(this.ackMs.sorted()),
        submitToFill: distribution(fillSorted),
        fillHistogram: histogram(fillSorted),
      },
      lifecycles: this.lifecycleSummary(total),
      blocks: this.blockSummary(),
      timeline: {
        pnl: this.pnl.points(),
        gross: this.gross.points(),
        fillsPerMinute: [...this.fillsPerMinute.entries()].sort((a, b) => a[0] - b[0]),
      },
      anomalies: { ...this.anomalies },
      ...(this.tradingStates.length ? { tradingStates: [...this.tradingStates] } : {}),
    };
  }

  /** one pass over every order: counts by final status, rejections grouped by reason, the first open orders */
  private tally() {
    const byStatus: Record<string, number> = { filled: 0, canceled: 0, rejected: 0, expired: 0, failed: 0 };
    const rejections = new Map<string, { count: number; statuses: Record<string, number>; example: string }>();
    const open: Track[] = [];
    let openCount = 0,
      multipleTerminal = 0,
      withFills = 0,
      partialThenEnded = 0;
    for (const t of this.tracks.values()) {
      if (t.fills) withFills++;
      if (t.terminals > 1) multipleTerminal++;
      if (!t.terminal) {
        openCount++;
        if (open.length < 20) open.push(t);
        continue;
      }
      byStatus[t.terminal] = (byStatus[t.terminal] ?? 0) + 1;
      if (t.terminal !== 'filled' && t.qty > 0) partialThenEnded++;
      if (t.terminal === 'rejected' || t.terminal === 'failed') {
        const reason = t.reason || '(no reason recorded)';
        const key = reasonKey(reason);
        let g = rejections.get(key);
        if (!g) rejections.set(key, (g = { count: 0, statuses: {}, example: reason }));
        g.count++;
        g.statuses[t.terminal] = (g.statuses[t.terminal] ?? 0) + 1;
      }
    }
    return { byStatus, rejections, open, openCount, multipleTerminal, withFills, partialThenEnded };
  }

  private pnlSummary(): ReviewSummary['pnl'] {
    return {
      method: 'average-cost',
      realized: round(this.realized, 4),
      tickers: [...this.books.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([ticker, b]) => ({
          ticker,
          fills: b.fills,
          boughtQty: round(b.boughtQty, 6),
          avgBuyPrice: b.boughtQty ? round(b.boughtValue / b.boughtQty, 4) : null,
          soldQty: round(b.soldQty, 6),
          avgSellPrice: b.soldQty ? round(b.soldValue / b.soldQty, 4) : null,
          position: round(b.qty, 6),
          avgCost: b.qty ? round(b.avg, 4) : null,
          realized: round(b.realized, 4),
        })),
    };
  }

  /** every order's lifecycle when there are few; else the slowest to fill and the examples */
  private lifecycleSummary(total: number): ReviewSummary['lifecycles'] {
    const lifecycle = (t: Track) => this.lifecycle(t);
    return {
      all: total <= SHOW_ALL,
      examples:
        total <= SHOW_ALL
          ? [...this.tracks.values()].map(lifecycle)
          : this.examples.filter((t) => !this.slowest.some((s) => s === t)).map(lifecycle),
      slowest: this.slowest.map(lifecycle),
    };
  }

  private blockSummary(): ReviewSummary['blocks'] {
    if (!this.blocks.size) return null;
    const skews = new Samples();
    const worst: Array<{ block: string; legs: number; skewMs: number }> = [];
    let multiLeg = 0;
    for (const [key, b] of this.blocks) {
      if (b.sent < 2) continue;
      multiLeg++;
      const skewMs = (b.max - b.min) * 1000;
      skews.push(skewMs);
      worst.push({ block: key.slice(key.indexOf(':') + 1), legs: b.legs, skewMs: round(skewMs) });
      if (worst.length > 50) {
        worst.sort((a, c) => c.skewMs - a.skewMs);
        worst.length = 5;
      }
    }
    worst.sort((a, c) => c.skewMs - a.skewMs);
    return { count: this.blocks.size, multiLeg, skewMs: distribution(skews.sorted()), worst: worst.slice(0, 5) };
  }

  private lifecycle(t: Track): Lifecycle {
    const steps = t.steps ?? milestones(t);
    const first = steps[0]?.ts ?? t.firstTs;
    return {
      id: t.id,
      ticker: t.ticker,
      side: t.side,
      action: t.action,
      ...(t.block ? { block: t.block } : {}),
      ...(t.worker ? { worker: t.worker } : {}),
      status: t.terminal ?? `open (${t.last})`,
      ...(t.fillMs !== undefined ? { submitToFillMs: round(t.fillMs) } : {}),
      steps: steps.map((s) => ({
        status: s.status,
        raw: s.raw,
        at: s.ts,
        sinceFirstMs: round((s.ts - first) * 1000),
        qty: s.qty,
        price: s.price,
      })),
    };
  }
}

/** an order's lifecycle from its milestones: first row → submitted → acknowledged → first fill → terminal */
function milestones(t: Track): Step[] {
  const steps: Step[] = [{ status: t.firstStatus, raw: t.firstRaw, ts: t.firstTs, qty: 0, price: 0 }];
  const add = (status: string | undefined, ts: number | undefined, qty = 0, price = 0) => {
    if (status === undefined || ts === undefined) return;
    const prev = steps[steps.length - 1];
    if (prev.status === status && prev.ts === ts) return;
    steps.push({ status, raw: status, ts, qty, price });
  };
  add(t.submitStatus, t.submitTs);
  add(t.ackStatus, t.ackTs);
  add(t.fillStatus, t.fillTs, t.fillQty, t.fillPrice);
  if (t.fills > 1 && t.terminal) add(`${t.fills - 1} more fill(s), ${t.terminal}`, t.terminalTs, t.qty, t.price);
  else add(t.terminal, t.terminalTs, t.qty, t.price);
  if (!t.terminal) add(t.last, t.lastTs, t.qty, t.price);
  return steps.sort((a, b) => a.ts - b.ts);
}

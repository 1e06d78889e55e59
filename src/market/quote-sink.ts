// BoardSink: the gate between a quote source and the board. A strategy trusts what it reads on the
// board, so nothing unusable gets written: a bad update is dropped whole, counted by reason, and
// reported at a bounded rate (a broken feed can send thousands a second; the log gets one line).
import { QUOTE_FIELDS, type QuoteBoard, type QuoteField } from './quote-board.js';
import type { QuoteSink, QuoteUpdate } from './sources/source.js';

import type { LogLevel } from '../util/log.js';
export type { LogLevel };
export type FeedState = 'connected' | 'disconnected' | 'reconnecting';

/** the reasons the sink itself rejects an update for; sources add their own via malformed() */
export const REJECT = {
  unknownSymbol: 'unknown symbol',
  nonFinite: 'non-finite value',
  negative: 'negative price or size',
  crossed: 'crossed quote',
  outOfOrder: 'out-of-order timestamp',
  empty: 'no quote fields',
} as const;

export interface BoardSinkOptions {
  log?: (level: LogLevel, message: string) => void;
  onStatus?: (state: FeedState, detail?: string) => void;
  /** the clock for the log rate limit; tests pass their own */
  now?: () => number;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(QUOTE_FIELDS);
const LOG_EVERY_MS = 1000;
const MAX_DETAIL = 200;

export class BoardSink implements QuoteSink {
  private readonly counts: Record<string, number> = {};
  private readonly lastLoggedAt = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();
  private readonly log: (level: LogLevel, message: string) => void;
  private readonly onStatus: (state: FeedState, detail?: string) => void;
  private readonly now: () => number;

  constructor(
    readonly board: QuoteBoard,
    options: BoardSinkOptions = {},
  ) {
    this.log = options.log ?? (() => undefined);
    this.onStatus = options.onStatus ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  quote(ticker: string, update: QuoteUpdate): void {
    const slot = this.board.find(ticker);
    if (slot === undefined) return this.malformed(REJECT.unknownSymbol, `'${ticker}' is not on the board`);
    const clean: Partial<Record<QuoteField, number>> = {};
    let fields = 0;
    for (const key in update) {
      if (!KNOWN_FIELDS.has(key)) continue;
      const value: unknown = update[key as QuoteField];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value))
        return this.malformed(REJECT.nonFinite, `${ticker}: ${key} ${String(value)}`);
      if (value < 0) return this.malformed(REJECT.negative, `${ticker}: ${key} ${value}`);
      clean[key as QuoteField] = value;
      fields++;
    }
    if (fields === 0) return this.malformed(REJECT.empty, `${ticker}: ${preview(update)}`);

    // one writer (this sink): it reads back its own slot, which nothing else can change
    const board = this.board;
    if (clean.timestamp !== undefined && clean.timestamp < board.own(slot, 'timestamp')) {
      return this.malformed(
        REJECT.outOfOrder,
        `${ticker}: ${clean.timestamp} is older than ${board.own(slot, 'timestamp')}`,
      );
    }
    // a partial update is judged by the quote it would leave on the board
    const bid = clean.bid ?? board.own(slot, 'bid');
    const ask = clean.ask ?? board.own(slot, 'ask');
    if (bid > 0 && ask > 0 && bid > ask) return this.malformed(REJECT.crossed, `${ticker}: bid ${bid} > ask ${ask}`);
    this.board.write(slot, clean);
  }

  malformed(reason: string, detail?: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const now = this.now();
    const last = this.lastLoggedAt.get(reason);
    if (last !== undefined && now - last < LOG_EVERY_MS) {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
      return;
    }
    const skipped = this.suppressed.get(reason) ?? 0;
    this.lastLoggedAt.set(reason, now);
    this.suppressed.delete(reason);
    const since = skipped ? ` (+${skipped} more since the last report)` : '';
    this.log('warn', `malformed quote dropped, ${reason}${detail ? `: ${truncate(detail)}` : ''}${since}`);
  }

  status(state: FeedState, detail?: string): void {
    this.onStatus(state, detail);
  }

  /** rejects by reason since the start; a copy */
  malformedCounts(): Record<string, number> {
    return { ...this.counts };
  }

  /**
   * Reports rejects that were held back by the rate limit and have had no line for a second;
   * call it periodically so a burst that stopped still shows its full size in the log.
   */
  flushLog(): void {
    const now = this.now();
    for (const [reason, skipped] of this.suppressed) {
      if (now - (this.lastLoggedAt.get(reason) ?? 0) < LOG_EVERY_MS) continue;
      this.lastLoggedAt.set(reason, now);
      this.suppressed.delete(reason);
      this.log('warn', `malformed quotes dropped, ${reason}: ${skipped} more since the last report`);
    }
  }
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

function preview(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

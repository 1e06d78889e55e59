// Rows of a trade log: building a LogRow from a CSV record (in the main thread or a parse worker),
// and the per-file bookkeeping of what was reviewed, skipped or cut short, with line numbers.
import path from 'node:path';
import { TRADE_LOG_COLUMNS } from '../../journal/trade-log.js';

export type LogFormat = 'salvo' | 'blockpaca';

export interface LogRow {
  /** 1-based line in the file */
  line: number;
  type: string;
  id: string;
  ticker: string;
  /** average fill price of the order at this row */
  price: number;
  /** cumulative filled quantity of the order at this row */
  qty: number;
  /** lower-case, without an enum prefix ('OrderStatus.FILLED' → 'filled') */
  status: string;
  side: string;
  action: string;
  /** epoch seconds */
  ts: number;
  raw: string;
  worker: string;
  block: string;
  reason: string;
  /** a bracket / OTO / OCO leg's parent client order id ('' in older logs and for other orders) */
  parent: string;
}

export interface LogWarning {
  line?: number;
  message: string;
}

export interface FileReport {
  file: string;
  format: LogFormat;
  /** data rows reviewed */
  rows: number;
  /** rows skipped because a field was unusable */
  skipped: number;
  /** the review of this file stopped before its end (line of the damage) */
  stoppedAt?: number;
  warnings: LogWarning[];
  /** warnings beyond the ones kept */
  moreWarnings: number;
}

/** The input cannot be reviewed at all (missing file, not a trade log): exit code 2. */
export class ReviewInputError extends Error {
  override readonly name = 'ReviewInputError';
}

const MAX_WARNINGS = 20;
// statuses and sides are a handful of distinct words: normalize each once
const words = new Map<string, string>();

/** lower-case and strip an enum prefix: 'OrderStatus.PARTIALLY_FILLED' → 'partially_filled' */
export function normalizeWord(value: string): string {
  let word = words.get(value);
  if (word === undefined) {
    const dot = value.lastIndexOf('.');
    word = (dot >= 0 ? value.slice(dot + 1) : value).trim().toLowerCase();
    if (word === 'cancelled') word = 'canceled';
    if (words.size < 1000) words.set(value, word);
  }
  return word;
}

/** epoch seconds from seconds, milliseconds or an ISO date; NaN when it is none of these */
function parseTimestamp(value: string): number {
  if (value === '') return NaN;
  const n = Number(value);
  if (Number.isFinite(n)) return n > 1e11 ? n / 1000 : n;
  const iso = Date.parse(value);
  return Number.isFinite(iso) ? iso / 1000 : NaN;
}

/** a quantity or price; an empty field counts as 0 (nothing filled yet) */
const parseAmount = (value: string): number => (value === '' ? 0 : Number(value));
const at = (record: string[], i: number): string => (i < 0 ? '' : (record[i] ?? ''));

type Column = (typeof TRADE_LOG_COLUMNS)[number];

/** Where each column is, and what a record becomes. */
export class RowBuilder {
  readonly index: Record<string, number>;
  readonly width: number;
  private readonly col: Record<Column, number>;

  constructor(header: string[]) {
    this.index = Object.fromEntries(header.map((c, i) => [c, i]));
    this.width = header.length;
    this.col = Object.fromEntries(TRADE_LOG_COLUMNS.map((c) => [c, this.index[c] ?? -1])) as Record<Column, number>;
  }

  /** a row, a short record (fewer fields than the header), or the first unusable field */
  build(record: string[], line: number): LogRow | { short: number } | { bad: Column; value: string } {
    if (record.length < this.width) return { short: record.length };
    const c = this.col;
    const row: LogRow = {
      line,
      type: at(record, c.type),
      id: at(record, c.client_order_id),
      ticker: at(record, c.ticker),
      price: parseAmount(at(record, c.executed_price)),
      qty: parseAmount(at(record, c.executed_qty)),
      status: normalizeWord(at(record, c.status)),
      side: normalizeWord(at(record, c.side)),
      action: at(record, c.action),
      ts: parseTimestamp(at(record, c.timestamp)),
      raw: at(record, c.raw_status),
      worker: at(record, c.worker_id),
      block: at(record, c.block_id),
      reason: at(record, c.reason),
      parent: at(record, c.parent_id),
    };
    // a price, a filled quantity or a time below zero is as unusable as one that is not a number
    const bad: Column | undefined = !(row.price >= 0)
      ? 'executed_price'
      : !(row.qty >= 0)
        ? 'executed_qty'
        : !(row.ts >= 0)
          ? 'timestamp'
          : !row.id
            ? 'client_order_id'
            : !row.status
              ? 'status'
              : undefined;
    return bad ? { bad, value: at(record, c[bad]) } : row;
  }

  /** builds and hands the outcome to `sink` */
  feed(record: string[], line: number, sink: FileSink): void {
    const r = this.build(record, line);
    if ('short' in r) sink.short(line, r.short);
    else if ('bad' in r) sink.bad(line, r.bad, r.value);
    else sink.row(r);
  }
}

/**
 * One file's outcome, fed in file order. A short record is judged when the next thing arrives: in
 * the middle of the file it is a skipped row, at the very end it is the log cut short mid-row.
 */
export class FileSink {
  readonly report: FileReport;
  private pendingShort: { line: number; fields: number } | undefined;

  constructor(
    file: string,
    format: LogFormat,
    private readonly width: number,
    private readonly onRow: (row: LogRow) => void,
  ) {
    this.report = { file, format, rows: 0, skipped: 0, warnings: [], moreWarnings: 0 };
  }

  warn(line: number | undefined, message: string): void {
    if (this.report.warnings.length < MAX_WARNINGS) this.report.warnings.push({ line, message });
    else this.report.moreWarnings++;
  }

  private settleShort(): void {
    if (!this.pendingShort) return;
    const { line, fields } = this.pendingShort;
    this.warn(line, `line ${line} has ${fields} of ${this.width} fields; row skipped`);
    this.report.skipped++;
    this.pendingShort = undefined;
  }

  row(row: LogRow): void {
    this.settleShort();
    this.report.rows++;
    this.onRow(row);
  }

  bad(line: number, column: string, value: string): void {
    this.settleShort();
    const negative = column === 'timestamp' ? parseTimestamp(value) < 0 : Number(value) < 0;
    const what =
      value === ''
        ? 'is empty'
        : negative
          ? `is ${column === 'timestamp' ? 'before 1970' : 'negative'}: ${JSON.stringify(value)}`
          : `is not ${column === 'timestamp' ? 'a timestamp' : 'a number'}: ${JSON.stringify(value)}`;
    this.warn(line, `line ${line}: ${column} ${what}; row skipped`);
    this.report.skipped++;
  }

  short(line: number, fields: number): void {
    this.settleShort();
    this.pendingShort = { line, fields };
  }

  /** csv-parse gave up at `line`: the review of this file ends there */
  parseError(line: number, code: string | undefined, message: string): void {
    this.settleShort();
    this.report.stoppedAt = line;
    this.warn(
      line,
      code === 'CSV_QUOTE_NOT_CLOSED'
        ? `line ${line}: the file ends inside a quoted field — the log was cut short (a killed session?); reviewed up to line ${line - 1}`
        : `line ${line}: ${message}; the rest of ${path.basename(this.report.file)} was not reviewed`,
    );
  }

  finish(lastLine: number, endsWithNewline: () => boolean): void {
    if (this.pendingShort) {
      const { line, fields } = this.pendingShort;
      this.report.stoppedAt = line;
      this.warn(
        line,
        `line ${line} is cut short (${fields} of ${this.width} fields): the log ends mid-row (a killed session?); reviewed up to line ${line - 1}`,
      );
      this.pendingShort = undefined;
    } else if (this.report.stoppedAt === undefined && !endsWithNewline()) {
      this.warn(
        lastLine,
        `line ${lastLine} has no line end: the last row may have been cut short while it was written`,
      );
    }
  }
}

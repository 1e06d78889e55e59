// Files of timestamped quotes, the ones the replay feed reads and a session records: CSV with a
// header (ticker, timestamp, then board fields; an empty cell = not in that update), or NDJSON
// with one message per line in either wire format. One definition for the reader and the writer.
import { QUOTE_FIELDS, type QuoteField } from './quote-board.js';
import type { QuoteUpdate } from './sources/source.js';
import { decodeObject, toEpochMs, type QuoteFormat } from './sources/wire-format.js';
import { required } from '../util/defined.js';

export type QuoteFileKind = 'csv' | 'ndjson';

export const QUOTE_FILE_COLUMNS = ['ticker', 'timestamp', ...QUOTE_FIELDS.filter((f) => f !== 'timestamp')] as const;

export function quoteFileKind(file: string): QuoteFileKind {
  return /\.(nd)?jsonl?$|\.ndjson$/i.test(file) ? 'ndjson' : 'csv';
}

export function quoteFileHeader(kind: QuoteFileKind): string {
  return kind === 'csv' ? `${QUOTE_FILE_COLUMNS.join(',')}\n` : '';
}

/** one line (with its newline) for an update the feed delivered */
export function quoteFileLine(kind: QuoteFileKind, ticker: string, update: QuoteUpdate): string {
  if (kind === 'ndjson') return `${JSON.stringify({ ticker, ...update })}\n`;
  let line = csvCell(ticker);
  for (let i = 1; i < QUOTE_FILE_COLUMNS.length; i++) {
    const v = update[QUOTE_FILE_COLUMNS[i] as QuoteField];
    line += v === undefined ? ',' : `,${v}`;
  }
  return `${line}\n`;
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export interface QuoteRow {
  ticker: string;
  update: QuoteUpdate;
}

type Column = QuoteField | 'ticker' | 'timestamp' | undefined;
/** a timestamp cell: epoch s / ms / µs / ns, or an ISO date */
function timestampOf(line: string, start: number, end: number): number | undefined {
  const n = decimal(line, start, end);
  return toEpochMs(Number.isNaN(n) ? line.slice(start, end) : n);
}

/** a line the reader could not use, and why (counted by the sink like any bad message) */
export type RowProblem = { problem: string };

const SYMBOL_COLUMNS = ['ticker', 'symbol', 'instrument'];
const TIME_COLUMNS = ['timestamp', 'ts', 'time'];
const SNAPSHOT_HINTS = ['latest_matched_price', 'bid_price_1', 'ask_price_1'];

/**
 * Parses a file's lines. CSV reads its header first; a header or first message that uses
 * QuoteSnapshot names (bid_price_1, …) selects the snapshot format unless `format` says otherwise.
 */
export class QuoteRowParser {
  private columns?: Column[];
  private format?: QuoteFormat;

  constructor(
    readonly kind: QuoteFileKind,
    format?: QuoteFormat,
  ) {
    this.format = format;
  }

  /** the CSV header; returns a problem that makes the whole file unusable */
  header(line: string): string | undefined {
    const names = splitCsv(line).map((n) => n.trim());
    if (!names.some((n) => SYMBOL_COLUMNS.includes(n)))
      return `the header names no ticker column (${SYMBOL_COLUMNS.join(' / ')}): ${line.slice(0, 120)}`;
    const format = (this.format ??= names.some((n) => SNAPSHOT_HINTS.includes(n)) ? 'snapshot' : 'compact');
    this.columns = names.map((n) => {
      if (SYMBOL_COLUMNS.includes(n)) return 'ticker';
      if (TIME_COLUMNS.includes(n)) return 'timestamp';
      const d = decodeObject({ [n]: 1 }, format);
      return typeof d === 'string' ? undefined : (Object.keys(d.update)[0] as QuoteField);
    });
    return undefined;
  }

  row(line: string): QuoteRow | RowProblem {
    return this.kind === 'csv' ? this.csvRow(line) : this.jsonRow(line);
  }

  private csvRow(line: string): QuoteRow | RowProblem {
    if (line.includes('"')) return this.cells(splitCsv(line));
    // the common case, scanned in place without splitting the line
    const cols = required(this.columns, 'the CSV header, before any row');
    const update: QuoteUpdate = {};
    let ticker = '';
    let start = 0;
    for (let i = 0; i < cols.length && start <= line.length; i++) {
      let end = line.indexOf(',', start);
      if (end < 0) end = line.length;
      const col = cols[i];
      if (end > start && col !== undefined) {
        if (col === 'ticker') ticker = line.slice(start, end);
        else if (col === 'timestamp') update.timestamp = timestampOf(line, start, end);
        else update[col] = decimal(line, start, end);
      }
      start = end + 1;
    }
    return ticker ? { ticker, update } : { problem: 'no ticker' };
  }

  private cells(cells: string[]): QuoteRow | RowProblem {
    const cols = required(this.columns, 'the CSV header, before any row');
    const update: QuoteUpdate = {};
    let ticker = '';
    for (let i = 0; i < cols.length && i < cells.length; i++) {
      const col = cols[i];
      const cell = cells[i];
      if (col === undefined || cell === '') continue;
      if (col === 'ticker') ticker = cell;
      else if (col === 'timestamp') update.timestamp = toEpochMs(cell);
      else update[col] = Number(cell);
    }
    return ticker ? { ticker, update } : { problem: 'no ticker' };
  }

  private jsonRow(line: string): QuoteRow | RowProblem {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return { problem: 'malformed JSON' };
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return { problem: 'malformed JSON' };
    const m = message as Record<string, unknown>;
    this.format ??= SNAPSHOT_HINTS.some((k) => k in m) ? 'snapshot' : 'compact';
    const decoded = decodeObject(m, this.format);
    if (typeof decoded === 'string') return { problem: decoded };
    if (!decoded.symbol) return { problem: 'no ticker' };
    return { ticker: decoded.symbol, update: decoded.update };
  }
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * line[start, end) as a number. Plain decimals (what a quote file holds) are read digit by digit:
 * an integer mantissa below 2^53 divided by an exact power of ten is correctly rounded, so this
 * gives exactly Number()'s result; anything else (exponents, long digit strings) goes to Number().
 */
function decimal(line: string, start: number, end: number): number {
  let i = start;
  const negative = line.charCodeAt(i) === 45; // '-'
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = -1;
  for (; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0)
      scale = 0; // '.'
    else return Number(line.slice(start, end));
  }
  if (digits === 0 || digits > 15 || scale > 22) return Number(line.slice(start, end));
  const value = scale > 0 ? mantissa / POW10[scale] : mantissa;
  return negative ? -value : value;
}

/** a CSV line with RFC 4180 quoting */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

// Streams a trade log (salvo's, or blockpaca's: the same first ten columns) through csv-parse, one
// row at a time, without holding the file in memory. Damage is reported with its line number: a row
// that cannot be used is skipped with a warning, a row cut short at the end of the file (a killed
// session) or a CSV syntax error ends the file's review there, with a warning; what came before is
// still reviewed. A file that is not a trade log at all throws ReviewInputError.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { TRADE_LOG_COLUMNS } from '../../journal/trade-log.js';

/** blockpaca's columns, which salvo's log starts with */
export const BLOCKPACA_COLUMNS = TRADE_LOG_COLUMNS.slice(0, 10);
const SALVO_EXTRA = ['worker_id', 'block_id', 'reason'] as const;

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
}

export interface LogWarning { line?: number; message: string }

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

/** lower-case and strip an enum prefix: 'OrderStatus.PARTIALLY_FILLED' → 'partially_filled' */
export function normalizeWord(value: string): string {
  const dot = value.lastIndexOf('.');
  const word = (dot >= 0 ? value.slice(dot + 1) : value).trim().toLowerCase();
  return word === 'cancelled' ? 'canceled' : word;
}

/** epoch seconds from seconds, milliseconds or an ISO date; NaN when it is none of these */
function parseTimestamp(value: string): number {
  if (value === '') return NaN;
  const n = Number(value);
  if (Number.isFinite(n)) return n > 1e11 ? n / 1000 : n;
  const iso = Date.parse(value);
  return Number.isFinite(iso) ? iso / 1000 : NaN;
}

const at = (record: string[], i: number): string => (i < 0 ? '' : record[i]);

/** a quantity or price; an empty field counts as 0 (nothing filled yet) */
function parseAmount(value: string): number {
  return value === '' ? 0 : Number(value);
}

export interface ReadHandlers {
  /** once, after the header, before the first row */
  onHeader?(format: LogFormat): void;
  onRow(row: LogRow): void;
  onProgress?(bytesRead: number, totalBytes: number): void;
}

export async function readTradeLog(file: string, { onHeader, onRow, onProgress }: ReadHandlers): Promise<FileReport> {
  const name = path.basename(file);
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new ReviewInputError(`${file}: is a folder, not a trade log (.csv)`);
    size = stat.size;
    fs.accessSync(file, fs.constants.R_OK);
  } catch (error) {
    if (error instanceof ReviewInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReviewInputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${code ?? (error as Error).message})`);
  }
  if (size === 0) throw new ReviewInputError(`${file}: the file is empty (no header line): not a trade log`);

  const report: FileReport = { file, format: 'blockpaca', rows: 0, skipped: 0, warnings: [], moreWarnings: 0 };
  const warn = (line: number | undefined, message: string) => {
    if (report.warnings.length < MAX_WARNINGS) report.warnings.push({ line, message });
    else report.moreWarnings++;
  };

  let index: Record<string, number> | undefined;
  let col: Record<(typeof TRADE_LOG_COLUMNS)[number], number> = {} as never;
  let width = 0;
  // a short row is reported once we know whether it was the last one
  let short: { line: number; fields: number } | undefined;

  const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, bom: true });
  if (onProgress) source.on('data', () => onProgress(source.bytesRead, size));

  const handle = (record: string[]): void => {
    const line = parser.info.lines;
    if (!index) {
      index = headerIndex(record, file);
      col = Object.fromEntries(TRADE_LOG_COLUMNS.map((c) => [c, index![c] ?? -1])) as typeof col;
      report.format = 'worker_id' in index && 'block_id' in index ? 'salvo' : 'blockpaca';
      width = record.length;
      const unknown = record.filter((c) => !(TRADE_LOG_COLUMNS as readonly string[]).includes(c));
      if (unknown.length) warn(1, `columns ignored: ${unknown.join(', ')}`);
      onHeader?.(report.format);
      return;
    }
    if (short) {
      warn(short.line, `line ${short.line} has ${short.fields} of ${width} fields; row skipped`);
      report.skipped++;
      short = undefined;
    }
    if (record.length < width) {
      short = { line, fields: record.length };
      return;
    }
    const row: LogRow = {
      line,
      type: at(record, col.type),
      id: at(record, col.client_order_id),
      ticker: at(record, col.ticker),
      price: parseAmount(at(record, col.executed_price)),
      qty: parseAmount(at(record, col.executed_qty)),
      status: normalizeWord(at(record, col.status)),
      side: normalizeWord(at(record, col.side)),
      action: at(record, col.action),
      ts: parseTimestamp(at(record, col.timestamp)),
      raw: at(record, col.raw_status),
      worker: at(record, col.worker_id),
      block: at(record, col.block_id),
      reason: at(record, col.reason),
    };
    const bad = !Number.isFinite(row.price) ? 'executed_price' : !Number.isFinite(row.qty) ? 'executed_qty' : !Number.isFinite(row.ts) ? 'timestamp' : !row.id ? 'client_order_id' : !row.status ? 'status' : undefined;
    if (bad) {
      const value = at(record, col[bad]);
      warn(line, `line ${line}: ${bad} ${value === '' ? 'is empty' : `is not ${bad === 'timestamp' ? 'a timestamp' : 'a number'}: ${JSON.stringify(value)}`}; row skipped`);
      report.skipped++;
      return;
    }
    report.rows++;
    onRow(row);
  };

  await new Promise<void>((resolve, reject) => {
    parser.on('data', (record: string[]) => {
      try {
        handle(record);
      } catch (error) {
        source.destroy();
        parser.destroy();
        reject(error);
      }
    });
    parser.on('end', resolve);
    parser.on('error', (error: Error & { code?: string; lines?: number }) => {
      source.destroy();
      if (!index) {
        reject(new ReviewInputError(`${file}: line ${error.lines ?? 1}: not a readable CSV (${error.message})`));
        return;
      }
      const line = error.lines ?? parser.info.lines;
      const atEnd = error.code === 'CSV_QUOTE_NOT_CLOSED';
      report.stoppedAt = line;
      warn(line, atEnd
        ? `line ${line}: the file ends inside a quoted field — the log was cut short (a killed session?); reviewed up to line ${line - 1}`
        : `line ${line}: ${error.message}; the rest of ${name} was not reviewed`);
      resolve();
    });
    source.on('error', (error) => reject(new ReviewInputError(`${file}: cannot read it (${error.message})`)));
    source.pipe(parser);
  });

  if (!index) throw new ReviewInputError(`${file}: the file has no header line: not a trade log`);
  if (short) {
    report.stoppedAt = short.line;
    warn(short.line, `line ${short.line} is cut short (${short.fields} of ${width} fields): the log ends mid-row (a killed session?); reviewed up to line ${short.line - 1}`);
  } else if (report.stoppedAt === undefined && !endsWithNewline(file, size)) {
    warn(parser.info.lines, `line ${parser.info.lines} has no line end: the last row may have been cut short while it was written`);
  }
  return report;
}

function headerIndex(header: string[], file: string): Record<string, number> {
  const columns = header.map((c) => c.trim());
  const missing = BLOCKPACA_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    const looksLikeData = columns[0] === 'execution' || columns[0] === 'local';
    throw new ReviewInputError(
      `${file}: line 1: ${looksLikeData ? 'no header line' : 'not a trade log'}: expected the columns ${BLOCKPACA_COLUMNS.join(',')}` +
        ` (salvo adds ${SALVO_EXTRA.join(',')}); ${looksLikeData ? 'the first line is a data row' : `got ${columns.join(',')} (missing: ${missing.join(', ')})`}`,
    );
  }
  return Object.fromEntries(columns.map((c, i) => [c, i]));
}

function endsWithNewline(file: string, size: number): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a || last[0] === 0x0d;
  } finally {
    fs.closeSync(fd);
  }
}

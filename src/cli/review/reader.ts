// Streams a trade log (salvo's, or blockpaca's: the same first ten columns) through csv-parse, one
// row at a time, without holding the file in memory. Damage is reported with its line number: a row
// that cannot be used is skipped with a warning, a row cut short at the end of the file (a killed
// session) or a CSV syntax error ends the file's review there, with a warning; what came before is
// still reviewed. A file that is not a trade log at all throws ReviewInputError.
// A large file is parsed by several worker threads at once, in segments (parallel.ts); rows still
// reach the review one at a time and in file order, and damage is reported the same way.
import fs from 'node:fs';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { TRADE_LOG_COLUMNS } from '../../journal/trade-log.js';
import { FileSink, ReviewInputError, RowBuilder, type FileReport, type LogFormat, type LogRow } from './rows.js';
import { parallelThreshold, readParallel } from './parallel.js';

export {
  normalizeWord,
  ReviewInputError,
  type FileReport,
  type LogFormat,
  type LogRow,
  type LogWarning,
} from './rows.js';

/** blockpaca's columns, which salvo's log starts with */
export const BLOCKPACA_COLUMNS = TRADE_LOG_COLUMNS.slice(0, 10);
const SALVO_EXTRA = TRADE_LOG_COLUMNS.slice(10);

export interface ReadHandlers {
  /** once, after the header, before the first row */
  onHeader?(format: LogFormat): void;
  onRow(row: LogRow): void;
  onProgress?(bytesRead: number, totalBytes: number): void;
}

export async function readTradeLog(file: string, handlers: ReadHandlers): Promise<FileReport> {
  const size = fileSize(file);
  const header = readHeader(file, size);
  const builder = new RowBuilder(header);
  const format: LogFormat = 'worker_id' in builder.index && 'block_id' in builder.index ? 'salvo' : 'blockpaca';
  const sink = new FileSink(file, format, builder.width, handlers.onRow);
  const unknown = header.filter((c) => !(TRADE_LOG_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) sink.warn(1, `columns ignored: ${unknown.join(', ')}`);
  handlers.onHeader?.(format);
  const lastLine =
    size >= parallelThreshold()
      ? await readParallel(file, size, header, sink, handlers.onProgress)
      : await readSequential(file, size, builder, sink, handlers.onProgress);
  sink.finish(lastLine, () => endsWithNewline(file, size));
  return sink.report;
}

function fileSize(file: string): number {
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new ReviewInputError(`${file}: is a folder, not a trade log (.csv)`);
    // a pipe has no size and a device may never end (/dev/zero): only a file can be reviewed
    if (!stat.isFile())
      throw new ReviewInputError(`${file}: is not a regular file (${specialKind(stat)}): not a trade log`);
    fs.accessSync(file, fs.constants.R_OK);
    if (stat.size === 0) throw new ReviewInputError(`${file}: the file is empty (no header line): not a trade log`);
    return stat.size;
  } catch (error) {
    if (error instanceof ReviewInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReviewInputError(
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${code ?? (error as Error).message})`,
    );
  }
}

function specialKind(stat: fs.Stats): string {
  return stat.isFIFO()
    ? 'a named pipe'
    : stat.isSocket()
      ? 'a socket'
      : stat.isCharacterDevice() || stat.isBlockDevice()
        ? 'a device'
        : 'not a file';
}

/** at most 200 characters of a header for an error message (the command escapes control characters) */
const quoteHeader = (columns: string[]): string => {
  const text = columns.join(',');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/** the header's column names, checked: the ten blockpaca columns must be there */
function readHeader(file: string, size: number): string[] {
  const fd = fs.openSync(file, 'r');
  let text: string;
  try {
    const head = Buffer.alloc(Math.min(size, 64 * 1024));
    fs.readSync(fd, head, 0, head.length, 0);
    const nl = head.indexOf(0x0a);
    text = head.subarray(0, nl < 0 ? head.length : nl).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  // a CSV header is text: NUL and other control bytes (tab and CR aside) mean a binary file
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text))
    throw new ReviewInputError(`${file}: line 1: not a trade log: the first line holds binary data, not CSV text`);
  let columns: string[];
  try {
    columns = ((parseSync(text, { bom: true, relax_column_count: true }) as string[][])[0] ?? []).map((c) => c.trim());
  } catch (error) {
    throw new ReviewInputError(`${file}: line 1: not a readable CSV (${(error as Error).message})`);
  }
  const missing = BLOCKPACA_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    const looksLikeData = columns[0] === 'execution' || columns[0] === 'local';
    throw new ReviewInputError(
      `${file}: line 1: ${looksLikeData ? 'no header line' : 'not a trade log'}: expected the columns ${BLOCKPACA_COLUMNS.join(',')}` +
        ` (salvo adds ${SALVO_EXTRA.join(',')}); ${looksLikeData ? 'the first line is a data row' : `got ${quoteHeader(columns)} (missing: ${missing.join(', ')})`}`,
    );
  }
  return columns;
}

/** one csv-parse stream over the whole file; resolves with the number of the last line */
async function readSequential(
  file: string,
  size: number,
  builder: RowBuilder,
  sink: FileSink,
  onProgress?: ReadHandlers['onProgress'],
): Promise<number> {
  const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, bom: true });
  if (onProgress) source.on('data', () => onProgress(source.bytesRead, size));
  let header = true;
  await new Promise<void>((resolve, reject) => {
    parser.on('data', (record: string[]) => {
      if (header) {
        header = false;
        return;
      }
      builder.feed(record, parser.info.lines, sink);
    });
    parser.on('end', resolve);
    parser.on('error', (error: Error & { code?: string; lines?: number }) => {
      source.destroy();
      sink.parseError(error.lines ?? parser.info.lines, error.code, error.message);
      resolve();
    });
    source.on('error', (error) => reject(new ReviewInputError(`${file}: cannot read it (${error.message})`)));
    source.pipe(parser);
  });
  return parser.info.lines;
}

export function endsWithNewline(file: string, size: number): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a || last[0] === 0x0d;
  } finally {
    fs.closeSync(fd);
  }
}

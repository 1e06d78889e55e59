// `salvo review <log.csv> [more.csv …] [--html report.html] [--json]`
// Exit codes: 0 reviewed, every order terminal, no damage; 1 reviewed, but an order never reached a
// terminal status, the log is damaged (warnings), or the order journal beside it holds orders the
// CSV cannot account for (a crashed session); 2 a file could not be reviewed at all.
import fs from 'node:fs';
import path from 'node:path';
import { readTradeLog, ReviewInputError, type FileReport } from './reader.js';
import { Review, type ReviewSummary } from './summary.js';
import { escapeControls, formatReview } from './text.js';
import { renderHtml } from './html.js';
import { checkJournal, journalBeside } from './journal-check.js';

export interface ReviewOptions {
  html?: string;
  json?: boolean;
}

/** Streams every file into one review; throws ReviewInputError for a file that is not a trade log. */
export async function reviewLogs(
  files: string[],
  progress?: (file: string, index: number, bytes: number, total: number, rows: number) => void,
): Promise<ReviewSummary> {
  const review = new Review();
  const reports: FileReport[] = [];
  let rows = 0;
  for (const [i, file] of files.entries()) {
    const index = review.startFile(file);
    reports.push(
      await readTradeLog(file, {
        onHeader: (format) => review.setFormat(index, format),
        onRow: (row) => {
          rows++;
          review.add(row, index);
        },
        onProgress: progress && ((bytes, total) => progress(file, i, bytes, total, rows)),
      }),
    );
  }
  const summary = review.finish(reports);
  const journals = files.flatMap((file) => {
    const journal = journalBeside(file);
    return journal ? [checkJournal(journal, (id) => review.terminalOf(id))] : [];
  });
  return journals.length ? { ...summary, journals } : summary;
}

export async function reviewCommand(files: string[], options: ReviewOptions): Promise<number> {
  const tty = Boolean(process.stderr.isTTY);
  let lastDraw = 0;
  const draw = (file: string, i: number, bytes: number, total: number, rows: number) => {
    const now = Date.now();
    if (now - lastDraw < 150) return;
    lastDraw = now;
    const of = files.length > 1 ? ` (${i + 1}/${files.length})` : '';
    process.stderr.write(
      `\r\x1b[Kreviewing ${escapeControls(path.basename(file))}${of}: ${Math.floor((100 * bytes) / Math.max(1, total))}% · ${rows.toLocaleString('en-US')} rows`,
    );
  };
  let summary: ReviewSummary;
  try {
    summary = await reviewLogs(files, tty ? draw : undefined);
  } catch (error) {
    if (tty) process.stderr.write('\r\x1b[K');
    if (error instanceof ReviewInputError) {
      process.stderr.write(`salvo review: ${escapeControls(error.message)}\n`);
      return 2;
    }
    throw error;
  }
  if (tty) process.stderr.write('\r\x1b[K');

  if (options.html) {
    const target = path.resolve(options.html);
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, renderHtml(summary));
    } catch (error) {
      process.stderr.write(`salvo review: cannot write the HTML report ${target}: ${(error as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`HTML report: ${target}\n`);
  }
  // the report quotes the log's own text (tickers, ids, reasons): never raw control bytes
  process.stdout.write(escapeControls(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatReview(summary)));
  const damaged = summary.files.some((f) => f.warnings.length > 0);
  if (summary.neverTerminal.count)
    process.stderr.write(`salvo review: ${summary.neverTerminal.count} order(s) never reached a terminal status\n`);
  const unaccounted = (summary.journals ?? []).reduce((n, j) => n + j.unaccounted.count, 0);
  if (unaccounted)
    process.stderr.write(
      `salvo review: ${unaccounted} journaled order(s) have no terminal row in the CSV (see "Order journal" above)\n`,
    );
  return summary.neverTerminal.count || damaged || unaccounted ? 1 : 0;
}

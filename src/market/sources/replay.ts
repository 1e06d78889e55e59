// Replays a file of timestamped quotes (CSV or NDJSON, e.g. one a session recorded with
// recordQuotes) at `speed` × real time, or at speed 0 as fast as the board takes them. The file
// is streamed, so a day of ticks never has to fit in memory.
import fs from 'node:fs';
import { quoteFileKind, QuoteRowParser } from '../quote-file.js';
import type { ReplayQuotesConfig } from './feed-schemas.js';
import type { QuoteSink, QuoteSource } from './source.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ReplayQuoteSource implements QuoteSource {
  readonly name = 'replay';
  private closed = false;
  private stream?: fs.ReadStream;
  private done?: Promise<void>;
  /** quotes handed to the sink so far */
  delivered = 0;

  constructor(private readonly config: ReplayQuotesConfig) {}

  async start(_tickers: readonly string[], sink: QuoteSink): Promise<void> {
    const { file } = this.config;
    try {
      await fs.promises.access(file, fs.constants.R_OK);
    } catch (error) {
      throw new Error(
        `replay quotes: cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      );
    }
    let first!: () => void;
    let failed!: (e: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      first = resolve;
      failed = reject;
    });
    this.done = this.replay(sink, first).then(
      () => first(),
      (error: Error) => {
        failed(error);
        if (!this.closed) sink.status('disconnected', `replay of ${file} stopped: ${error.message}`);
      },
    );
    await started; // the first quote is on the board, or the file had none
    sink.status(
      'connected',
      `replaying ${file} at ${this.config.speed ? `${this.config.speed}x real time` : 'full speed'}`,
    );
  }

  private async replay(sink: QuoteSink, onFirst: () => void): Promise<void> {
    const { file, speed, loop, keepTimestamps } = this.config;
    let pass = 0;
    do {
      const parser = new QuoteRowParser(quoteFileKind(file), this.config.format);
      let needHeader = parser.kind === 'csv';
      let fileStart: number | undefined; // first timestamp in the file
      let wallStart = 0; // when that first quote was replayed
      let rest = '';
      let lineNo = 0;
      /** false once closed */
      const play = async (lines: string[]): Promise<boolean> => {
        for (const raw of lines) {
          if (this.closed) return false;
          lineNo++;
          const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
          if (!line) continue;
          if (needHeader) {
            const problem = parser.header(line);
            if (problem) throw new Error(`${file}: ${problem}`);
            needHeader = false;
            continue;
          }
          const row = parser.row(line);
          if ('problem' in row) {
            sink.malformed(row.problem, `${file} line ${lineNo}`);
            continue;
          }
          const ts = row.update.timestamp;
          if (speed > 0 && ts !== undefined && Number.isFinite(ts)) {
            if (fileStart === undefined) {
              fileStart = ts;
              wallStart = Date.now();
            }
            const due = wallStart + (ts - fileStart) / speed;
            const wait = due - Date.now();
            if (wait >= 1) await sleep(wait);
            if (this.closed) return false;
            if (!keepTimestamps) row.update.timestamp = due;
          } else if (!keepTimestamps || ts === undefined) {
            row.update.timestamp = Date.now();
          }
          sink.quote(row.ticker, row.update);
          if (this.delivered++ === 0) onFirst();
        }
        return true;
      };
      this.stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
      for await (const chunk of this.stream as AsyncIterable<string>) {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? ''; // split always gives at least one piece: the unfinished line
        if (!(await play(lines))) return;
      }
      if (rest && !(await play([rest]))) return;
      if (needHeader && pass === 0) throw new Error(`${file}: the file is empty (a CSV needs a header line)`);
      pass++;
    } while (loop && !this.closed);
    if (!this.closed)
      sink.status(
        'disconnected',
        `replay of ${file} finished after ${this.delivered} quote(s); the board keeps the last ones`,
      );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.destroy();
    await this.done?.catch(() => undefined);
  }
}

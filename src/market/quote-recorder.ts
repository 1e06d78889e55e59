// recordQuotes: every quote the feed delivered during a session, written to a CSV or NDJSON file
// that the replay feed plays back. It records what arrived, before the board's checks, so a replay
// of the file meets the same bad data the session met (and rejects it the same way).
import fs from 'node:fs';
import path from 'node:path';
import { quoteFileHeader, quoteFileKind, quoteFileLine, type QuoteFileKind } from './quote-file.js';
import type { QuoteSink, QuoteSource, QuoteUpdate } from './sources/source.js';

const FLUSH_BYTES = 1 << 16;
const FLUSH_MS = 200;

export class QuoteRecorder implements QuoteSink {
  private pending = '';
  private timer?: NodeJS.Timeout;
  private failed = false;
  /** quotes written (or waiting in the buffer) so far */
  recorded = 0;

  private constructor(
    private readonly inner: QuoteSink,
    readonly file: string,
    private readonly kind: QuoteFileKind,
    private readonly out: fs.WriteStream,
  ) {
    out.on('error', (error) => {
      this.failed = true;
      process.emitWarning(`recording quotes to ${file} stopped: ${error.message}`);
    });
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** opens (truncates) the file now, so a path that cannot be written fails before the session starts */
  static async open(file: string, inner: QuoteSink): Promise<QuoteRecorder> {
    const kind = quoteFileKind(file);
    try {
      await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await fs.promises.writeFile(file, quoteFileHeader(kind));
      return new QuoteRecorder(inner, file, kind, fs.createWriteStream(file, { flags: 'a' }));
    } catch (error) {
      throw new Error(`cannot record quotes to ${file}: ${(error as Error).message}`);
    }
  }

  quote(ticker: string, update: QuoteUpdate): void {
    if (!this.failed) {
      this.pending += quoteFileLine(this.kind, ticker, update);
      this.recorded++;
      if (this.pending.length >= FLUSH_BYTES) this.flush();
    }
    this.inner.quote(ticker, update);
  }

  malformed(reason: string, detail?: string): void {
    this.inner.malformed(reason, detail);
  }

  status(state: 'connected' | 'disconnected' | 'reconnecting', detail?: string): void {
    this.inner.status(state, detail);
  }

  private flush(): void {
    if (!this.pending || this.failed) return;
    this.out.write(this.pending);
    this.pending = '';
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    if (this.out.closed) return;
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
  }
}

/** `source` with everything it delivers also written to `file` */
export function recordingSource(source: QuoteSource, file: string): QuoteSource {
  let recorder: QuoteRecorder | undefined;
  return {
    name: source.name,
    async start(tickers, sink) {
      recorder = await QuoteRecorder.open(file, sink);
      try {
        await source.start(tickers, recorder);
      } catch (error) {
        await recorder.close();
        throw error;
      }
    },
    async close() {
      try {
        await source.close();
      } finally {
        await recorder?.close();
      }
    },
  };
}

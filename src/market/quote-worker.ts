// Quote worker thread: owns the market-data connection and is the only writer of the board.
// Feeds parse, reconnect and validate here, so none of that work competes with the strategy
// on the main thread; the main thread only reads the shared board.
import { parentPort, workerData } from 'node:worker_threads';
import { QuoteBoard } from './quote-board.js';
import { BoardSink, type FeedState, type LogLevel } from './quote-sink.js';
import { createQuoteSource, type QuoteConfig } from './sources/index.js';
import type { QuoteSource } from './sources/source.js';
import { required } from '../util/defined.js';

export interface QuoteWorkerData {
  boardBuffer: SharedArrayBuffer;
  tickers: readonly string[];
  /** parsed once on the main thread; a structured clone here */
  source: QuoteConfig & { recordTo?: string };
}

export type FromQuoteWorker =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'status'; state: FeedState; detail?: string }
  | { type: 'malformed'; counts: Record<string, number> }
  | { type: 'closed' };

export type ToQuoteWorker = { type: 'close' };

const REPORT_EVERY_MS = 1000;

const { boardBuffer, tickers, source: config } = workerData as QuoteWorkerData;
const port = required(parentPort, 'the parent port (this file runs as a worker thread)');
const say = (message: FromQuoteWorker) => port.postMessage(message);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

const board = new QuoteBoard(tickers, boardBuffer);
const sink = new BoardSink(board, {
  log: (level, message) => say({ type: 'log', level, message }),
  onStatus: (state, detail) => say({ type: 'status', state, detail }),
});

let source: QuoteSource | undefined;
let reportTimer: NodeJS.Timeout | undefined;
let reported = '{}';

function reportMalformed(): void {
  sink.flushLog();
  const counts = sink.malformedCounts();
  const text = JSON.stringify(counts);
  if (text === reported) return;
  reported = text;
  say({ type: 'malformed', counts });
}

async function start(): Promise<boolean> {
  try {
    source = await createQuoteSource(config);
    await source.start(tickers, sink);
  } catch (error) {
    say({ type: 'start-failed', message: errorText(error) });
    await source?.close().catch(() => undefined);
    return false;
  }
  reportTimer = setInterval(reportMalformed, REPORT_EVERY_MS);
  say({ type: 'started' });
  return true;
}

const starting = start();

let closing: Promise<void> | undefined;
function close(): Promise<void> {
  // a close that arrives mid-start waits for the start, so the source is never left connected
  closing ??= starting.then(async (started) => {
    clearInterval(reportTimer);
    // started: the source was created
    if (started && source) {
      const open = source;
      await open.close().catch((e) =>
        say({
          type: 'log',
          level: 'warn',
          message: `quote source ${open.name} did not close cleanly: ${errorText(e)}`,
        }),
      );
    }
    reportMalformed(); // final counts, so the session report has every reject
    say({ type: 'closed' });
    port.close(); // nothing left to keep the thread alive: it exits
  });
  return closing;
}

port.on('message', (message: ToQuoteWorker) => {
  if (message?.type === 'close') void close();
});

void starting.then((started) => {
  if (!started) port.close();
});

// The main thread's handle on the quote worker: allocates the board, starts the worker, and gives
// the session the board to read, the warm-up wait, the reject counts and a bounded close.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../util/worker-entry.js';
import { QuoteBoard } from './quote-board.js';
import type { LogLevel } from './quote-sink.js';
import type { QuoteConfig } from './sources/index.js';
import type { FromQuoteWorker, QuoteWorkerData, ToQuoteWorker } from './quote-worker.js';

export interface QuoteFeed {
  board: QuoteBoard;
  /** resolves as soon as every ticker has a quote, or at the timeout; returns the tickers still missing */
  waitForQuotes(timeoutMs: number): Promise<string[]>;
  /** quotes the worker dropped, by reason */
  malformedCounts(): Record<string, number>;
  close(): Promise<void>;
}

export interface QuoteFeedOptions {
  tickers: readonly string[];
  /** a validated config; `recordTo` also writes every quote to that file */
  source: QuoteConfig & { recordTo?: string };
  log?: (level: LogLevel, message: string) => void;
}

const POLL_MS = 2;
const CLOSE_GRACE_MS = 2000;

const stderrLog = (level: LogLevel, message: string) => {
  if (level !== 'info') process.stderr.write(`salvo quotes ${level}: ${message}\n`);
};

export async function startQuoteFeed(options: QuoteFeedOptions): Promise<QuoteFeed> {
  const log = options.log ?? stderrLog;
  const board = new QuoteBoard(options.tickers);
  const data: QuoteWorkerData = { boardBuffer: board.buffer, tickers: [...options.tickers], source: options.source };
  const worker = spawnWorker('market/quote-worker', { workerData: data });
  const state: FeedState = { counts: {}, started: false, stopping: false, exited: false };
  const exit = new Promise<number>((resolve) =>
    worker.once('exit', (code) => {
      state.exited = true;
      resolve(code);
    }),
  );

  try {
    await started(worker, exit, state, log, options.source.type);
  } catch (error) {
    state.stopping = true;
    await worker.terminate();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    board,
    waitForQuotes: (timeoutMs) => waitForBoard(board, timeoutMs, () => state.exited),
    malformedCounts: () => ({ ...state.counts }),
    close: () =>
      (closing ??= (async () => {
        state.stopping = true;
        if (state.exited) return;
        await closeWorker(worker, exit, log);
      })()),
  };
}

/** what the worker's messages and exit tell the main thread */
interface FeedState {
  counts: Record<string, number>;
  started: boolean;
  stopping: boolean;
  exited: boolean;
}

/** listens to the worker for good; resolves once its source started, rejects if it fails or exits first */
function started(
  worker: Worker,
  exit: Promise<number>,
  state: FeedState,
  log: (level: LogLevel, message: string) => void,
  sourceType: string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromQuoteWorker) => {
      switch (m.type) {
        case 'started':
          state.started = true;
          resolve();
          break;
        case 'start-failed':
          reject(new Error(m.message));
          break;
        case 'log':
          log(m.level, m.message);
          break;
        // a disconnect is news while trading, not while closing
        case 'status':
          log(
            m.state === 'connected' || state.stopping ? 'info' : 'warn',
            `quotes ${m.state}${m.detail ? `: ${m.detail}` : ''}`,
          );
          break;
        case 'malformed':
          state.counts = m.counts;
          break;
      }
    });
    // an uncaught error inside the worker: before the start it is the start's failure, after it the feed is gone
    worker.on('error', (error) => {
      if (!state.started)
        reject(new Error(`quote worker failed while starting ${sourceType} quotes: ${error.message}`));
      else log('error', `quote worker failed, quotes stopped updating: ${error.message}`);
    });
    void exit.then((code) => {
      if (!state.started) reject(new Error(`quote worker exited (code ${code}) before ${sourceType} quotes started`));
      else if (!state.stopping) log('error', `quote worker exited (code ${code}); quotes stopped updating`);
    });
  });
}

/** asks the worker to close its source; terminates it if it has not exited within the grace */
async function closeWorker(
  worker: Worker,
  exit: Promise<number>,
  log: (level: LogLevel, message: string) => void,
): Promise<void> {
  post(worker, { type: 'close' });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS);
  });
  const outcome = await Promise.race([exit, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    log('warn', `quote worker did not exit within ${CLOSE_GRACE_MS} ms of close; terminated`);
    await worker.terminate();
  }
}

/** polls until every ticker on `board` has a quote, the timeout passes, or `gone()` (no writer left); returns the missing */
export async function waitForBoard(
  board: QuoteBoard,
  timeoutMs: number,
  gone: () => boolean = () => false,
): Promise<string[]> {
  const deadline = performance.now() + Math.max(0, timeoutMs);
  // a slot never goes back to unquoted, so each poll only looks at the slots still waiting
  let waiting = board.tickers.map((_, slot) => slot);
  for (;;) {
    waiting = waiting.filter((slot) => board.updates(slot) === 0);
    if (!waiting.length || performance.now() >= deadline || gone()) return waiting.map((slot) => board.tickers[slot]);
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - performance.now()))));
  }
}

function post(worker: Worker, message: ToQuoteWorker): void {
  worker.postMessage(message);
}

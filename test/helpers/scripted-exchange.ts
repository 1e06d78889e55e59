// A paper exchange priced by a scripted replay file: the file sets the first quote of every ticker
// and ends, after which the test is the board's only writer and moves the market quote by quote.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quoteFileHeader, quoteFileLine } from '../../src/market/quote-file.js';
import { startExchange } from '../../src/exchange/exchange.js';
import { KEY_ID, SECRET, type TestExchange } from './alpaca-exchange.js';

export interface ScriptedQuote {
  ticker: string;
  bid: number;
  ask: number;
  at?: number;
}

/** a replay CSV of `quotes`, `gapMs` apart unless a quote says when (`at`, ms from the first) */
export function replayFile(quotes: ScriptedQuote[], gapMs = 0): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-script-')), 'quotes.csv');
  const t0 = Date.parse('2026-01-05T15:00:00Z');
  let text = quoteFileHeader('csv');
  quotes.forEach((q, i) => {
    text += quoteFileLine('csv', q.ticker, {
      bid: q.bid,
      ask: q.ask,
      bidSize: 1000,
      askSize: 1000,
      last: (q.bid + q.ask) / 2,
      timestamp: t0 + (q.at ?? i * gapMs),
    });
  });
  fs.writeFileSync(file, text);
  return file;
}

/**
 * Run options for a session on the paper venue over the replay `file`, looped: whenever start-up
 * ends, the strategy can act on the opening quote and the same pass then moves the market. Held at
 * the end; add the strategy, runSeconds and the trade log.
 */
export const loopedReplayRun = (tickers: string[], file: string) =>
  ({
    tickers,
    quotes: { type: 'replay', file, speed: 1, loop: true },
    broker: { type: 'paper' },
    frequency: '100ms',
    eosBehavior: 'hold',
    handleSignals: false,
  }) as const;

export async function scriptedExchange(
  first: ScriptedQuote[],
  venue: Record<string, unknown> = {},
  /** a FIX acceptor too (CompIDs PAPER ← SALVO), its port in `fixPort` */
  options: { fix?: boolean } = {},
): Promise<TestExchange & { quote(q: ScriptedQuote): void; fixPort?: number }> {
  const ex = await startExchange({
    ...(options.fix ? { fixPort: 0 } : {}),
    tickers: first.map((q) => q.ticker),
    keyId: KEY_ID,
    secretKey: SECRET,
    venue: { cash: 1_000_000, ...venue },
    quotes: { type: 'replay', file: replayFile(first), speed: 0 },
  });
  const deadline = Date.now() + 5000;
  while (ex.board.missing().length) {
    if (Date.now() > deadline) throw new Error('the scripted quotes never reached the board');
    await new Promise((r) => setTimeout(r, 5));
  }
  const quote = (q: ScriptedQuote) =>
    ex.board.write(ex.board.slotOf(q.ticker), { bid: q.bid, ask: q.ask, timestamp: Date.now() });
  return { board: ex.board, venue: ex.venue, server: ex.alpaca, close: ex.close, quote, fixPort: ex.fixPort };
}

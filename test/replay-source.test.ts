// Replay quotes from CSV / NDJSON files at a speed, and record a session's quotes to such a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading } from '../src/index.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { quoteFileHeader, quoteFileLine } from '../src/market/quote-file.js';
import { startQuoteFeed } from '../src/market/quote-feed.js';
import { BoardSink } from '../src/market/quote-sink.js';
import { replayQuotesSchema } from '../src/market/sources/feed-schemas.js';
import { createQuoteSource } from '../src/market/sources/index.js';
import { ReplayQuoteSource } from '../src/market/sources/replay.js';
import type { QuoteUpdate } from '../src/market/sources/source.js';
import { encodeQuote } from '../src/market/sources/wire-format.js';
import { assertFilledAtMarker, markerSession, MARKER, ordinary } from './helpers/feed-session.js';
import { readLog } from './helpers/trade-log.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-replay-'));
const TICKERS = ['HSX:MWG', 'HSX:FPT'];
const T0 = Date.parse('2025-10-09T02:15:00Z');

/** `seconds` of quotes every 50 ms on both tickers; MARKER on the first from 0.4 s on */
function writeFile(name: string, line: (ticker: string, u: QuoteUpdate) => string, header = '', seconds = 3): string {
  const file = path.join(dir, name);
  let text = header;
  for (let i = 0; i < seconds * 20; i++) {
    for (const t of TICKERS) text += line(t, { ...(t === TICKERS[0] && i >= 8 ? MARKER : ordinary(i)), timestamp: T0 + i * 50 });
  }
  fs.writeFileSync(file, text);
  return file;
}

const replay = (config: Record<string, unknown>) => new ReplayQuoteSource(replayQuotesSchema.parse({ type: 'replay', ...config }));

test('end to end from a CSV file at real time: the strategy sees the recorded quote and a paper buy fills at its ask', async () => {
  const file = writeFile('marker.csv', (t, u) => quoteFileLine('csv', t, u), quoteFileHeader('csv'));
  assertFilledAtMarker(await markerSession({ tickers: TICKERS, logDir: dir, name: 'replay-csv', quotes: { type: 'replay', file, speed: 1 } }));
});

test('end to end from NDJSON QuoteSnapshots at 2x', async () => {
  const file = writeFile('marker.ndjson', (t, u) => `${encodeQuote(t, u, 'snapshot')}\n`, '', 6);
  assertFilledAtMarker(await markerSession({ tickers: TICKERS, logDir: dir, name: 'replay-ndjson', quotes: { type: 'replay', file, speed: 2 } }));
});

test('speed: 1 keeps the file\'s pace, 4 is four times faster, 0 goes as fast as the board takes them', async () => {
  const file = writeFile('pace.csv', (t, u) => quoteFileLine('csv', t, u), quoteFileHeader('csv'), 1); // 0.95 s of quotes
  const timeIt = async (speed: number) => {
    const board = new QuoteBoard(TICKERS);
    const source = replay({ file, speed });
    const started = performance.now();
    await source.start(TICKERS, new BoardSink(board));
    while (source.delivered < 40) await new Promise((r) => setTimeout(r, 5));
    const ms = performance.now() - started;
    await source.close();
    return { ms, board };
  };
  const real = await timeIt(1);
  assert.ok(real.ms > 900 && real.ms < 1500, `speed 1: ${real.ms} ms`);
  const fast = await timeIt(4);
  assert.ok(fast.ms > 200 && fast.ms < 600, `speed 4: ${fast.ms} ms`);
  const max = await timeIt(0);
  assert.ok(max.ms < 200, `speed 0: ${max.ms} ms`);
  // replayed quotes are stamped with the time they are replayed, unless keepTimestamps
  assert.ok(Math.abs(max.board.read(0).timestamp - Date.now()) < 2000);
});

test('bad rows are counted and skipped; a missing file or a CSV without a ticker column fails the start', async () => {
  const file = path.join(dir, 'bad.ndjson');
  fs.writeFileSync(file, [
    JSON.stringify({ ticker: 'HSX:MWG', bid: 10, ask: 11, ts: T0 }),
    '{"ticker":"HSX:MWG","bid":',
    JSON.stringify({ ticker: 'HSX:VIC', bid: 10, ask: 11, ts: T0 }),
    JSON.stringify({ ticker: 'HSX:MWG', bid: -1, ask: 11, ts: T0 + 1 }),
    JSON.stringify({ ticker: 'HSX:MWG', bid: 12, ask: 11, ts: T0 + 2 }),
    JSON.stringify({ ticker: 'HSX:MWG', bid: 'x', ask: 11, ts: T0 + 3 }),
    JSON.stringify({ ticker: 'HSX:MWG', bid: 9, ask: 10, ts: T0 - 1 }),
    JSON.stringify({ bid: 9, ask: 10, ts: T0 + 4 }),
    JSON.stringify({ ticker: 'HSX:MWG', bid: 10.5, ask: 11, ts: T0 + 5 }),
  ].join('\n'));
  const board = new QuoteBoard(TICKERS);
  const sink = new BoardSink(board);
  const source = replay({ file, speed: 0, keepTimestamps: true });
  await source.start(TICKERS, sink);
  while (source.delivered < 7) await new Promise((r) => setTimeout(r, 5));
  await source.close();
  assert.deepEqual(sink.malformedCounts(), {
    'malformed JSON': 1, 'unknown symbol': 1, 'negative price or size': 1, 'crossed quote': 1,
    'non-finite value': 1, 'out-of-order timestamp': 1, 'no ticker': 1,
  });
  assert.deepEqual([board.read(0).bid, board.read(0).timestamp, board.read(0).updates], [10.5, T0 + 5, 2]);

  await assert.rejects(replay({ file: path.join(dir, 'nope.csv') }).start(TICKERS, sink), /cannot read .*nope\.csv: no such file/);
  fs.writeFileSync(path.join(dir, 'noticker.csv'), 'time,bid,ask\n1,2,3\n');
  await assert.rejects(replay({ file: path.join(dir, 'noticker.csv') }).start(TICKERS, sink), /names no ticker column/);
});

test('recording through the quote worker: what the feed delivered, replayed from the file, leaves the same board field for field', async () => {
  const file = path.join(dir, 'recorded.csv');
  // the session passes recordQuotes to the quote worker as the feed config's recordTo
  const feed = await startQuoteFeed({ tickers: TICKERS, source: { type: 'sim', updatesPerSecond: 100, recordTo: file }, log: () => undefined });
  await new Promise((r) => setTimeout(r, 300));
  await feed.close();
  const live = feed.board;
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines[0], quoteFileHeader('csv').trim());
  assert.equal(lines.length - 1, live.read(0).updates + live.read(1).updates, 'one row per delivered quote');

  const replayed = new QuoteBoard(TICKERS);
  const source = replay({ file, speed: 0, keepTimestamps: true });
  await source.start(TICKERS, new BoardSink(replayed));
  while (source.delivered < lines.length - 1) await new Promise((r) => setTimeout(r, 5));
  await source.close();
  for (const slot of [0, 1]) assert.deepEqual(replayed.read(slot), live.read(slot));
  await assert.rejects(createQuoteSource({ type: 'sim', recordTo: path.join(dir, 'no/such\0dir/x.csv') }).then((s) => s.start(TICKERS, new BoardSink(replayed))), /cannot record quotes to/);
});

test('runTrading({ recordQuotes }) writes the session\'s quotes to a file the replay feed reads', async (t) => {
  const file = path.join(dir, 'session.ndjson');
  const report = await runTrading({
    strategy: () => undefined, tickers: TICKERS, frequency: '100ms', runSeconds: 0.5, warmUpPeriod: '1s',
    quotes: { type: 'sim', updatesPerSecond: 50 }, recordQuotes: file, tradeLogPath: dir, tradeLogName: 'record', handleSignals: false, logger: () => undefined,
  } as Parameters<typeof runTrading>[0]);
  assert.equal(readLog(report.tradeLogFile).length, 0);
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(rows.length >= 40, `${rows.length} quotes recorded`);
  assert.deepEqual(new Set(rows.map((r) => r.ticker)), new Set(TICKERS));
});

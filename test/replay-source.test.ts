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
import { createQuoteSource, parseQuoteConfig } from '../src/market/sources/index.js';
import { ReplayQuoteSource } from '../src/market/sources/replay.js';
import type { QuoteSink, QuoteUpdate } from '../src/market/sources/source.js';
import { encodeQuote } from '../src/market/sources/wire-format.js';
import { assertFilledAtMarker, markerSession, MARKER, ordinary } from './helpers/feed-session.js';
import { readLog } from './helpers/trade-log.js';
import { until } from './helpers/until.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-replay-'));
const TICKERS = ['HSX:MWG', 'HSX:FPT'];
const T0 = Date.parse('2025-10-09T02:15:00Z');

/** `seconds` of quotes every 50 ms on both tickers; MARKER on the first from 0.4 s on */
function writeFile(name: string, line: (ticker: string, u: QuoteUpdate) => string, header = '', seconds = 3): string {
  const file = path.join(dir, name);
  let text = header;
  for (let i = 0; i < seconds * 20; i++) {
    for (const t of TICKERS)
      text += line(t, { ...(t === TICKERS[0] && i >= 8 ? MARKER : ordinary(i)), timestamp: T0 + i * 50 });
  }
  fs.writeFileSync(file, text);
  return file;
}

const replay = (config: Record<string, unknown>) =>
  new ReplayQuoteSource(replayQuotesSchema.parse({ type: 'replay', ...config }));

/** the marker session over a replay of `file` at `speed`, and what every marker test checks of it */
const replayFillsAtMarker = async (name: string, file: string, speed: number) =>
  assertFilledAtMarker(
    await markerSession({ tickers: TICKERS, logDir: dir, name, quotes: { type: 'replay', file, speed } }),
  );

test('end to end from a CSV file at real time: the strategy sees the recorded quote and a paper buy fills at its ask', async () => {
  const file = writeFile('marker.csv', (t, u) => quoteFileLine('csv', t, u), quoteFileHeader('csv'));
  await replayFillsAtMarker('replay-csv', file, 1);
});

test('end to end from NDJSON QuoteSnapshots at 2x', async () => {
  const file = writeFile('marker.ndjson', (t, u) => `${encodeQuote(t, u, 'snapshot')}\n`, '', 6);
  await replayFillsAtMarker('replay-ndjson', file, 2);
});

test('speed: no quote comes before its time at 1 or 4, 4 ends first, 0 replays an hour-long file at once', async () => {
  const file = writeFile('pace.csv', (t, u) => quoteFileLine('csv', t, u), quoteFileHeader('csv'), 1); // 0.95 s of quotes
  /** replays `file`; each delivered quote with when it arrived, in ms after the replay started */
  const replayOf = (f: string, speed: number) => {
    const board = new QuoteBoard(TICKERS);
    const inner = new BoardSink(board);
    const arrivals: Array<{ at: number; update: QuoteUpdate }> = [];
    const started = Date.now();
    const sink: QuoteSink = {
      quote: (ticker, update) => {
        arrivals.push({ at: Date.now() - started, update: { ...update } });
        inner.quote(ticker, update);
      },
      malformed: (reason, detail) => inner.malformed(reason, detail),
      status: (state, detail) => inner.status(state, detail),
    };
    const source = replay({ file: f, speed });
    const done = source
      .start(TICKERS, sink)
      .then(() =>
        until(() => source.delivered >= 40, {
          what: `all 40 quotes of ${path.basename(f)} replayed at speed ${speed}`,
          timeoutMs: 30_000,
        }),
      )
      .then(() => {
        const endedAt = performance.now();
        return source.close().then(() => ({ board, arrivals, endedAt, started }));
      });
    return done;
  };
  const [real, fast] = await Promise.all([replayOf(file, 1), replayOf(file, 4)]);
  for (const [speed, run] of [
    [1, real],
    [4, fast],
  ] as const) {
    assert.equal(run.arrivals.length, 40);
    // quote i is due (i / 2) × 50 ms / speed after the first: waiting can make it late, never early
    run.arrivals.forEach((a, i) => {
      assert.ok(
        a.at >= (Math.floor(i / 2) * 50) / speed - 2,
        `speed ${speed}: quote ${i} came ${a.at} ms in, due at ${(Math.floor(i / 2) * 50) / speed}`,
      );
    });
    // replayed quotes are stamped with the time they are replayed (keepTimestamps is off)
    assert.ok(run.board.read(0).timestamp >= run.started && run.board.read(0).timestamp <= Date.now());
  }
  assert.ok(fast.endedAt < real.endedAt, 'speed 4 finished before speed 1, both started together');
  // speed 0 does not pace: a file whose quotes span an hour is replayed within the test's deadline
  const hour = path.join(dir, 'hour.csv');
  fs.writeFileSync(
    hour,
    quoteFileHeader('csv') +
      Array.from({ length: 20 }, (_, i) =>
        TICKERS.map((t) => quoteFileLine('csv', t, { ...ordinary(i), timestamp: T0 + i * 190_000 })).join(''),
      ).join(''),
  );
  const max = await replayOf(hour, 0);
  assert.equal(max.arrivals.length, 40);
});

test('bad rows are counted and skipped; a missing file or a CSV without a ticker column fails the start', async () => {
  const file = path.join(dir, 'bad.ndjson');
  fs.writeFileSync(
    file,
    [
      JSON.stringify({ ticker: 'HSX:MWG', bid: 10, ask: 11, ts: T0 }),
      '{"ticker":"HSX:MWG","bid":',
      JSON.stringify({ ticker: 'HSX:VIC', bid: 10, ask: 11, ts: T0 }),
      JSON.stringify({ ticker: 'HSX:MWG', bid: -1, ask: 11, ts: T0 + 1 }),
      JSON.stringify({ ticker: 'HSX:MWG', bid: 12, ask: 11, ts: T0 + 2 }),
      JSON.stringify({ ticker: 'HSX:MWG', bid: 'x', ask: 11, ts: T0 + 3 }),
      JSON.stringify({ ticker: 'HSX:MWG', bid: 9, ask: 10, ts: T0 - 1 }),
      JSON.stringify({ bid: 9, ask: 10, ts: T0 + 4 }),
      JSON.stringify({ ticker: 'HSX:MWG', bid: 10.5, ask: 11, ts: T0 + 5 }),
    ].join('\n'),
  );
  const board = new QuoteBoard(TICKERS);
  const sink = new BoardSink(board);
  const source = replay({ file, speed: 0, keepTimestamps: true });
  await source.start(TICKERS, sink);
  await until(() => source.delivered >= 7, { what: 'the 7 good-or-bad rows with a ticker to be delivered' });
  await source.close();
  assert.deepEqual(sink.malformedCounts(), {
    'malformed JSON': 1,
    'unknown symbol': 1,
    'negative price or size': 1,
    'crossed quote': 1,
    'non-finite value': 1,
    'out-of-order timestamp': 1,
    'no ticker': 1,
  });
  assert.deepEqual([board.read(0).bid, board.read(0).timestamp, board.read(0).updates], [10.5, T0 + 5, 2]);

  await assert.rejects(
    replay({ file: path.join(dir, 'nope.csv') }).start(TICKERS, sink),
    /cannot read .*nope\.csv: no such file/,
  );
  fs.writeFileSync(path.join(dir, 'noticker.csv'), 'time,bid,ask\n1,2,3\n');
  await assert.rejects(replay({ file: path.join(dir, 'noticker.csv') }).start(TICKERS, sink), /names no ticker column/);
});

test('recording through the quote worker: what the feed delivered, replayed from the file, leaves the same board field for field', async () => {
  const file = path.join(dir, 'recorded.csv');
  // the session passes recordQuotes to the quote worker as the feed config's recordTo
  const feed = await startQuoteFeed({
    tickers: TICKERS,
    source: { ...parseQuoteConfig({ type: 'sim', updatesPerSecond: 100 }), recordTo: file },
    log: () => undefined,
  });
  await until(() => feed.board.read(0).updates >= 10 && feed.board.read(1).updates >= 10, {
    what: '10 recorded quotes on each ticker',
  });
  await feed.close();
  const live = feed.board;
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines[0], quoteFileHeader('csv').trim());
  assert.equal(lines.length - 1, live.read(0).updates + live.read(1).updates, 'one row per delivered quote');

  const replayed = new QuoteBoard(TICKERS);
  const source = replay({ file, speed: 0, keepTimestamps: true });
  await source.start(TICKERS, new BoardSink(replayed));
  await until(() => source.delivered >= lines.length - 1, { what: `the ${lines.length - 1} recorded quotes replayed` });
  await source.close();
  for (const slot of [0, 1]) assert.deepEqual(replayed.read(slot), live.read(slot));
  await assert.rejects(
    createQuoteSource({ ...parseQuoteConfig('sim'), recordTo: path.join(dir, 'no/such\0dir/x.csv') }).then((s) =>
      s.start(TICKERS, new BoardSink(replayed)),
    ),
    /cannot record quotes to/,
  );
});

test("runTrading({ recordQuotes }) writes the session's quotes to a file the replay feed reads", async () => {
  const file = path.join(dir, 'session.ndjson');
  const report = await runTrading({
    strategy: () => undefined,
    tickers: TICKERS,
    frequency: '100ms',
    runSeconds: 0.5,
    warmUpPeriod: '1s',
    quotes: { type: 'sim', updatesPerSecond: 50 },
    recordQuotes: file,
    tradeLogPath: dir,
    tradeLogName: 'record',
    handleSignals: false,
    logger: () => undefined,
  } as Parameters<typeof runTrading>[0]);
  assert.equal(readLog(report.tradeLogFile).length, 0);
  const rows = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(rows.length >= 40, `${rows.length} quotes recorded`);
  assert.deepEqual(new Set(rows.map((r) => r.ticker)), new Set(TICKERS));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BoardSink, REJECT } from '../src/market/quote-sink.js';
import { startQuoteFeed, waitForBoard } from '../src/market/quote-feed.js';
import { simQuotesSchema } from '../src/market/sources/feed-schemas.js';
import { parseQuoteConfig, type QuoteConfig } from '../src/market/sources/index.js';
import { SimulatedMarket, hashPrice } from '../src/market/sources/sim.js';
import type { QuoteSink, QuoteUpdate } from '../src/market/sources/source.js';
import { until } from './helpers/until.js';

const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'QQQ', 'TSLA'];

/** a sink that keeps every update, for driving the simulator in this thread */
function recorder(): QuoteSink & { seen: Map<string, QuoteUpdate[]> } {
  const seen = new Map<string, QuoteUpdate[]>();
  return {
    seen,
    quote: (t, u) => {
      if (!seen.has(t)) seen.set(t, []);
      seen.get(t)!.push(u);
    },
    malformed: () => assert.fail('the simulator sent a malformed quote'),
    status: () => undefined,
  };
}

async function simPath(seed: number, tickers: string[], steps: number): Promise<Map<string, QuoteUpdate[]>> {
  const market = new SimulatedMarket({ type: 'sim', seed, updatesPerSecond: 500, volatility: 2 });
  const sink = recorder();
  await market.start(tickers, sink);
  await until(() => Math.min(...tickers.map((t) => sink.seen.get(t)?.length ?? 0)) >= steps, {
    what: `${steps} sim steps on ${tickers.join(', ')}`,
  });
  await market.close();
  // the same step index must match; when it was sent does not
  for (const list of sink.seen.values()) {
    list.length = steps;
    for (const u of list) delete u.timestamp;
  }
  return sink.seen;
}

test('sim: the same seed gives the same path per ticker, whatever else is on the board; another seed does not', async () => {
  const a = await simPath(7, ['AAPL', 'MSFT'], 20);
  const b = await simPath(7, ['ZZZ', 'MSFT', 'AAPL'], 20);
  const c = await simPath(8, ['AAPL', 'MSFT'], 20);
  assert.deepEqual(b.get('AAPL'), a.get('AAPL'));
  assert.deepEqual(b.get('MSFT'), a.get('MSFT'));
  assert.notDeepEqual(c.get('AAPL'), a.get('AAPL'));
  const first = a.get('AAPL')![0];
  assert.ok(
    first.bid! < hashPrice('AAPL') && hashPrice('AAPL') < first.ask!,
    'the first quote sits around the start price',
  );
  const mids = a.get('AAPL')!.map((u) => (u.bid! + u.ask!) / 2);
  assert.ok(new Set(mids).size > 3, `the mid moves: ${mids.join(' ')}`);
});

test('sim: config defaults, limits, start prices and sizes', async () => {
  const defaults = simQuotesSchema.parse({ type: 'sim' });
  assert.deepEqual(defaults, {
    type: 'sim',
    seed: 1,
    volatility: 0.5,
    drift: 0,
    spreadBps: 2,
    updatesPerSecond: 10,
    size: 100,
  });
  assert.equal(simQuotesSchema.safeParse({ type: 'sim', updatesPerSecond: 1001 }).success, false);
  assert.equal(
    simQuotesSchema.safeParse({ type: 'sim', colour: 'red' }).success,
    false,
    'strict: unknown keys are errors',
  );
  assert.throws(() => new SimulatedMarket({ type: 'sim', volatility: -1 }), /volatility/);
  for (const t of ['A', 'BRK.B', 'VN30F2606', 'x'.repeat(40)]) {
    assert.ok(hashPrice(t) >= 20 && hashPrice(t) <= 500, `${t}: ${hashPrice(t)}`);
    assert.equal(hashPrice(t), hashPrice(t));
  }
  const market = new SimulatedMarket({ type: 'sim', startPrices: { ABC: 42 }, size: 3 });
  const sink = recorder();
  await market.start(['ABC'], sink);
  await market.close();
  const q = sink.seen.get('ABC')![0];
  assert.ok(q.bid! <= 42 && q.ask! >= 42 && q.bid! < q.ask!);
  assert.ok(q.last! >= q.bid! && q.last! <= q.ask!);
  for (const size of [q.bidSize!, q.askSize!, q.lastSize!])
    assert.ok(Number.isInteger(size) && size >= 1, `size ${size}`);
});

test('quote feed: a sim feed fills every slot in the warm-up, prices move, bid < ask always', async () => {
  const feed = await startQuoteFeed({
    tickers: TICKERS,
    source: parseQuoteConfig({ type: 'sim', seed: 3, updatesPerSecond: 100, volatility: 3 }),
    log: () => undefined,
  });
  try {
    assert.deepEqual(await feed.waitForQuotes(30_000), [], 'every slot quoted in the warm-up');
    const first = feed.board.snapshot();
    assert.deepEqual(Object.keys(first).sort(), [...TICKERS].sort());
    // every board read while the feed runs is a sane quote, until each ticker has moved 10 times
    const moved = () => TICKERS.every((t) => feed.board.updates(feed.board.slotOf(t)) > first[t].updates + 10);
    await until(
      () => {
        for (const [ticker, q] of Object.entries(feed.board.snapshot())) {
          assert.ok(q.bid > 0 && q.bid < q.ask, `${ticker}: bid ${q.bid} ask ${q.ask}`);
          assert.ok(q.last >= q.bid && q.last <= q.ask, `${ticker}: last ${q.last} outside ${q.bid}-${q.ask}`);
        }
        return moved();
      },
      { what: 'every ticker to update 10 more times', intervalMs: 5 },
    );
    const later = feed.board.snapshot();
    for (const t of TICKERS) assert.ok(later[t].updates > first[t].updates + 10, `${t} kept updating`);
    assert.ok(
      TICKERS.some((t) => later[t].bid !== first[t].bid),
      'prices moved',
    );
    assert.ok(later.AAPL.timestamp >= first.AAPL.timestamp && later.AAPL.timestamp <= Date.now());
    assert.deepEqual(feed.malformedCounts(), {});
  } finally {
    await feed.close();
  }
});

test('quote feed: the same seed gives the same first prices on the board', async () => {
  const firstPrices = async () => {
    const feed = await startQuoteFeed({
      tickers: TICKERS,
      source: parseQuoteConfig({ type: 'sim', seed: 11, updatesPerSecond: 0.5 }),
    });
    const snap = feed.board.snapshot();
    await feed.close();
    return Object.fromEntries(
      TICKERS.map((t) => [t, [snap[t].bid, snap[t].ask, snap[t].last, snap[t].bidSize, snap[t].askSize]]),
    );
  };
  assert.deepEqual(await firstPrices(), await firstPrices());
});

// how fast 10,000 tickers fill is bench/'s figure (bench/resources.ts); here: they all do, and keep updating
test('quote feed: 10,000 tickers are all quoted, and the last slot keeps updating', async () => {
  const tickers = Array.from({ length: 10_000 }, (_, i) => `T${i}`);
  const feed = await startQuoteFeed({ tickers, source: parseQuoteConfig('sim') });
  try {
    assert.deepEqual(await feed.waitForQuotes(60_000), []);
    const start = feed.board.updates(9_999);
    await until(() => feed.board.updates(9_999) > start, { what: 'the last slot (T9999) to update again' });
  } finally {
    await feed.close();
  }
});

test('quote config: an unknown or invalid source is refused before any feed starts, naming the problem', () => {
  assert.throws(
    () => parseQuoteConfig({ type: 'carrier-pigeon' }),
    /^Error: quotes type must be one of 'sim' \| .*; got 'carrier-pigeon'$/,
  );
  assert.throws(
    () => parseQuoteConfig({ type: 'sim', volatility: 'high' }),
    /^Error: quotes\.volatility must be a number; got "high"$/,
  );
});

test("quote feed: a source that cannot start rejects with the source's message", async () => {
  // only a caller that skips parseQuoteConfig can get here; the worker still says what is wrong
  const unchecked = { type: 'carrier-pigeon' } as unknown as QuoteConfig;
  await assert.rejects(
    startQuoteFeed({ tickers: ['A'], source: unchecked }),
    /unknown quote source type 'carrier-pigeon'/,
  );
  await assert.rejects(
    startQuoteFeed({
      tickers: ['A'],
      source: { ...unchecked, type: 'sim', volatility: 'high' } as unknown as QuoteConfig,
    }),
    /sim quotes: invalid config: volatility must be a number; got "high"/,
  );
});

test('waiting for quotes: returns the moment the last slot fills, or the missing tickers at the timeout', async () => {
  const board = new QuoteBoard(['X', 'Y']);
  board.write(1, { bid: 1, ask: 2 });
  // a timer due before the timeout has fired by the time the wait gives up: it did wait
  let waited = false;
  setTimeout(() => {
    waited = true;
  }, 30);
  assert.deepEqual(await waitForBoard(board, 60), ['X']);
  assert.ok(waited, 'gave up only at its timeout');
  // a timeout the test's own deadline would hit first: returning at all means returning on the fill
  setTimeout(() => board.write(0, { last: 5 }), 30);
  assert.deepEqual(await waitForBoard(board, 3_600_000), []);
  assert.deepEqual(await waitForBoard(new QuoteBoard(['Z']), 0), ['Z'], 'a zero timeout checks once');
});

/** a board and a sink on it, with the log lines and the clock under the test's control */
function sinkOnBoard() {
  const board = new QuoteBoard(['AAPL', 'MSFT']);
  const lines: string[] = [];
  const states: string[] = [];
  let now = 1_000_000;
  const sink = new BoardSink(board, {
    log: (level, m) => lines.push(`${level} ${m}`),
    onStatus: (s, d) => states.push(`${s} ${d}`),
    now: () => now,
  });
  const good = { bid: 100, ask: 100.02, bidSize: 5, askSize: 7, last: 100.01, timestamp: 5_000 };
  sink.quote('AAPL', good);
  return {
    board,
    sink,
    lines,
    states,
    good,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** `update` is dropped, AAPL's slot is untouched, and the reject is counted under `reason` */
function assertRejected(update: QuoteUpdate, reason: string, ticker = 'AAPL') {
  const { board, sink, good, lines } = sinkOnBoard();
  sink.quote(ticker, update);
  const q = board.read(0);
  assert.equal(q.updates, 1, `${JSON.stringify(update)} must not reach the board`);
  for (const [k, v] of Object.entries(good)) assert.equal(q[k as keyof typeof good], v, k);
  assert.equal(board.updates(1), 0);
  assert.deepEqual(sink.malformedCounts(), { [reason]: 1 });
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`^warn .*${reason}`));
}

test('board sink: good quotes reach the board, partial ones merge, and equal bid/ask (locked) is fine', () => {
  const { board, sink } = sinkOnBoard();
  sink.quote('AAPL', { bid: 100.01, timestamp: 5_001 });
  sink.quote('AAPL', { ask: 100.01 });
  sink.quote('AAPL', { volume: 1200, extra: 'ignored' } as QuoteUpdate);
  const q = board.read(0);
  assert.deepEqual([q.bid, q.ask, q.last, q.timestamp, q.volume, q.updates], [100.01, 100.01, 100.01, 5_001, 1200, 4]);
  assert.deepEqual(sink.malformedCounts(), {});
});

test('board sink: each kind of bad update is dropped whole and counted', () => {
  assertRejected({ bid: 1 }, REJECT.unknownSymbol, 'TSLA');
  assertRejected({ bid: NaN, ask: 101 }, REJECT.nonFinite);
  assertRejected({ bidSize: Infinity }, REJECT.nonFinite);
  assertRejected({ last: '100.5' as unknown as number }, REJECT.nonFinite);
  assertRejected({ bid: -1, ask: 101 }, REJECT.negative);
  assertRejected({ askSize: -5 }, REJECT.negative);
  assertRejected({ bid: 101, ask: 100 }, REJECT.crossed);
  assertRejected({ bid: 100.05 }, REJECT.crossed); // against the ask already on the board
  assertRejected({ ask: 99.99, timestamp: 5_001 }, REJECT.crossed);
  assertRejected({ bid: 100, timestamp: 4_999 }, REJECT.outOfOrder);
  assertRejected({}, REJECT.empty);
});

test("board sink: a one-sided board is never crossed; a source's own rejects are counted too", () => {
  const { board, sink } = sinkOnBoard();
  sink.quote('MSFT', { bid: 400 });
  sink.quote('MSFT', { ask: 0 });
  assert.equal(board.read(1).updates, 2);
  sink.malformed('malformed JSON', 'HNXDS:MSFT: {oops');
  sink.malformed('malformed JSON');
  assert.deepEqual(sink.malformedCounts(), { 'malformed JSON': 2 });
});

test('board sink: at most one log line per reason per second, then the count held back', () => {
  const { sink, lines, advance } = sinkOnBoard();
  for (let i = 0; i < 50; i++) sink.quote('AAPL', { bid: NaN });
  sink.quote('AAPL', { bid: 200, ask: 100 });
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /non-finite value: AAPL: bid NaN$/);
  assert.match(lines[1], /crossed quote/);
  sink.flushLog();
  assert.equal(lines.length, 2, 'the flush also waits out the second');
  advance(1000);
  sink.quote('AAPL', { bid: NaN });
  assert.match(lines[2], /\+49 more since the last report/);
  for (let i = 0; i < 10; i++) sink.quote('AAPL', { bid: NaN });
  advance(1000);
  sink.flushLog();
  assert.match(lines[3], /non-finite value: 10 more since the last report/);
  assert.equal(lines.length, 4);
  assert.equal(sink.malformedCounts()[REJECT.nonFinite], 61);
});

test('board sink: status goes to the callback', () => {
  const { sink, states } = sinkOnBoard();
  sink.status('reconnecting', 'redis 127.0.0.1:6379');
  assert.deepEqual(states, ['reconnecting redis 127.0.0.1:6379']);
});

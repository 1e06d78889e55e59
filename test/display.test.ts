// The live display's pure parts: the snapshot a frame is drawn from, the plain-text output used
// when stdout is not a terminal, the layout at 80×24 and 120×40, and frame timing around ticks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from './helpers/until.js';
import { PassThrough, Writable } from 'node:stream';
import { parseBrokerConfig } from '../src/brokers/index.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { Portfolio } from '../src/portfolio/portfolio.js';
import type { OrderEvent } from '../src/execution/order-registry.js';
import type { Order } from '../src/orders/order.js';
import type { OrderStatus } from '../src/types.js';
import { takeSnapshot, TradeTape } from '../src/display/snapshot.js';
import type { DisplaySource, DisplayView } from '../src/session/views.js';
import { renderText } from '../src/display/text.js';
import { layout, Dashboard } from '../src/display/dashboard.js';
import { displayTarget, renderDelay, startDisplay } from '../src/display/index.js';
import { anOrder } from './helpers/orders.js';

const NOW = Date.UTC(2025, 0, 2, 15, 0, 0);

function fakeSession(overrides: Partial<DisplaySource> = {}): DisplaySource {
  const board = new QuoteBoard(['AAPL', 'MSFT', 'NVDA']);
  board.write(0, { bid: 199.9, ask: 200.1, last: 200, timestamp: NOW - 300 });
  board.write(1, { bid: 409.5, ask: 410.5, last: 410, timestamp: NOW - 12_000 }); // stale
  // NVDA never quoted
  const portfolio = new Portfolio();
  portfolio.applyFill('AAPL', 'buy', 5, 190);
  portfolio.applyFill('MSFT', 'buy', 4, 400);
  portfolio.applyFill('MSFT', 'sell', 2, 405); // realizes +10
  return {
    phase: 'running',
    clock: { ticks: 12, overruns: 1 },
    clockStartedAt: NOW - 12_500,
    runMs: 60_000,
    endReason: 'completed',
    stopping: false,
    strategyErrors: 1,
    options: {
      tradeLogName: 'unit-strat',
      broker: parseBrokerConfig({ type: 'paper' }),
      quotes: { type: 'sim' },
      eosBehavior: 'liquidate',
      periodMs: 1000,
      numWorkers: 2,
    },
    portfolio,
    board,
    execution: {
      backlog: 7,
      inFlight: 1,
      workers: () => [
        { workerId: 1, inFlight: 1, sent: 30 },
        { workerId: 2, inFlight: 0, sent: 29 },
      ],
      available: () => 141,
      capacity: 200,
      desk: { retries: 2, rejections: 1, ackLatencies: Array.from({ length: 100 }, (_, i) => i + 1) },
    },
    log: {
      recent: [
        { at: NOW - 5000, level: 'info', message: 'trading for 1m, strategy every 1s' },
        {
          at: NOW - 2000,
          level: 'error',
          message: 'strategy threw on tick 9: Error: boom\n    at strategy (/x/strat.ts:12:9)\n    at more',
        },
        { at: NOW - 1000, level: 'warn', message: 'something to look at' },
      ],
    },
    ...overrides,
  };
}

function order(id: string, ticker: string, side: 'buy' | 'sell', quantity: number, extra: Partial<Order> = {}): Order {
  const action = side === 'buy' ? 'buy_long' : 'sell_long';
  return anOrder({ clientOrderId: id, ticker, side, quantity, action, decidedAt: NOW, ...extra });
}

function event(
  o: Order,
  status: OrderStatus,
  at: number,
  fill?: { qty: number; price: number },
  reason?: string,
): OrderEvent {
  if (fill) {
    o.filledAvgPrice = (o.filledAvgPrice * o.filledQty + fill.qty * fill.price) / (o.filledQty + fill.qty);
    o.filledQty += fill.qty;
  }
  o.status = status;
  return { order: o, status, rawStatus: status, source: 'execution', at, fill, reason };
}

function tapeWithTrades(max = 20): TradeTape {
  const tape = new TradeTape(max);
  tape.startCash = 100_000;
  const a = order('buy_long-1-aaaaaaaa', 'AAPL', 'buy', 5);
  tape.record(event(a, 'queued', NOW - 4000));
  tape.record(event(a, 'new', NOW - 3990));
  tape.record(event(a, 'filled', NOW - 3980, { qty: 5, price: 190 }));
  const m = order('buy_long-2-bbbbbbbb', 'MSFT', 'buy', 4);
  tape.record(event(m, 'filled', NOW - 3000, { qty: 4, price: 400 }));
  const s = order('sell_long-1-cccccccc', 'MSFT', 'sell', 2);
  tape.record(event(s, 'filled', NOW - 2000, { qty: 2, price: 405 }));
  const r = order('buy_long-0-dddddddd', 'AAPL', 'buy', 1);
  tape.record(event(r, 'rejected', NOW - 1000, undefined, 'quantity must be a positive finite number'));
  const open = order('buy_long-2-eeeeeeee', 'NVDA', 'buy', 1, { orderType: 'limit', limitPrice: 1 });
  tape.record(event(open, 'new', NOW - 500));
  return tape;
}

test('snapshot: positions with last, market value, P&L, totals, cash and equity from fills', () => {
  const snap = takeSnapshot(fakeSession(), tapeWithTrades(), { now: NOW });
  assert.deepEqual(
    snap.positions.map((p) => [p.ticker, p.quantity]),
    [
      ['AAPL', 5],
      ['MSFT', 2],
    ],
  );
  const aapl = snap.positions.find((p) => p.ticker === 'AAPL')!;
  assert.equal(aapl.boughtAt, 190);
  assert.equal(aapl.last, 200);
  assert.equal(aapl.marketValue, 1000);
  assert.equal(aapl.unrealizedPnl, 50);
  assert.ok(Math.abs(aapl.pctChange! - (50 / 950) * 100) < 1e-9);
  assert.equal(snap.totals.marketValue, 1000 + 2 * 410);
  assert.equal(snap.totals.unrealizedPnl, 50 + 2 * 10);
  assert.equal(snap.totals.realizedPnl, 10);
  assert.equal(snap.totals.pnl, 80);
  // cash = 100 000 − 950 − 1600 + 810; equity = cash + market value = start + P&L
  assert.equal(snap.totals.cash, 100_000 - 950 - 1600 + 810);
  assert.equal(snap.totals.equity, 100_080);
});

test('snapshot: header clock, trade updates newest first, execution counters, stale quotes, log', () => {
  const snap = takeSnapshot(fakeSession(), tapeWithTrades(3), { now: NOW });
  assert.equal(snap.header.phase, 'running');
  assert.equal(snap.header.elapsedMs, 12_500);
  assert.equal(snap.header.remainingMs, 47_500);
  assert.deepEqual(
    snap.trades.map((t) => [t.clientOrderId, t.status]),
    [
      ['buy_long-2-eeeeeeee', 'new'],
      ['buy_long-0-dddddddd', 'rejected'],
      ['sell_long-1-cccccccc', 'filled'],
    ],
  );
  assert.equal(snap.trades[0].price, 1, 'an unfilled limit order shows its limit price');
  assert.equal(snap.trades[2].price, 405);
  const e = snap.execution;
  assert.deepEqual(
    [e.queue, e.inFlight, e.budget, e.capacity, e.retries, e.rejections, e.overruns],
    [7, 1, 141, 200, 2, 1, 1],
  );
  assert.equal(e.ackP50, 50);
  assert.equal(e.ackP99, 99);
  assert.deepEqual(e.final, { filled: 3, canceled: 0, rejected: 1, expired: 0, failed: 0 });
  assert.equal(e.open, 1);
  assert.deepEqual(
    snap.quotes.map((q) => [q.ticker, q.stale]),
    [
      ['AAPL', false],
      ['MSFT', true],
      ['NVDA', true],
    ],
  );
  assert.equal(snap.quotes[0].ageMs, 300);
  assert.equal(snap.staleCount, 2);
  assert.equal(snap.log.length, 3);
});

test('snapshot: warm-up shows the full run ahead; after the clock, nothing remains', () => {
  const warm = takeSnapshot(fakeSession({ phase: 'warm-up', clockStartedAt: 0 }), new TradeTape(5), { now: NOW });
  assert.deepEqual([warm.header.elapsedMs, warm.header.remainingMs], [0, 60_000]);
  assert.equal(warm.totals.cash, undefined, 'no cash before the broker said');
  const eos = takeSnapshot(
    fakeSession({ phase: 'end of session', stopping: true, endReason: 'display', clockStartedAt: NOW - 20_000 }),
    new TradeTape(5),
    { now: NOW },
  );
  assert.deepEqual([eos.header.elapsedMs, eos.header.remainingMs], [20_000, 0]);
});

test('text output: every pane in plain text, no escape codes, fitted to the width', () => {
  const text = renderText(takeSnapshot(fakeSession(), tapeWithTrades(), { now: NOW }), { width: 100 });
  assert.doesNotMatch(text, /\x1b/);
  for (const line of text.split('\n')) assert.ok(line.length <= 100, `too long: ${line}`);
  assert.match(text, /salvo unit-strat +broker paper +quotes sim +phase RUNNING/);
  assert.match(text, /elapsed 0:12 +remaining 0:47 \/ 1:00 +tick 12 every 1s +EOS liquidate +errors 1 +warnings 0/);
  assert.match(text, /^AAPL +5 +190\.00 +200\.00 +1,000\.00 +\+50\.00 +\+5\.26$/m);
  assert.match(text, /^TOTAL +1,820\.00 +\+70\.00/m);
  assert.match(text, /realized \+10\.00 +P&L \+80\.00 +cash 98,260\.00 +equity 100,080\.00/);
  assert.match(text, /buy_long-1-aaaaaaaa +AAPL +buy +buy_long +filled +190\.00 +5\/5/);
  assert.match(text, /buy_long-0-dddddddd +AAPL +buy +buy_long +rejected/);
  assert.match(text, /queue 7 +in flight 1 +budget 141\/200/);
  assert.match(text, /ack p50 50\.0ms +p99 99\.0ms/);
  assert.match(text, /retries 2 +rejections 1 +overruns 1/);
  assert.match(text, /workers w1 1\/30 w2 0\/29/);
  assert.match(text, /^MSFT +409\.50 +410\.50 +12\.0s +STALE$/m);
  assert.match(text, /^NVDA +- +- +never +STALE$/m);
  assert.match(text, /quotes \(3, 2 stale > 5s\)/);
  assert.match(text, /ERROR strategy threw on tick 9: Error: boom +\(at strategy \(\/x\/strat\.ts:12:9\)\)/);
  assert.match(text, /WARN something to look at/);
});

test('text output at 80 columns drops the least important columns, keeps the key ones', () => {
  const text = renderText(takeSnapshot(fakeSession(), tapeWithTrades(), { now: NOW }), { width: 80 });
  for (const line of text.split('\n')) assert.ok(line.length <= 80, `too long (${line.length}): ${line}`);
  assert.match(text, /buy_long-1-aaaaaaaa +AAPL .*filled +190\.00/);
  assert.match(text, /^AAPL +5 +190\.00 .*\+50\.00/m);
});

test('hundreds of tickers: the text output summarises, the snapshot keeps them all', () => {
  const tickers = Array.from({ length: 300 }, (_, i) => `T${i}`);
  const board = new QuoteBoard(tickers);
  tickers.forEach((_, slot) => {
    board.write(slot, { bid: 10, ask: 10.02, timestamp: NOW - 100 });
  });
  const snap = takeSnapshot(fakeSession({ board }), new TradeTape(5), { now: NOW });
  assert.equal(snap.quotes.length, 300);
  const text = renderText(snap, { maxQuotes: 10 });
  assert.match(text, /\.\.\. 290 more ticker\(s\)/);
});

test('layout: the panes fit the terminal and do not overlap, at 80×24 and 120×40', () => {
  for (const [w, h] of [
    [80, 24],
    [120, 40],
    [200, 60],
    [100, 30],
  ]) {
    const rects = Object.entries(layout(w, h));
    for (const [name, r] of rects) {
      assert.ok(
        r.left >= 0 && r.top >= 2 && r.left + r.width <= w && r.top + r.height <= h,
        `${name} outside ${w}×${h}: ${JSON.stringify(r)}`,
      );
      assert.ok(r.height >= 3, `${name} too short at ${w}×${h}`);
    }
    for (const [a, ra] of rects)
      for (const [b, rb] of rects) {
        if (a >= b) continue;
        const overlap =
          ra.left < rb.left + rb.width &&
          rb.left < ra.left + ra.width &&
          ra.top < rb.top + rb.height &&
          rb.top < ra.top + ra.height;
        assert.ok(!overlap, `${a} and ${b} overlap at ${w}×${h}`);
      }
  }
});

test('dashboard: blessed draws every pane into a terminal stream and is torn down cleanly', async () => {
  let written = '';
  const output = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        written += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 120, rows: 40 },
  );
  const input = new PassThrough();
  let stops = 0;
  const d = new Dashboard({
    input,
    output,
    onStop: () => {
      stops++;
    },
  });
  d.update(takeSnapshot(fakeSession(), tapeWithTrades(), { now: NOW }));
  await new Promise((resolve) => setImmediate(resolve)); // blessed flushes on the next tick
  for (const text of [
    'unit-strat',
    'positions (2)',
    'execution',
    'trade updates',
    'quotes (3, 2 stale',
    'buy_long-1-aaaaaaaa',
    'budget',
    'STALE',
  ]) {
    assert.ok(written.includes(text), `missing on screen: ${text}`);
  }
  input.write('q');
  assert.equal(stops, 1, 'q asks the session to stop');
  input.write('q');
  assert.equal(stops, 1, 'once');
  d.destroy();
  assert.ok(written.includes('\x1b[?1049l'), 'left the alternate screen');
});

test('frames stay away from strategy ticks: not just before one, not while its block goes out', () => {
  // clock started at 10 000, a tick every 1000 ms: frames stay out of [due − 25, due + 25)
  assert.equal(renderDelay(0, 500, 0, 1000), 500, 'no clock yet: plain refresh');
  assert.equal(renderDelay(10_200, 500, 10_000, 1000), 500, 'mid-period: as asked');
  assert.equal(renderDelay(10_480, 500, 10_000, 1000), 545, 'would land 20 ms before tick 11: 25 ms after it instead');
  assert.equal(renderDelay(10_410, 600, 10_000, 1000), 615, 'would land 10 ms after a tick: 25 ms after it');
  assert.equal(renderDelay(10_100, 100, 10_000, 100), 125, 'on a due time: moved past the window');
  assert.equal(renderDelay(10_100, 97, 10_000, 20), 105, 'short periods: a quarter-period window (5 ms) on each side');
});

test('a display that fails gives up quietly: a warning in the session log, the session goes on', async () => {
  const warnings: string[] = [];
  let written = '';
  const base = fakeSession();
  const broken = {
    ...base,
    portfolio: {
      realizedPnl: 0,
      positions: () => {
        throw new Error('display bug');
      },
    },
    options: {
      ...base.options,
      liveDisplay: true,
      maxTradeUpdates: 5,
      displayRefreshRate: 0.05,
      broker: parseBrokerConfig({ type: 'paper' }),
    },
    onOrderEvent: () => undefined,
    log: {
      ...base.log,
      muteDefault: false,
      onLine: () => undefined,
      warn: (m: string) => {
        warnings.push(m);
      },
    },
    account: async () => ({ cash: 1, equity: 1, buyingPower: 1, currency: 'USD' }),
    requestStop: () => assert.fail('the display must not stop the session'),
  } satisfies DisplayView;
  Object.assign(displayTarget, {
    mode: 'text',
    output: new Writable({
      write(c, _e, done) {
        written += c;
        done();
      },
    }),
  });
  try {
    const handle = startDisplay(broken);
    await until(() => warnings.length > 0, { what: "the display's first frame to fail and warn" });
    await handle.stop();
    assert.equal(handle.stats().frames, 0);
  } finally {
    Object.assign(displayTarget, { mode: undefined, output: undefined });
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /live display stopped: Error: display bug/);
  assert.equal(written, '');
});

test('not a terminal: liveDisplay prints plain-text snapshots to stdout, no escape codes, log lines still on stderr', {
  timeout: 60_000,
}, async () => {
  const { spawn } = await import('node:child_process');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-display-text-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/display-session.ts', dir, 'text', '4', '4'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '',
    stderr = '',
    report = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d) => {
    report += d;
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stdout, /\x1b/, 'no escape codes');
  const snapshots = stdout.split(/^salvo text /m).length - 1;
  assert.ok(snapshots >= 2, `a snapshot every 3 s and a last one at the end; got ${snapshots}:\n${stdout}`);
  assert.match(stdout, /phase RUNNING/);
  assert.match(stdout, /phase DONE/);
  assert.match(stdout, /buy_long-\d-[0-9a-f]{8} +AAPL +buy +buy_long +filled/);
  assert.match(stdout, /liquidate-\d-[0-9a-f]{8} +AAPL +sell +liquidate +filled/);
  assert.doesNotMatch(stdout, /q: stop/, 'no key hint when nobody can press a key');
  assert.match(stderr, /trading for 4s/, 'log lines keep going to stderr');
  assert.equal(JSON.parse(report).endReason, 'completed');
});

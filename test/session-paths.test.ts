// Paths through a whole session (runTrading, sim quotes, the paper venue unless said otherwise)
// that a trader meets and the core integration session does not take: broker failures, the
// end of session's variants and limits, shorts, partial fills, the rate limit, 'EOD', warm-up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading, type OrderRequest, type RunTradingOptions } from '../src/index.js';
import { marketHours } from '../src/market/market-hours.js';
import { formatDuration } from '../src/session/durations.js';
import { quoteFileHeader, quoteFileLine } from '../src/market/quote-file.js';
import { byOrder, readLog, type OrderHistory } from './helpers/trade-log.js';
import { KEY_ID, SECRET, quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-paths-'));
const buy = (ticker: string, quantity: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({
  ticker,
  quantity,
  side: 'buy',
  orderType: 'market',
  ...extra,
});
const opened: TestExchange[] = [];
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
});

/** a session with the log lines kept; each test names its own trade log */
async function session(name: string, options: Partial<RunTradingOptions> & Pick<RunTradingOptions, 'strategy'>) {
  const lines: string[] = [];
  const report = await runTrading({
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 0.5,
    eosBehavior: 'hold',
    ordersPerMinute: 100_000,
    handleSignals: false,
    tradeLogPath: logDir,
    tradeLogName: name,
    logger: (level, m) => lines.push(`${level} ${m}`),
    ...options,
  });
  const orders = byOrder(readLog(report.tradeLogFile));
  return { report, orders, lines, log: lines.join('\n') };
}

const histories = (orders: Map<string, OrderHistory>) => [...orders.values()];
function oneTerminalEach(orders: Map<string, OrderHistory>): void {
  assert.ok(orders.size > 0, 'the session has orders');
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
}

test('retries exhausted: each order ends failed, once, naming its attempts; nothing is held', async () => {
  const { report, orders, lines } = await session('retries-exhausted', {
    tickers: ['AAPL', 'MSFT'],
    strategy: (ctx) => (ctx.tick === 1 ? [buy('AAPL', 1), buy('MSFT', 1)] : undefined),
    maxRetries: 2,
    retryBaseMs: 1,
    broker: { type: 'paper', failureRate: 1 },
  });
  oneTerminalEach(orders);
  assert.equal(orders.size, 2);
  for (const h of orders.values()) {
    assert.equal(h.terminal[0].status, 'failed');
    assert.match(h.terminal[0].reason, /not accepted after 3 attempt\(s\)/);
    assert.equal(lines.filter((l) => l.includes(`retrying ${h.id}`)).length, 2, `${h.id}: two retries, then it failed`);
  }
  assert.equal(report.orders.failed, 2);
  assert.equal(report.orders.filled, 0);
  assert.deepEqual(report.positions, []);
  assert.equal(report.reconciled, true);
});

test('a reconciliation mismatch: a fill salvo never saw (another client on the account) is reported and logged', async () => {
  const ex = await startAlpacaExchange({ tickers: ['AAPL', 'MSFT'] });
  opened.push(ex);
  await quoted(ex.board);
  const keys = { keyId: KEY_ID, secretKey: SECRET };
  const { report, lines } = await session('reconcile-mismatch', {
    tickers: ['AAPL', 'MSFT'],
    strategy: async (ctx) => {
      if (ctx.tick !== 1) return undefined;
      // another client on the same account buys 10 AAPL
      const answer = await fetch(`${ex.server.restUrl}/v2/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'apca-api-key-id': KEY_ID, 'apca-api-secret-key': SECRET },
        body: JSON.stringify({ symbol: 'AAPL', qty: 10, side: 'buy', type: 'market', time_in_force: 'day' }),
      });
      assert.equal(answer.status, 200, await answer.text());
      return [buy('MSFT', 1)];
    },
    broker: { type: 'alpaca', baseUrl: ex.server.restUrl, streamUrl: ex.server.streamUrl, ...keys },
  });
  assert.equal(report.reconciled, false);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['MSFT', 1]],
    'salvo holds what it traded',
  );
  assert.deepEqual(report.brokerPositions.map((p) => [p.ticker, p.quantity]).sort(), [
    ['AAPL', 10],
    ['MSFT', 1],
  ]);
  assert.ok(
    lines.some((l) => /^warn position mismatch for AAPL: salvo has 0, the broker has 10$/.test(l)),
    lines.join('\n'),
  );
  assert.ok(!lines.some((l) => /mismatch for MSFT/.test(l)));
});

test('a strategy returning a Promise: awaited before the next call, its orders sent, its rejection logged like a throw', async () => {
  let inFlight = 0;
  let most = 0;
  const { report, orders, log } = await session('async-strategy', {
    frequency: '100ms',
    runSeconds: 0.8,
    strategy: async (ctx) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // a slow strategy on purpose: 150 ms against a 100 ms clock, so a clock that did not await would overlap calls
      await new Promise((r) => setTimeout(r, 150));
      inFlight--;
      if (ctx.tick === 1) return [buy('AAPL', 2)];
      if (ctx.tick === 2) throw new Error('async boom');
      if (ctx.tick === 3) return buy('AAPL', 1);
      return undefined;
    },
  });
  assert.equal(most, 1, 'calls never overlap');
  assert.ok(report.overruns > 0, 'the slow calls skipped due times instead');
  assert.equal(report.strategyErrors, 1);
  assert.match(log, /strategy threw on tick 2: Error: async boom/);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 3]],
  );
  oneTerminalEach(orders);
});

test('a custom shutdown that throws: logged with its stack, the end of session completes, the report is returned', async () => {
  const { report, orders, log } = await session('custom-throws', {
    strategy: (ctx) =>
      ctx.tick === 1 ? [buy('AAPL', 2), buy('AAPL', 1, { orderType: 'limit', limitPrice: 1 })] : undefined,
    eosBehavior: 'custom',
    customShutdownAction: () => {
      throw new Error('shutdown boom');
    },
  });
  assert.match(log, /customShutdownAction threw: Error: shutdown boom/);
  assert.match(log, /session-paths\.test\.ts/, 'the stack names where it threw');
  assert.equal(report.endReason, 'completed');
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 2]],
    'nothing was sold',
  );
  oneTerminalEach(orders);
  const [, resting] = histories(orders); // legs in the order the strategy returned them
  assert.equal(resting.terminal[0].status, 'canceled', 'the resting order was still canceled at the end');
  assert.deepEqual(report.stillOpen, []);
});

test('eosTimeout runs out: the end of session warns which orders are not final, then cancels them; the session still ends', async () => {
  const { report, orders, lines } = await session('eos-timeout', {
    strategy: (ctx) => (ctx.tick === 1 ? [buy('AAPL', 2)] : undefined),
    eosBehavior: 'custom',
    eosTimeout: 0.3,
    // a sell far above the market: it rests, and the end of session cannot see it filled
    customShutdownAction: (ctx) => [
      {
        ticker: 'AAPL',
        quantity: 2,
        side: 'sell',
        orderType: 'limit',
        limitPrice: ctx.getCurrentData().quotes.AAPL.ask * 10,
        action: 'sell_long',
      },
    ],
  });
  const sell = histories(orders).find((h) => h.rows[0].side === 'sell')!;
  assert.ok(sell, "the shutdown action's sell was sent");
  const warned = lines.findIndex((l) => /not final/.test(l) && l.includes(sell.id));
  assert.ok(warned >= 0, `a warning names the sell still open:\n${lines.join('\n')}`);
  assert.equal(sell.terminal.length, 1);
  assert.equal(sell.terminal[0].status, 'canceled');
  assert.equal(report.endReason, 'completed');
  assert.deepEqual(report.stillOpen, []);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 2]],
  );
});

test('cancelOpenOrdersAtEnd: false leaves a resting order open: in the report, the log, and without a terminal row', async () => {
  const { report, orders, log } = await session('keep-open', {
    strategy: (ctx) =>
      ctx.tick === 1 ? [buy('AAPL', 1, { orderType: 'limit', limitPrice: 1 }), buy('AAPL', 1)] : undefined,
    cancelOpenOrdersAtEnd: false,
  });
  const [resting, market] = histories(orders); // legs in the order the strategy returned them
  assert.deepEqual(report.stillOpen, [resting.id]);
  assert.equal(report.orders.open, 1);
  assert.equal(resting.terminal.length, 0, 'no terminal row: it was left open');
  assert.equal(resting.rows.at(-1)!.status, 'new');
  assert.match(log, new RegExp(`order ${resting.id} still new at the end of the session`));
  assert.equal(market.terminal[0].status, 'filled');
});

test('covering a short: short_sell opens it, liquidate at the end covers it with cover_short, realized P&L from both fills', async () => {
  const { report, orders } = await session('cover-short', {
    strategy: (ctx) =>
      ctx.tick === 1
        ? [{ ticker: 'AAPL', quantity: 3, side: 'sell', orderType: 'market', action: 'short_sell' }]
        : undefined,
    eosBehavior: 'liquidate',
  });
  oneTerminalEach(orders);
  const fills = histories(orders).map((h) => h.terminal[0]);
  assert.deepEqual(
    fills.map((r) => [r.action, r.side, r.status, Number(r.executed_qty)]),
    [
      ['short_sell', 'sell', 'filled', 3],
      ['cover_short', 'buy', 'filled', 3],
    ],
  );
  assert.deepEqual(report.positions, [], 'flat after covering');
  const pnl = 3 * (Number(fills[0].executed_price) - Number(fills[1].executed_price));
  assert.ok(Math.abs(report.realizedPnl - pnl) < 1e-6, `realized ${report.realizedPnl}, from the fills ${pnl}`);
  assert.equal(report.reconciled, true);
});

test('partial fills through a session: a buy larger than the displayed size fills over several quotes, one row per fill', async () => {
  const { report, orders } = await session('partial-fills', {
    strategy: (ctx) => (ctx.tick === 1 ? [buy('AAPL', 20)] : undefined),
    runSeconds: 3,
    quotes: { type: 'sim', seed: 5, size: 2, updatesPerSecond: 20 },
    broker: { type: 'paper', fillAtDisplayedSize: true },
  });
  oneTerminalEach(orders);
  const [h] = histories(orders);
  const partial = h.rows.filter((r) => r.status === 'partially_filled');
  assert.ok(
    partial.length >= 2,
    `several partial fills: ${h.rows.map((r) => `${r.status} ${r.executed_qty}`).join(', ')}`,
  );
  const filledQty = h.rows.filter((r) => /filled/.test(r.status)).map((r) => Number(r.executed_qty));
  assert.ok(
    filledQty.every((q, i) => i === 0 || q > filledQty[i - 1]),
    `the filled quantity only grows: ${filledQty}`,
  );
  assert.equal(h.terminal[0].status, 'filled');
  assert.equal(Number(h.terminal[0].executed_qty), 20);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 20]],
  );
  assert.ok(
    Math.abs(report.positions[0].boughtAt - Number(h.terminal[0].executed_price)) < 1e-9,
    "the position's price is the fills' average",
  );
});

test('a session held to its rate: beyond the burst, orders leave no faster than ordersPerMinute, oldest first; the rest never reach the venue', async () => {
  const perMinute = 120; // 2 a second
  const burst = 2;
  const { report, orders } = await session('rate-limited', {
    strategy: () => [buy('AAPL', 1)],
    frequency: '100ms',
    runSeconds: 1.5,
    ordersPerMinute: perMinute,
    burst,
  });
  oneTerminalEach(orders);
  const all = histories(orders);
  const sent = all.filter((h) =>
    h.rows.some((r) => r.worker_id !== '0' && ['new', 'filled', 'partially_filled'].includes(r.status)),
  );
  const seconds = (report.endedAt.getTime() - report.startedAt.getTime()) / 1000;
  // the limit itself, over however long the session really took: a slow machine only sends fewer
  assert.ok(sent.length <= burst + Math.ceil((seconds * perMinute) / 60), `${sent.length} sent in ${seconds} s`);
  assert.ok(sent.length > burst, 'tokens came back during the session');
  assert.ok(all.length > sent.length, 'the strategy asked for more than the rate allowed');
  // first in, first out: the orders that left are the first ones the strategy returned
  assert.deepEqual(
    sent.map((h) => h.id),
    all.slice(0, sent.length).map((h) => h.id),
  );
  for (const h of all.slice(sent.length))
    assert.notEqual(h.terminal[0].status, 'filled', `${h.id} never left, so never filled`);
});

/** an Etc/GMT zone where it is about noon now, so closeAt times today are easy to place */
function noonZone(): { timeZone: string; hour: number } {
  const k = 12 - new Date().getUTCHours(); // UTC+k, within -11..12
  return { timeZone: k === 0 ? 'Etc/GMT' : `Etc/GMT${k > 0 ? '-' : '+'}${Math.abs(k)}`, hour: 12 };
}

test("runSeconds 'EOD': runs until 30 s before the venue's close; after the close it refuses to start, naming the times", async () => {
  const { timeZone } = noonZone();
  const broker = { type: 'paper', closeAt: '14:00', timeZone } as const;
  const before = Date.now();
  const { report, log } = await session('eod', {
    strategy: (ctx) => {
      if (ctx.tick === 2) throw new Error('enough');
    },
    haltOnError: true,
    runSeconds: 'EOD',
    broker,
  });
  const after = Date.now();
  assert.equal(report.endReason, 'halted');
  const logged = /trading for (\S+),/.exec(log)?.[1];
  const expected = [before, after].map((t) => formatDuration(marketHours(broker, t).nextClose - 30_000 - t));
  assert.ok(logged && expected.includes(logged), `trading for ${logged}, expected ${expected.join(' or ')}`);

  await assert.rejects(
    session('eod-closed', { strategy: () => undefined, runSeconds: 'EOD', broker: { ...broker, closeAt: '11:00' } }),
    /runSeconds 'EOD': the market is closed \(next close .*, next open .*\)/,
  );
});

test('a warm-up that times out: the session warns which ticker never quoted, then trades the rest', async () => {
  const file = path.join(logDir, 'only-aapl.csv');
  const t0 = Date.now();
  fs.writeFileSync(
    file,
    quoteFileHeader('csv') +
      Array.from({ length: 50 }, (_, i) =>
        quoteFileLine('csv', 'AAPL', {
          bid: 100 + i / 100,
          ask: 100.05 + i / 100,
          bidSize: 5,
          askSize: 5,
          last: 100,
          timestamp: t0 + i * 100,
        }),
      ).join(''),
  );
  const seenMsft: unknown[] = [];
  const { report, orders, log } = await session('warm-up-timeout', {
    tickers: ['AAPL', 'MSFT'],
    warmUpPeriod: '300ms',
    quotes: { type: 'replay', file, speed: 1 },
    strategy: (ctx) => {
      seenMsft.push(ctx.getCurrentData().quotes.MSFT?.bid);
      return ctx.tick === 1 ? [buy('AAPL', 1)] : undefined;
    },
  });
  assert.match(log, /warm-up ended after 300ms with no quote yet for: MSFT/);
  assert.ok(seenMsft.length > 0 && seenMsft.every((b) => !b), `MSFT never had a price: ${seenMsft}`);
  assert.equal(report.endReason, 'completed');
  oneTerminalEach(orders);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 1]],
  );
});

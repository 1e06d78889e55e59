// Each order type end to end: a strategy in a real session (execution workers, the paper venue
// thread, the trade log) places a stop, a stop-limit and a trailing stop against a scripted replay
// feed that first comes within a cent of each trigger and then crosses it. The CSV must show each
// order filled once, at the price of the quote that crossed, never at an earlier or later one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { runTrading, type OrderRequest } from '../src/index.js';
import { loopedReplayRun, replayFile, type ScriptedQuote } from './helpers/scripted-exchange.js';
import { byOrder, readLog } from './helpers/trade-log.js';

const q = (ticker: string, bid: number, ask: number, at: number): ScriptedQuote => ({ ticker, bid, ask, at });
const TICKERS = ['STB', 'STS', 'SLB', 'TRS'];

test('stop, stop-limit and trailing stop trigger at the exact quote of a replayed market and fill there', async () => {
  // The file loops: the session's start-up time varies, so the strategy places its orders when it
  // sees the opening quote (bid 99.9 / ask 100.1 everywhere), and the same pass then moves the market.
  const file = replayFile([
    ...TICKERS.map((t) => q(t, 99.9, 100.1, 0)),
    // within a cent of every trigger (the trailing stop first rides the bid up to 110: its stop becomes 104.5)
    q('STB', 100.8, 100.99, 600),
    q('STS', 99.01, 99.2, 600),
    q('SLB', 100.8, 100.99, 600),
    q('TRS', 110, 110.2, 600),
    q('TRS', 104.51, 104.7, 800),
    // across
    q('STB', 100.9, 101.03, 1000),
    q('STS', 98.97, 99.1, 1000),
    q('SLB', 101, 101.21, 1000),
    q('TRS', 104.44, 104.6, 1000),
    // later quotes beyond each trigger, at prices no fill may show
    q('SLB', 101.2, 101.4, 1200),
    q('STB', 102, 102.2, 1200),
    q('STS', 98, 98.2, 1200),
    q('TRS', 103, 103.2, 1200),
    ...TICKERS.map((t) => q(t, 97, 103, 1600)),
  ]);
  const seenOrders: number[] = [];
  let placedAt = -1;
  const logs: string[] = [];
  const report = await runTrading({
    strategy: (ctx): OrderRequest[] | undefined => {
      const data = ctx.getCurrentData();
      seenOrders.push(data.orders.length);
      const opening = TICKERS.every((t) => data.quotes[t].bid === 99.9 && data.quotes[t].ask === 100.1);
      if (placedAt >= 0 || !opening) return undefined;
      placedAt = seenOrders.length - 1;
      return [
        { ticker: 'STB', quantity: 3, side: 'buy', orderType: 'stop', stopPrice: 101 },
        { ticker: 'STS', quantity: 4, side: 'sell', orderType: 'stop', stopPrice: 99, action: 'short_sell' },
        {
          ticker: 'SLB',
          quantity: 5,
          side: 'buy',
          orderType: 'stop_limit',
          stopPrice: 101,
          limitPrice: 101.25,
          timeInForce: 'gtc',
        },
        { ticker: 'TRS', quantity: 6, side: 'sell', orderType: 'trailing_stop', trailPercent: 5, action: 'short_sell' },
      ];
    },
    ...loopedReplayRun(TICKERS, file),
    runSeconds: 4,
    warmUpPeriod: '5s',
    tradeLogPath: fs.mkdtempSync(`${os.tmpdir()}/salvo-stops-`),
    tradeLogName: 'stops',
    logger: (_l, m) => logs.push(m),
  });
  const orders = byOrder(readLog(report.tradeLogFile));
  const fillOf = (ticker: string) => {
    const h = [...orders.values()].find((o) => o.rows[0].ticker === ticker)!;
    assert.equal(h.terminal.length, 1, `${ticker}: one terminal row`);
    if (h.terminal[0].status !== 'filled') assert.fail(`${ticker}: ${h.terminal[0].reason}`);
    assert.deepEqual(
      h.rows.filter((r) => r.status === 'partially_filled'),
      [],
      `${ticker}: filled in one go`,
    );
    return [h.terminal[0].status, Number(h.terminal[0].executed_price), Number(h.terminal[0].executed_qty)];
  };
  assert.deepEqual(fillOf('STB'), ['filled', 101.03, 3], 'stop buy: the first ask at or above 101');
  assert.deepEqual(fillOf('STS'), ['filled', 98.97, 4], 'stop sell: the first bid at or below 99');
  assert.deepEqual(
    fillOf('SLB'),
    ['filled', 101.21, 5],
    'stop-limit: triggered by ask 101.21, within its limit 101.25',
  );
  assert.deepEqual(
    fillOf('TRS'),
    ['filled', 104.44, 6],
    'trailing stop: 5% under the best bid 110 is 104.5; the bid 104.44 crossed it',
  );
  assert.ok(placedAt >= 0, `the strategy never saw the opening quote; log:\n${logs.join('\n')}`);
  assert.equal(seenOrders[placedAt + 1], 4, 'the strategy saw its four resting stops on the next tick');
  assert.equal(seenOrders.at(-1), 0, 'and none once they filled');
  assert.equal(report.reconciled, true);
});

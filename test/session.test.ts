// The whole path on the embedded default: sim quotes → strategy → router → workers → paper venue → CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { runTrading, type OrderRequest, type StrategyContext } from '../src/index.js';
import { byOrder, countTerminal, netPositions, readLog } from './helpers/trade-log.js';

const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META'];
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-session-'));
const quiet = () => undefined;

test('integration: blocks of 12 legs with one invalid leg each, 4 workers, liquidate — checked from the CSV alone', async () => {
  const strategy = (ctx: StrategyContext): OrderRequest[] => {
    const { quotes } = ctx.getCurrentData();
    const legs: OrderRequest[] = TICKERS.map((ticker) => ({ ticker, quantity: 1 + (ctx.tick % 3), side: 'buy', orderType: 'market' }));
    // resting limit buys far below the market: still open at the end, so liquidate must cancel them
    for (const ticker of TICKERS.slice(0, 5)) legs.push({ ticker, quantity: 1, side: 'buy', orderType: 'limit', limitPrice: Math.round(quotes[ticker].bid * 0.5 * 100) / 100 });
    legs.push({ ticker: 'AAPL', quantity: -1, side: 'buy', orderType: 'market' });
    return legs;
  };
  const report = await runTrading({
    strategy, tickers: TICKERS, frequency: '200ms', runSeconds: 2.5, numWorkers: 4, eosBehavior: 'liquidate',
    ordersPerMinute: 100_000, tradeLogPath: logDir, tradeLogName: 'integration', logger: quiet,
  });
  const rows = readLog(report.tradeLogFile);
  const orders = byOrder(rows);
  const blocks = new Set(rows.map((r) => r.block_id));

  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id} has ${h.terminal.length} terminal rows: ${h.rows.map((r) => r.status)}`);
  const invalid = [...orders.values()].filter((h) => h.terminal[0].reason.includes('quantity must be a positive finite number'));
  assert.equal(invalid.length, report.ticks, 'one invalid leg per strategy block');
  for (const h of invalid) {
    assert.equal(h.terminal[0].status, 'rejected');
    assert.equal(h.terminal[0].worker_id, '0', 'an invalid order never reaches a worker');
  }
  assert.ok(report.ticks >= 10, `ticks: ${report.ticks}`);
  assert.equal(blocks.size, report.ticks + 1, 'one block per tick plus the liquidation block');
  for (const [ticker, qty] of Object.entries(netPositions(orders))) assert.ok(Math.abs(qty) < 1e-9, `${ticker} not flat: ${qty}`);
  assert.deepEqual(report.positions, []);
  const fromCsv = countTerminal(orders);
  for (const status of ['filled', 'canceled', 'rejected', 'expired', 'failed'] as const) assert.equal(report.orders[status], fromCsv[status], status);
  assert.equal(report.orders.total, orders.size);
  assert.equal(report.orders.open, 0);
  assert.ok(report.orders.canceled >= 5 * report.ticks, 'resting limit orders were canceled at the end');
  assert.ok(rows.some((r) => r.action === 'liquidate' && r.status === 'filled'), 'liquidation filled');
  // client order ids: <action>-<workerId>-<8 hex>, workers 1..4 all used
  for (const id of orders.keys()) assert.match(id, /^(buy_long|liquidate|sell_long)-[0-4]-[0-9a-f]{8}$/);
  assert.deepEqual(new Set(rows.filter((r) => r.worker_id !== '0').map((r) => r.worker_id)), new Set(['1', '2', '3', '4']));
  assert.equal(report.blocks.length, report.ticks + 1);
  for (const b of report.blocks) assert.ok(b.ackMs > 0 && b.skewMs >= 0 && b.skewMs <= b.ackMs, JSON.stringify(b));
  assert.equal(report.reconciled, true, 'salvo\'s positions agree with the venue\'s');
});

test('hold keeps positions; ctx.submitOrder works like returning orders; strategy errors are logged and the session goes on', async () => {
  const lines: string[] = [];
  let calls = 0;
  const report = await runTrading({
    strategy: (ctx) => {
      calls++;
      if (ctx.tick === 2) throw new Error('boom in tick 2');
      if (ctx.tick === 3) return 'buy everything' as never;
      if (ctx.tick === 1) return { ticker: 'AAPL', quantity: 3, side: 'buy', orderType: 'market' };
      if (ctx.tick === 4) ctx.submitOrder([{ ticker: 'AAPL', quantity: 2, side: 'buy', orderType: 'market' }]);
    },
    tickers: ['AAPL'], frequency: '100ms', runSeconds: 0.6, eosBehavior: 'hold',
    tradeLogPath: logDir, tradeLogName: 'hold', logger: (_l, m) => lines.push(m),
  });
  assert.equal(calls, 6);
  assert.equal(report.strategyErrors, 1);
  assert.ok(lines.some((l) => l.includes('strategy threw on tick 2') && l.includes('boom in tick 2') && l.includes('session.test.ts')), 'stack logged');
  assert.ok(lines.some((l) => l.includes('tick 3') && l.includes('expected a list of orders')));
  assert.deepEqual(report.positions.map((p) => [p.ticker, p.quantity]), [['AAPL', 5]], 'returned and ctx.submitOrder orders both filled');
  assert.ok(report.positions[0].boughtAt > 0);
  const rows = readLog(report.tradeLogFile);
  assert.ok(!rows.some((r) => r.action === 'liquidate'));
});

test('haltOnError ends the session through the normal end of session', async () => {
  const report = await runTrading({
    strategy: (ctx) => {
      if (ctx.tick === 1) return { ticker: 'AAPL', quantity: 2, side: 'buy', orderType: 'market' };
      if (ctx.tick === 3) throw new Error('stop here');
    },
    tickers: ['AAPL'], frequency: '100ms', runSeconds: 30, haltOnError: true, eosBehavior: 'liquidate',
    tradeLogPath: logDir, tradeLogName: 'halt', logger: quiet,
  });
  assert.equal(report.endReason, 'halted');
  assert.equal(report.ticks, 3);
  assert.deepEqual(report.positions, [], 'liquidated on the way out');
});

test('custom end of session: the shutdown action gets a live ctx and what it returns is executed', async () => {
  let seen: number | undefined;
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? [{ ticker: 'MSFT', quantity: 4, side: 'buy', orderType: 'market' }] : undefined),
    customShutdownAction: (ctx) => {
      const p = ctx.getCurrentData().positions.find((x) => x.ticker === 'MSFT');
      seen = p?.quantity;
      return [{ ticker: 'MSFT', quantity: 3, side: 'sell', orderType: 'market', action: 'sell_long' }];
    },
    tickers: ['MSFT'], frequency: '100ms', runSeconds: 0.4, eosBehavior: 'custom',
    tradeLogPath: logDir, tradeLogName: 'custom', logger: quiet,
  });
  assert.equal(seen, 4);
  assert.deepEqual(report.positions.map((p) => [p.ticker, p.quantity]), [['MSFT', 1]]);
  assert.ok(report.realizedPnl !== 0 || report.positions[0].boughtAt > 0);
});

test('retries against a transiently failing venue: every order final, no duplicates, positions reconcile', async () => {
  const lines: string[] = [];
  const report = await runTrading({
    strategy: () => TICKERS.map((ticker) => ({ ticker, quantity: 1, side: 'buy', orderType: 'market' })),
    tickers: TICKERS, frequency: '100ms', runSeconds: 1, eosBehavior: 'hold', numWorkers: 3,
    maxRetries: 8, retryBaseMs: 5, ordersPerMinute: 100_000,
    broker: { type: 'paper', failureRate: 0.3, timeoutRate: 0.15, requestTimeoutMs: 100 },
    tradeLogPath: logDir, tradeLogName: 'retries', logger: (_l, m) => lines.push(m),
  });
  const orders = byOrder(readLog(report.tradeLogFile));
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, h.id);
  assert.ok(lines.some((l) => l.includes('retrying')), 'retries happened');
  assert.equal(report.orders.filled, orders.size, `every order filled: ${JSON.stringify(report.orders)}`);
  // a second order under another id would fill at the venue and show up here as a mismatch
  assert.equal(report.reconciled, true);
  const net = netPositions(orders);
  for (const p of report.positions) assert.equal(p.quantity, net[p.ticker]);
});

// The whole path on the embedded default: sim quotes → strategy → router → workers → paper venue → CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { runTrading } from '../src/index.js';
import { byOrder, netPositions, readLog } from './helpers/trade-log.js';
import { TICKERS, checkCoreSession, coreRun, coreStrategy } from './helpers/integration.js';
import { freePort } from './helpers/ports.js';

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-session-'));
const quiet = () => undefined;

test('integration: blocks of 12 legs with one invalid leg each, 4 workers, liquidate — checked from the CSV alone', async () => {
  const report = await runTrading({
    ...coreRun,
    strategy: coreStrategy(),
    eosBehavior: 'liquidate',
    tradeLogPath: logDir,
    tradeLogName: 'integration',
  });
  checkCoreSession(report);
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
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 0.6,
    eosBehavior: 'hold',
    tradeLogPath: logDir,
    tradeLogName: 'hold',
    logger: (_l, m) => lines.push(m),
  });
  assert.equal(calls, 6);
  assert.equal(report.strategyErrors, 1);
  assert.ok(
    lines.some(
      (l) => l.includes('strategy threw on tick 2') && l.includes('boom in tick 2') && l.includes('session.test.ts'),
    ),
    'stack logged',
  );
  assert.ok(lines.some((l) => l.includes('tick 3') && l.includes('expected a list of orders')));
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 5]],
    'returned and ctx.submitOrder orders both filled',
  );
  const rows = readLog(report.tradeLogFile);
  const fills = rows.filter((r) => r.status === 'filled');
  assert.deepEqual(
    fills.map((r) => Number(r.executed_qty)),
    [3, 2],
  );
  const average = (3 * Number(fills[0].executed_price) + 2 * Number(fills[1].executed_price)) / 5;
  assert.ok(
    Math.abs(report.positions[0].boughtAt - average) < 1e-9,
    `boughtAt ${report.positions[0].boughtAt} is the fills' average ${average}`,
  );
  assert.ok(!rows.some((r) => r.action === 'liquidate'));
});

test('haltOnError ends the session through the normal end of session', async () => {
  const report = await runTrading({
    strategy: (ctx) => {
      if (ctx.tick === 1) return { ticker: 'AAPL', quantity: 2, side: 'buy', orderType: 'market' };
      if (ctx.tick === 3) throw new Error('stop here');
    },
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 30,
    haltOnError: true,
    eosBehavior: 'liquidate',
    tradeLogPath: logDir,
    tradeLogName: 'halt',
    logger: quiet,
  });
  assert.equal(report.endReason, 'halted');
  assert.equal(report.ticks, 3);
  assert.deepEqual(report.positions, [], 'liquidated on the way out');
});

test('custom end of session: the shutdown action gets a live ctx and what it returns is executed', async () => {
  let seen: number | undefined;
  const report = await runTrading({
    strategy: (ctx) =>
      ctx.tick === 1 ? [{ ticker: 'MSFT', quantity: 4, side: 'buy', orderType: 'market' }] : undefined,
    customShutdownAction: (ctx) => {
      const p = ctx.getCurrentData().positions.find((x) => x.ticker === 'MSFT');
      seen = p?.quantity;
      return [{ ticker: 'MSFT', quantity: 3, side: 'sell', orderType: 'market', action: 'sell_long' }];
    },
    tickers: ['MSFT'],
    frequency: '100ms',
    runSeconds: 0.4,
    eosBehavior: 'custom',
    tradeLogPath: logDir,
    tradeLogName: 'custom',
    logger: quiet,
  });
  assert.equal(seen, 4);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['MSFT', 1]],
  );
  // 3 of the 4 sold: realized P&L is 3 × (sell − buy), the one left keeps the buy's price
  const fills = readLog(report.tradeLogFile).filter((r) => r.status === 'filled');
  const buy = fills.find((r) => r.side === 'buy')!;
  const sell = fills.find((r) => r.side === 'sell')!;
  assert.ok(buy && sell, JSON.stringify(fills));
  assert.ok(
    Math.abs(report.realizedPnl - 3 * (Number(sell.executed_price) - Number(buy.executed_price))) < 1e-6,
    `realized ${report.realizedPnl}`,
  );
  assert.equal(report.positions[0].boughtAt, Number(buy.executed_price));
});

test('retries against a transiently failing venue: every order final, no duplicates, positions reconcile', async () => {
  const lines: string[] = [];
  const report = await runTrading({
    strategy: () => TICKERS.map((ticker) => ({ ticker, quantity: 1, side: 'buy', orderType: 'market' })),
    tickers: TICKERS,
    frequency: '100ms',
    runSeconds: 1,
    eosBehavior: 'hold',
    numWorkers: 3,
    maxRetries: 8,
    retryBaseMs: 5,
    ordersPerMinute: 100_000,
    broker: { type: 'paper', failureRate: 0.3, timeoutRate: 0.15, requestTimeoutMs: 100 },
    tradeLogPath: logDir,
    tradeLogName: 'retries',
    logger: (_l, m) => lines.push(m),
  });
  const orders = byOrder(readLog(report.tradeLogFile));
  assert.ok(orders.size >= TICKERS.length, `orders: ${orders.size}`);
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, h.id);
  assert.ok(
    lines.some((l) => l.includes('retrying')),
    'retries happened',
  );
  assert.equal(report.orders.filled, orders.size, `every order filled: ${JSON.stringify(report.orders)}`);
  // a second order under another id would fill at the venue and show up here as a mismatch
  assert.equal(report.reconciled, true);
  const net = netPositions(orders);
  for (const p of report.positions) assert.equal(p.quantity, net[p.ticker]);
});

test('a password inside a connection url never reaches the error, the log or the logger', async () => {
  const secret = 'pw-in-url-7c1d9e';
  const lines: string[] = [];
  const nobody = await freePort(); // nothing listens there
  const error = await runTrading({
    strategy: () => undefined,
    tickers: ['AAPL'],
    quotes: { type: 'redis', url: `redis://:${secret}@127.0.0.1:${nobody}/0` },
    tradeLogPath: logDir,
    tradeLogName: 'url-secret',
    logger: (_l, m) => lines.push(m),
  }).then(
    () => assert.fail('a session without its quote source must not start'),
    (e: Error) => e,
  );
  assert.match(error.message, /session did not start/);
  assert.ok(!error.message.includes(secret), error.message);
  assert.ok(!lines.join('\n').includes(secret));
  assert.ok(!fs.readFileSync(path.join(logDir, 'url-secret.log'), 'utf8').includes(secret));
});

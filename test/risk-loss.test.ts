// Loss limits and trading states in real sessions: a scripted falling market replayed onto the
// board (the paper venue fills at those prices) drives a daily-loss breach. flatten → the venue
// flat and HALTED; halt → open orders canceled, nothing passes, and a restart the same day on the
// same account is still HALTED until the trader clears it with `salvo risk reset`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading, type OrderRequest, type StrategyContext } from '../src/index.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { salvo } from './helpers/cli.js';

const quiet = () => undefined;

/** AAPL 100.00 / 100.10 for 1.5 s, then 0.50 lower every 100 ms for 5 s */
function fallingMarket(dir: string): string {
  const file = path.join(dir, 'falling.csv');
  const lines = ['ticker,timestamp,bid,ask,last'];
  const t0 = 1_700_000_000_000;
  for (let ms = 0; ms <= 6500; ms += 100) {
    const drop = ms <= 1500 ? 0 : ((ms - 1500) / 100) * 0.5;
    lines.push(`AAPL,${t0 + ms},${(100 - drop).toFixed(2)},${(100.1 - drop).toFixed(2)},${(100.05 - drop).toFixed(2)}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const buyOnce =
  (extra: OrderRequest[] = []) =>
  (ctx: StrategyContext): OrderRequest[] =>
    ctx.tick === 1
      ? [{ ticker: 'AAPL', quantity: 100, side: 'buy', orderType: 'market' }, ...extra]
      : [{ ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'market' }];

test('a falling market breaches maxDailyLoss with onBreach flatten: open orders canceled, the venue flat, HALTED', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-loss-flatten-'));
  const lines: string[] = [];
  const report = await runTrading({
    strategy: (ctx) =>
      ctx.tick === 1
        ? [
            { ticker: 'AAPL', quantity: 100, side: 'buy', orderType: 'market' },
            { ticker: 'AAPL', quantity: 5, side: 'buy', orderType: 'limit', limitPrice: 50 },
          ]
        : undefined,
    tickers: ['AAPL'],
    quotes: { type: 'replay', file: fallingMarket(dir) },
    frequency: '100ms',
    runSeconds: 20,
    eosBehavior: 'hold',
    risk: { maxDailyLoss: 200, onBreach: 'flatten' },
    tradeLogPath: dir,
    tradeLogName: 'flatten',
    logger: (_l, m) => lines.push(m),
  });
  assert.equal(report.endReason, 'risk', 'a flatten breach ends the session through its end of session');
  assert.equal(report.risk.state, 'HALTED');
  assert.equal(report.risk.breaches.length, 1);
  const [breach] = report.risk.breaches;
  assert.equal(breach.rule, 'maxDailyLoss');
  assert.equal(breach.action, 'flatten');
  assert.ok(breach.value >= 200, `loss at the breach ${breach.value}`);
  assert.deepEqual(report.positions, [], 'flattened although eosBehavior is hold');
  assert.deepEqual(report.brokerPositions, [], 'the venue is flat');
  assert.ok(report.realizedPnl <= -200, `realized ${report.realizedPnl}`);
  const rows = readLog(report.tradeLogFile);
  const state = rows.filter((r) => r.action === 'risk_state');
  assert.deepEqual(
    state.map((r) => [r.type, r.status, r.raw_status]),
    [['local', 'halted', 'risk']],
  );
  assert.match(state[0].reason, /^maxDailyLoss 200\.00: realized 0\.00 \+ unrealized -2\d\d\.\d\d = -2\d\d\.\d\d$/);
  const orders = byOrder(rows.filter((r) => r.action !== 'risk_state'));
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
  const resting = [...orders.values()].find((h) => h.rows[0].ticker === 'AAPL' && h.terminal[0].status === 'canceled');
  assert.ok(resting, 'the resting limit buy was canceled');
  assert.ok(
    lines.some((l) => l.startsWith('risk: trading state ACTIVE → HALTED: maxDailyLoss 200.00')),
    'the state change is in the session log',
  );
  const review = await salvo(['review', report.tradeLogFile]);
  assert.equal(review.code, 0, `the state row is not an order left open: ${review.stdout}`);
  assert.match(review.stdout, /^trading state HALTED at [\d:.]+: maxDailyLoss 200\.00/m);
});

test('onBreach halt: open orders canceled, nothing passes, positions held; a restart the same day stays HALTED until `salvo risk reset`', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-loss-halt-'));
  const feed = fallingMarket(dir);
  const run = (name: string, extra: OrderRequest[] = []) =>
    runTrading({
      strategy: buyOnce(extra),
      tickers: ['AAPL'],
      quotes: { type: 'replay', file: feed },
      frequency: '100ms',
      runSeconds: 3,
      eosBehavior: 'hold',
      risk: { maxDailyLoss: 200, onBreach: 'halt' },
      tradeLogPath: dir,
      tradeLogName: name,
      logger: quiet,
    });
  const first = await run('halt', [{ ticker: 'AAPL', quantity: 5, side: 'buy', orderType: 'limit', limitPrice: 50 }]);
  assert.equal(first.endReason, 'completed', 'halt keeps the session (and its display) going');
  assert.equal(first.risk.state, 'HALTED');
  assert.ok(first.risk.refusals.byRule.state > 0, "the strategy's buys after the halt were refused");
  const held = first.positions.find((p) => p.ticker === 'AAPL')!;
  assert.ok(held.quantity >= 100, 'positions are held');
  const rows = readLog(first.tradeLogFile);
  const halted = rows.find((r) => r.action === 'risk_state')!;
  assert.equal(halted.status, 'halted');
  const canceled = rows.filter((r) => r.status === 'canceled');
  assert.equal(canceled.length, 1, 'the resting limit buy');
  assert.ok(Number(canceled[0].timestamp) >= Number(halted.timestamp), 'canceled when trading halted, not at the end');
  assert.ok(
    Number(canceled[0].timestamp) < (first.endedAt.getTime() - 1000) / 1000,
    'well before the end of the session',
  );
  const refusedAfter = rows.filter(
    (r) => r.raw_status === 'risk' && r.reason.startsWith('risk: trading state HALTED (maxDailyLoss 200.00'),
  );
  assert.equal(refusedAfter.length, first.risk.refusals.byRule.state);

  const second = await run('halt-restart');
  assert.equal(second.risk.state, 'HALTED', 'still HALTED after a restart the same day');
  assert.equal(second.orders.filled, 0, 'nothing traded');
  const restored = readLog(second.tradeLogFile).find((r) => r.raw_status === 'risk' && r.status === 'rejected');
  assert.match(
    restored!.reason,
    /^risk: trading state HALTED \(restored from \.salvo-risk-paper-[0-9a-f]{12}\.json: maxDailyLoss 200\.00.*clear it with `salvo risk reset`\): nothing passes$/,
  );

  const reset = await salvo(['risk', 'reset', '--log-path', dir]);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /HALTED \(maxDailyLoss 200\.00.*\) cleared for paper-[0-9a-f]{12}/);
  const third = await run('halt-after-reset');
  assert.ok(third.orders.filled > 0, 'trading again after the reset');
});

// A strategy's bracket order end to end on the paper venue: the entry and its two exits are three
// orders of one block in the CSV; the exits work once the entry fills, the take-profit fills at the
// quote that reached it, and the stop-loss ends canceled with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { runTrading, type OrderRequest } from '../src/index.js';
import { BRK_BRACKET } from './helpers/orders.js';
import { loopedReplayRun, replayFile } from './helpers/scripted-exchange.js';
import { byOrder, readLog } from './helpers/trade-log.js';

test('bracket: entry fills, take-profit fills at the crossing bid, stop-loss canceled; a contradictory bracket is rejected whole', async () => {
  // looped, like the stop test: the strategy acts on the opening quote whenever start-up ends
  const file = replayFile([
    { ticker: 'BRK', bid: 99.9, ask: 100.1, at: 0 },
    { ticker: 'BRK', bid: 101.99, ask: 102.2, at: 600 },
    { ticker: 'BRK', bid: 102.05, ask: 102.3, at: 1000 },
    { ticker: 'BRK', bid: 103, ask: 103.2, at: 1400 },
  ]);
  let placed = false;
  const logs: string[] = [];
  const report = await runTrading({
    strategy: (ctx): OrderRequest[] | undefined => {
      const q = ctx.getCurrentData().quotes.BRK;
      if (placed || q.bid !== 99.9) return undefined;
      placed = true;
      return [
        BRK_BRACKET,
        // take-profit under the entry: contradictory
        { ...BRK_BRACKET, quantity: 1, takeProfit: { limitPrice: 99 } },
      ];
    },
    ...loopedReplayRun(['BRK'], file),
    runSeconds: 3,
    warmUpPeriod: '5s',
    tradeLogPath: fs.mkdtempSync(`${os.tmpdir()}/salvo-bracket-`),
    tradeLogName: 'bracket',
    logger: (_l, m) => logs.push(m),
  });
  assert.ok(placed, `never saw the opening quote; log:\n${logs.join('\n')}`);
  const orders = [...byOrder(readLog(report.tradeLogFile)).values()];
  for (const h of orders) assert.equal(h.terminal.length, 1, `${h.id}: one terminal row`);
  const final = orders.map((h) => [
    h.rows[0].action,
    h.terminal[0].status,
    Number(h.terminal[0].executed_price),
    Number(h.terminal[0].executed_qty),
  ]);
  assert.deepEqual(final, [
    ['buy_long', 'filled', 100.1, 5],
    ['sell_long', 'filled', 102.05, 5],
    ['sell_long', 'canceled', 0, 0],
    ['buy_long', 'rejected', 0, 0],
  ]);
  assert.equal(
    new Set(orders.map((h) => h.rows[0].block_id)).size,
    1,
    'one block: the entry, its exits, the refused bracket',
  );
  assert.equal(orders[2].terminal[0].reason, `bracket: sibling ${orders[1].id} filled`);
  assert.match(
    orders[3].terminal[0].reason,
    /takeProfit.limitPrice 99 must be above the entry's price 100.1 for a buy/,
  );
  assert.deepEqual(report.positions, []);
  assert.equal(report.reconciled, true);
});

// A strategy's bracket, OCO and notional orders end to end: over salvo's Alpaca adapter against the
// exchange's Alpaca face (the bracket goes out as one request, its legs come back under Alpaca's own
// ids and land on salvo's orders), and on the paper venue over its ports. Each leg is an order of
// its own with one terminal row and its parent in the CSV; fills at the quotes that cross them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading, type OrderInstruction, type StrategyContext } from '../src/index.js';
import { KEY_ID, SECRET, alpacaVenue } from './helpers/alpaca-exchange.js';
import { BRK_BRACKET, ocoExit } from './helpers/orders.js';
import { loopedReplayRun, replayFile, scriptedExchange } from './helpers/scripted-exchange.js';
import { byOrder, readLog, type OrderHistory } from './helpers/trade-log.js';

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-order-classes-'));
const closers: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.all(closers.map((c) => c()));
});

const oco: OrderInstruction = ocoExit('BRK', 3);

/** each order's first action, final status, price and quantity, and its parent's position in the list */
function finals(orders: OrderHistory[]) {
  const index = new Map(orders.map((h, i) => [h.id, i]));
  for (const h of orders) assert.equal(h.terminal.length, 1, `${h.id}: exactly one terminal row`);
  return orders.map((h) => [
    h.rows[0].action,
    h.terminal[0].status,
    Number(h.terminal[0].executed_price),
    Number(Number(h.terminal[0].executed_qty).toFixed(9)),
    h.rows[0].parent_id === '' ? null : index.get(h.rows[0].parent_id),
  ]);
}

test("over Alpaca: a bracket as one order_class request, an OCO and a notional buy; legs under Alpaca's ids land on salvo's orders", async () => {
  const ex = await scriptedExchange([{ ticker: 'BRK', bid: 99.9, ask: 100.1 }]);
  closers.push(ex.close);
  let phase = 0;
  const strategy = (ctx: StrategyContext): OrderInstruction[] | undefined => {
    const { quotes, positions, orders } = ctx.getCurrentData();
    const held = positions.find((p) => p.ticker === 'BRK')?.quantity ?? 0;
    if (phase === 0 && quotes.BRK?.ask === 100.1) {
      phase = 1;
      return [BRK_BRACKET, { ticker: 'BRK', quantity: 3, side: 'buy', orderType: 'market' }];
    }
    // the bracket's exits work once its entry filled: 8 held, 5 of them being closed by them
    if (phase === 1 && held === 8 && orders.length === 2 && orders.every((o) => o.status === 'new')) {
      phase = 2;
      return [oco, { ticker: 'BRK', notional: 1000, side: 'buy', orderType: 'market' }];
    }
    if (phase === 2 && orders.length === 4 && orders.every((o) => o.status === 'new')) {
      phase = 3;
      ex.quote({ ticker: 'BRK', bid: 102.05, ask: 102.3 }); // the bracket's take-profit
    }
    if (phase === 3 && orders.length === 2) {
      phase = 4;
      ex.quote({ ticker: 'BRK', bid: 96.5, ask: 96.7 }); // the OCO's stop-loss
    }
    if (phase === 4 && orders.length === 0) phase = 5;
    return undefined;
  };
  const report = await runTrading({
    strategy,
    tickers: ['BRK'],
    ...alpacaVenue(ex),
    frequency: '100ms',
    runSeconds: 8,
    eosBehavior: 'hold',
    tradeLogPath: logDir,
    tradeLogName: 'alpaca-classes',
    handleSignals: false,
    logger: () => undefined,
  });
  assert.equal(phase, 5, `the strategy reached phase ${phase} of 5`);
  const orders = [...byOrder(readLog(report.tradeLogFile)).values()];
  assert.deepEqual(finals(orders), [
    ['buy_long', 'filled', 100.1, 5, null],
    ['sell_long', 'filled', 102.05, 5, 0],
    ['sell_long', 'canceled', 0, 0, 0],
    ['buy_long', 'filled', 100.1, 3, null],
    ['sell_long', 'canceled', 0, 0, null],
    ['sell_long', 'filled', 96.5, 3, 4],
    ['buy_long', 'filled', 100.1, 9.99000999, null],
  ]);
  // the exchange's own record, as any Alpaca client reads it: two groups with their legs, a notional order
  const res = await fetch(`${ex.server.restUrl}/v2/orders?status=all&nested=true&direction=asc`, {
    headers: { 'APCA-API-KEY-ID': KEY_ID, 'APCA-API-SECRET-KEY': SECRET },
  });
  const venue = (await res.json()) as Array<Record<string, unknown> & { legs: Array<Record<string, unknown>> | null }>;
  const shape = (o: Record<string, unknown>) => [o.order_class, o.type, o.side, o.status, o.qty, o.notional];
  const heads = venue.filter((o) => o.client_order_id === orders[0].id || o.client_order_id === orders[4].id);
  assert.deepEqual(
    heads.map((o) => [shape(o), (o.legs ?? []).map(shape)]),
    [
      [
        ['bracket', 'market', 'buy', 'filled', '5', null],
        [
          ['bracket', 'limit', 'sell', 'filled', '5', null],
          ['bracket', 'stop', 'sell', 'canceled', '5', null],
        ],
      ],
      [['oco', 'limit', 'sell', 'canceled', '3', null], [['oco', 'stop', 'sell', 'filled', '3', null]]],
    ],
  );
  // Alpaca named the legs: salvo's ids are on the entries only, and the legs' updates still found their orders
  for (const o of heads.flatMap((h) => h.legs ?? []))
    assert.ok(!orders.some((h) => h.id === o.client_order_id), `leg ${o.client_order_id} carries a venue id`);
  assert.deepEqual(shape(venue.find((o) => o.client_order_id === orders[6].id)!), [
    '',
    'market',
    'buy',
    'filled',
    null,
    '1000',
  ]);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, Number(p.quantity.toFixed(9))]),
    [['BRK', 9.99000999]],
  );
  assert.equal(report.reconciled, true);
});

test('on the paper venue over ports: an OCO from a strategy and a notional buy filled in fractional shares', async () => {
  const file = replayFile([
    { ticker: 'OCO', bid: 99.9, ask: 100.1, at: 0 },
    { ticker: 'OCO', bid: 99.8, ask: 100, at: 700 },
    { ticker: 'OCO', bid: 96.5, ask: 96.7, at: 1400 },
    // a looped replay restarts at its last quote's time: this one only closes the loop
    { ticker: 'OCO', bid: 96.5, ask: 96.7, at: 2100 },
  ]);
  let phase = 0;
  const report = await runTrading({
    strategy: (ctx): OrderInstruction[] | undefined => {
      const { quotes, positions, orders } = ctx.getCurrentData();
      const held = positions.find((p) => p.ticker === 'OCO')?.quantity ?? 0;
      if (phase === 0 && quotes.OCO?.bid === 99.9) {
        phase = 1;
        return [{ ticker: 'OCO', notional: 250.25, side: 'buy', orderType: 'market' }];
      }
      if (phase === 1 && held > 0 && orders.length === 0) {
        phase = 2;
        return [{ ...oco, ticker: 'OCO', quantity: 2 }];
      }
      return undefined;
    },
    ...loopedReplayRun(['OCO'], file),
    runSeconds: 3,
    tradeLogPath: logDir,
    tradeLogName: 'paper-classes',
    logger: () => undefined,
  });
  const orders = [...byOrder(readLog(report.tradeLogFile)).values()];
  assert.deepEqual(finals(orders), [
    ['buy_long', 'filled', 100.1, 2.5, null],
    ['sell_long', 'canceled', 0, 0, null],
    ['sell_long', 'filled', 96.5, 2, 1],
  ]);
  assert.equal(orders[1].terminal[0].reason, `oco: sibling ${orders[2].id} filled`);
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, Number(p.quantity.toFixed(9))]),
    [['OCO', 0.5]],
  );
});

// A strategy that manages its own resting orders across ticks: it reads them in
// getCurrentData().orders, moves one with { replace }, cancels it with { cancel }, and clears a
// ticker with { cancelAll }. Real session, paper venue thread, trade log read back as a trader would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { runTrading, type OpenOrder, type OrderInstruction } from '../src/index.js';
import { replayFile } from './helpers/scripted-exchange.js';
import { byOrder, readLog, type Row } from './helpers/trade-log.js';

test('one resting limit order moved twice then canceled: exactly one open order at any time, every outcome in the CSV', async () => {
  const file = replayFile([
    { ticker: 'AAPL', bid: 99.9, ask: 100.1 },
    { ticker: 'MSFT', bid: 399.9, ask: 400.1 },
  ]);
  const seen: OpenOrder[][] = [];
  let stage = 0;
  let firstId = '';
  const steps: Array<(open: OpenOrder[]) => OrderInstruction[] | undefined> = [
    () => [{ ticker: 'AAPL', quantity: 10, side: 'buy', orderType: 'limit', limitPrice: 95, timeInForce: 'gtc' }],
    (open) => {
      if (open[0]?.status !== 'new') return undefined;
      firstId = open[0].clientOrderId;
      return [{ replace: firstId, limitPrice: 96 }];
    },
    (open) =>
      open[0]?.limitPrice === 96 && open[0].status === 'new'
        ? [{ replace: open[0].clientOrderId, limitPrice: 97, quantity: 8 }]
        : undefined,
    (open) =>
      open[0]?.limitPrice === 97 && open[0].status === 'new' ? [{ cancel: open[0].clientOrderId }] : undefined,
    // once it is gone: a cancel of the now final first order and a replace of an unknown one are refused in the CSV
    (open) =>
      open.length === 0
        ? [
            { cancel: firstId },
            { replace: 'nope-1' },
            { ticker: 'MSFT', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 390 },
            { ticker: 'MSFT', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 391 },
          ]
        : undefined,
    (open) => (open.length === 2 && open.every((o) => o.status === 'new') ? [{ cancelAll: 'MSFT' }] : undefined),
    () => undefined,
  ];
  const report = await runTrading({
    strategy: (ctx) => {
      const open = ctx.getCurrentData().orders;
      seen.push(open);
      const out = steps[stage](open);
      if (out) stage++;
      return out;
    },
    tickers: ['AAPL', 'MSFT'],
    quotes: { type: 'replay', file, speed: 0 },
    broker: { type: 'paper' },
    frequency: '50ms',
    runSeconds: 3,
    warmUpPeriod: '5s',
    eosBehavior: 'hold',
    tradeLogPath: fs.mkdtempSync(`${os.tmpdir()}/salvo-manage-`),
    tradeLogName: 'manage',
    handleSignals: false,
    logger: () => undefined,
  });
  assert.equal(stage, steps.length - 1, `the strategy went through every step (stuck at ${stage})`);
  const rows = readLog(report.tradeLogFile);
  const orders = byOrder(rows);
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: exactly one terminal row`);

  const aapl = [...orders.values()].filter(
    (h) => h.rows[0].ticker === 'AAPL' && !h.id.startsWith('cancel-') && !h.id.startsWith('replace-'),
  );
  assert.equal(aapl.length, 3, 'the first order and its two replacements');
  const [first, second, third] = aapl;
  assert.deepEqual(term(first), ['canceled', 'replaced', `replaced by ${second.id}`]);
  assert.deepEqual(term(second), ['canceled', 'replaced', `replaced by ${third.id}`]);
  assert.deepEqual(term(third).slice(0, 2), ['canceled', 'canceled']);
  // at the venue: each order's life (its 'new' to its end, venue clock) starts when the previous one ended
  for (const [a, b] of [
    [first, second],
    [second, third],
  ]) {
    assert.ok(at(b, 'new') >= at(a, a.terminal[0].status), `${b.id} opened only after ${a.id} ended`);
  }
  assert.ok(
    seen.every((open) => open.filter((o) => o.ticker === 'AAPL').length <= 1),
    'the strategy never saw two AAPL orders',
  );
  const refused = [...orders.values()]
    .filter((h) => h.id.startsWith('cancel-') || h.id.startsWith('replace-'))
    .map((h) => h.terminal[0].reason);
  assert.deepEqual(refused.sort(), [
    `cancel of ${first.id} refused: the order is already canceled`,
    "replace of unknown order 'nope-1': not an order of this session",
  ]);
  const msft = [...orders.values()].filter((h) => h.rows[0].ticker === 'MSFT');
  assert.deepEqual(
    msft.map((h) => h.terminal[0].status),
    ['canceled', 'canceled'],
    'cancelAll MSFT took both',
  );
  assert.equal(seen.at(-1)!.length, 0);
  assert.deepEqual(report.stillOpen, []);
});

const term = (h: { terminal: Row[] }) => [h.terminal[0].status, h.terminal[0].raw_status, h.terminal[0].reason];
const at = (h: { rows: Row[] }, status: string) =>
  Number(h.rows.find((r) => r.status === status && r.type === 'execution')!.timestamp);

test('cancels that overtake: one waiting for rate budget is withdrawn unsent, one on the wire is canceled once acknowledged', async () => {
  const file = replayFile([
    { ticker: 'AAPL', bid: 99.9, ask: 100.1 },
    { ticker: 'MSFT', bid: 399.9, ask: 400.1 },
  ]);
  let stage = 0;
  const ids: Record<string, string> = {};
  const report = await runTrading({
    strategy: (ctx) => {
      const open = ctx.getCurrentData().orders;
      if (stage === 0) {
        stage++;
        // a burst of one: the second leg waits for budget (one order a minute)
        return [
          { ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 90, timeInForce: 'gtc' },
          { ticker: 'MSFT', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 390, timeInForce: 'gtc' },
        ];
      }
      if (stage === 1 && open.length === 2) {
        stage++;
        for (const o of open) ids[o.ticker] = `${o.clientOrderId}:${o.status}`;
        // the first is still on its way to a slow venue (or just acknowledged); the second never left
        return open.map((o) => ({ cancel: o.clientOrderId }));
      }
      return undefined;
    },
    tickers: ['AAPL', 'MSFT'],
    quotes: { type: 'replay', file, speed: 0 },
    broker: { type: 'paper', latencyMs: 400 },
    ordersPerMinute: 1,
    burst: 1,
    frequency: '50ms',
    runSeconds: 2,
    warmUpPeriod: '5s',
    eosBehavior: 'hold',
    tradeLogPath: fs.mkdtempSync(`${os.tmpdir()}/salvo-overtake-`),
    tradeLogName: 'overtake',
    handleSignals: false,
    logger: () => undefined,
  });
  assert.equal(stage, 2, 'the strategy saw both orders and canceled them');
  const orders = byOrder(readLog(report.tradeLogFile));
  const aapl = orders.get(ids.AAPL.split(':')[0])!;
  const msft = orders.get(ids.MSFT.split(':')[0])!;
  assert.equal(ids.MSFT.split(':')[1], 'queued', 'the MSFT leg was still waiting for budget when canceled');
  assert.deepEqual(term(msft), ['canceled', 'not_sent', 'canceled by the strategy before it was sent']);
  assert.equal(msft.rows.filter((r) => r.type === 'execution').length, 0, 'it never reached the venue');
  assert.deepEqual(term(aapl).slice(0, 2), ['canceled', 'canceled'], 'the AAPL leg was canceled at the venue');
  assert.ok(
    aapl.rows.some((r) => r.status === 'new'),
    'after the venue had acknowledged it',
  );
  assert.deepEqual(report.stillOpen, []);
});

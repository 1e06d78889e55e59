// The core integration session, shared by every venue it must run against unchanged (the embedded
// paper venue, Alpaca's API, FIX): several tickers, blocks of 12 legs — six market buys, five limit
// buys far below the market that rest until the end, one invalid leg — and what must then hold,
// checked from the CSV alone.
import assert from 'node:assert/strict';
import type { OrderRequest, SessionReport, StrategyContext } from '../../src/index.js';
import { byOrder, countTerminal, netPositions, readLog } from './trade-log.js';

export const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META'];
const cents = (x: number) => Math.round(x * 100) / 100;

/** `limitOnly`: marketable limit buys instead of market orders (QuickFIX's executor takes only limits) */
export function coreStrategy({ limitOnly = false } = {}) {
  return (ctx: StrategyContext): OrderRequest[] => {
    const { quotes } = ctx.getCurrentData();
    const quantity = 1 + (ctx.tick % 3);
    const legs: OrderRequest[] = TICKERS.map((ticker) =>
      limitOnly
        ? { ticker, quantity, side: 'buy', orderType: 'limit', limitPrice: cents(quotes[ticker].ask * 1.01) }
        : { ticker, quantity, side: 'buy', orderType: 'market' },
    );
    for (const ticker of TICKERS.slice(0, 5))
      legs.push({ ticker, quantity: 1, side: 'buy', orderType: 'limit', limitPrice: cents(quotes[ticker].bid * 0.5) });
    legs.push({ ticker: 'AAPL', quantity: -1, side: 'buy', orderType: 'market' });
    return legs;
  };
}

/** the run options every venue shares; add broker, quotes and the log's name */
export const coreRun = {
  tickers: TICKERS,
  frequency: '200ms',
  runSeconds: 2.5,
  numWorkers: 4,
  ordersPerMinute: 100_000,
  logger: () => undefined,
} as const;

/**
 * One terminal row per order, the invalid leg of each block rejected locally, one block per tick
 * plus the closing block, flat at the end, the report equal to the CSV, all four workers used,
 * positions reconciled with the venue. `restingCanceled`: the far-below limits were canceled at
 * the end (a venue that fills every limit, like QuickFIX's executor, leaves nothing resting).
 */
export function checkCoreSession(report: SessionReport, { restingCanceled = true } = {}) {
  const rows = readLog(report.tradeLogFile);
  const orders = byOrder(rows);
  for (const h of orders.values())
    assert.equal(
      h.terminal.length,
      1,
      `${h.id} has ${h.terminal.length} terminal rows: ${h.rows.map((r) => r.status)}`,
    );
  const invalid = [...orders.values()].filter((h) =>
    h.terminal[0].reason.includes('quantity must be a positive finite number'),
  );
  assert.equal(invalid.length, report.ticks, 'one invalid leg per strategy block');
  for (const h of invalid) {
    assert.equal(h.terminal[0].status, 'rejected');
    assert.equal(h.terminal[0].worker_id, '0', 'an invalid order never reaches a worker');
  }
  assert.ok(report.ticks >= 10, `ticks: ${report.ticks}`);
  assert.equal(
    new Set(rows.map((r) => r.block_id)).size,
    report.ticks + 1,
    'one block per tick plus the liquidation block',
  );
  for (const [ticker, qty] of Object.entries(netPositions(orders)))
    assert.ok(Math.abs(qty) < 1e-9, `${ticker} not flat: ${qty}`);
  assert.deepEqual(report.positions, []);
  const fromCsv = countTerminal(orders);
  for (const status of ['filled', 'canceled', 'rejected', 'expired', 'failed'] as const)
    assert.equal(report.orders[status], fromCsv[status], status);
  assert.equal(report.orders.total, orders.size);
  assert.equal(report.orders.open, 0);
  assert.equal(report.orders.failed, 0, 'every order reached the venue');
  // the venue's updates arrive in order: the state table refuses none (a repeated ack is no refusal)
  assert.deepEqual(report.refusedTransitions, { count: 0, withFill: 0, byReason: {}, first: [] });
  assert.equal(report.foreignUpdates, 0, 'every update was for an order of this session');
  if (restingCanceled)
    assert.ok(report.orders.canceled >= 5 * report.ticks, 'resting limit orders were canceled at the end');
  assert.ok(
    rows.some((r) => r.action === 'liquidate' && r.status === 'filled'),
    'liquidation filled',
  );
  // client order ids: <action>-<workerId>-<8 hex>-<strategyId>, workers 1..4 all used
  for (const id of orders.keys())
    assert.ok(
      /^(buy_long|liquidate|sell_long)-[0-4]-[0-9a-f]{8}-/.test(id) && id.endsWith(`-${report.strategyId}`),
      `${id} is not <action>-<worker>-<8 hex>-${report.strategyId}`,
    );
  assert.deepEqual(
    new Set(rows.filter((r) => r.worker_id !== '0').map((r) => r.worker_id)),
    new Set(['1', '2', '3', '4']),
  );
  assert.equal(report.blocks.length, report.ticks + 1);
  for (const b of report.blocks) assert.ok(b.ackMs > 0 && b.skewMs >= 0 && b.skewMs <= b.ackMs, JSON.stringify(b));
  assert.equal(report.reconciled, true, "salvo's positions agree with the venue's");
  return { rows, orders, invalid };
}

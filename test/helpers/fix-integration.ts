// The core integration session of test/session.test.ts (several tickers, 4 workers, blocks of
// 12 legs with one invalid leg each, end of session), run against a FIX broker and checked from
// the CSV alone. `limitOnly` is for QuickFIX's executor, which fills every limit order at its
// own price and rejects anything else: every leg is then a limit order (marketable buys, and the
// far-below buys that the paper venue leaves resting), and the end of session liquidates with
// marketable limit sells through a custom shutdown action instead of market orders.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading, type OrderRequest, type SessionReport, type StrategyContext } from '../../src/index.js';
import { byOrder, countTerminal, netPositions, readLog } from './trade-log.js';

export const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META'];
const cents = (x: number) => Math.round(x * 100) / 100;

export async function fixIntegrationSession(broker: Record<string, unknown>, name: string, limitOnly: boolean): Promise<SessionReport> {
  const strategy = (ctx: StrategyContext): OrderRequest[] => {
    const { quotes } = ctx.getCurrentData();
    const qty = 1 + (ctx.tick % 3);
    const legs: OrderRequest[] = TICKERS.map((ticker) => (limitOnly
      ? { ticker, quantity: qty, side: 'buy', orderType: 'limit', limitPrice: cents(quotes[ticker].ask * 1.01) }
      : { ticker, quantity: qty, side: 'buy', orderType: 'market' }));
    // resting limit buys far below the market: at the paper venue still open at the end
    for (const ticker of TICKERS.slice(0, 5)) legs.push({ ticker, quantity: 1, side: 'buy', orderType: 'limit', limitPrice: cents(quotes[ticker].bid * 0.5) });
    legs.push({ ticker: 'AAPL', quantity: -1, side: 'buy', orderType: 'market' });
    return legs;
  };
  const flattenWithLimits = async (ctx: StrategyContext): Promise<OrderRequest[]> => {
    // 'custom' does not cancel and wait first as 'liquidate' does (and the executor cannot cancel):
    // let the last block's fills land, until the positions hold still for 300 ms
    const held = () => JSON.stringify(ctx.getCurrentData().positions.map((p) => [p.ticker, p.quantity]));
    let seen = '';
    for (let i = 0; i < 30 && seen !== (seen = held()); i++) await new Promise((r) => setTimeout(r, 300));
    const { quotes, positions } = ctx.getCurrentData();
    return positions.filter((p) => p.quantity > 0).map((p) => ({
      ticker: p.ticker, quantity: p.quantity, side: 'sell', orderType: 'limit', action: 'liquidate', limitPrice: cents(quotes[p.ticker].bid * 0.99),
    }));
  };
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-fix-session-'));
  const report = await runTrading({
    strategy, tickers: TICKERS, frequency: '200ms', runSeconds: 2.5, numWorkers: 4, ordersPerMinute: 100_000,
    eosBehavior: limitOnly ? 'custom' : 'liquidate', ...(limitOnly ? { customShutdownAction: flattenWithLimits } : {}),
    eosTimeout: 10, broker: broker as never, tradeLogPath: logDir, tradeLogName: name, logger: () => undefined,
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
  assert.equal(report.orders.failed, 0, 'every order reached the FIX peer');
  if (limitOnly) assert.equal(report.orders.filled, orders.size - invalid.length, 'the executor fills every limit order');
  else assert.ok(report.orders.canceled >= 5 * report.ticks, 'resting limit orders were canceled at the end');
  assert.ok(rows.some((r) => r.action === 'liquidate' && r.status === 'filled'), 'liquidation filled');
  for (const id of orders.keys()) assert.match(id, /^(buy_long|liquidate|sell_long)-[0-4]-[0-9a-f]{8}$/);
  assert.deepEqual(new Set(rows.filter((r) => r.worker_id !== '0').map((r) => r.worker_id)), new Set(['1', '2', '3', '4']));
  assert.equal(report.blocks.length, report.ticks + 1);
  for (const b of report.blocks) assert.ok(b.ackMs > 0 && b.skewMs >= 0 && b.skewMs <= b.ackMs, JSON.stringify(b));
  assert.equal(report.reconciled, true, 'salvo\'s positions agree with the FIX session\'s');
  // the venue's own words for the order states reached the trade log
  assert.ok(rows.some((r) => r.type === 'execution' && r.raw_status === 'FILLED'), 'FIX OrdStatus in raw_status');
  return report;
}

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
import { TICKERS, checkCoreSession, coreRun, coreStrategy } from './integration.js';

export { TICKERS };
const cents = (x: number) => Math.round(x * 100) / 100;

export async function fixIntegrationSession(
  broker: Record<string, unknown>,
  name: string,
  limitOnly: boolean,
): Promise<SessionReport> {
  const strategy = coreStrategy({ limitOnly });
  const flattenWithLimits = async (ctx: StrategyContext): Promise<OrderRequest[]> => {
    // 'custom' does not cancel and wait first as 'liquidate' does (and the executor cannot cancel):
    // let the last block's fills land, until the positions hold still for 300 ms
    const held = () => JSON.stringify(ctx.getCurrentData().positions.map((p) => [p.ticker, p.quantity]));
    let seen = '';
    for (let i = 0; i < 30 && seen !== (seen = held()); i++) await new Promise((r) => setTimeout(r, 300));
    const { quotes, positions } = ctx.getCurrentData();
    return positions
      .filter((p) => p.quantity > 0)
      .map((p) => ({
        ticker: p.ticker,
        quantity: p.quantity,
        side: 'sell',
        orderType: 'limit',
        action: 'liquidate',
        limitPrice: cents(quotes[p.ticker].bid * 0.99),
      }));
  };
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-fix-session-'));
  const report = await runTrading({
    ...coreRun,
    strategy,
    eosBehavior: limitOnly ? 'custom' : 'liquidate',
    ...(limitOnly ? { customShutdownAction: flattenWithLimits } : {}),
    eosTimeout: 10,
    broker: broker as never,
    tradeLogPath: logDir,
    tradeLogName: name,
  });
  const { rows, orders, invalid } = checkCoreSession(report, { restingCanceled: !limitOnly });
  if (limitOnly)
    assert.equal(report.orders.filled, orders.size - invalid.length, 'the executor fills every limit order');
  // the venue's own words for the order states reached the trade log
  assert.ok(
    rows.some((r) => r.type === 'execution' && r.raw_status === 'FILLED'),
    'FIX OrdStatus in raw_status',
  );
  return report;
}

// Single-ticker mean reversion: trade against a z-score of the mid over a rolling window.
// Run it: npx tsx strategies/mean-reversion.ts
import { isEntryPoint, runTrading, type OrderRequest, type StrategyContext } from '../src/index.js';

const TICKER = 'AAPL';
const WINDOW = 20;
const SIZE = 10;
const mids: number[] = []; // outlives each call, like blockpaca's module-level state

export default function meanReversion(ctx: StrategyContext): OrderRequest[] | undefined {
  const { quotes, positions } = ctx.getCurrentData();
  const q = quotes[TICKER];
  if (!q) return;
  mids.push((q.bid + q.ask) / 2);
  if (mids.length > WINDOW) mids.shift();
  if (mids.length < WINDOW) return;
  const mean = mids.reduce((a, b) => a + b, 0) / WINDOW;
  const sd = Math.sqrt(mids.reduce((a, b) => a + (b - mean) ** 2, 0) / WINDOW) || 1e-9;
  const z = (mids[mids.length - 1] - mean) / sd;
  const held = positions.find((p) => p.ticker === TICKER)?.quantity ?? 0;
  const order = (side: 'buy' | 'sell', action: OrderRequest['action'], quantity = SIZE): OrderRequest[] => [
    { ticker: TICKER, quantity, side, orderType: 'market', action },
  ];
  if (z < -1 && held === 0) return order('buy', 'buy_long');
  if (z < -1 && held < 0) return order('buy', 'buy_to_cover', -held);
  if (z > 1 && held === 0) return order('sell', 'short_sell');
  if (z > 1 && held > 0) return order('sell', 'sell_long', held);
}

if (isEntryPoint(import.meta.url)) {
  const report = await runTrading({
    strategy: meanReversion,
    tickers: [TICKER],
    frequency: '250ms',
    runSeconds: 30,
    eosBehavior: 'liquidate',
    tradeLogName: 'mean-reversion',
    quotes: { type: 'sim', volatility: 2, seed: 7 },
  });
  console.log(
    `${report.orders.filled} filled, realized P&L ${report.realizedPnl.toFixed(2)}, log: ${report.tradeLogFile}`,
  );
}

// Multi-leg basket: every few ticks, buy the ten names below their session average as one block,
// and sell the ones above it as another. Each block's legs go out together.
// Run it: npx tsx strategies/basket.ts
import { isEntryPoint, runTrading, type OrderRequest, type StrategyContext } from '../src/index.js';

export const BASKET = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AVGO', 'JPM', 'V'];
const EVERY = 4;
const LOT = 5;
const sums: Record<string, { total: number; n: number }> = {};

export default function basket(ctx: StrategyContext): OrderRequest[] | undefined {
  const { quotes, positions } = ctx.getCurrentData();
  for (const [ticker, q] of Object.entries(quotes)) {
    const s = (sums[ticker] ??= { total: 0, n: 0 });
    s.total += (q.bid + q.ask) / 2;
    s.n++;
  }
  if (ctx.tick % EVERY !== 0) return;
  const held = new Map(positions.map((p) => [p.ticker, p.quantity]));
  const legs: OrderRequest[] = [];
  for (const ticker of BASKET) {
    const q = quotes[ticker];
    if (!q) continue;
    const average = sums[ticker].total / sums[ticker].n;
    const mid = (q.bid + q.ask) / 2;
    const qty = held.get(ticker) ?? 0;
    if (mid < average) legs.push({ ticker, quantity: LOT, side: 'buy', orderType: 'market' });
    else if (qty > 0) legs.push({ ticker, quantity: qty, side: 'sell', orderType: 'market', action: 'sell_long' });
  }
  return legs;
}

if (isEntryPoint(import.meta.url)) {
  const report = await runTrading({
    strategy: basket,
    tickers: BASKET,
    frequency: 1,
    runSeconds: 30,
    eosBehavior: 'liquidate',
    tradeLogName: 'basket',
    numWorkers: 4,
  });
  const worst = Math.max(...report.blocks.map((b) => b.ackMs));
  console.log(
    `${report.blocks.length} blocks, slowest ack ${worst.toFixed(1)} ms, ${report.orders.filled} filled, log: ${report.tradeLogFile}`,
  );
}

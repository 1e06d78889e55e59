// A strategy with three bugs, for the README's "Risk limits and the kill switch": run it with
// `npx salvo run strategies/buggy.ts --no-display` and see what the risk limits refuse.
import type { OrderRequest, StrategyContext } from '../src/index.js';

export const config = {
  tickers: ['AAPL', 'MSFT', 'NVDA'],
  frequency: '500ms',
  runSeconds: 5,
  eosBehavior: 'liquidate',
  risk: { maxOrderQuantity: 500, maxPositionQuantity: 100, duplicateWindowMs: 60_000, maxDailyLoss: 1_000 },
};

let entry: number | undefined;

export default function strategy(ctx: StrategyContext): OrderRequest[] {
  const { quotes } = ctx.getCurrentData();
  entry ??= Math.floor(quotes.AAPL.bid * 0.98);
  return [
    // bug 1: meant $10,000 of MSFT, forgot to divide by the price
    { ticker: 'MSFT', quantity: 10_000, side: 'buy', orderType: 'market' },
    // bug 2: re-sends the same resting limit buy every tick without looking at its open orders
    { ticker: 'AAPL', quantity: 50, side: 'buy', orderType: 'limit', limitPrice: entry },
    // bug 3: "buy 25 while the signal is on" — and the signal never turns off
    { ticker: 'NVDA', quantity: 25, side: 'buy', orderType: 'market' },
  ];
}

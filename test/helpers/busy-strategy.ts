// A strategy that keeps a session busy for the kill switch tests: every tick one market buy and
// eight limit buys far below the market (they rest at the venue until canceled).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrderRequest, StrategyContext } from '../../src/index.js';

export function busyStrategy(ctx: StrategyContext): OrderRequest[] {
  const bid = ctx.getCurrentData().quotes.AAPL.bid;
  const resting = Array.from(
    { length: 8 },
    (_, i) =>
      ({
        ticker: 'AAPL',
        quantity: 1 + i,
        side: 'buy',
        orderType: 'limit',
        limitPrice: Math.floor(bid * 0.5),
      }) as const,
  );
  return [{ ticker: 'AAPL', quantity: 2, side: 'buy', orderType: 'market' }, ...resting];
}

/** 10 orders a second with a burst of 5: after the first tick there is always a backlog */
export const throttled = {
  tickers: ['AAPL'],
  frequency: '100ms',
  runSeconds: 30,
  ordersPerMinute: 600,
  burst: 5,
  eosBehavior: 'hold' as const,
};

/** a strategy file for `salvo run` in `dir`: busyStrategy with the throttled config */
export function writeBusyStrategyFile(dir: string, runSeconds: number): string {
  const file = path.join(dir, 'busy.ts');
  fs.writeFileSync(
    file,
    [
      `import { busyStrategy } from ${JSON.stringify(fileURLToPath(import.meta.url))};`,
      'export default busyStrategy;',
      `export const config = ${JSON.stringify({ ...throttled, runSeconds })};`,
    ].join('\n'),
  );
  return file;
}

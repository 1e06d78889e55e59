// A session with the live display, for the tmux test and the README capture:
// argv = <logDir> <name> [runSeconds] [tickers] ['crash']. Buys 5 AAPL on tick 1 and 3 MSFT on tick 2
// (sim quotes, paper venue), rests one limit buy far below the market, then holds until the
// clock runs out or `q` is pressed; liquidates at the end. Prints the report as JSON to fd 3
// when given (the screen belongs to the display), else to stdout. 'crash': an uncaught exception
// on tick 4, outside the strategy call (the terminal must still be restored).
import fs from 'node:fs';
import { runTrading, type OrderRequest } from '../../src/index.js';

const [dir, name, seconds = '60', tickerCount = '4', mode] = process.argv.slice(2);
const tickers = [
  'AAPL',
  'MSFT',
  'NVDA',
  'AMZN',
  ...Array.from({ length: Math.max(0, Number(tickerCount) - 4) }, (_, i) => `T${String(i).padStart(3, '0')}`),
];
const report = await runTrading({
  strategy: (ctx): OrderRequest[] | undefined => {
    if (ctx.tick === 1) return [{ ticker: 'AAPL', quantity: 5, side: 'buy', orderType: 'market' }];
    if (ctx.tick === 2)
      return [
        { ticker: 'MSFT', quantity: 3, side: 'buy', orderType: 'market' },
        { ticker: 'NVDA', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 1 },
      ];
    if (ctx.tick === 3) ctx.log('display test: orders placed');
    if (ctx.tick === 4 && mode === 'crash')
      setTimeout(() => {
        throw new Error('display test: crash outside the strategy');
      }, 0);
    return undefined;
  },
  tickers: tickers.slice(0, Math.max(1, Number(tickerCount))),
  frequency: '250ms',
  runSeconds: Number(seconds),
  warmUpPeriod: 3,
  eosBehavior: 'liquidate',
  numWorkers: 2,
  liveDisplay: true,
  displayRefreshRate: 0.2,
  maxTradeUpdates: 12,
  tradeLogPath: dir,
  tradeLogName: name,
  quotes: { type: 'sim', seed: 7, startPrices: { AAPL: 190, MSFT: 410, NVDA: 120, AMZN: 180 } },
});
const line = `${JSON.stringify(report)}\n`;
try {
  fs.writeSync(3, line);
} catch {
  process.stdout.write(line);
}

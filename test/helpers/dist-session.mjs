// Runs a short session from the built package (dist/), so worker threads start from .js files.
import { runTrading } from '../../dist/index.js';

const report = await runTrading({
  strategy: (ctx) =>
    ctx.tick === 1
      ? [
          { ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'market' },
          { ticker: 'MSFT', quantity: 2, side: 'buy', orderType: 'market' },
        ]
      : undefined,
  tickers: ['AAPL', 'MSFT'],
  frequency: '100ms',
  runSeconds: 0.3,
  numWorkers: 2,
  tradeLogPath: process.argv[2],
  tradeLogName: 'dist',
  logger: () => undefined,
});
process.stdout.write(`${JSON.stringify(report.orders)}\n`);

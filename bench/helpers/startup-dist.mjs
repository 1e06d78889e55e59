// runTrading() → first strategy call from the built package (plain node, no TypeScript compile in
// any thread): prints the milliseconds, warm-up taken out. argv: <log dir>
import { runTrading } from '../../dist/index.js';

let first = 0;
const t0 = performance.now();
const report = await runTrading({
  strategy: (ctx) => {
    if (ctx.tick === 1) first = performance.now();
  },
  tickers: ['AAPL', 'MSFT'],
  frequency: '100ms',
  runSeconds: 0.3,
  numWorkers: 4,
  tradeLogPath: process.argv[2],
  tradeLogName: 'bench-startup-dist',
  logger: () => undefined,
});
process.stdout.write(`${first - t0 - report.warmUpMs}\n`);

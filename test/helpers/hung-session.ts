// A session whose strategy hangs on tick 2 (a Promise that never settles) under a strategyTimeout
// far longer than the test: only the stop path can end it. argv = <logDir> <name>.
import { runTrading } from '../../src/index.js';

const [dir, name] = process.argv.slice(2);
const report = await runTrading({
  strategy: (ctx) => {
    if (ctx.tick === 1) return { ticker: 'AAPL', quantity: 5, side: 'buy', orderType: 'market' };
    ctx.log('hanging now');
    return new Promise(() => undefined);
  },
  tickers: ['AAPL'],
  frequency: '50ms',
  runSeconds: 600,
  strategyTimeout: '10m',
  eosBehavior: 'liquidate',
  tradeLogPath: dir,
  tradeLogName: name,
});
process.stdout.write(`${JSON.stringify(report)}\n`);

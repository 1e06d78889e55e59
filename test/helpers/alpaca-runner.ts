// One runner process for the multi-process test: buys its tickers each tick, liquidates at the end,
// and prints its report as JSON. Argument: JSON { tickers, broker, quotes, tradeLogPath, tradeLogName }.
import { runTrading } from '../../src/index.js';

const args = JSON.parse(process.argv[2]);
const report = await runTrading({
  ...args,
  strategy: () =>
    (args.tickers as string[]).map((ticker) => ({ ticker, quantity: 1, side: 'buy', orderType: 'market' })),
  frequency: '100ms',
  runSeconds: 1,
  numWorkers: 2,
  eosBehavior: 'liquidate',
  ordersPerMinute: 100_000,
  logger: () => undefined,
});
process.stdout.write(JSON.stringify({ orders: report.orders, positions: report.positions, file: report.tradeLogFile }));

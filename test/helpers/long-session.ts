// A long session in its own process, for the signal tests: argv = <logDir> <name> [venue latency ms].
// Prints the report as one JSON line on stdout when the session ends.
import { runTrading } from '../../src/index.js';

const [dir, name, latencyMs = '0'] = process.argv.slice(2);
const report = await runTrading({
  strategy: (ctx) => [
    { ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'market' },
    { ticker: 'MSFT', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 1 }, // rests until canceled
    ...(ctx.tick % 2
      ? []
      : [
          {
            ticker: 'AAPL',
            quantity: 1,
            side: 'sell' as const,
            orderType: 'market' as const,
            action: 'sell_long' as const,
          },
        ]),
  ],
  tickers: ['AAPL', 'MSFT'],
  frequency: '50ms',
  runSeconds: 120,
  eosBehavior: 'liquidate',
  tradeLogPath: dir,
  tradeLogName: name,
  broker: { type: 'paper', latencyMs: Number(latencyMs) },
});
process.stdout.write(`${JSON.stringify(report)}\n`);

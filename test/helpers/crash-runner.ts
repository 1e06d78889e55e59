// A runner for the fault suite, to be killed with SIGKILL at any instant: each tick one block of
// market buys and a resting limit buy, liquidate at the end; with "resume" it picks up the session
// named tradeLogName first. Prints its report as one JSON line when it ends on its own.
// Argument: JSON { broker, tickers, tradeLogPath, tradeLogName, resume, runSeconds }.
import { runTrading } from '../../src/index.js';

const args = JSON.parse(process.argv[2]);
const tickers = args.tickers as string[];
const report = await runTrading({
  ...args,
  strategy: (ctx) => [
    ...tickers.map((ticker) => ({
      ticker,
      quantity: 1 + (ctx.tick % 3),
      side: 'buy' as const,
      orderType: 'market' as const,
    })),
    {
      ticker: tickers[ctx.tick % tickers.length],
      quantity: 1,
      side: 'buy' as const,
      orderType: 'limit' as const,
      limitPrice: 1,
    },
  ],
  frequency: '100ms',
  warmUpPeriod: 0,
  numWorkers: 2,
  eosBehavior: 'liquidate',
  ordersPerMinute: 100_000,
  maxRetries: 8,
  retryBaseMs: 5,
  // the fault suite times most kills from the start of trading
  logger: (level, message) => {
    if (level !== 'info' || message.startsWith('trading for')) process.stderr.write(`${message}\n`);
  },
});
process.stdout.write(
  `${JSON.stringify({ orders: report.orders, positions: report.positions, reconciled: report.reconciled, resumed: report.resumed, orphans: report.orphans, endReason: report.endReason, ticks: report.ticks })}\n`,
);

// A session that sends one bracket over Alpaca (buy 1 at market, exits far from the quote, so they
// rest) and then idles, to be killed with SIGKILL while its exits rest at the venue.
// Argument: JSON { broker, ticker, tradeLogPath, tradeLogName }.
import { runTrading, type OrderRequest } from '../../src/index.js';

const { ticker, ...args } = JSON.parse(process.argv[2]);
let sent = false;
await runTrading({
  ...args,
  tickers: [ticker],
  strategy: (ctx): OrderRequest[] | undefined => {
    const q = ctx.getCurrentData().quotes[ticker];
    if (sent || !q?.ask) return undefined;
    sent = true;
    return [
      {
        ticker,
        quantity: 1,
        side: 'buy',
        orderType: 'market',
        orderClass: 'bracket',
        takeProfit: { limitPrice: Math.round(q.ask * 150) / 100 },
        stopLoss: { stopPrice: Math.round(q.bid * 50) / 100 },
      },
    ];
  },
  frequency: '100ms',
  runSeconds: 120,
  warmUpPeriod: 0,
  numWorkers: 2,
  eosBehavior: 'liquidate',
  logger: () => undefined,
});

// One runner of several on one account, for the shared rate limit tests: it wants far more than
// its share (a resting limit buy every tick) and shares the limit through Redis. The margin is wide
// (1 s of a 4 s window): on a loaded 2-core machine the exchange's own event loop stalls for hundreds
// of ms and stamps a backlog of arrivals at once.
// argv = <logDir> <name> <restUrl> <streamUrl> <redisUrl> <share> <ordersPerMinute> <windowSeconds> <runSeconds> [frequency] [margin: ms | 'default']
import { runTrading } from '../../src/index.js';
import { KEY_ID, SECRET } from './alpaca-exchange.js';

const [
  dir,
  name,
  baseUrl,
  streamUrl,
  redis,
  share,
  perMinute,
  windowSeconds,
  runSeconds,
  frequency = '20ms',
  margin = '1000',
] = process.argv.slice(2);
const report = await runTrading({
  strategy: () => ({ ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 1 }),
  tickers: ['AAPL'],
  frequency,
  runSeconds: Number(runSeconds),
  eosBehavior: 'hold',
  eosTimeout: 5,
  numWorkers: 1,
  ordersPerMinute: Number(perMinute),
  rateLimit: {
    redis,
    key: 'shared-test',
    share: share as 'fair' | 'fifo',
    windowSeconds: Number(windowSeconds),
    marginMs: margin === 'default' ? undefined : Number(margin),
  },
  broker: { type: 'alpaca', baseUrl, streamUrl, keyId: KEY_ID, secretKey: SECRET },
  tradeLogPath: dir,
  tradeLogName: name,
});
process.stdout.write(`${JSON.stringify(report)}\n`);

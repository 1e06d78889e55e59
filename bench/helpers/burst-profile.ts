// Profiles the exchange under 100-order bursts (node --cpu-prof): the exchange in the main thread,
// salvo's Alpaca and FIX adapters in execution-like worker clients. Used for bench/NOTES.md:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/helpers/burst-profile.ts [alpaca|fix]
import { startExchange } from '../../src/exchange/exchange.js';
import { alpacaDriver } from '../../src/brokers/alpaca/driver.js';
import { fixDriver } from '../../src/brokers/fix/driver.js';
import { parseBrokerConfig } from '../../src/brokers/index.js';
import type { Broker } from '../../src/brokers/broker.js';

const face = process.argv[2] ?? 'alpaca';
const LEGS = Number(process.argv[3] ?? 100);
const TICKERS = ['A', 'B', 'C', 'D'];
const KEYS = { keyId: 'PKPROF00000000000001', secretKey: 'prof-secret-000111' };
const ex = await startExchange({
  tickers: TICKERS,
  ...KEYS,
  latencyMs: 50,
  cash: 1e12,
  fixPort: 0,
  fix: { targetCompId: '*' },
  quotes: { type: 'sim', seed: 1, updatesPerSecond: 5, size: 1e6 },
});
const config = parseBrokerConfig(
  face === 'alpaca'
    ? { type: 'alpaca', baseUrl: ex.restUrl, streamUrl: ex.streamUrl, ...KEYS }
    : { type: 'fix', host: '127.0.0.1', port: ex.fixPort, senderCompId: 'PROF', targetCompId: 'PAPER' },
);
const hub =
  face === 'fix'
    ? await fixDriver.prepare!(config as never, { boardBuffer: new SharedArrayBuffer(8), tickers: [] })
    : undefined;
const listener: Broker =
  face === 'fix'
    ? fixDriver.create(config as never, hub!.link(0).link)
    : alpacaDriver.create(config as never, { workerId: 0 });
listener.onUpdate(() => undefined);
await listener.connect();
const broker: Broker =
  face === 'fix'
    ? fixDriver.create(config as never, hub!.link(1).link)
    : alpacaDriver.create(config as never, { workerId: 1, width: LEGS });
await broker.connect();
const late: number[] = [];
console.log('bursts from uptime ms', Math.round(process.uptime() * 1000));
for (let burst = 0; burst < 10; burst++) {
  await Promise.all(
    Array.from({ length: LEGS }, (_, i) => {
      let wired = 0;
      return broker
        .submit(
          {
            clientOrderId: `p-${burst}-${i}`,
            ticker: TICKERS[i % 4],
            quantity: 1,
            side: 'buy',
            orderType: 'market',
            timeInForce: 'day',
            action: 'buy_long',
          },
          (at) => {
            wired = at;
          },
        )
        .then(() => late.push(performance.timeOrigin + performance.now() - wired - 50));
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
}
late.sort((a, b) => a - b);
console.log(
  face,
  'late p50',
  late[Math.floor(late.length / 2)].toFixed(1),
  'p90',
  late[Math.floor(late.length * 0.9)].toFixed(1),
  'max',
  late[late.length - 1].toFixed(1),
);
await broker.close();
await listener.close();
await hub?.close();
await ex.close();

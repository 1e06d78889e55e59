// A session sending 100-leg blocks to the paper venue (50 ms latency), for a CPU profile of the
// main thread's serial work per leg (bench/NOTES.md):
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/helpers/block-profile.ts
import type { OrderRequest } from '../../src/types.js';
import { median, session } from '../lib.js';

const TICKERS = Array.from({ length: 20 }, (_, i) => `P${i}`);
const legs = (n: number): OrderRequest[] =>
  Array.from({ length: n }, (_, i) => ({ ticker: TICKERS[i % 20], quantity: 1, side: 'buy', orderType: 'market' }));
for (const n of [1, 100]) {
  const { report } = await session({
    strategy: (ctx) => (ctx.tick <= 10 ? legs(n) : undefined),
    tickers: TICKERS,
    frequency: '300ms',
    runSeconds: 3.5,
    eosBehavior: 'hold',
    ordersPerMinute: 1_000_000,
    broker: { type: 'paper', latencyMs: 50, cash: 1e12 },
    tradeLogName: `block-profile-${n}`,
  });
  const b = report.blocks;
  console.log(
    `N=${n}: ackMs ${median(b.map((x) => x.ackMs)).toFixed(2)}, wireMs ${median(b.map((x) => x.wireMs)).toFixed(2)}, skewMs ${median(b.map((x) => x.skewMs)).toFixed(2)}, handoffSkewMs ${median(b.map((x) => x.handoffSkewMs)).toFixed(2)}`,
  );
}

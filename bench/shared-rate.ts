// The account's rate limit shared through Redis (rateLimit.redis): what one decision costs on
// loopback against the local bucket and a bare round trip, the same four-limiter run with salvo's
// Lua sliding log and with bottleneck's own Redis clustering (datastore 'ioredis'), and four runner
// processes wanting 150 a minute each against one exchange that allows 200 a minute — the
// minute-long version of test/shared-rate.test.ts.
// `npx tsx bench/shared-rate.ts`, or `npm run bench -- shared-rate`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { SharedRate } from '../src/execution/shared-rate.js';
import { bottleneckCluster } from './shared-rate-bottleneck.js';
import { TokenBucket } from '../src/util/token-bucket.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { startRedis } from '../test/helpers/services.js';
import { quoted, startAlpacaExchange } from '../test/helpers/alpaca-exchange.js';
import { latencyRows, percentile, type Row } from './lib.js';

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/**
 * One decision against a bare round trip on the same connection kind, interleaved so that both see
 * the same load; Redis's own time per script run from INFO commandstats.
 */
async function decisionCost(): Promise<Row[]> {
  const redis = await startRedis();
  const plain = new Redis(redis.url);
  const rate = await SharedRate.connect({
    url: redis.url,
    key: 'bench',
    share: 'fair',
    limit: 1_000_000,
    runner: 'bench',
    log: () => undefined,
  });
  const shared: number[] = [];
  const ping: number[] = [];
  for (let i = 0; i < 3_000; i++) {
    if (i === 500) await plain.config('RESETSTAT');
    const t = performance.now();
    await plain.ping();
    const u = performance.now();
    await rate.take(1);
    if (i >= 500) {
      ping.push(u - t);
      shared.push(performance.now() - u);
    }
  }
  const stats = await plain.info('commandstats');
  const inRedis = Number(/cmdstat_evalsha:.*usec_per_call=([\d.]+)/.exec(stats)?.[1] ?? Number.NaN);
  plain.disconnect();
  const bucket = new TokenBucket(1_000_000, 1_000_000);
  const local: number[] = [];
  for (let i = 0; i < 3_000; i++) {
    const t = performance.now();
    bucket.take(1);
    local.push(performance.now() - t);
  }
  rate.close();
  await redis.stop();
  const c = 'decision, Redis on loopback';
  return [
    {
      bench: 'shared rate',
      case: c,
      metric: "the script's own time in Redis",
      value: round(inRedis / 1000, 4),
      unit: 'ms',
    },
    ...latencyRows('shared rate', 'bare round trip (PING), interleaved', ping),
    ...latencyRows('shared rate', c, shared, 1),
    {
      bench: 'shared rate',
      case: 'decision, local bucket',
      metric: 'p99',
      value: round(percentile(local, 99), 4),
      unit: 'ms',
    },
  ];
}

async function fourRunners(): Promise<Row[]> {
  const PER_MINUTE = 200;
  const RUN_S = 75;
  const redis = await startRedis();
  const ex = await startAlpacaExchange({ tickers: ['AAPL'], server: { ordersPerMinute: PER_MINUTE } });
  await quoted(ex.board);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-bench-shared-'));
  const arrivals: Array<{ at: number; id: string }> = [];
  ex.venue.onUpdate((u) => {
    if (u.event === 'pending_new') arrivals.push({ at: Date.now(), id: u.order.clientOrderId });
  });
  const names = ['b1', 'b2', 'b3', 'b4'];
  // each wants 150 a minute: a limit buy every 400 ms
  const exits = names.map(
    (name) =>
      new Promise<number | null>((resolve) =>
        spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            'test/helpers/rate-runner.ts',
            dir,
            name,
            ex.server.restUrl,
            ex.server.streamUrl,
            redis.url,
            'fair',
            String(PER_MINUTE),
            '60',
            String(RUN_S),
            '400ms',
            'default',
          ],
          { stdio: 'ignore' },
        ).on('exit', resolve),
      ),
  );
  await Promise.all(exits);
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 60_000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  // use and fairness over the first whole minute from the first arrival (all four wanted more than their part throughout)
  const minute = arrivals.filter((a) => a.at < times[0] + 60_000);
  const per = names.map((n) => {
    const csv = fs.readFileSync(path.join(dir, `${n}.csv`), 'utf8');
    return minute.filter((a) => csv.includes(a.id)).length;
  });
  const used = minute.length / PER_MINUTE;
  await ex.close();
  await redis.stop();
  const case_ = `4 runners × 150/min wanted, exchange allows ${PER_MINUTE}/min, ${RUN_S} s`;
  return [
    {
      bench: 'shared rate',
      case: case_,
      metric: '429 answers',
      value: ex.server.stats().rateLimited,
      unit: '',
      target: '0',
      met: ex.server.stats().rateLimited === 0,
    },
    {
      bench: 'shared rate',
      case: case_,
      metric: 'most orders in any 60 s',
      value: busiest,
      unit: '',
      target: `<= ${PER_MINUTE}`,
      met: busiest <= PER_MINUTE,
    },
    {
      bench: 'shared rate',
      case: case_,
      metric: 'use of the allowed rate',
      value: round(used * 100, 1),
      unit: '%',
      target: '>= 95 %',
      met: used >= 0.95,
    },
    {
      bench: 'shared rate',
      case: case_,
      metric: 'per runner in the first minute (fair)',
      value: Math.min(...per),
      unit: `min, max ${Math.max(...per)}`,
      target: '50 ± 10',
      met: per.every((p) => Math.abs(p - 50) <= 10),
    },
  ];
}

export async function benchSharedRate(): Promise<Row[]> {
  return [...(await decisionCost()), ...(await bottleneckCluster()), ...(await fourRunners())];
}

if (isEntryPoint(import.meta.url)) console.table(await benchSharedRate());

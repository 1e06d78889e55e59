// bottleneck's own Redis clustering (datastore 'ioredis': a limiter's state in Redis, updated by its
// Lua scripts) against salvo's Lua sliding log, as the issue asked: what one job costs, how fine the
// refill is, and how four limiters on one key keep a limit. The window is scaled down (60 sends in
// any 4 s, i.e. 900 a minute) so that a run holds several windows; all four limiters share one
// redis-server on loopback, each with its own connection, each wanting far more than its part.
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { SharedRate } from '../src/execution/shared-rate.js';
import { startRedis, type RedisService } from '../test/helpers/services.js';
import { latencyRows, type Row } from './lib.js';

const WINDOW_MS = 4_000;
/**
 * Every limiter gets the same headroom salvo's script uses by default (2 % of the window, at least
 * 250 ms): times are taken where the job starts, not where Redis decided, and a scheduling delay
 * between the two would otherwise crowd a window for either design.
 */
const MARGIN_MS = 250;
const LIMIT = 60;
const RUN_MS = 12_000;
const LIMITERS = 4;
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the most sends in any window, and the sends a broker counting any window would have refused */
function windows(times: number[]): { most: number; over: number } {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  let over = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= WINDOW_MS) j++;
    most = Math.max(most, i - j + 1);
    if (i - j + 1 > LIMIT) over++;
  }
  return { most, over };
}

const bottleneckOf = (redis: RedisService, id: string, settings: Bottleneck.ConstructorOptions) => {
  const u = new URL(redis.url);
  const limiter = new Bottleneck({
    id,
    datastore: 'ioredis',
    clientOptions: { host: u.hostname, port: Number(u.port) },
    ...settings,
  });
  limiter.on('error', () => undefined); // a late job after stop(): not what is measured
  return limiter;
};

/** one job at a time on one limiter with room to spare: schedule() → the job starts, and Redis commands per job */
async function perJob(redis: RedisService): Promise<Row[]> {
  const limiter = bottleneckOf(redis, 'bench-per-job', { clearDatastore: true, reservoir: 1_000_000 });
  await limiter.ready();
  const plain = new Redis(redis.url);
  await plain.config('RESETSTAT');
  const costs: number[] = [];
  const JOBS = 300;
  for (let i = 0; i < JOBS; i++) {
    const t = performance.now();
    await limiter.schedule(async () => void costs.push(performance.now() - t));
  }
  const stats = await plain.info('commandstats');
  const calls = [...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].filter(
    ([, name]) => name !== 'config' && name !== 'info',
  );
  const perJobCalls = calls.reduce((n, [, , c]) => n + Number(c), 0) / JOBS;
  plain.disconnect();
  await limiter.disconnect(false);
  const c = "bottleneck datastore 'ioredis', one job at a time: schedule → job starts";
  return [
    ...latencyRows('shared rate', c, costs, 1),
    { bench: 'shared rate', case: c, metric: 'Redis commands per job', value: round(perJobCalls, 1), unit: '' },
  ];
}

/** four limiters on one key, each with a backlog: every job's start time, by limiter */
async function fourBottlenecks(redis: RedisService, settings: Bottleneck.ConstructorOptions): Promise<number[][]> {
  const id = `bench-${Math.random().toString(16).slice(2)}`;
  const limiters = Array.from({ length: LIMITERS }, (_, i) =>
    bottleneckOf(redis, id, i === 0 ? { clearDatastore: true, ...settings } : settings),
  );
  await limiters[0].ready();
  await Promise.all(limiters.slice(1).map((l) => l.ready()));
  const starts: number[][] = limiters.map(() => []);
  const until = Date.now() + RUN_MS;
  limiters.forEach((limiter, i) => {
    // a backlog deeper than the run can send: each wants far more than its part
    for (let j = 0; j < (LIMIT * RUN_MS) / WINDOW_MS; j++)
      limiter.schedule(async () => void (Date.now() < until && starts[i].push(Date.now()))).catch(() => undefined);
  });
  await sleep(RUN_MS);
  await Promise.all(limiters.map((l) => l.stop({ dropWaitingJobs: true }).catch(() => undefined)));
  await Promise.all(limiters.map((l) => l.disconnect(false)));
  return starts;
}

/** the same with salvo's SharedRate: four runners taking one send at a time, fair */
async function fourSharedRates(redis: RedisService): Promise<number[][]> {
  const key = `bench-${Math.random().toString(16).slice(2)}`;
  const rates = await Promise.all(
    Array.from({ length: LIMITERS }, (_, i) =>
      SharedRate.connect({
        url: redis.url,
        key,
        share: 'fair',
        limit: LIMIT,
        windowMs: WINDOW_MS,
        marginMs: MARGIN_MS,
        runner: `r${i}`,
        log: () => undefined,
      }),
    ),
  );
  const starts: number[][] = rates.map(() => []);
  const until = Date.now() + RUN_MS;
  await Promise.all(
    rates.map(async (rate, i) => {
      while (Date.now() < until) {
        const wait = await rate.take(1);
        if (wait === 0) starts[i].push(Date.now());
        else await sleep(Math.min(wait, until - Date.now()));
      }
    }),
  );
  for (const rate of rates) rate.close();
  return starts;
}

/** `refillMs`: how long a sender may wait for one freed send when the budget is used up */
function rows(c: string, refillMs: number, refill: string, starts: number[][]): Row[] {
  const all = starts.flat();
  const { most, over } = windows(all);
  const per = starts.map((s) => s.length);
  const used = all.length / ((LIMIT * RUN_MS) / WINDOW_MS);
  return [
    { bench: 'shared rate', case: c, metric: 'refill granularity', value: round(refillMs, 1), unit: `ms (${refill})` },
    {
      bench: 'shared rate',
      case: c,
      metric: `most sends in any ${WINDOW_MS / 1000} s`,
      value: most,
      unit: '',
      target: `<= ${LIMIT}`,
      met: most <= LIMIT,
    },
    {
      bench: 'shared rate',
      case: c,
      metric: 'sends a broker counting any window refuses (429)',
      value: over,
      unit: '',
      target: '0',
      met: over === 0,
    },
    { bench: 'shared rate', case: c, metric: 'use of the allowed rate', value: round(used * 100, 1), unit: '%' },
    {
      bench: 'shared rate',
      case: c,
      metric: 'per limiter',
      value: Math.min(...per),
      unit: `min, max ${Math.max(...per)}`,
    },
  ];
}

export async function bottleneckCluster(): Promise<Row[]> {
  const redis = await startRedis();
  try {
    const out = await perJob(redis);
    const scaled = `4 limiters on one Redis, ${LIMIT} in any ${WINDOW_MS / 1000} s, ${RUN_MS / 1000} s`;
    const refresh = await fourBottlenecks(redis, {
      reservoir: LIMIT,
      reservoirRefreshAmount: LIMIT,
      reservoirRefreshInterval: WINDOW_MS + MARGIN_MS,
    });
    out.push(...rows(`bottleneck reservoirRefresh, ${scaled}`, WINDOW_MS + MARGIN_MS, `all ${LIMIT} at once`, refresh));
    const step = (WINDOW_MS + MARGIN_MS) / LIMIT;
    const increase = await fourBottlenecks(redis, {
      reservoir: LIMIT,
      reservoirIncreaseAmount: 1,
      reservoirIncreaseInterval: step,
      reservoirIncreaseMaximum: LIMIT,
    });
    out.push(...rows(`bottleneck reservoirIncrease, ${scaled}`, step, 'one at a time', increase));
    out.push(
      ...rows(
        `salvo Lua sliding log (fair), ${scaled}`,
        1,
        'each send frees its slot as it ages out, to the ms',
        await fourSharedRates(redis),
      ),
    );
    return out;
  } finally {
    await redis.stop();
  }
}

// 6. Resources: RSS and CPU of a running session (4 workers, sim quotes at 10 updates/s per ticker)
//    at 30 / 1,000 / 10,000 tickers, and the time from runTrading() to the first strategy call
//    with warm-up taken out. Then issue 15's figures from fresh processes (helpers/startup-timeline.ts):
//    a 120-ticker, 2-worker session under tsx with the paper broker and with Alpaca against a local
//    `salvo exchange` — start-up, RSS and PSS, and the CPU every thread spent until the first call
//    (CPU and memory are what a loaded machine distorts least; the load is reported beside them).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isEntryPoint } from '../src/util/entry-point.js';
import { median, round, session, type Row } from './lib.js';

const WINDOW = { from: 2000, to: 7000 };

export async function benchResources(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [30, 1000, 10_000]) {
    const tickers = Array.from({ length: n }, (_, i) => `R${i}`);
    let firstCall = 0;
    let cpuFrom: NodeJS.CpuUsage | undefined;
    let cpu: NodeJS.CpuUsage | undefined;
    let rss = 0;
    let t0 = 0;
    const began = performance.now();
    const { report } = await session({
      strategy: (ctx) => {
        const now = performance.now();
        if (ctx.tick === 1) {
          firstCall = now;
          t0 = now;
        }
        if (!cpuFrom && now - t0 >= WINDOW.from) cpuFrom = process.cpuUsage();
        if (cpuFrom && !cpu && now - t0 >= WINDOW.to) {
          cpu = process.cpuUsage(cpuFrom);
          rss = process.memoryUsage().rss;
        }
        ctx.getCurrentData();
        return ctx.tick % 10 === 0
          ? [{ ticker: tickers[ctx.tick % n], quantity: 1, side: 'buy', orderType: 'market' }]
          : undefined;
      },
      tickers,
      frequency: '100ms',
      runSeconds: 8,
      numWorkers: 4,
      eosBehavior: 'liquidate',
      warmUpPeriod: 10,
      quotes: { type: 'sim', updatesPerSecond: 10 },
      tradeLogName: `bench-resources-${n}`,
    });
    const c = `${n} tickers, 4 workers`;
    const cpuSeconds = cpu ? (cpu.user + cpu.system) / 1e6 : Number.NaN;
    const toFirst = firstCall - began - report.warmUpMs;
    rows.push({
      bench: 'resources',
      case: c,
      metric: 'RSS while running',
      value: round(rss / 2 ** 20, 1),
      unit: 'MiB',
    });
    rows.push({
      bench: 'resources',
      case: c,
      metric: 'CPU while running (all threads)',
      value: round((cpuSeconds / ((WINDOW.to - WINDOW.from) / 1000)) * 100, 1),
      unit: '% of a core',
    });
    rows.push({
      bench: 'resources',
      case: c,
      metric: 'runTrading() → first strategy call, warm-up excluded (under tsx)',
      value: round(toFirst, 1),
      unit: 'ms',
      target: '<= 1000 ms',
      met: toFirst <= 1000,
    });
    rows.push({
      bench: 'resources',
      case: c,
      metric: 'warm-up (every ticker quoted)',
      value: report.warmUpMs,
      unit: 'ms',
    });
  }
  // under tsx every thread (4 workers, venue, quote feed) compiles its TypeScript on start; a
  // packaged install runs dist/: measure that too (npm run bench builds it first)
  const fromDist = [0, 1, 2].map(() =>
    Number(
      execFileSync(
        process.execPath,
        [fileURLToPath(new URL('./helpers/startup-dist.mjs', import.meta.url)), os.tmpdir()],
        { encoding: 'utf8' },
      ).trim(),
    ),
  );
  const best = Math.min(...fromDist);
  rows.push(...issue15Rows());
  rows.push({
    bench: 'resources',
    case: '2 tickers, 4 workers, from dist/ (node, no tsx)',
    metric: 'runTrading() → first strategy call, warm-up excluded (best of 3)',
    value: round(best, 1),
    unit: 'ms',
    target: '<= 1000 ms',
    met: best <= 1000,
  });
  return rows;
}

interface Startup {
  startupMs: number;
  warmUpMs: number;
  rssMiB: number;
  pssMiB: number;
  threads: number;
  cpuMs: number;
  mainCpuMs: number;
  mainWaitedMs: number;
  load: number;
}

const RUNS = 3;

/** a fresh process per run, as a user starts a session; medians of RUNS */
function startups(broker: 'paper' | 'alpaca'): Startup[] {
  const helper = fileURLToPath(new URL('./helpers/startup-timeline.ts', import.meta.url));
  return Array.from({ length: RUNS }, () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', helper, broker, '120', '2', '--json'], {
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Startup;
  });
}

function issue15Rows(): Row[] {
  const rows: Row[] = [];
  for (const broker of ['paper', 'alpaca'] as const) {
    const runs = startups(broker);
    const of = (pick: (s: Startup) => number) => round(median(runs.map(pick)), 1);
    const loads = runs.map((r) => r.load.toFixed(1)).join(', ');
    const c = `120 tickers, 2 workers, ${broker === 'paper' ? 'paper broker' : 'Alpaca on a local salvo exchange'}, under tsx (median of ${RUNS} fresh processes; load ${loads})`;
    const limit = broker === 'paper' ? 1000 : 1500;
    const startup = of((r) => r.startupMs);
    rows.push(
      {
        bench: 'resources',
        case: c,
        metric: 'runTrading() → first strategy call (warm-up included)',
        value: startup,
        unit: 'ms',
        target: `<= ${limit} ms`,
        met: startup <= limit,
      },
      {
        bench: 'resources',
        case: c,
        metric: 'CPU of all threads until the first strategy call',
        value: of((r) => r.cpuMs),
        unit: 'ms',
      },
      {
        bench: 'resources',
        case: c,
        metric: 'main thread until the first call: on a core / waiting for one',
        value: of((r) => r.mainCpuMs),
        unit: `ms / ${of((r) => r.mainWaitedMs)} ms`,
      },
      {
        bench: 'resources',
        case: c,
        metric: 'RSS two seconds into trading',
        value: of((r) => r.rssMiB),
        unit: 'MiB',
        target: '<= 250 MiB',
        met: of((r) => r.rssMiB) <= 250,
      },
      {
        bench: 'resources',
        case: c,
        metric: 'PSS two seconds into trading (smaps_rollup)',
        value: of((r) => r.pssMiB),
        unit: `MiB (${of((r) => r.threads)} threads)`,
        target: '< 183 MiB',
        met: of((r) => r.pssMiB) < 183,
      },
    );
  }
  return rows;
}

if (isEntryPoint(import.meta.url)) console.table(await benchResources());

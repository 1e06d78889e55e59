// 6. Resources: RSS and CPU of a running session (4 workers, sim quotes at 10 updates/s per ticker)
//    at 30 / 1,000 / 10,000 tickers, and the time from runTrading() to the first strategy call
//    with warm-up taken out.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isEntryPoint } from '../src/util/entry-point.js';
import { round, session, type Row } from './lib.js';

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

if (isEntryPoint(import.meta.url)) console.table(await benchResources());

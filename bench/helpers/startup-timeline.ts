// Where start-up goes, thread by thread: runTrading() with the paper broker (or `alpaca` against a
// local exchange in its own process), every worker thread timed from its creation to 'online' (the
// thread is up) and to its first message (its entry loaded and serving), then the first strategy
// call; and the memory of the whole process once trading (RSS, PSS from smaps_rollup).
//   node --import tsx bench/helpers/startup-timeline.ts [paper|alpaca] [tickers] [workers]
//   node bench/helpers/startup-timeline.ts … with SALVO_FROM_DIST=1 (after npm run build) for dist/
import { readFileSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const threads = require('node:worker_threads') as typeof import('node:worker_threads');
const t0 = performance.now();
const at = () => Math.round(performance.now() - t0);
const timeline: string[] = [];
const Original = threads.Worker;
class TimedWorker extends Original {
  constructor(entry: string | URL, options?: import('node:worker_threads').WorkerOptions) {
    super(entry, options);
    const started = at();
    const what = options?.eval ? (/import\("([^"]+)"\)\s*;?\s*}\)$/.exec(String(entry))?.[1] ?? 'eval') : String(entry);
    const name = what.split('/').slice(-2).join('/');
    let online = 0;
    this.once('online', () => {
      online = at();
    });
    this.once('message', () =>
      timeline.push(`${name}: created ${started} ms, online ${online} ms, first message ${at()} ms`),
    );
  }
}
threads.Worker = TimedWorker as typeof Original;
module.syncBuiltinESMExports();

const broker = process.argv[2] ?? 'paper';
const tickerCount = Number(process.argv[3] ?? 2);
const workers = process.argv[4] ? Number(process.argv[4]) : undefined;
const tickers = Array.from({ length: tickerCount }, (_, i) => `T${i}`);
const fromDist = process.env.SALVO_FROM_DIST === '1';
const { runTrading, startExchange } = (await import(
  fromDist ? '../../dist/index.js' : '../../src/index.js'
)) as typeof import('../../src/index.js');
const ex =
  broker === 'alpaca'
    ? await startExchange({ tickers, keyId: 'PKSTART0000000000001', secretKey: 'start-secret-000111', cash: 1e9 })
    : undefined;
timeline.length = 0;
const begin = performance.now();
let first = 0;
let memory = '';
let cpuAtFirst: Array<{ name: string; cpu: number; waited: number }> = [];
/** every thread of this process: its name, its time on a core and waiting for one, ms (schedstat) */
const threadCpu = () =>
  require('node:fs')
    .readdirSync('/proc/self/task')
    .map((tid: string) => {
      const [cpu, waited] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      return { name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), cpu: cpu / 1e6, waited: waited / 1e6 };
    });
const smaps = () => {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? Number.NaN);
  return `RSS ${(kb('Rss') / 1024).toFixed(1)} MiB, PSS ${(kb('Pss') / 1024).toFixed(1)} MiB, threads ${readFileSyncDir()}`;
};
const readFileSyncDir = () => require('node:fs').readdirSync('/proc/self/task').length;
const report = await runTrading({
  strategy: (ctx: { tick: number }) => {
    if (ctx.tick === 1) {
      first = performance.now();
      cpuAtFirst = threadCpu();
    }
    if (ctx.tick === 20) memory = smaps();
  },
  tickers,
  frequency: '100ms',
  runSeconds: 2.5,
  ...(workers ? { numWorkers: workers } : {}),
  tradeLogPath: os.tmpdir(),
  tradeLogName: 'bench-startup-timeline',
  logger: () => undefined,
  ...(broker === 'alpaca'
    ? {
        broker: {
          type: 'alpaca',
          baseUrl: ex!.restUrl,
          streamUrl: ex!.streamUrl,
          keyId: 'PKSTART0000000000001',
          secretKey: 'start-secret-000111',
        },
        quotes: {
          type: 'alpaca',
          url: ex!.dataStreamUrl,
          keyId: 'PKSTART0000000000001',
          secretKey: 'start-secret-000111',
        },
      }
    : {}),
} as never);
await ex?.close();
console.log(`${fromDist ? 'dist/' : 'tsx'}, ${broker}, ${tickerCount} tickers, load ${os.loadavg()[0].toFixed(1)}`);
for (const line of timeline) console.log(`  ${line}`);
console.log(
  `  runTrading() → first strategy call ${Math.round(first - begin)} ms (warm-up ${report.warmUpMs} ms included)`,
);
console.log(`  once trading: ${memory}`);
const total = cpuAtFirst.reduce((n, t) => n + t.cpu, 0);
console.log(
  `  CPU until the first strategy call, all threads: ${Math.round(total)} ms; per thread (ms on a core / waiting for one):`,
);
console.log(
  `  ${cpuAtFirst
    .filter((t) => t.cpu >= 5)
    .map((t) => `${t.name} ${Math.round(t.cpu)}/${Math.round(t.waited)}`)
    .join(', ')}`,
);

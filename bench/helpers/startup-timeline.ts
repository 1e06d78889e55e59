// Where start-up goes, thread by thread: runTrading() with the paper broker (or `alpaca` against a
// local exchange in its own process), every worker thread timed from its creation to 'online' (the
// thread is up) and to its first message (its entry loaded and serving), then the first strategy
// call; and the memory of the whole process once trading (RSS, PSS from smaps_rollup).
//   node --import tsx bench/helpers/startup-timeline.ts [paper|alpaca] [tickers] [workers]
//   … --json: one JSON line (bench/resources.ts reads it)
import { readdirSync, readFileSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startExchangeProcess } from '../../test/helpers/exchange-process.js';

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
const workers = Number(process.argv[4]) || undefined;
const tickers = Array.from({ length: tickerCount }, (_, i) => `T${i}`);
const json = process.argv.includes('--json');
const KEYS = { keyId: 'PKSTART0000000000001', secretKey: 'start-secret-000111' };
const streamUrl = (rest: string, path: string) => `${rest.replace(/^http/, 'ws')}${path}`;
const { runTrading } = await import('../../src/index.js');
// the exchange in a process of its own (`salvo exchange`), as a local venue would run
const ex =
  broker === 'alpaca'
    ? await startExchangeProcess([
        '--tickers',
        tickers.join(','),
        '--key-id',
        KEYS.keyId,
        '--secret-key',
        KEYS.secretKey,
        '--cash',
        '1e9',
      ])
    : undefined;
timeline.length = 0;
const begin = performance.now();
const beganHr = process.hrtime.bigint() / 1000n;
/** runTrading() → first call on the profile's clock (µs), for reading a --cpu-prof of this run */
let window = '';
let first = 0;
let memory = { rssMiB: 0, pssMiB: 0, threads: 0 };
let cpuAtFirst: ThreadCpu[] = [];
interface ThreadCpu {
  main: boolean;
  /** ms on a core and ms runnable but waiting for one (Linux schedstat) */
  cpu: number;
  waited: number;
}
const tasks = () => readdirSync('/proc/self/task');
const threadCpu = (): ThreadCpu[] =>
  tasks().map((tid) => {
    const [cpu, waited] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
    return { main: Number(tid) === process.pid, cpu: cpu / 1e6, waited: waited / 1e6 };
  });
const smaps = () => {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const mib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? Number.NaN) / 1024;
  return { rssMiB: mib('Rss'), pssMiB: mib('Pss'), threads: tasks().length };
};
const report = await runTrading({
  strategy: (ctx: { tick: number }) => {
    if (ctx.tick === 1) {
      first = performance.now();
      window = `${beganHr}..${process.hrtime.bigint() / 1000n}`;
      cpuAtFirst = threadCpu();
    }
    if (ctx.tick === 20) memory = smaps(); // two seconds into trading
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
        broker: { type: 'alpaca', baseUrl: ex!.restUrl, streamUrl: streamUrl(ex!.restUrl, '/stream'), ...KEYS },
        quotes: { type: 'alpaca', url: streamUrl(ex!.restUrl, '/v2/iex'), ...KEYS },
      }
    : {}),
} as never);
await ex?.stop();
const result = {
  broker,
  tickers: tickerCount,
  startupMs: first - begin,
  warmUpMs: report.warmUpMs,
  ...memory,
  cpuMs: cpuAtFirst.reduce((n, t) => n + t.cpu, 0),
  mainCpuMs: cpuAtFirst.find((t) => t.main)?.cpu ?? Number.NaN,
  mainWaitedMs: cpuAtFirst.find((t) => t.main)?.waited ?? Number.NaN,
  load: os.loadavg()[0],
};
if (json) console.log(JSON.stringify(result));
else {
  const ms = (x: number) => `${Math.round(x)} ms`;
  console.log(`under tsx, ${broker}, ${tickerCount} tickers, load ${result.load.toFixed(1)} at the end`);
  for (const line of timeline) console.log(`  ${line}`);
  console.log(`  runTrading() → first strategy call ${ms(result.startupMs)} (warm-up ${report.warmUpMs} ms included)`);
  console.log(
    `  two seconds into trading: RSS ${memory.rssMiB.toFixed(1)} MiB, PSS ${memory.pssMiB.toFixed(1)} MiB, ${memory.threads} threads`,
  );
  console.log(`  profile window ${window}`);
  console.log(
    `  CPU until the first strategy call, all threads ${ms(result.cpuMs)}; per thread, on a core / waiting for one:`,
  );
  console.log(
    `  ${cpuAtFirst
      .filter((t) => t.cpu >= 5)
      .map((t) => `${t.main ? 'main ' : ''}${ms(t.cpu)} / ${ms(t.waited)}`)
      .join(', ')}`,
  );
}

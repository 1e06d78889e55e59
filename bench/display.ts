// Live display on vs off: the same session (10 tickers, 4 workers, 20-leg blocks every 100 ms for
// 10 s, paper venue without latency, so any main-thread stall shows) with no display, with the
// dashboard drawing into a null terminal stream (the full TTY code path: snapshot, blessed layout
// and diff, escape codes), and with the dashboard on a real pseudo-terminal (a child process under
// `script`, 120×40). The display refreshes every 100 ms here, five times the default rate, and
// once more at the default 0.5 s on the pseudo-terminal.
// One more case is an experiment, not a mode salvo has: the main thread only takes the snapshot and
// posts it to a worker thread that runs the same blessed dashboard (into a null stream), to see
// what moving rendering off the main thread would buy.
// Block ackMs / skewMs and clock lateness are compared side by side; the frame cost is reported.
//   npx tsx bench/display.ts   (BENCH_DISPLAY_ROUNDS=2 by default; each run a fresh process, order rotated)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Dashboard } from '../src/display/dashboard.js';
import { displayTarget, renderDelay } from '../src/display/index.js';
import { takeSnapshot, TradeTape, type DisplaySnapshot } from '../src/display/snapshot.js';
import { parseOptions, type RunTradingOptions } from '../src/session/options.js';
import { Session } from '../src/session/session.js';
import { spawnWorker } from '../src/util/worker-entry.js';
import type { OrderRequest } from '../src/types.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { percentile, round, session, type Row } from './lib.js';

const TICKERS = Array.from({ length: 10 }, (_, i) => `D${String(i).padStart(2, '0')}`);
const LEGS: OrderRequest[] = Array.from({ length: 20 }, (_, i) => ({
  ticker: TICKERS[i % TICKERS.length],
  quantity: 1,
  side: 'buy',
  orderType: 'market',
}));
const CASES = [
  'off',
  'on: null terminal',
  'on: pseudo-terminal',
  'on: pseudo-terminal, 0.5 s',
  'experiment: worker renders',
] as const;
type Case = (typeof CASES)[number];

interface Sample {
  ack: number[];
  skew: number[];
  lateness: number[];
  overruns: number;
  frames: number;
  frameMeanMs: number;
  frameMaxMs: number;
}

const SESSION: RunTradingOptions = {
  strategy: () => LEGS,
  tickers: TICKERS,
  frequency: '100ms',
  runSeconds: 10,
  numWorkers: 4,
  eosBehavior: 'hold',
  ordersPerMinute: 1_000_000,
  broker: { type: 'paper', cash: 1e12 },
  warmUpPeriod: 5,
  displayRefreshRate: 0.1,
  maxTradeUpdates: 20,
};

async function runOnce(display: boolean, name: string, displayRefreshRate = 0.1): Promise<Sample> {
  displayTarget.lastStats = undefined;
  const { report, session: s } = await session({
    ...SESSION,
    liveDisplay: display,
    displayRefreshRate,
    tradeLogName: `bench-display-${name}`,
  });
  const st = (displayTarget as { lastStats?: { frames: number; meanMs: number; maxMs: number } }).lastStats;
  return {
    ack: report.blocks.map((b) => b.ackMs),
    skew: report.blocks.map((b) => b.skewMs),
    lateness: [...s.tickLoop.lateness],
    overruns: report.overruns,
    frames: st?.frames ?? 0,
    frameMeanMs: st?.meanMs ?? 0,
    frameMaxMs: st?.maxMs ?? 0,
  };
}

/** the dashboard with blessed writing into a stream that discards everything */
async function nullTerminal(): Promise<Sample> {
  const output = Object.assign(
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
    { isTTY: true, columns: 120, rows: 40 },
  );
  Object.assign(displayTarget, { mode: 'tty', output, input: new PassThrough() });
  try {
    return await runOnce(true, 'null');
  } finally {
    Object.assign(displayTarget, { mode: undefined, output: undefined, input: undefined });
  }
}

/** the experiment: snapshots taken on the main thread (same schedule), drawn by a worker thread */
async function workerRenders(): Promise<Sample> {
  const worker = spawnWorker(new URL(import.meta.url), { workerData: { salvoDisplayRenderer: true } });
  await once(worker, 'message'); // ready
  const s = await Session.start(
    parseOptions({
      ...SESSION,
      logger: () => undefined,
      tradeLogPath: os.tmpdir(),
      handleSignals: false,
      tradeLogName: 'bench-display-worker',
    }),
  );
  const tape = new TradeTape(20);
  s.display.onOrderEvent((e) => tape.record(e));
  let frames = 0,
    total = 0,
    max = 0,
    timer: NodeJS.Timeout | undefined;
  const loop = () => {
    timer = setTimeout(
      () => {
        const t0 = performance.now();
        worker.postMessage(takeSnapshot(s.display, tape));
        const took = performance.now() - t0;
        frames++;
        total += took;
        max = Math.max(max, took);
        loop();
      },
      renderDelay(Date.now(), 100, s.display.clockStartedAt, 100),
    );
  };
  loop();
  const report = await s.run();
  clearTimeout(timer);
  await worker.terminate();
  return {
    ack: report.blocks.map((b) => b.ackMs),
    skew: report.blocks.map((b) => b.skewMs),
    lateness: [...s.tickLoop.lateness],
    overruns: report.overruns,
    frames,
    frameMeanMs: frames ? total / frames : 0,
    frameMaxMs: max,
  };
}

const CHILD_MODE: Record<Case, string> = {
  off: 'off',
  'on: null terminal': 'null',
  'on: pseudo-terminal': 'pty',
  'on: pseudo-terminal, 0.5 s': 'pty-default',
  'experiment: worker renders': 'worker',
};

/**
 * Each run in a fresh process, so no case inherits another's heap or JIT state. The
 * pseudo-terminal case runs under util-linux `script`: its stdout is a real pty, 120×40.
 */
function child(c: Case): Sample {
  const out = path.join(os.tmpdir(), `salvo-bench-display-${process.pid}.json`);
  const self = fileURLToPath(import.meta.url);
  const node = [process.execPath, '--import', 'tsx', self, '--child', CHILD_MODE[c], out];
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const [cmd, args] = c.startsWith('on: pseudo-terminal')
    ? ['script', ['-qfec', `stty cols 120 rows 40; exec ${node.map(q).join(' ')}`, '/dev/null']]
    : [node[0], node.slice(1)];
  const r = spawnSync(cmd, args as string[], {
    cwd: path.dirname(path.dirname(self)),
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TERM: 'xterm-256color' },
    timeout: 120_000,
  });
  if (r.error || r.status !== 0 || !fs.existsSync(out))
    throw new Error(`${c} run failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr?.toString().slice(-500)}`);
  const sample = JSON.parse(fs.readFileSync(out, 'utf8')) as Sample;
  fs.rmSync(out);
  return sample;
}

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function benchDisplay(rounds = Number(process.env.BENCH_DISPLAY_ROUNDS ?? 2)): Promise<Row[]> {
  const pty = hasScript();
  const samples = new Map<Case, Sample[]>(CASES.map((c) => [c, []]));
  const cases = CASES.filter((c) => pty || !c.startsWith('on: pseudo-terminal'));
  for (let i = 0; i < rounds; i++) {
    // rotate the order each round: a machine that gets busier or quieter favours no case
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(i + k) % cases.length];
      samples.get(c)!.push(child(c));
    }
  }
  const rows: Row[] = [];
  const off = merge(samples.get('off')!);
  for (const c of CASES) {
    if (!samples.get(c)!.length) continue;
    const m = merge(samples.get(c)!);
    const label = `${c} (${m.ack.length} blocks)`;
    const add = (metric: string, value: number, unit: string, target?: { limit: number; text: string }) =>
      rows.push({
        bench: 'display',
        case: label,
        metric,
        value: round(value, 3),
        unit,
        ...(target && c !== 'off' ? { target: target.text, met: value <= target.limit } : {}),
      });
    const p = (xs: number[], q: number) => percentile(xs, q);
    // "the same": within 20 % or 0.5 ms of the display-off figure, whichever is larger
    const same = (base: number) => ({ limit: Math.max(base * 1.2, base + 0.5), text: `~ off (${round(base, 3)})` });
    add('block ackMs p50', p(m.ack, 50), 'ms', same(p(off.ack, 50)));
    add('block ackMs p99', p(m.ack, 99), 'ms', same(p(off.ack, 99)));
    add('block skewMs p50', p(m.skew, 50), 'ms', same(p(off.skew, 50)));
    add('block skewMs p99', p(m.skew, 99), 'ms', same(p(off.skew, 99)));
    add('tick lateness p50', p(m.lateness, 50), 'ms');
    add('tick lateness p99', p(m.lateness, 99), 'ms');
    add('overruns', m.overruns, '');
    if (c !== 'off') {
      add('frames', m.frames, '');
      add('frame on the main thread, mean', m.frameMeanMs, 'ms');
      add('frame max', m.frameMaxMs, 'ms');
    }
  }
  if (!pty)
    rows.push({
      bench: 'display',
      case: 'on: pseudo-terminal',
      metric: 'skipped: util-linux `script` not found',
      value: Number.NaN,
      unit: '',
    });
  return rows;
}

function merge(list: Sample[]): Sample {
  return {
    ack: list.flatMap((s) => s.ack),
    skew: list.flatMap((s) => s.skew),
    lateness: list.flatMap((s) => s.lateness),
    overruns: list.reduce((n, s) => n + s.overruns, 0),
    frames: list.reduce((n, s) => n + s.frames, 0),
    frameMeanMs:
      list.reduce((n, s) => n + s.frameMeanMs * s.frames, 0) /
      Math.max(
        1,
        list.reduce((n, s) => n + s.frames, 0),
      ),
    frameMaxMs: Math.max(0, ...list.map((s) => s.frameMaxMs)),
  };
}

/** side by side: one line per metric, one column per case */
export function sideBySide(rows: Row[]): string {
  const cases = [...new Set(rows.map((r) => r.case))];
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const w = Math.max(...metrics.map((m) => m.length));
  const cell = (c: string, m: string) => {
    const r = rows.find((x) => x.case === c && x.metric === m);
    return (r ? `${r.value}${r.unit ? ` ${r.unit}` : ''}${r.met === false ? ' !' : ''}` : '').padStart(
      Math.max(14, c.length),
    );
  };
  return [
    `${''.padEnd(w)}  ${cases.map((c) => c.padStart(14)).join('  ')}`,
    ...metrics.map((m) => `${m.padEnd(w)}  ${cases.map((c) => cell(c, m)).join('  ')}`),
  ].join('\n');
}

if (!isMainThread && (workerData as { salvoDisplayRenderer?: boolean } | null)?.salvoDisplayRenderer) {
  const output = Object.assign(
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
    { isTTY: true, columns: 120, rows: 40 },
  );
  const dashboard = new Dashboard({ input: new PassThrough(), output, onStop: () => undefined });
  parentPort!.on('message', (snap: DisplaySnapshot) => dashboard.update(snap));
  parentPort!.postMessage('ready');
} else if (isMainThread && process.argv[2] === '--child') {
  // pty: inside `script`, stdout is the pseudo-terminal, so the display takes the TTY path by itself
  const mode = process.argv[3];
  const sample =
    mode === 'null'
      ? await nullTerminal()
      : mode === 'worker'
        ? await workerRenders()
        : mode === 'pty-default'
          ? await runOnce(true, mode, 0.5)
          : await runOnce(mode === 'pty', mode);
  fs.writeFileSync(process.argv[4], JSON.stringify(sample));
} else if (isMainThread && isEntryPoint(import.meta.url)) {
  console.log(sideBySide(await benchDisplay()));
}

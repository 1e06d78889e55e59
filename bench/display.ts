// Live display on vs off: the same session (10 tickers, 4 workers, 20-leg blocks every 100 ms for
// 10 s, paper venue without latency, so any main-thread stall shows) with no display, with the
// dashboard drawing into a null terminal stream (the full TTY code path: snapshot, blessed layout
// and diff, escape codes), and with the dashboard on a real pseudo-terminal (a child process under
// `script`, 120×40). The display refreshes every 100 ms here, five times the default rate.
// Block ackMs / skewMs and clock lateness are compared side by side; the frame cost is reported.
//   npx tsx bench/display.ts            (BENCH_DISPLAY_ROUNDS=2 by default; cases interleaved)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { displayTarget } from '../src/display/index.js';
import type { OrderRequest } from '../src/types.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { percentile, round, session, type Row } from './lib.js';

const TICKERS = Array.from({ length: 10 }, (_, i) => `D${String(i).padStart(2, '0')}`);
const LEGS: OrderRequest[] = Array.from({ length: 20 }, (_, i) => ({ ticker: TICKERS[i % TICKERS.length], quantity: 1, side: 'buy', orderType: 'market' }));
const CASES = ['off', 'on: null terminal', 'on: pseudo-terminal'] as const;
type Case = (typeof CASES)[number];

interface Sample { ack: number[]; skew: number[]; lateness: number[]; overruns: number; frames: number; frameMeanMs: number; frameMaxMs: number }

async function runOnce(display: boolean, name: string): Promise<Sample> {
  displayTarget.lastStats = undefined;
  const { report, session: s } = await session({
    strategy: () => LEGS, tickers: TICKERS, frequency: '100ms', runSeconds: 10, numWorkers: 4, eosBehavior: 'hold',
    ordersPerMinute: 1_000_000, broker: { type: 'paper', cash: 1e12 }, warmUpPeriod: 5,
    liveDisplay: display, displayRefreshRate: 0.1, maxTradeUpdates: 20, tradeLogName: `bench-display-${name}`,
  });
  const st = (displayTarget as { lastStats?: { frames: number; meanMs: number; maxMs: number } }).lastStats;
  return {
    ack: report.blocks.map((b) => b.ackMs), skew: report.blocks.map((b) => b.skewMs), lateness: [...s.clock.lateness],
    overruns: report.overruns, frames: st?.frames ?? 0, frameMeanMs: st?.meanMs ?? 0, frameMaxMs: st?.maxMs ?? 0,
  };
}

/** the dashboard with blessed writing into a stream that discards everything */
async function nullTerminal(): Promise<Sample> {
  const output = Object.assign(new Writable({ write(_chunk, _enc, done) { done(); } }), { isTTY: true, columns: 120, rows: 40 });
  Object.assign(displayTarget, { mode: 'tty', output, input: new PassThrough() });
  try {
    return await runOnce(true, 'null');
  } finally {
    Object.assign(displayTarget, { mode: undefined, output: undefined, input: undefined });
  }
}

/** a child process whose stdout is a real pseudo-terminal (util-linux `script`) */
function pseudoTerminal(): Sample {
  const out = path.join(os.tmpdir(), `salvo-bench-display-${process.pid}.json`);
  const self = fileURLToPath(import.meta.url);
  const cmd = `stty cols 120 rows 40; exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(self)} --child ${JSON.stringify(out)}`;
  const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { cwd: path.dirname(path.dirname(self)), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TERM: 'xterm-256color' }, timeout: 120_000 });
  if (r.error || r.status !== 0 || !fs.existsSync(out)) throw new Error(`pseudo-terminal run failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr?.toString().slice(-500)}`);
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
  for (let i = 0; i < rounds; i++) {
    samples.get('off')!.push(await runOnce(false, 'off'));
    samples.get('on: null terminal')!.push(await nullTerminal());
    if (pty) samples.get('on: pseudo-terminal')!.push(pseudoTerminal());
  }
  const rows: Row[] = [];
  const off = merge(samples.get('off')!);
  for (const c of CASES) {
    if (!samples.get(c)!.length) continue;
    const m = merge(samples.get(c)!);
    const label = `${c} (${m.ack.length} blocks)`;
    const add = (metric: string, value: number, unit: string, target?: { limit: number; text: string }) =>
      rows.push({ bench: 'display', case: label, metric, value: round(value, 3), unit, ...(target && c !== 'off' ? { target: target.text, met: value <= target.limit } : {}) });
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
      add('frame (snapshot + render) mean', m.frameMeanMs, 'ms');
      add('frame max', m.frameMaxMs, 'ms');
    }
  }
  if (!pty) rows.push({ bench: 'display', case: 'on: pseudo-terminal', metric: 'skipped: util-linux `script` not found', value: Number.NaN, unit: '' });
  return rows;
}

function merge(list: Sample[]): Sample {
  return {
    ack: list.flatMap((s) => s.ack), skew: list.flatMap((s) => s.skew), lateness: list.flatMap((s) => s.lateness),
    overruns: list.reduce((n, s) => n + s.overruns, 0), frames: list.reduce((n, s) => n + s.frames, 0),
    frameMeanMs: list.reduce((n, s) => n + s.frameMeanMs * s.frames, 0) / Math.max(1, list.reduce((n, s) => n + s.frames, 0)),
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
    return (r ? `${r.value}${r.unit ? ' ' + r.unit : ''}${r.met === false ? ' !' : ''}` : '').padStart(Math.max(14, c.length));
  };
  return [
    `${''.padEnd(w)}  ${cases.map((c) => c.padStart(14)).join('  ')}`,
    ...metrics.map((m) => `${m.padEnd(w)}  ${cases.map((c) => cell(c, m)).join('  ')}`),
  ].join('\n');
}

if (process.argv[2] === '--child') {
  // inside `script`: stdout is the pseudo-terminal, so the display takes the TTY path by itself
  const sample = await runOnce(true, 'pty');
  fs.writeFileSync(process.argv[3], JSON.stringify(sample));
} else if (isEntryPoint(import.meta.url)) {
  console.log(sideBySide(await benchDisplay()));
}

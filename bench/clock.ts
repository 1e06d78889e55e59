// 5. Strategy clock: lateness p50 / p99 and cumulative drift over 1,000 ticks at 10 ms and 100 ms
//    with a strategy taking 0–5 ms, side by side with a sleep-after-work loop (blockpaca's pattern).
import { spawnWorker } from '../src/util/worker-entry.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { percentile, round, type Row } from './lib.js';

const TICKS = 1000;

function side(mode: string, periodMs: number) {
  return new Promise<{ lateness: number[]; drift: number; ticks: number; overruns: number }>((resolve, reject) => {
    const w = spawnWorker(new URL('./helpers/clock-worker.ts', import.meta.url), {
      workerData: { mode, periodMs, ticks: TICKS },
    });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

export async function benchClock(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const periodMs of [10, 100]) {
    const [anchored, sleeping] = await Promise.all([side('anchored', periodMs), side('sleep-after-work', periodMs)]);
    for (const [name, r] of [
      ['salvo anchored clock', anchored],
      ['sleep-after-work loop', sleeping],
    ] as const) {
      const c = `${TICKS} ticks at ${periodMs} ms, 0–5 ms work`;
      const ours = name.startsWith('salvo');
      const p99 = percentile(r.lateness, 99);
      rows.push({
        bench: 'clock',
        case: c,
        metric: `${name}: lateness p50`,
        value: round(percentile(r.lateness, 50)),
        unit: 'ms',
      });
      rows.push({
        bench: 'clock',
        case: c,
        metric: `${name}: lateness p99`,
        value: round(p99),
        unit: 'ms',
        ...(ours ? { target: '<= 2 ms', met: p99 <= 2 } : {}),
      });
      if (ours)
        rows.push({
          bench: 'clock',
          case: c,
          metric: `${name}: ticks run / due times skipped (overruns)`,
          value: r.ticks,
          unit: `ticks / ${r.overruns} skipped`,
        });
      rows.push({
        bench: 'clock',
        case: c,
        metric: `${name}: drift at the last tick`,
        value: round(r.drift),
        unit: 'ms',
        ...(ours ? { target: 'zero drift (<= 2 ms)', met: r.drift <= 2 } : {}),
      });
    }
  }
  return rows;
}

if (isEntryPoint(import.meta.url)) console.table(await benchClock());

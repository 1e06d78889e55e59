// One side of the clock benchmark, in its own thread so both sides run at once without sharing
// an event loop: salvo's anchored clock, or blockpaca's sleep-after-work loop.
import { parentPort, workerData } from 'node:worker_threads';
import { runTickLoop } from '../../src/session/tick-loop.js';

const { mode, periodMs, ticks } = workerData as {
  mode: 'anchored' | 'sleep-after-work';
  periodMs: number;
  ticks: number;
};
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
let seed = 42;
const work = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return (seed / 2 ** 31) * 5;
}; // 0–5 ms

let lateness: number[];
let overruns = 0;
if (mode === 'anchored') {
  // the clock's own record: lateness against each tick's due time, skipped due times counted apart
  const result = await runTickLoop({ periodMs, durationMs: ticks * periodMs, onTick: () => busy(work()) });
  lateness = result.lateness;
  overruns = result.overruns;
} else {
  const starts: number[] = [];
  const start = performance.now();
  for (let k = 0; k < ticks; k++) {
    starts.push(performance.now());
    busy(work());
    await new Promise((r) => setTimeout(r, periodMs));
  }
  lateness = starts.map((t, k) => t - (start + k * periodMs));
}
parentPort!.postMessage({ lateness, drift: lateness[lateness.length - 1], ticks: lateness.length, overruns });

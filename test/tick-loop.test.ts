import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTickLoop } from '../src/session/tick-loop.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

// how late ticks start (p50, p99) and the drift at the last tick are bench/clock.ts's figures; here,
// what holds however loaded the machine is: every due time is accounted for, none runs early
test('ticks stay anchored to the start: work inside a tick never accumulates into drift', async () => {
  const period = 10;
  const t0 = performance.now();
  const starts: number[] = [];
  const result = await runTickLoop({
    periodMs: period,
    durationMs: 150 * period,
    onTick: () => {
      starts.push(performance.now() - t0);
      busy(starts.length % 5);
    }, // 0–4 ms of work
  });
  // every due time k × period is either run or counted as skipped: a sleep-after-work loop (~2 ms
  // of drift per tick) would fit only about 125 ticks in the session and skip none
  assert.equal(result.ticks + result.overruns, 150);
  assert.equal(result.lateness.length, result.ticks);
  assert.equal(starts.length, result.ticks);
  for (const late of result.lateness) assert.ok(late >= 0, 'no tick runs before its due time');
});

test('an overrun skips the missed due times and counts them; the next tick waits for its own due time', async () => {
  const t0 = performance.now();
  const started: number[] = [];
  const result = await runTickLoop({
    periodMs: 20,
    durationMs: 200,
    onTick: async (tick) => {
      started.push(performance.now() - t0);
      if (tick === 2) await new Promise((r) => setTimeout(r, 50)); // runs past the due times at 40 and 60 ms
    },
  });
  assert.ok(result.overruns >= 2, `overruns: ${result.overruns}`);
  assert.equal(result.ticks + result.overruns, 10);
  // the slow tick ends near 70 ms; the next one is not fired then but waits for its due time, 80 ms
  // a lower bound only: firing early would break it, load can only make it later
  assert.ok(started[2] >= 79.9, `tick after overrun at ${started[2].toFixed(1)} ms`);
});

test('an abort ends the clock after the tick in progress', async () => {
  const stop = new AbortController();
  const result = await runTickLoop({
    periodMs: 5,
    durationMs: 10_000,
    signal: stop.signal,
    onTick: (t) => {
      if (t === 3) stop.abort();
    },
  });
  assert.equal(result.ticks, 3);
});

test('the number of ticks is exact whatever the clock reads: duration / period, never one more', async () => {
  // starts where (start + 600) − start comes out a hair under 600 in floating point
  for (const start of [3770.37500721733, 16273.49560000413, 261601.67852200943]) {
    let t = start;
    const result = await runTickLoop({
      periodMs: 100,
      durationMs: 600,
      now: () => t,
      onTick: () => {
        t += 100;
      },
    });
    assert.equal(result.ticks, 6, `clock starting at ${start}`);
  }
});

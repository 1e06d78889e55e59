import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClock } from '../src/session/clock.js';

const busy = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end); };

test('ticks stay anchored to the start: work inside a tick causes no drift', async () => {
  const period = 10;
  const starts: number[] = [];
  let t0 = 0;
  const result = await runClock({
    periodMs: period,
    durationMs: 150 * period,
    onTick: (tick) => {
      const now = performance.now();
      if (tick === 1) t0 = now;
      starts.push(now - t0);
      busy((tick * 7) % 5); // 0–4 ms of work, varying
    },
  });
  assert.equal(result.ticks, 150);
  assert.equal(result.overruns, 0);
  // a sleep-after-work loop would be ~300 ms late by now; anchored ticks are on time
  const lastDue = 149 * period;
  assert.ok(Math.abs(starts[149] - lastDue) < 5, `tick 150 started at ${starts[149].toFixed(2)} ms, due ${lastDue}`);
  for (let k = 0; k < starts.length; k++) assert.ok(starts[k] >= k * period - 0.5, `tick ${k + 1} ran early`);
});

test('an overrun skips the missed ticks and counts them', async () => {
  const ticksSeen: number[] = [];
  const started: number[] = [];
  const t0 = performance.now();
  const result = await runClock({
    periodMs: 20,
    durationMs: 200,
    onTick: async (tick) => {
      ticksSeen.push(tick);
      started.push(performance.now());
      if (tick === 2) await new Promise((r) => setTimeout(r, 50)); // runs past 2 due times
    },
  });
  assert.equal(result.overruns, 2);
  assert.equal(result.ticks + result.overruns, 10);
  assert.deepEqual(ticksSeen, [1, 2, 3, 4, 5, 6, 7, 8]);
  // the tick after the overrun waits for its own due time (t = 80 ms), it does not fire at once
  assert.ok(started[2] - t0 >= 79.9, `tick after overrun at ${(started[2] - t0).toFixed(1)} ms`);
});

test('an abort ends the clock after the tick in progress', async () => {
  const stop = new AbortController();
  const result = await runClock({ periodMs: 5, durationMs: 10_000, signal: stop.signal, onTick: (t) => { if (t === 3) stop.abort(); } });
  assert.equal(result.ticks, 3);
});

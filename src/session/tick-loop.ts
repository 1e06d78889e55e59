// The strategy clock: tick k is due at start + k × period, so the strategy's own run time never
// shifts later ticks. A call that runs past one or more due times skips them (counted as overruns)
// rather than firing them late in a burst.

export interface TickLoopResult {
  ticks: number;
  overruns: number;
  /** ms each tick started after its due time */
  lateness: number[];
}

export interface TickLoopOptions {
  periodMs: number;
  durationMs: number;
  onTick: (tick: number) => unknown;
  /** ends the clock early; the tick in progress finishes first */
  signal?: AbortSignal;
  now?: () => number;
  /** kept up to date while the clock runs (for a live display) */
  progress?: TickLoopResult;
}

export async function runTickLoop(options: TickLoopOptions): Promise<TickLoopResult> {
  const now = options.now ?? (() => performance.now());
  const { periodMs, durationMs, signal } = options;
  const start = now();
  const result: TickLoopResult = options.progress ?? { ticks: 0, overruns: 0, lateness: [] };
  let k = 0;
  for (;;) {
    // k × period against the duration, not (start + k × period) − start, which floating point
    // can leave a hair under the duration and so run one tick past the end of the session
    if (k * periodMs >= durationMs) break;
    const due = start + k * periodMs;
    await sleepUntil(due, now, signal);
    if (signal?.aborted) break;
    if (result.lateness.length >= 10_000) result.lateness.splice(0, 5_000); // bounded for long sessions
    result.lateness.push(now() - due);
    result.ticks++;
    await options.onTick(result.ticks);
    const next = Math.max(k + 1, Math.ceil((now() - start) / periodMs));
    result.overruns += next - (k + 1);
    k = next;
  }
  return result;
}

/**
 * Waits until `due` on the performance clock. Timers fire a millisecond or so late, so the last
 * stretch is covered by setImmediate turns (which still let I/O and messages through).
 */
export function sleepUntil(due: number, now: () => number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    let timer: NodeJS.Timeout | undefined;
    const spin = () => {
      if (signal?.aborted) return;
      const left = due - now();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      if (left > 2) timer = setTimeout(spin, left - 1.5);
      else setImmediate(spin);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    spin();
  });
}

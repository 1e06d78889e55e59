// One strategy call, bounded. A strategy is the trader's code: it may throw anything, return a
// Promise that never settles, or keep running after salvo stopped waiting. Whatever it does, the
// clock must go on (or halt) and the end of session must run, so a call is raced against
// `strategyTimeout` and against the session stopping, and a call left behind is abandoned: what it
// returns or submits later is logged and never sent.
import { describeError } from '../util/errors.js';

/** one strategy or shutdown call: once `closed` (why), its ctx.submitOrder sends nothing */
export interface CallState {
  closed?: string;
}

export type CallOutcome =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  /** no answer within the timeout, or the session stopped while it ran: abandoned */
  | { kind: 'abandoned'; why: string };

export interface CallBounds {
  timeoutMs: number;
  /** aborted when the session stops: the call in progress gets `graceMs` more, not the whole timeout */
  stop: AbortSignal;
  graceMs: number;
  /** told when an abandoned call settles after all */
  late: (outcome: Exclude<CallOutcome, { kind: 'abandoned' }>) => void;
}

/** runs `fn` and settles within the bounds, whatever `fn` does */
export async function boundedCall(fn: () => unknown, bounds: CallBounds): Promise<CallOutcome> {
  let settled: Promise<Exclude<CallOutcome, { kind: 'abandoned' }>>;
  try {
    const value = fn();
    settled = isThenable(value)
      ? Promise.resolve(value).then(
          (v) => ({ kind: 'returned' as const, value: v }),
          (error: unknown) => ({ kind: 'threw' as const, error }),
        )
      : Promise.resolve({ kind: 'returned' as const, value });
  } catch (error) {
    return { kind: 'threw', error };
  }
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const abandoned = new Promise<CallOutcome>((resolve) => {
    const give = (why: string) => resolve({ kind: 'abandoned', why });
    timer = setTimeout(() => give(`no answer within strategyTimeout (${bounds.timeoutMs} ms)`), bounds.timeoutMs);
    onStop = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => give(`still running ${bounds.graceMs} ms after the session began to stop`),
        bounds.graceMs,
      );
    };
    if (bounds.stop.aborted) onStop();
    else bounds.stop.addEventListener('abort', onStop, { once: true });
  });
  const outcome = await Promise.race([settled, abandoned]);
  clearTimeout(timer);
  if (onStop) bounds.stop.removeEventListener('abort', onStop);
  if (outcome.kind === 'abandoned') void settled.then(bounds.late);
  return outcome;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  try {
    return (
      (typeof v === 'object' || typeof v === 'function') &&
      v !== null &&
      typeof (v as { then?: unknown }).then === 'function'
    );
  } catch {
    return false; // a Proxy whose `then` getter throws is not a promise: it is read as orders later
  }
}

/** the log line for a call that threw */
export const threwText = (what: string, error: unknown) => `${what} threw: ${describeError(error, { stack: true })}`;

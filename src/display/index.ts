// The live display of a running session. On a terminal: the full-screen dashboard; otherwise a
// plain-text snapshot every few seconds. Either way it runs on the main thread at its own refresh
// rate, off the order path: a frame reads the shared quote board and the session's counters, and
// frames are kept away from each strategy tick (before: they would delay it; after: they would
// compete with the workers sending its block).
import { describeError } from '../util/errors.js';
import type { Session } from '../session/session.js';
import { Dashboard } from './dashboard.js';
import { takeSnapshot, TradeTape, type DisplaySource } from './snapshot.js';
import { renderText } from './text.js';

export interface DisplayHandle {
  /** stops refreshing and gives the terminal back (idempotent) */
  stop(): Promise<void>;
  /** frames drawn and the mean / max time a frame took (snapshot + render), ms */
  stats(): { frames: number; meanMs: number; maxMs: number; mode: 'tty' | 'text' };
}

/** Where the display draws; tests and benches point it at a pseudo-terminal or a null stream. */
export const displayTarget: {
  mode?: 'tty' | 'text';
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** frame statistics of the display that stopped last */
  lastStats?: ReturnType<DisplayHandle['stats']>;
} = {};

const TEXT_EVERY_MS = 3000;
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT'];

type DisplayedSession = DisplaySource &
  Pick<Session, 'requestStop' | 'book' | 'log' | 'options' | 'broker'> & { risk?: { kill(source: string): string } };

export function startDisplay(session: DisplayedSession): DisplayHandle {
  const o = session.options;
  const output = displayTarget.output ?? process.stdout;
  const mode = displayTarget.mode ?? ((output as { isTTY?: boolean }).isTTY ? 'tty' : 'text');
  const tape = new TradeTape(o.maxTradeUpdates);
  session.book.onEvent((e) => tape.record(e));
  session.log.onLine((level) => tape.line(level));
  if (o.broker.type === 'paper') tape.startCash = o.broker.cash;
  session.broker.account().then(
    (a) => {
      tape.startCash = a.cash - tape.fillCash;
    },
    () => undefined,
  );

  const refreshMs = mode === 'tty' ? o.displayRefreshRate * 1000 : Math.max(o.displayRefreshRate * 1000, TEXT_EVERY_MS);
  let frames = 0,
    totalMs = 0,
    maxMs = 0;
  let timer: NodeJS.Timeout | undefined;
  /** no more frames (stop() or a display failure); `done`: stop() ran */
  let stopped = false;
  let done = false;
  let dashboard: Dashboard | undefined;
  const snap = () => takeSnapshot(session, tape, { logLines: 30 });

  // a reader that goes away (`| head`) ends the text output, never the session
  let broken = false;
  const onOutputError = () => {
    broken = true;
  };
  if (mode === 'text') output.on('error', onOutputError);
  const frame = () => {
    const t0 = performance.now();
    try {
      if (dashboard) dashboard.update(snap());
      else if (!broken) output.write(renderText(snap(), { width: textWidth(output), interactive: false }));
    } catch (error) {
      // a display bug must not end the trading session: give the terminal back and go on without it
      stopped = true;
      restore();
      session.log.warn(`live display stopped: ${describeError(error, { stack: true })}`);
      return;
    }
    const took = performance.now() - t0;
    frames++;
    totalMs += took;
    maxMs = Math.max(maxMs, took);
  };
  const schedule = () => {
    if (stopped) return;
    const now = Date.now();
    timer = setTimeout(
      () => {
        frame();
        schedule();
      },
      renderDelay(now, refreshMs, session.clockStartedAt, o.periodMs),
    );
    timer.unref();
  };

  let restore = () => undefined as void;
  const muted = session.log.muteDefault;
  if (mode === 'tty') {
    const before = Object.fromEntries(
      ['uncaughtException', ...STOP_SIGNALS].map((e) => [e, process.listeners(e as 'exit')]),
    );
    try {
      dashboard = new Dashboard({
        input: displayTarget.input,
        output,
        onStop: () => session.requestStop('display'),
        onKill: session.risk && (() => session.risk!.kill('display key K')),
        killFlattens: o.kill?.flatten !== false,
      });
    } catch (error) {
      session.log.warn(`live display could not start (${(error as Error).message}); running without it`);
      stopped = true;
    }
    // blessed exits with code 0 on a signal nobody else handles and replaces node's own crash
    // report; keep node's behaviour, and restore the terminal on every exit path instead.
    for (const [event, had] of Object.entries(before)) {
      for (const l of process.listeners(event as 'exit')) if (!had.includes(l)) process.off(event, l);
    }
  }
  if (dashboard) {
    session.log.muteDefault = true;
    let restored = false;
    const giveBack = () => {
      if (restored) return;
      restored = true;
      try {
        dashboard?.destroy();
      } catch {
        /* the terminal may be gone */
      }
      session.log.muteDefault = muted;
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (process.listenerCount(signal) > 1) return; // the session handles it (graceful stop)
      restore();
      process.kill(process.pid, signal); // die of it, as without a display
    };
    process.on('exit', giveBack);
    process.on('uncaughtExceptionMonitor', giveBack); // before node prints the crash, so it stays on screen
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    restore = () => {
      giveBack();
      process.off('exit', giveBack);
      process.off('uncaughtExceptionMonitor', giveBack);
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    };
  }
  if (!stopped) {
    frame();
    schedule();
  }

  return {
    async stop() {
      if (done) return;
      done = true;
      stopped = true;
      clearTimeout(timer);
      tape.active = false;
      let last;
      try {
        last = snap();
      } catch {
        /* reported when the display stopped */
      }
      restore();
      displayTarget.lastStats = { frames, meanMs: frames ? totalMs / frames : 0, maxMs, mode };
      // the last state stays readable after the full screen is gone (and ends the text output)
      if (last && !broken && frames && (mode === 'text' || output === process.stdout))
        output.write(renderText(last, { width: textWidth(output), interactive: false }));
      if (mode === 'text') setImmediate(() => output.off('error', onOutputError)); // after the last write has failed or gone
    },
    stats: () => ({ frames, meanMs: frames ? totalMs / frames : 0, maxMs, mode }),
  };
}

/**
 * ms until the next frame: `refreshMs` from now, unless that lands within `guard` ms of a strategy
 * tick (clock started at `clockStart`, one tick every `periodMs`): just before one, a frame would
 * delay the call; just after one, it would take CPU from the workers sending the block. Then the
 * frame moves to the end of that window. guard = 25 ms, or a quarter period for faster clocks.
 */
export function renderDelay(now: number, refreshMs: number, clockStart: number, periodMs: number): number {
  let t = now + refreshMs;
  if (clockStart > 0 && periodMs > 0) {
    const guard = Math.min(periodMs / 4, 25);
    const phase = (((t - clockStart) % periodMs) + periodMs) % periodMs; // 0 = a tick is due
    if (phase < guard) t += guard - phase;
    else if (phase > periodMs - guard) t += periodMs - phase + guard;
  }
  return Math.max(0, t - now);
}

function textWidth(output: NodeJS.WritableStream): number {
  const columns = (output as { columns?: number }).columns;
  return Math.max(80, Math.min(140, columns ?? 100));
}

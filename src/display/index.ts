// The live display of a running session. On a terminal: the full-screen dashboard; otherwise a
// plain-text snapshot every few seconds. Either way it runs on the main thread at its own refresh
// rate, off the order path: a frame reads the shared quote board and the session's counters, and
// frames are kept away from each strategy tick (before: they would delay it; after: they would
// compete with the workers sending its block).
import type { DisplayView } from '../session/views.js';
import { describeError } from '../util/errors.js';
import { Dashboard } from './dashboard.js';
import { type DisplaySnapshot, takeSnapshot, TradeTape } from './snapshot.js';
import { renderText } from './text.js';

export type { DisplayView };

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

/** where frames go: the full-screen dashboard, or plain-text snapshots */
interface Screen {
  draw(snapshot: DisplaySnapshot): void;
  /** gives the terminal back (a display failure); idempotent */
  release(): void;
  /** the end: gives the terminal back and leaves `last` readable as text, when given */
  close(last: DisplaySnapshot | undefined): void;
}

/** Starts the live display of a session; `view` is the session's display view. */
export function startDisplay(view: DisplayView): DisplayHandle {
  const output = displayTarget.output ?? process.stdout;
  const mode = displayTarget.mode ?? ((output as { isTTY?: boolean }).isTTY ? 'tty' : 'text');
  const tape = tapeOf(view);
  const screen = mode === 'tty' ? dashboardScreen(view, output) : textScreen(output);
  return new FrameLoop(view, tape, screen, mode);
}

/** the trade tape: order events, log lines counted, and the broker's cash when the display started */
function tapeOf(view: DisplayView): TradeTape {
  const tape = new TradeTape(view.options.maxTradeUpdates);
  view.onOrderEvent((e) => tape.record(e));
  view.log.onLine((level) => tape.line(level));
  if (view.options.broker.type === 'paper') tape.startCash = view.options.broker.cash;
  view.account().then(
    (a) => {
      tape.startCash = a.cash - tape.fillCash;
    },
    () => undefined,
  );
  return tape;
}

/** plain text every few seconds; a reader that goes away (`| head`) ends the output, never the session */
function textScreen(output: NodeJS.WritableStream): Screen {
  let broken = false;
  const onOutputError = () => {
    broken = true;
  };
  output.on('error', onOutputError);
  const draw = (snapshot: DisplaySnapshot) => {
    if (!broken) output.write(renderText(snapshot, { width: textWidth(output), interactive: false }));
  };
  // after the last write has failed or gone
  const release = () => setImmediate(() => output.off('error', onOutputError));
  return {
    draw,
    release,
    close: (last) => {
      if (last) draw(last);
      release();
    },
  };
}

/** the full-screen dashboard; undefined when it cannot start (the session runs without it) */
function dashboardScreen(view: DisplayView, output: NodeJS.WritableStream): Screen | undefined {
  const before = Object.fromEntries(
    ['uncaughtException', ...STOP_SIGNALS].map((e) => [e, process.listeners(e as 'exit')]),
  );
  let dashboard: Dashboard | undefined;
  try {
    dashboard = new Dashboard({
      input: displayTarget.input,
      output,
      onStop: () => view.requestStop('display'),
      onKill: view.kill && (() => view.kill?.('display key K')),
      killFlattens: view.options.kill?.flatten !== false,
    });
  } catch (error) {
    view.log.warn(`live display could not start (${(error as Error).message}); running without it`);
  }
  // blessed exits with code 0 on a signal nobody else handles and replaces node's own crash
  // report; keep node's behaviour, and restore the terminal on every exit path instead.
  for (const [event, had] of Object.entries(before)) {
    for (const l of process.listeners(event as 'exit')) if (!had.includes(l)) process.off(event, l);
  }
  if (!dashboard) return undefined;
  const release = holdTerminal(view, dashboard);
  return {
    draw: (snapshot) => dashboard.update(snapshot),
    release,
    close: (last) => {
      release();
      // the last state stays readable after the full screen is gone
      if (last && output === process.stdout)
        output.write(renderText(last, { width: textWidth(output), interactive: false }));
    },
  };
}

/** while the dashboard owns the terminal: the log stays off it, and every way out gives it back */
function holdTerminal(view: DisplayView, dashboard: Dashboard): () => void {
  const muted = view.log.muteDefault;
  view.log.muteDefault = true;
  let restored = false;
  const giveBack = () => {
    if (restored) return;
    restored = true;
    try {
      dashboard.destroy();
    } catch {
      /* the terminal may be gone */
    }
    view.log.muteDefault = muted;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return; // the session handles it (graceful stop)
    release();
    process.kill(process.pid, signal); // die of it, as without a display
  };
  process.on('exit', giveBack);
  process.on('uncaughtExceptionMonitor', giveBack); // before node prints the crash, so it stays on screen
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  const release = () => {
    giveBack();
    process.off('exit', giveBack);
    process.off('uncaughtExceptionMonitor', giveBack);
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  };
  return release;
}

/** frames at the display's own rate, kept away from strategy ticks (see renderDelay) */
class FrameLoop implements DisplayHandle {
  private frames = 0;
  private totalMs = 0;
  private maxMs = 0;
  private timer: NodeJS.Timeout | undefined;
  /** no more frames: stop() ran, or a frame failed */
  private stopped = false;
  private done = false;
  private readonly refreshMs: number;

  constructor(
    private readonly view: DisplayView,
    private readonly tape: TradeTape,
    private readonly screen: Screen | undefined,
    private readonly mode: 'tty' | 'text',
  ) {
    const refreshMs = view.options.displayRefreshRate * 1000;
    this.refreshMs = mode === 'tty' ? refreshMs : Math.max(refreshMs, TEXT_EVERY_MS);
    if (!screen) return;
    this.frame();
    this.schedule();
  }

  private snapshot(): DisplaySnapshot {
    return takeSnapshot(this.view, this.tape, { logLines: 30 });
  }

  private frame(): void {
    const t0 = performance.now();
    try {
      this.screen?.draw(this.snapshot());
    } catch (error) {
      // a display bug must not end the trading session: give the terminal back and go on without it
      this.stopped = true;
      this.screen?.release();
      this.view.log.warn(`live display stopped: ${describeError(error, { stack: true })}`);
      return;
    }
    const took = performance.now() - t0;
    this.frames++;
    this.totalMs += took;
    this.maxMs = Math.max(this.maxMs, took);
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = renderDelay(Date.now(), this.refreshMs, this.view.clockStartedAt, this.view.options.periodMs);
    this.timer = setTimeout(() => {
      this.frame();
      this.schedule();
    }, delay);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.done) return;
    this.done = this.stopped = true;
    clearTimeout(this.timer);
    this.tape.active = false;
    let last: DisplaySnapshot | undefined;
    try {
      if (this.frames) last = this.snapshot();
    } catch {
      /* reported when the display stopped */
    }
    this.screen?.close(last);
    displayTarget.lastStats = this.stats();
  }

  stats(): ReturnType<DisplayHandle['stats']> {
    const { frames, totalMs, maxMs, mode } = this;
    return { frames, meanMs: frames ? totalMs / frames : 0, maxMs, mode };
  }
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

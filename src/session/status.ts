// Where a session is and whether (and why) it was asked to stop. It exists before anything is
// connected, so what starts up (a worker's crash, a journal failure, risk control) can ask the
// session to stop without holding the session itself; only the session moves its phase.
import type { EndReason, SessionPhase } from '../types.js';

/** how far a session is and why it stops: every read-only view of a session carries this much */
export interface SessionStatus {
  readonly phase: SessionPhase;
  /** a stop was asked for: the strategy clock ends, then the end of session runs */
  readonly stopping: boolean;
  /** why trading ended (SessionReport.endReason); 'completed' until a stop is asked for */
  readonly endReason: EndReason;
}

export class Status implements SessionStatus {
  phase: SessionPhase = 'starting';
  private reason: EndReason = 'completed';
  private readonly stop = new AbortController();

  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  get endReason(): EndReason {
    return this.reason;
  }

  /** aborts when a stop is asked for (the tick loop and a strategy call in progress listen) */
  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /**
   * Ends the trading clock early; the end of session still runs. The first reason stands, unless
   * `replace` (the kill switch: a stop asked for earlier has not begun its end of session yet).
   */
  requestStop(reason: EndReason, replace = false): void {
    if (this.stop.signal.aborted) {
      if (replace) this.reason = reason;
      return;
    }
    this.reason = reason;
    this.stop.abort();
  }
}

/** `view` with live phase / stopping / endReason read from `status` (each view of a session has them) */
export function withStatus<T extends object>(status: SessionStatus, view: T): T & SessionStatus {
  return Object.defineProperties(view, {
    phase: { get: () => status.phase, enumerable: true },
    stopping: { get: () => status.stopping, enumerable: true },
    endReason: { get: () => status.endReason, enumerable: true },
  }) as T & SessionStatus;
}

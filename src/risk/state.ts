// The trading state: ACTIVE (the limits decide), REDUCING (only orders that reduce a position
// pass), HALTED (nothing passes). Every change is announced once, with its reason and time, to the
// session log, the trade log, the display and the report.
import type { CheckedRequest } from '../execution/validate.js';

/** why the risk engine refused a leg: the rule's name and a one-line reason */
export interface Refusal {
  rule: string;
  reason: string;
}

export type TradingStateName = 'ACTIVE' | 'REDUCING' | 'HALTED';

export interface StateChange {
  from: TradingStateName;
  to: TradingStateName;
  reason: string;
  at: number;
}
export interface Breach {
  rule: string;
  limit: number;
  value: number;
  action: string;
  at: number;
  reason: string;
}

export class TradingState {
  current: TradingStateName = 'ACTIVE';
  reason = '';
  since = Date.now();
  readonly changes: StateChange[] = [];
  readonly breaches: Breach[] = [];
  private readonly listeners: Array<(change: StateChange) => void> = [];

  onChange(listener: (change: StateChange) => void): void {
    this.listeners.push(listener);
  }

  /** moves to `to` (a no-op when already there, or when asked to loosen a HALTED state) */
  move(to: TradingStateName, reason: string, at = Date.now()): boolean {
    if (to === this.current || (this.current === 'HALTED' && to === 'REDUCING')) return false;
    const change = { from: this.current, to, reason, at };
    this.current = to;
    this.reason = reason;
    this.since = at;
    this.changes.push(change);
    for (const l of this.listeners) l(change);
    return true;
  }

  refuses(leg: CheckedRequest, reduces: boolean, position: number): Refusal | undefined {
    if (this.current === 'ACTIVE') return undefined;
    if (this.current === 'HALTED')
      return { rule: 'state', reason: `risk: trading state HALTED (${this.reason}): nothing passes` };
    if (reduces) return undefined;
    return {
      rule: 'state',
      reason: `risk: trading state REDUCING (${this.reason}): only orders that reduce a position pass; ${leg.ticker} position ${position}, this ${leg.side} ${leg.quantity} would not reduce it`,
    };
  }

  breachList(): Breach[] {
    return this.breaches.map((b) => ({ ...b }));
  }
}

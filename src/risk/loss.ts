// Loss limits: the day's P&L (realized earlier today and in this session, plus unrealized at the
// mids) against maxDailyLoss, and its fall from the session's best against maxDrawdown. Each
// limit fires once; what happens then (halt, reduce, flatten) is the caller's.
import type { Breach } from './state.js';
import type { RiskLimits } from './options.js';

export interface DayPnl {
  realized: number;
  unrealized: number;
}

export class LossMonitor {
  private peak: number | undefined;
  private readonly fired = new Set<string>();

  constructor(
    private readonly limits: Pick<RiskLimits, 'maxDailyLoss' | 'maxDrawdown' | 'onBreach'>,
    private readonly pnl: () => DayPnl,
  ) {}

  get armed(): boolean {
    return this.limits.maxDailyLoss !== undefined || this.limits.maxDrawdown !== undefined;
  }

  /** the breaches that happened since the last call (each limit at most once) */
  check(at = Date.now()): Breach[] {
    if (!this.armed) return [];
    const { realized, unrealized } = this.pnl();
    const total = realized + unrealized;
    if (!Number.isFinite(total)) return [];
    this.peak = Math.max(this.peak ?? total, total);
    const out: Breach[] = [];
    const { maxDailyLoss, maxDrawdown, onBreach } = this.limits;
    const money = (v: number) => v.toFixed(2);
    if (maxDailyLoss !== undefined && -total >= maxDailyLoss && !this.fired.has('maxDailyLoss')) {
      this.fired.add('maxDailyLoss');
      out.push({
        rule: 'maxDailyLoss',
        limit: maxDailyLoss,
        value: -total,
        action: onBreach,
        at,
        reason: `maxDailyLoss ${money(maxDailyLoss)}: realized ${money(realized)} + unrealized ${money(unrealized)} = ${money(total)}`,
      });
    }
    const drawdown = this.peak - total;
    if (maxDrawdown !== undefined && drawdown >= maxDrawdown && !this.fired.has('maxDrawdown')) {
      this.fired.add('maxDrawdown');
      out.push({
        rule: 'maxDrawdown',
        limit: maxDrawdown,
        value: drawdown,
        action: onBreach,
        at,
        reason: `maxDrawdown ${money(maxDrawdown)}: P&L ${money(total)} is ${money(drawdown)} below its best today ${money(this.peak)}`,
      });
    }
    return out;
  }
}

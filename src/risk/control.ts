// A session's risk control: the pre-trade engine, the loss monitor, the trading state (logged,
// written to the trade log, persisted for the day) and the kill switch's triggers. The session
// creates it before its order desk, arms it once connected and closes it in its shutdown; every
// kill and every flatten ends through the session's own end of session. It sees the session only
// through RiskHost, so risk/ does not depend on the session layer above it.
import path from 'node:path';
import type { TradeLog } from '../journal/trade-log.js';
import { markOf } from '../market/mark.js';
import { emptyQuote, type QuoteBoard } from '../market/quote-board.js';
import type { OrderRegistry } from '../execution/order-registry.js';
import type { Portfolio } from '../portfolio/portfolio.js';
import type { EndReason, SessionPhase } from '../types.js';
import type { Log } from '../util/log.js';
import { RiskEngine, type MarketView } from './engine.js';
import { listenForKill, pidFile, watchKillFile } from './kill.js';
import { LossMonitor } from './loss.js';
import { type RiskInput, resolveLimits } from './options.js';
import { accountKey, dayFile, readDay, today, writeDay, type DayRecord } from './persist.js';
import type { Breach, StateChange } from './state.js';

/** how often unrealized P&L is marked against the loss limits (fills are checked at once too) */
const LOSS_CHECK_MS = 50;

/** the session's options risk control reads (the session's parsed options are one) */
export interface RiskSettings {
  readonly risk?: RiskInput | false;
  readonly broker: { type: string } & Record<string, unknown>;
  readonly tradeLogPath: string;
  readonly tradeLogName: string;
  readonly killFile?: string;
  readonly handleSignals: boolean;
  readonly kill?: { readonly flatten: boolean };
  readonly eosTimeoutMs: number;
}

/** The session as risk control sees it: what it reads, and the two things it may ask of it. */
export interface RiskHost {
  readonly options: RiskSettings;
  readonly log: Log;
  readonly tradeLog: Pick<TradeLog, 'file' | 'note'>;
  readonly book: Pick<OrderRegistry, 'onEvent'>;
  readonly portfolio: Pick<Portfolio, 'realizedPnl' | 'unrealizedPnl' | 'quantity' | 'held'>;
  readonly board: QuoteBoard;
  readonly phase: SessionPhase;
  readonly stopping: boolean;
  readonly endReason: EndReason;
  /**
   * ends trading through the end of session; `replace`: a stop already asked for that has not
   * begun its end of session ends for this reason instead
   */
  requestStop(reason: EndReason, replace?: boolean): void;
  /** cancels every open order, waiting at most `withinMs` */
  cancelOpen(withinMs: number, reason: string): Promise<unknown>;
  /** the tag of this session's blocks: the day's realized P&L is kept per session under it */
  sessionTag(): string;
}

export class RiskControl {
  readonly engine: RiskEngine;
  private readonly loss: LossMonitor | undefined;
  private readonly file: string;
  private readonly account: string;
  /** the day's record as this session found it */
  private readonly restored: DayRecord | undefined;
  private killedBy: string | undefined;
  /** why the day is HALTED, as saved (a restored halt keeps its original reason and time) */
  private halt: { reason: string; since: string } | undefined;
  private undo: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private stateRows = 0;
  private saveTimer?: NodeJS.Timeout;

  constructor(private readonly s: RiskHost) {
    const o = s.options;
    const limits = resolveLimits(o.risk);
    this.engine = new RiskEngine(
      limits,
      boardView(s.board, s.portfolio, () => s.phase === 'end of session'),
    );
    this.account = accountKey(o.broker);
    this.file = dayFile(o.tradeLogPath, this.account);
    const restored = readDay(this.file, today());
    this.restored = restored;
    this.engine.state.onChange((c) => this.onStateChange(c));
    if (restored?.state === 'HALTED') {
      this.halt = { reason: restored.reason, since: restored.since };
      this.engine.state.move(
        'HALTED',
        `restored from ${path.basename(this.file)}: ${restored.reason} (since ${restored.since}); clear it with \`salvo risk reset\``,
      );
    }
    if (limits) this.loss = new LossMonitor(limits, () => this.dayPnl());
    s.book.onEvent((e) => {
      this.engine.onOrderEvent(e);
      if (!e.fill) return;
      this.checkLosses();
      // the day's realized P&L survives a crash: saved within a moment of each fill
      this.saveTimer ??= setTimeout(() => {
        this.saveTimer = undefined;
        this.persist();
      }, 200).unref();
    });
  }

  /** starts the loss timer and the kill triggers; throws when a trigger cannot be armed */
  arm(): void {
    const o = this.s.options;
    if (this.loss?.armed) {
      this.timer = setInterval(() => this.checkLosses(), LOSS_CHECK_MS);
      this.timer.unref();
    }
    if (o.killFile) this.undo.push(watchKillFile(o.killFile, () => this.kill(`kill file ${o.killFile}`)));
    if (o.handleSignals)
      this.undo.push(
        listenForKill(pidFile(o.tradeLogPath, o.tradeLogName), this.s.tradeLog.file, () => this.kill('salvo kill')),
      );
    this.persist();
  }

  /**
   * Stops trading now: the trading state goes HALTED (nothing more passes), the clock stops and the
   * end of session cancels every open order (the limiter's backlog first) and, unless
   * `kill: { flatten: false }`, flattens every position. Harmless when repeated: says so.
   */
  kill(source: string): string {
    const s = this.s;
    let message: string;
    if (s.phase === 'done') message = `kill (${source}): the session is already over; nothing to do`;
    else if (this.killedBy) message = `kill (${source}): already killed by ${this.killedBy}; nothing more to do`;
    else if (s.phase === 'end of session')
      message = `kill (${source}): the end of session (${s.endReason}) is already under way; it is not changed now`;
    else {
      this.killedBy = source;
      this.engine.state.move('HALTED', `kill switch (${source})`);
      // a stop already asked for (a signal, q) has not begun its end of session: the kill's replaces it
      s.requestStop('killed', true);
      message = `kill (${source}): trading stopped; canceling open orders${s.options.kill?.flatten === false ? ' (positions kept: kill.flatten is false)' : ' and flattening every position'}`;
      s.log.warn(message);
      return message;
    }
    s.log.info(message);
    return message;
  }

  private dayPnl() {
    const board = this.s.board;
    return {
      realized: this.earlierRealized() + this.s.portfolio.realizedPnl,
      unrealized: this.s.portfolio.unrealizedPnl((t) => markOf(board, t)),
    };
  }

  private checkLosses(): void {
    if (!this.loss || this.s.phase === 'done') return;
    for (const breach of this.loss.check()) this.onBreach(breach);
  }

  private onBreach(b: Breach): void {
    const s = this.s;
    const state = this.engine.state;
    state.breaches.push(b);
    s.log.error(`risk: loss limit breached: ${b.reason}; onBreach ${b.action}`);
    if (b.action === 'reduce') {
      state.move('REDUCING', b.reason, b.at);
      return;
    }
    this.halt ??= { reason: b.reason, since: new Date(b.at).toISOString() };
    state.move('HALTED', b.reason, b.at);
    if (b.action === 'flatten') {
      s.requestStop('risk'); // the end of session cancels and liquidates (closeOutBehavior)
      return;
    }
    if (s.phase === 'running') {
      s.cancelOpen(s.options.eosTimeoutMs, `canceled: trading HALTED (${b.reason})`).catch((error) =>
        s.log.warn(`canceling after a halt: ${(error as Error).message}`),
      );
    }
  }

  private onStateChange(c: StateChange): void {
    const line = `risk: trading state ${c.from} → ${c.to}: ${c.reason}`;
    if (c.to === 'ACTIVE') this.s.log.info(line);
    else this.s.log.warn(line);
    this.s.tradeLog.note({
      client_order_id: `risk-state-${++this.stateRows}`,
      status: c.to.toLowerCase(),
      action: 'risk_state',
      raw_status: 'risk',
      reason: c.reason,
      at: c.at,
    });
    this.persist();
  }

  /**
   * Realized P&L of the day's other sessions on this account. A resumed session keeps its block
   * tag and rebuilds its own P&L from its journal (the part saved before the crash too), so its own
   * saved part is not counted twice.
   */
  private earlierRealized(): number {
    const r = this.restored;
    return r ? r.realizedPnl - (r.bySession?.[this.s.sessionTag()] ?? 0) : 0;
  }

  /** the day's realized P&L and a loss-limit halt, for a restart on the same account and day */
  private persist(): void {
    // a kill stops this session only; a loss-limit halt holds for the rest of the day
    const halt = this.halt;
    try {
      writeDay(this.file, {
        account: this.account,
        day: today(),
        realizedPnl: this.earlierRealized() + this.s.portfolio.realizedPnl,
        bySession: { ...this.restored?.bySession, [this.s.sessionTag()]: this.s.portfolio.realizedPnl },
        state: halt ? 'HALTED' : 'ACTIVE',
        reason: halt?.reason ?? '',
        since: halt?.since ?? '',
      });
    } catch (error) {
      this.s.log.warn(`risk: could not save the day's risk state to ${this.file}: ${(error as Error).message}`);
    }
  }

  summary() {
    return { ...this.engine.summary(), killedBy: this.killedBy };
  }

  /** the final P&L saved, triggers and timers gone; safe to call twice */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.timer = this.saveTimer = undefined;
    for (const undo of this.undo.splice(0)) undo();
    this.persist();
  }
}

/** the checks' view of a session: its quote board, its portfolio, and whether it is closing out */
export function boardView(
  board: QuoteBoard,
  portfolio: Pick<Portfolio, 'quantity' | 'held'>,
  closingOut: () => boolean,
  now: () => number = Date.now,
): MarketView {
  const scratch = emptyQuote();
  return {
    quote: (ticker) => {
      const slot = board.find(ticker);
      if (slot === undefined || board.updates(slot) === 0) return undefined;
      const q = board.read(slot, scratch);
      return { mid: q.bid > 0 && q.ask > 0 ? (q.bid + q.ask) / 2 : q.last, at: q.timestamp };
    },
    position: (ticker) => portfolio.quantity(ticker),
    held: () => portfolio.held(),
    closingOut,
    now,
  };
}

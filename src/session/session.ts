// One trading session: validate options → start the quote worker, the venue and the execution
// workers → warm up → run the strategy clock → end of session → drain → report. Anything that
// cannot start fails here, before the first strategy call, and what did start is stopped again.
import path from 'node:path';
import { openBroker } from '../brokers/open.js';
import type { Broker } from '../brokers/broker.js';
import { OrderRegistry } from '../execution/order-registry.js';
import { OrderDesk } from '../execution/order-desk.js';
import { preciseNow, type Order } from '../orders/order.js';
import { Throttle } from '../execution/throttle.js';
import { TokenBucket, type RateDecision } from '../util/token-bucket.js';
import { WorkerPool } from '../execution/worker-pool.js';
import { accountIdentity, OrderJournal } from '../journal/journal.js';
import {
  comparePositions,
  freshJournal,
  journalFileOf,
  loadPrior,
  replayJournal,
  settleWithBroker,
  type Prior,
  type Replayed,
  type ResumeReport,
} from '../journal/resume.js';
import { checkAtStart, type StartCheck } from '../journal/start-check.js';
import { TradeLog } from '../journal/trade-log.js';
import { startQuoteFeed, type QuoteFeed } from '../market/quote-feed.js';
import { Portfolio } from '../portfolio/portfolio.js';
import { RiskControl } from '../risk/control.js';
import type { EndReason, SessionReport, Strategy } from '../types.js';
import { secretsOf } from '../util/secrets.js';
import { SessionLog } from './session-log.js';
import { runTickLoop, type TickLoopResult } from './tick-loop.js';
import { currentData, makeContext, markOf, ordersFrom } from './context.js';
import { formatDuration } from './durations.js';
import { endOfSession } from './end-of-session.js';
import type { SessionOptions } from './options.js';
import { onStopSignals } from './signals.js';
import { boundedCall, threwText } from './strategy-call.js';
import { describeError } from '../util/errors.js';

export type Phase = 'starting' | 'warm-up' | 'running' | 'end of session' | 'done';
/** one strategy or shutdown call: once `closed` (why), its ctx.submitOrder sends nothing */
export interface CallState {
  closed?: string;
}

/** a strategy call in progress when the session stops gets this much longer, not its whole timeout */
const STOP_GRACE_MS = 1000;
/** the last round of cancels gets at least this long, even when liquidation used up eosTimeout */
const FINAL_CANCEL_MS = 2000;
const RECONCILE_TIMEOUT_MS = 5000;

export class Session {
  phase: Phase = 'starting';
  readonly book = new OrderRegistry();
  readonly portfolio = new Portfolio();
  readonly startedAt = new Date();
  readonly clock: TickLoopResult = { ticks: 0, overruns: 0, lateness: [] };
  /** positions the account held when the session started, by ticker (signed) */
  readonly adopted = new Map<string, number>();
  strategyErrors = 0;
  endReason: EndReason = 'completed';
  /** when the trading clock started and for how long it runs (ms since epoch / ms) */
  clockStartedAt = 0;
  runMs = 0;
  startupMs = 0;
  warmUpMs = 0;
  private readonly stop = new AbortController();
  private cleanups: Array<() => unknown> = [];
  feed!: QuoteFeed;
  broker!: Broker;
  pool!: WorkerPool;
  throttle!: Throttle;
  desk!: OrderDesk;
  bucket!: RateDecision;
  risk!: RiskControl;
  journal: OrderJournal | undefined;
  startCheck: StartCheck = {
    orphans: { count: 0, tickers: [], clientOrderIds: [], action: 'report' },
    heldAtStart: [],
  };
  resumed: ResumeReport | undefined;

  private constructor(
    readonly options: SessionOptions,
    readonly log: SessionLog,
    readonly tradeLog: TradeLog,
  ) {}

  static async start(options: SessionOptions): Promise<Session> {
    // a resume reads (and checks) the journal and the CSV before anything is appended to them
    const prior = options.resume ? loadPrior(options) : undefined;
    if (!prior) freshJournal(journalFileOf(options));
    const tradeLog = TradeLog.open(options.tradeLogPath, options.tradeLogName);
    const log = new SessionLog(
      path.join(options.tradeLogPath, `${options.tradeLogName}.log`),
      options.logger,
      secretsOf(options),
    );
    const s = new Session(options, log, tradeLog);
    try {
      for (const warning of prior?.contents.warnings ?? []) log.warn(warning);
      const replayed = prior && replayJournal(prior.contents, s.book, s.portfolio, prior.csvBlocks);
      const journal = (s.journal = OrderJournal.open(
        journalFileOf(options),
        options.journal.sync,
        prior?.contents.validBytes,
      ));
      journal.remember([...s.book.all()].map((o) => o.clientOrderId));
      s.book.onEvent((e) => {
        journal.status(e); // ahead of the CSV: a row in the CSV always has its record in the journal
        if (e.fill) s.portfolio.applyFill(e.order.ticker, e.order.side, e.fill.qty, e.fill.price);
        tradeLog.record(e);
      });
      await s.connect(prior && replayed && { prior, replayed });
      s.startupMs = Date.now() - s.startedAt.getTime();
    } catch (error) {
      await s.shutdown();
      throw new Error(`session did not start: ${log.mask(describeError(error))}`);
    }
    return s;
  }

  private async connect(resuming?: { prior: Prior; replayed: Replayed }): Promise<void> {
    const o = this.options;
    this.log.info(
      `starting ${o.tradeLogName}: ${o.tickers.length} ticker(s), broker ${o.broker.type}, quotes ${o.quotes.type}, ${o.numWorkers} execution worker(s)`,
    );
    const source = o.recordQuotes ? { ...o.quotes, recordTo: path.resolve(o.recordQuotes) } : o.quotes;
    this.feed = await startQuoteFeed({ tickers: o.tickers, source, log: (level, m) => this.log.write(level, m) });
    this.cleanups.push(() => this.feed.close());
    const { broker, hub, close } = await openBroker(o.broker, {
      board: { buffer: this.feed.board.buffer, tickers: o.tickers },
      onUpdate: (u) => this.book.applyUpdate(u),
    });
    this.cleanups.push(close);
    this.broker = broker;
    const held = await this.broker.positions();
    if (resuming) {
      await this.resume(resuming, held);
      this.noteAdopted(resuming.prior.contents.headers[0].positions ?? []);
    } else {
      this.adopt(held);
    }
    this.runMs = await this.sessionLength();
    this.pool = await WorkerPool.start({
      size: o.numWorkers,
      broker: o.broker,
      hub,
      retry: { retries: o.maxRetries, baseMs: o.retryBaseMs },
      width: Math.ceil(o.burst / o.numWorkers),
      onMessage: (id, m) => this.desk.onWorkerMessage(id, m),
      onCrash: (id, error) => {
        this.log.error(`execution worker ${id} crashed: ${describeError(error, { stack: true })}; ending the session`);
        this.requestStop('failed');
      },
    });
    this.cleanups.push(() => this.pool.close());
    this.log.info(
      `block width: burst ${o.burst}, ${o.numWorkers} worker(s): ${[...new Set(this.pool.widths)].join('; ') || 'unknown'} per worker`,
    );
    this.bucket = o.rateLimit ? await this.sharedRate(o.rateLimit) : new TokenBucket(o.burst, o.ordersPerMinute);
    this.throttle = new Throttle(this.bucket, (legs) => this.pool.dispatch(legs));
    this.cleanups.push(() => this.throttle.stop());
    const view = {
      hasTicker: (t: string) => this.feed.board.has(t),
      position: (t: string) => this.portfolio.quantity(t),
      closingInFlight: (t: string, side: 'long' | 'short') => this.book.closingInFlight(t, side),
      touch: (t: string) => this.feed.board.read(this.feed.board.slotOf(t)),
    };
    this.risk = new RiskControl(this);
    this.desk = new OrderDesk(this.book, this.throttle, this.pool, view, this.log, this.risk.engine);
    this.cleanups.push(() => this.risk.close());
    if (resuming) this.desk.continueBlocks(resuming.replayed.sessionTag, resuming.replayed.blockSeq);
    this.desk.beforeSend = (legs, send) => this.journalIntents(legs, send);
    this.journal!.header({
      broker: o.broker.type,
      account: accountIdentity(o.broker),
      session: o.tradeLogName,
      sessionTag: this.desk.blockTag,
      startedAt: this.startedAt.getTime(),
      positions: resuming?.prior.contents.headers[0].positions ?? held,
      resumed: Boolean(resuming),
    });
    this.startCheck = await checkAtStart({
      broker: this.broker,
      book: this.book,
      log: this.log,
      policy: o.onStartOrphans,
      numWorkers: o.numWorkers,
      held,
      adopted: (orders) => this.journal!.intents(orders),
      ours: resuming ? (t) => this.portfolio.quantity(t) : undefined,
    });
    this.risk.arm();
  }

  /**
   * What the account holds before the first order: it counts toward position checks, but it is not
   * this session's — liquidation at the end closes only what the session's own fills changed.
   */
  private adopt(held: ReadonlyArray<{ ticker: string; quantity: number; avgEntryPrice: number }>): void {
    this.portfolio.seed(held);
    this.noteAdopted(this.portfolio.held());
  }

  /** a resumed session adopts what the crashed one held at its start, from its journal */
  private noteAdopted(held: ReadonlyArray<{ ticker: string; quantity: number }>): void {
    for (const p of held) if (Math.abs(p.quantity) > 1e-9) this.adopted.set(p.ticker, p.quantity);
    if (this.adopted.size) {
      this.log.warn(
        `the account already holds ${[...this.adopted].map(([t, q]) => `${t} ${q}`).join(', ')}: adopted as held before this session; the end of session will not close it`,
      );
    }
  }

  /** the account's limit shared with its other runners through Redis (ioredis loads only then) */
  private async sharedRate(rate: NonNullable<SessionOptions['rateLimit']>): Promise<RateDecision> {
    const { SharedRate, accountKey } = await import('../execution/shared-rate.js');
    const shared = await SharedRate.connect({
      url: rate.redis,
      key: rate.key ?? accountKey(this.options.broker),
      share: rate.share,
      limit: Math.max(1, Math.floor((this.options.ordersPerMinute * rate.windowSeconds) / 60)),
      windowMs: rate.windowSeconds * 1000,
      marginMs: rate.marginMs,
      runner: `${this.options.tradeLogName}-${process.pid}`,
      log: (level, m) => this.log.write(level, m),
    });
    this.cleanups.push(() => shared.close());
    return shared;
  }

  /** the crashed session's orders settled with the broker, its positions rebuilt and compared */
  private async resume(
    resuming: { prior: Prior; replayed: Replayed },
    held: Array<{ ticker: string; quantity: number }>,
  ): Promise<void> {
    const settled = await settleWithBroker({
      book: this.book,
      broker: this.broker,
      log: this.log,
      tradeLog: this.tradeLog,
      replayed: resuming.replayed,
      inCsv: resuming.prior.inCsv,
    });
    const positionMismatches = comparePositions(this.portfolio, held);
    for (const line of positionMismatches) this.log.warn(`after resume, position mismatch for ${line}`);
    this.resumed = { ...settled, positionMismatches };
  }

  /** the desk's hook before a block is sent: its intent is durable first, or nothing is sent */
  private journalIntents(legs: Order[], send: () => void): void {
    const refuse = (error: Error) => {
      const reason = `journal write failed: ${error.message}`;
      for (const order of legs) this.book.move(order, 'failed', { source: 'local', rawStatus: 'not_sent', reason });
      this.log.error(
        `the order journal cannot be written (${error.message}): nothing more is sent; ending the session`,
      );
      this.requestStop('journal failed');
    };
    try {
      this.journal!.intents(legs, send, refuse);
    } catch (error) {
      refuse(error as Error);
    }
  }

  /** runMs (option runSeconds), or for 'EOD' the broker's next close less 30 s */
  private async sessionLength(): Promise<number> {
    const { runMs } = this.options;
    if (runMs !== 'EOD') return runMs;
    const clock = await this.broker.clock();
    const ms = clock.nextClose.getTime() - 30_000 - clock.now.getTime();
    if (!clock.isOpen || ms <= 0) {
      throw new Error(
        `runSeconds 'EOD': the market is closed (next close ${clock.nextClose.toISOString()}, next open ${clock.nextOpen.toISOString()}); a session must end 30 s before the close`,
      );
    }
    return ms;
  }

  /** ends the trading clock early; the end of session still runs */
  requestStop(reason: EndReason): void {
    if (this.stop.signal.aborted) return;
    this.endReason = reason;
    this.stop.abort();
  }

  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  /**
   * Warm-up, the strategy clock, then the end of session — which runs exactly once whichever way
   * trading stopped: the clock ran out, a signal, the display's q, haltOnError, or a failure inside
   * salvo itself (then run() rejects with that failure after the end of session).
   */
  async run(): Promise<SessionReport> {
    const o = this.options;
    const unhook = o.handleSignals
      ? onStopSignals(
          (signal) => {
            this.log.warn(
              `${signal}: ending the session (end of session: ${o.eosBehavior}); send it again to exit at once`,
            );
            this.requestStop('signal');
          },
          () => this.exitAtOnce(),
        )
      : () => undefined;
    let display: { stop(): Promise<void> } | undefined;
    let failure: unknown;
    try {
      this.phase = 'warm-up';
      if (o.liveDisplay) display = (await import('../display/index.js')).startDisplay(this);
      await this.warmUp();
      this.phase = 'running';
      this.clockStartedAt = Date.now();
      this.log.info(`trading for ${formatDuration(this.runMs)}, strategy every ${formatDuration(o.periodMs)}`);
      await runTickLoop({
        periodMs: o.periodMs,
        durationMs: this.runMs,
        signal: this.stop.signal,
        progress: this.clock,
        onTick: (tick) => this.callStrategy(o.strategy, tick),
      });
    } catch (error) {
      failure = error;
      this.requestStop('failed');
      this.log.error(`the session failed: ${describeError(error, { stack: true })}; running the end of session`);
    }
    let report: SessionReport | undefined;
    try {
      report = await this.finish();
    } catch (error) {
      await this.shutdown();
      failure ??= error;
    } finally {
      await display?.stop(); // gives the terminal back before run() returns or throws
      unhook();
    }
    if (failure !== undefined || !report) throw failure; // after the end of session ran
    return report;
  }

  private async warmUp(): Promise<void> {
    const o = this.options;
    const warmUpStart = Date.now();
    const missing = await this.feed.waitForQuotes(this.stop.signal.aborted ? 0 : o.warmUpMs);
    this.warmUpMs = Date.now() - warmUpStart;
    if (missing.length)
      this.log.warn(`warm-up ended after ${formatDuration(o.warmUpMs)} with no quote yet for: ${missing.join(', ')}`);
  }

  /**
   * The end of session, within eosTimeout plus a bounded clean-up (see README, "Guarantees"):
   * nothing more leaves from the backlog or from a retry, the behaviour runs, open orders are
   * canceled, and any order still without a final status gets one, so every order ends in
   * exactly one terminal row.
   */
  private async finish(): Promise<SessionReport> {
    const o = this.options;
    this.phase = 'end of session';
    const deadline = Date.now() + o.eosTimeoutMs;
    await this.desk.stopSending('the session ended before it was sent', deadline);
    await endOfSession(this, deadline);
    let stillOpen = this.book.open();
    if (o.cancelOpenOrdersAtEnd) {
      const open = await this.desk.cancelOpen(Math.max(deadline - Date.now(), FINAL_CANCEL_MS), 'session ended');
      stillOpen = this.desk.closeOut(
        open,
        `no final status from the broker by the end of the session; check ${o.broker.type} for it`,
      );
    } else {
      for (const order of stillOpen)
        this.log.warn(
          `order ${order.clientOrderId} still ${order.status} at the end of the session: left working at the broker (cancelOpenOrdersAtEnd: false)`,
        );
    }
    const reconciliation = await this.reconcile();
    this.phase = 'done';
    await this.shutdown();
    return { ...this.report(stillOpen.map((x) => x.clientOrderId)), ...reconciliation };
  }

  /** a second signal: exit now, saying what is left behind at the broker */
  private exitAtOnce(): never {
    const open = this.book.open();
    const held = this.portfolio.positions(() => undefined).map((p) => `${p.ticker} ${p.quantity}`);
    this.log.warn(
      `second signal: exiting at once without the end of session; left at the broker: ${open.length} open order(s)${open.length ? ` (${open.map((x) => `${x.clientOrderId} ${x.status}`).join(', ')})` : ''}, positions: ${held.length ? held.join(', ') : 'none'}`,
    );
    this.tradeLog.flush();
    process.exit(130);
  }

  /** salvo's positions against the broker's: a difference means a fill salvo never saw (or one too many) */
  private async reconcile(): Promise<Pick<SessionReport, 'reconciled' | 'brokerPositions'>> {
    let held;
    try {
      held = await withTimeout(this.broker.positions(), RECONCILE_TIMEOUT_MS, 'the broker did not list its positions');
    } catch (error) {
      this.log.warn(`could not reconcile positions with the broker: ${describeError(error)}`);
      return { reconciled: false, brokerPositions: [] };
    }
    const brokerPositions = held
      .filter((p) => Math.abs(p.quantity) > 1e-9)
      .map((p) => ({ ticker: p.ticker, quantity: p.quantity }));
    const mismatches = comparePositions(this.portfolio, brokerPositions);
    for (const line of mismatches) this.log.warn(`position mismatch for ${line}`);
    return { reconciled: !mismatches.length, brokerPositions };
  }

  /**
   * One strategy call; never throws and never outlasts strategyTimeout. A call that throws or is
   * abandoned counts as a strategy error (haltOnError ends the session through its end of session).
   */
  async callStrategy(strategy: Strategy, tick: number): Promise<void> {
    const call: CallState = {};
    const ctx = this.context(tick, call, 'running');
    const outcome = await boundedCall(() => strategy(ctx), {
      timeoutMs: this.options.strategyTimeoutMs,
      stop: this.stop.signal,
      graceMs: STOP_GRACE_MS,
      late: (late) =>
        this.log.warn(
          `tick ${tick}: the abandoned strategy call ${late.kind === 'threw' ? threwText('finally', late.error) : 'finally returned'}; nothing from it is sent`,
        ),
    });
    if (outcome.kind === 'abandoned') call.closed = 'its call was abandoned';
    if (outcome.kind === 'returned') {
      const decidedAt = preciseNow();
      const { orders, error } = ordersFrom(outcome.value);
      if (error) this.log.error(`tick ${tick}: ${error}`);
      if (orders.length) this.desk.submitBlock(orders, decidedAt);
      return;
    }
    this.strategyErrors++;
    this.log.error(
      outcome.kind === 'threw'
        ? `strategy threw on tick ${tick}: ${describeError(outcome.error, { stack: true })}`
        : `strategy call on tick ${tick} abandoned: ${outcome.why}; its orders will not be sent`,
    );
    if (this.options.haltOnError) this.requestStop('halted');
  }

  /**
   * The ctx for one call. Its submitOrder works during `phase` (a strategy's callback may submit
   * while the session runs); after that, or once the call was abandoned, it says so and sends nothing.
   */
  context(tick: number, call: CallState = {}, phase: Phase = this.phase) {
    return makeContext({
      board: this.feed.board,
      portfolio: this.portfolio,
      tick,
      submit: (requests) => {
        if (this.phase !== phase || call.closed) {
          const when = call.closed ?? (this.phase === 'done' ? 'the session ended' : `trading stopped (${this.phase})`);
          this.log.warn(`ctx.submitOrder on tick ${tick} after ${when}: nothing was sent`);
          return;
        }
        const { orders, error } = ordersFrom(Array.isArray(requests) ? requests : [requests]);
        if (error) this.log.error(`ctx.submitOrder on tick ${tick}: ${error}`);
        if (orders.length) this.desk.submitBlock(orders);
      },
      log: (message) => this.log.info(`[strategy] ${message}`),
      openOrders: () => this.desk.openOrders(),
    });
  }

  data() {
    return currentData(this.feed.board, this.portfolio, () => this.desk.openOrders());
  }

  private report(stillOpen: string[]): Omit<SessionReport, 'reconciled' | 'brokerPositions'> {
    const mark = (t: string) => markOf(this.feed.board, t);
    return {
      orders: this.book.counts(),
      positions: this.portfolio.positions(mark),
      realizedPnl: this.portfolio.realizedPnl,
      unrealizedPnl: this.portfolio.unrealizedPnl(mark),
      tradeLogFile: this.tradeLog.file,
      startedAt: this.startedAt,
      endedAt: new Date(),
      ticks: this.clock.ticks,
      overruns: this.clock.overruns,
      startupMs: this.startupMs,
      warmUpMs: this.warmUpMs,
      strategyErrors: this.strategyErrors,
      blocks: this.book.blockTimings(),
      endReason: this.endReason,
      stillOpen,
      malformedQuotes: this.feed?.malformedCounts() ?? {},
      risk: this.risk.summary(),
      orphans: this.startCheck.orphans,
      heldAtStart: this.startCheck.heldAtStart,
      ...(this.resumed ? { resumed: this.resumed } : {}),
      journalFile: this.journal?.file ?? '',
    };
  }

  /** stops everything that started, in reverse order; safe to call more than once */
  private async shutdown(): Promise<void> {
    const cleanups = this.cleanups.reverse();
    this.cleanups = [];
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch (error) {
        this.log.warn(`while stopping: ${describeError(error)}`);
      }
    }
    try {
      this.journal?.close();
    } catch (error) {
      this.log.warn(`while closing the order journal: ${(error as Error).message}`);
    }
    this.tradeLog.close();
    this.log.close();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

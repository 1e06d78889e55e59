// One trading session: validate options → start the quote worker, the venue and the execution
// workers → warm up → run the strategy clock → end of session → drain → report. Anything that
// cannot start fails here, before the first strategy call, and what did start is stopped again.
// The session owns its state: the display, the CLI status line, end of session and risk control
// each get a narrow read-only view of it (views.ts, EndOfSessionView, RiskHost), and the live
// display runs beside the session (display/beside.ts), never from inside it.
import path from 'node:path';
import { openBroker } from '../brokers/open.js';
import type { Broker, BrokerPosition } from '../brokers/broker.js';
import { OrderRegistry, type OrderEvent } from '../execution/order-registry.js';
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
import { checkAtStart, isLiveAccount, type StartCheck } from '../journal/start-check.js';
import { TradeLog } from '../journal/trade-log.js';
import { markOf } from '../market/mark.js';
import type { QuoteBoard } from '../market/quote-board.js';
import { startQuoteFeed, type QuoteFeed } from '../market/quote-feed.js';
import { Portfolio } from '../portfolio/portfolio.js';
import { RiskControl, type RiskHost } from '../risk/control.js';
import type { EndReason, SessionPhase, SessionReport, Strategy, StrategyContext } from '../types.js';
import { describeError } from '../util/errors.js';
import type { Log } from '../util/log.js';
import { secretsOf } from '../util/secrets.js';
import { makeContext, ordersFrom } from './context.js';
import { formatDuration } from './durations.js';
import { RunnerBooks } from './books.js';
import { endOfSession, type EndOfSessionView } from './end-of-session.js';
import type { SessionOptions } from './options.js';
import { SessionLog } from './session-log.js';
import { onStopSignals } from './signals.js';
import { Status, withStatus } from './status.js';
import { boundedCall, threwText, type CallState } from './strategy-call.js';
import { runTickLoop, type TickLoopResult } from './tick-loop.js';
import type { DisplayView, ExecutionGauges, StatusLineSource } from './views.js';

/** a strategy call in progress when the session stops gets this much longer, not its whole timeout */
const STOP_GRACE_MS = 1000;
/** the last round of cancels gets at least this long, even when liquidation used up eosTimeout */
const FINAL_CANCEL_MS = 2000;
const RECONCILE_TIMEOUT_MS = 5000;

/** What a session has before it connects anything: its records, its books, its status. */
interface Records {
  readonly options: SessionOptions;
  readonly log: SessionLog;
  readonly tradeLog: TradeLog;
  readonly book: OrderRegistry;
  /** the account as this runner knows it: held at start + its own fills (ctx positions, checks) */
  readonly portfolio: Portfolio;
  /** its own book, and other runners' fills on the account */
  readonly books: RunnerBooks;
  readonly status: Status;
  readonly startedAt: Date;
  /** how to stop what started, in the order it started (shutdown runs them in reverse) */
  readonly cleanups: Array<() => unknown>;
}

/** What start() connected; the session owns all of it from then on. */
interface Connected {
  readonly journal: OrderJournal;
  readonly feed: QuoteFeed;
  readonly broker: Broker;
  readonly pool: WorkerPool;
  readonly bucket: RateDecision;
  readonly throttle: Throttle;
  readonly desk: OrderDesk;
  readonly risk: RiskControl;
  /** positions the account held when the session started (see SessionReport.heldAtStart), by ticker */
  readonly heldAtStart: ReadonlyMap<string, number>;
  readonly startCheck: StartCheck;
  readonly resumed: ResumeReport | undefined;
  /** how long the strategy clock runs, ms */
  readonly runMs: number;
}

export class Session {
  private readonly options: SessionOptions;
  private readonly log: SessionLog;
  private readonly tradeLog: TradeLog;
  private readonly book: OrderRegistry;
  private readonly portfolio: Portfolio;
  private readonly books: RunnerBooks;
  private readonly status: Status;
  private readonly startedAt: Date;
  private readonly cleanups: Array<() => unknown>;
  private readonly journal: OrderJournal;
  private readonly feed: QuoteFeed;
  private readonly broker: Broker;
  private readonly pool: WorkerPool;
  private readonly bucket: RateDecision;
  private readonly throttle: Throttle;
  private readonly desk: OrderDesk;
  private readonly risk: RiskControl;
  private readonly heldAtStart: ReadonlyMap<string, number>;
  private readonly startCheck: StartCheck;
  private readonly resumed: ResumeReport | undefined;
  private readonly runMs: number;
  private readonly clock: TickLoopResult = { ticks: 0, overruns: 0, lateness: [] };
  /** when the trading clock started, ms since epoch (0 before) */
  private clockStartedAt = 0;
  private warmUpMs = 0;
  private strategyErrors = 0;
  /** what the live display draws and may do; start it beside the session (see src/display/beside.ts) */
  readonly display: DisplayView;
  /** what the CLI's status line reads */
  readonly statusLine: StatusLineSource;

  private constructor(
    records: Records,
    connected: Connected,
    private readonly startupMs: number,
  ) {
    ({
      options: this.options,
      log: this.log,
      tradeLog: this.tradeLog,
      book: this.book,
      portfolio: this.portfolio,
      books: this.books,
      status: this.status,
      startedAt: this.startedAt,
      cleanups: this.cleanups,
    } = records);
    ({
      journal: this.journal,
      feed: this.feed,
      broker: this.broker,
      pool: this.pool,
      bucket: this.bucket,
      throttle: this.throttle,
      desk: this.desk,
      risk: this.risk,
      heldAtStart: this.heldAtStart,
      startCheck: this.startCheck,
      resumed: this.resumed,
      runMs: this.runMs,
    } = connected);
    this.display = this.displayView();
    this.statusLine = this.statusLineView();
  }

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
    const records: Records = {
      options,
      log,
      tradeLog,
      book: new OrderRegistry(log),
      portfolio: new Portfolio(),
      books: new RunnerBooks(options.strategyId, (m) => log.warn(m)),
      status: new Status(),
      startedAt: new Date(),
      cleanups: [],
    };
    try {
      const { book, portfolio, books } = records;
      for (const warning of prior?.contents.warnings ?? []) log.warn(warning);
      const replayed = prior && replayJournal(prior.contents, book, portfolio, prior, books.own);
      const journal = OrderJournal.open(journalFileOf(options), options.journal.sync, prior?.contents.validBytes);
      records.cleanups.push(() => closeJournal(journal, log));
      journal.remember([...book.all()].map((o) => o.clientOrderId));
      book.onAlias((a) => journal.alias(a));
      journal.onLostStatus = (error) => writeFailed(records, 'the order journal', error);
      tradeLog.onFailure = (error) => writeFailed(records, 'the trade log', error);
      book.onEvent((e) => {
        journal.status(e); // ahead of the CSV: a row in the CSV always has its record in the journal
        if (e.fill) {
          portfolio.applyFill(e.order.ticker, e.order.side, e.fill.qty, e.fill.price);
          books.own.applyFill(e.order.ticker, e.order.side, e.fill.qty, e.fill.price);
        }
        tradeLog.record(e);
      });
      const connected = await connect(records, journal, prior && replayed && { prior, replayed });
      return new Session(records, connected, Date.now() - records.startedAt.getTime());
    } catch (error) {
      await shutdown(records);
      throw new Error(`session did not start: ${log.mask(describeError(error))}`);
    }
  }

  /** ends the trading clock early; the end of session still runs */
  requestStop(reason: EndReason): void {
    this.status.requestStop(reason);
  }

  /** the kill switch (see RiskControl.kill): says what it did, or why it did nothing */
  kill(source: string): string {
    return this.risk.kill(source);
  }

  /** every order this session tracked, as it stands (after run(): each in its final status) */
  orders(): ReadonlyArray<Readonly<Order>> {
    return [...this.book.all()];
  }

  /** the strategy clock's ticks, overruns and each tick's lateness (ms) */
  get tickLoop(): Readonly<TickLoopResult> {
    return this.clock;
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
    let failure: unknown;
    try {
      this.status.phase = 'warm-up';
      await this.warmUp();
      this.status.phase = 'running';
      this.clockStartedAt = Date.now();
      this.log.info(`trading for ${formatDuration(this.runMs)}, strategy every ${formatDuration(o.periodMs)}`);
      await runTickLoop({
        periodMs: o.periodMs,
        durationMs: this.runMs,
        signal: this.status.signal,
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
      unhook();
    }
    if (failure !== undefined || !report) throw failure; // after the end of session ran
    return report;
  }

  private async warmUp(): Promise<void> {
    const o = this.options;
    const warmUpStart = Date.now();
    const missing = await this.feed.waitForQuotes(this.status.stopping ? 0 : o.warmUpMs);
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
    this.status.phase = 'end of session';
    const deadline = Date.now() + o.eosTimeoutMs;
    await this.desk.stopSending('the session ended before it was sent', deadline);
    await endOfSession(this.endOfSessionView(), deadline);
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
    this.status.phase = 'done';
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

  /**
   * The broker's positions against what this runner accounts for (held at start + its own fills +
   * other runners' fills it saw): a difference means a fill salvo never saw, or a trade on the
   * account by something other than a salvo runner.
   */
  private async reconcile(): Promise<Pick<SessionReport, 'reconciled' | 'brokerPositions' | 'account'>> {
    const mark = (t: string) => markOf(this.feed.board, t);
    let held: BrokerPosition[];
    try {
      held = await withTimeout(this.broker.positions(), RECONCILE_TIMEOUT_MS, 'the broker did not list its positions');
    } catch (error) {
      this.log.warn(`could not reconcile positions with the broker: ${describeError(error)}`);
      return { reconciled: false, brokerPositions: [], account: this.books.account([], mark) };
    }
    held = held.filter((p) => Math.abs(p.quantity) > 1e-9);
    const brokerPositions = held.map((p) => ({ ticker: p.ticker, quantity: p.quantity }));
    const mismatches = comparePositions(this.books.expected(this.portfolio), brokerPositions);
    for (const line of mismatches) this.log.warn(`position mismatch for ${line}`);
    return { reconciled: !mismatches.length, brokerPositions, account: this.books.account(held, mark) };
  }

  /**
   * One strategy call; never throws and never outlasts strategyTimeout. A call that throws or is
   * abandoned counts as a strategy error (haltOnError ends the session through its end of session).
   */
  private async callStrategy(strategy: Strategy, tick: number): Promise<void> {
    const call: CallState = {};
    const ctx = this.context(tick, call, 'running');
    const outcome = await boundedCall(() => strategy(ctx), {
      timeoutMs: this.options.strategyTimeoutMs,
      stop: this.status.signal,
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
  private context(tick: number, call: CallState, phase: SessionPhase): StrategyContext {
    return makeContext({
      board: this.feed.board,
      portfolio: this.portfolio,
      tick,
      submit: (requests) => {
        const now = this.status.phase;
        if (now !== phase || call.closed) {
          const when = call.closed ?? (now === 'done' ? 'the session ended' : `trading stopped (${now})`);
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

  private report(stillOpen: string[]): Omit<SessionReport, 'reconciled' | 'brokerPositions' | 'account'> {
    const mark = (t: string) => markOf(this.feed.board, t);
    const own = this.books.own;
    return {
      orders: this.book.counts(),
      strategyId: this.options.strategyId,
      positions: own.positions(mark),
      realizedPnl: own.realizedPnl,
      unrealizedPnl: own.unrealizedPnl(mark),
      tradeLogFile: this.tradeLog.file,
      startedAt: this.startedAt,
      endedAt: new Date(),
      ticks: this.clock.ticks,
      overruns: this.clock.overruns,
      startupMs: this.startupMs,
      warmUpMs: this.warmUpMs,
      strategyErrors: this.strategyErrors,
      blocks: this.book.blockTimings(),
      endReason: this.status.endReason,
      stillOpen,
      malformedQuotes: this.feed.malformedCounts(),
      risk: this.risk.summary(),
      orphans: this.startCheck.orphans,
      heldAtStart: [...this.heldAtStart].map(([ticker, quantity]) => ({ ticker, quantity })),
      ...(this.resumed ? { resumed: this.resumed } : {}),
      otherRunnersAtStart: this.startCheck.otherRunners,
      journalFile: this.journal.file,
      refusedTransitions: this.book.refusedTransitions(),
      foreignUpdates: this.book.foreignUpdates,
    };
  }

  /** the display's view: reads what the session keeps, asks it to stop or to kill */
  private displayView(): DisplayView {
    const { throttle, pool, bucket, desk, risk } = this;
    const execution: ExecutionGauges = {
      get backlog() {
        return throttle.backlog;
      },
      get inFlight() {
        return pool.inFlight;
      },
      workers: () => pool.stats(),
      available: () => bucket.available(),
      get capacity() {
        return bucket.capacity;
      },
      desk: desk.stats,
    };
    const session = this;
    return withStatus(this.status, {
      clock: this.clock,
      get clockStartedAt() {
        return session.clockStartedAt;
      },
      runMs: this.runMs,
      get strategyErrors() {
        return session.strategyErrors;
      },
      options: this.options,
      board: this.feed.board,
      portfolio: this.portfolio,
      execution,
      get trading() {
        const { state, refusals } = risk.engine;
        const refused = Object.values(refusals).reduce((a, b) => a + b, 0);
        return { state: state.current, reason: state.reason, refused };
      },
      log: this.log,
      onOrderEvent: (listener: (e: OrderEvent) => void) => this.book.onEvent(listener),
      account: () => this.broker.account(),
      requestStop: (reason: EndReason) => this.requestStop(reason),
      kill: (source: string) => this.kill(source),
    });
  }

  private statusLineView(): StatusLineSource {
    const { book, portfolio, feed } = this;
    return withStatus(this.status, {
      counts: () => book.counts(),
      get realizedPnl() {
        return portfolio.realizedPnl;
      },
      unrealizedPnl: () => portfolio.unrealizedPnl((t) => markOf(feed.board, t)),
      onOrderEvent: (listener: (e: OrderEvent) => void) => book.onEvent(listener),
    });
  }

  private shutdown(): Promise<void> {
    return shutdown({ cleanups: this.cleanups, log: this.log, tradeLog: this.tradeLog, options: this.options });
  }

  private endOfSessionView(): EndOfSessionView {
    return withStatus(this.status, {
      options: this.options,
      log: this.log,
      book: this.book,
      positions: () => this.portfolio.positions(() => undefined),
      ownBook: () => this.books.own.positions(() => undefined),
      trades: (ticker: string) => this.feed.board.has(ticker),
      cancelOpen: (withinMs: number, reason: string) => this.desk.cancelOpen(withinMs, reason),
      send: (requests: unknown[]) => this.desk.submitBlock(requests, preciseNow()),
      // the shutdown action's ctx sends during the end of session only
      shutdownContext: (call: CallState) => this.context(this.clock.ticks + 1, call, 'end of session'),
    });
  }
}

/** connects the venue, then the order path: what a session needs before its first strategy call */
async function connect(
  records: Records,
  journal: OrderJournal,
  resuming?: { prior: Prior; replayed: Replayed },
): Promise<Connected> {
  const { options: o, log, book, portfolio, status, cleanups } = records;
  const venue = await connectVenue(records, resuming);
  const { feed, broker, held } = venue;
  const pool = await WorkerPool.start({
    size: o.numWorkers,
    broker: o.broker,
    hub: venue.hub,
    retry: { retries: o.maxRetries, baseMs: o.retryBaseMs },
    width: Math.ceil(o.burst / o.numWorkers),
    onMessage: (id, m) => desk.onWorkerMessage(id, m),
    onCrash: (id, error) => {
      log.error(`execution worker ${id} crashed: ${describeError(error, { stack: true })}; ending the session`);
      status.requestStop('failed');
    },
  });
  cleanups.push(() => pool.close());
  log.info(
    `block width: burst ${o.burst}, ${o.numWorkers} worker(s): ${[...new Set(pool.widths)].join('; ') || 'unknown'} per worker`,
  );
  const bucket = o.rateLimit ? await sharedRate(records, o.rateLimit) : new TokenBucket(o.burst, o.ordersPerMinute);
  const throttle = new Throttle(bucket, (legs) => pool.dispatch(legs));
  cleanups.push(() => throttle.stop());
  const view = {
    hasTicker: (t: string) => feed.board.has(t),
    position: (t: string) => portfolio.quantity(t),
    closingInFlight: (t: string, side: 'long' | 'short') => book.closingInFlight(t, side),
    touch: (t: string) => feed.board.read(feed.board.slotOf(t)),
    broker: { name: o.broker.type, takesNotional: venue.takesNotional },
  };
  const risk: RiskControl = new RiskControl(riskHostOf(records, feed.board, () => desk));
  const desk: OrderDesk = new OrderDesk(book, throttle, pool, view, log, risk.engine);
  cleanups.push(() => risk.close());
  if (resuming) desk.continueBlocks(resuming.replayed.sessionTag, resuming.replayed.blockSeq);
  desk.beforeSend = (legs, send) => journalIntents(records, journal, legs, send);
  desk.strategyId = o.strategyId;
  journal.header({
    broker: o.broker.type,
    account: accountIdentity(o.broker),
    session: o.tradeLogName,
    sessionTag: desk.blockTag,
    startedAt: records.startedAt.getTime(),
    positions: resuming?.prior.contents.headers[0].positions ?? held,
    resumed: Boolean(resuming),
  });
  const startCheck = await checkAtStart({
    broker,
    book,
    log,
    policy: o.onStartOrphans,
    live: isLiveAccount(o.broker),
    strategyId: o.strategyId,
    numWorkers: o.numWorkers,
    adopted: (orders) => journal.intents(orders),
  });
  risk.arm();
  return { ...venue, journal, pool, bucket, throttle, desk, risk, startCheck };
}

/** the quote feed, the broker (and its hub), what the account holds, how long the session runs */
async function connectVenue(records: Records, resuming?: { prior: Prior; replayed: Replayed }) {
  const { options: o, log, book, cleanups } = records;
  log.info(
    `starting ${o.tradeLogName}: ${o.tickers.length} ticker(s), broker ${o.broker.type}, quotes ${o.quotes.type}, ${o.numWorkers} execution worker(s)`,
  );
  const source = o.recordQuotes ? { ...o.quotes, recordTo: path.resolve(o.recordQuotes) } : o.quotes;
  const feed = await startQuoteFeed({ tickers: o.tickers, source, log: (level, m) => log.write(level, m) });
  cleanups.push(() => feed.close());
  const { broker, hub, close, takesNotional } = await openBroker(o.broker, {
    board: { buffer: feed.board.buffer, tickers: o.tickers },
    // listened to from before connect: no fill may slip past
    onUpdate: (u) => {
      if (!book.get(u.order.clientOrderId)) records.books.noteForeign(u);
      book.applyUpdate(u);
    },
    log, // the broker's thread speaks through the session's log: masked, in the .log file, off the dashboard
  });
  cleanups.push(close);
  let held = await broker.positions();
  let resumed: ResumeReport | undefined;
  let heldAtStart: Map<string, number>;
  if (resuming) {
    ({ resumed, held } = await resume(records, broker, resuming));
    // a resumed session holds what the crashed one held at its start, from its journal
    heldAtStart = holdingsAtStart(log, resuming.prior.contents.headers[0].positions ?? []);
  } else {
    // it counts toward position checks, but liquidation at the end closes only what this session's fills changed
    records.portfolio.seed(held);
    heldAtStart = holdingsAtStart(log, records.portfolio.held());
  }
  const runMs = await sessionLength(o.runMs, broker);
  return { feed, hub, broker, held, heldAtStart, resumed, runMs, takesNotional };
}

/** What the account holds before the first order (said once, in the log). */
function holdingsAtStart(log: Log, held: ReadonlyArray<{ ticker: string; quantity: number }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of held) if (Math.abs(p.quantity) > 1e-9) out.set(p.ticker, p.quantity);
  if (out.size) {
    log.warn(
      `the account already holds ${[...out].map(([t, q]) => `${t} ${q}`).join(', ')}: adopted as held before this session; the end of session will not close it`,
    );
  }
  return out;
}

/** risk control's view of the session (live: its status getters must not be copied by a spread) */
function riskHostOf(
  records: Records,
  board: QuoteBoard,
  desk: () => Pick<OrderDesk, 'cancelOpen' | 'blockTag'>,
): RiskHost {
  const { status } = records;
  return withStatus(status, {
    options: records.options,
    log: records.log,
    tradeLog: records.tradeLog,
    book: records.book,
    portfolio: records.portfolio,
    board,
    requestStop: (reason: EndReason, replace?: boolean) => status.requestStop(reason, replace),
    cancelOpen: (withinMs: number, reason: string) => desk().cancelOpen(withinMs, reason),
    // the desk is made after risk control (it takes the engine); both are read only once trading runs
    sessionTag: () => desk().blockTag,
  });
}

/** the account's limit shared with its other runners through Redis (ioredis loads only then) */
async function sharedRate(records: Records, rate: NonNullable<SessionOptions['rateLimit']>): Promise<RateDecision> {
  const { options, log } = records;
  const { SharedRate, accountKey } = await import('../execution/shared-rate.js');
  const shared = await SharedRate.connect({
    url: rate.redis,
    key: rate.key ?? accountKey(options.broker),
    share: rate.share,
    limit: Math.max(1, Math.floor((options.ordersPerMinute * rate.windowSeconds) / 60)),
    windowMs: rate.windowSeconds * 1000,
    marginMs: rate.marginMs,
    runner: `${options.tradeLogName}-${process.pid}`,
    log: (level, m) => log.write(level, m),
  });
  records.cleanups.push(() => shared.close());
  return shared;
}

/** the crashed session's orders settled with the broker, its positions rebuilt and compared */
async function resume(
  records: Records,
  broker: Broker,
  resuming: { prior: Prior; replayed: Replayed },
): Promise<{ resumed: ResumeReport; held: BrokerPosition[] }> {
  const settled = await settleWithBroker({
    book: records.book,
    broker,
    log: records.log,
    tradeLog: records.tradeLog,
    replayed: resuming.replayed,
    inCsv: resuming.prior.inCsv,
  });
  // read once the journal's orders are settled: what filled while down is in them (FIX counts only the orders it knows)
  const held = await broker.positions();
  const positionMismatches = comparePositions(records.portfolio, held);
  for (const line of positionMismatches) records.log.warn(`after resume, position mismatch for ${line}`);
  return { resumed: { ...settled, positionMismatches }, held };
}

/** the desk's hook before a block is sent: its intent is durable first, or nothing is sent */
function journalIntents(records: Records, journal: OrderJournal, legs: Order[], send: () => void): void {
  const refuse = (error: Error) => {
    const reason = `journal write failed: ${error.message}`;
    for (const order of legs) records.book.move(order, 'failed', { source: 'local', rawStatus: 'not_sent', reason });
    writeFailed(records, 'the order journal', error);
  };
  try {
    journal.intents(legs, send, refuse);
  } catch (error) {
    refuse(error as Error);
  }
}

/**
 * A journal or CSV write failed (a full disk, a file size limit): said once, and the session ends.
 * No order leaves without its journaled intent, so with the journal full nothing more is sent;
 * with only the CSV full the journal still records what the end of session does.
 */
function writeFailed(records: Records, what: 'the order journal' | 'the trade log', error: Error): void {
  const { status, log } = records;
  if (status.stopping && status.endReason === 'write failed') return;
  log.error(`${what} cannot be written (${error.message}): no new order is sent from the strategy; ending the session`);
  status.requestStop('write failed', true);
}

/** runMs (option runSeconds), or for 'EOD' the broker's next close less 30 s */
async function sessionLength(runMs: SessionOptions['runMs'], broker: Broker): Promise<number> {
  if (runMs !== 'EOD') return runMs;
  const clock = await broker.clock();
  const ms = clock.nextClose.getTime() - 30_000 - clock.now.getTime();
  if (!clock.isOpen || ms <= 0) {
    throw new Error(
      `runSeconds 'EOD': the market is closed (next close ${clock.nextClose.toISOString()}, next open ${clock.nextOpen.toISOString()}); a session must end 30 s before the close`,
    );
  }
  return ms;
}

/** stops everything that started, in reverse order, then closes the records; safe to call more than once */
async function shutdown(s: {
  cleanups: Array<() => unknown>;
  log: SessionLog;
  tradeLog: TradeLog;
  options: SessionOptions;
}): Promise<void> {
  for (const cleanup of s.cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      s.log.warn(`while stopping: ${describeError(error)}`);
    }
  }
  s.tradeLog.close();
  if (s.tradeLog.unwritten)
    s.log.error(
      `${s.tradeLog.unwritten} row(s) could not be written to ${s.tradeLog.file} (${s.tradeLog.failure?.message}): the journal holds their orders; \`salvo review ${s.options.tradeLogName}\` names those without a final row`,
    );
  s.log.close();
}

function closeJournal(journal: OrderJournal, log: Log): void {
  try {
    journal.close();
  } catch (error) {
    log.warn(`while closing the order journal: ${(error as Error).message}`);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

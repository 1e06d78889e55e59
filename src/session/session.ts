// One trading session: validate options → start the quote worker, the venue and the execution
// workers → warm up → run the strategy clock → end of session → drain → report. Anything that
// cannot start fails here, before the first strategy call, and what did start is stopped again.
import path from 'node:path';
import { brokerDriver } from '../brokers/index.js';
import type { Broker, BrokerHub } from '../brokers/broker.js';
import { OrderBook } from '../execution/order-book.js';
import { OrderDesk } from '../execution/order-desk.js';
import { preciseNow, type Order } from '../execution/order.js';
import { Router } from '../execution/router.js';
import { TokenBucket } from '../execution/token-bucket.js';
import { WorkerPool } from '../execution/worker-pool.js';
import { accountIdentity, OrderJournal } from '../journal/journal.js';
import { comparePositions, freshJournal, journalFileOf, loadPrior, replayJournal, settleWithBroker, type Prior, type Replayed, type ResumeReport } from '../journal/resume.js';
import { checkAtStart, type StartCheck } from '../journal/start-check.js';
import { TradeLog } from '../journal/trade-log.js';
import { startQuoteFeed, type QuoteFeed } from '../market/quote-feed.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { SessionReport, Strategy } from '../types.js';
import { SessionLog } from '../util/session-log.js';
import { runClock, type ClockResult } from './clock.js';
import { currentData, makeContext, markOf, ordersFrom } from './context.js';
import { formatDuration } from './durations.js';
import { endOfSession } from './end-of-session.js';
import type { SessionOptions } from './options.js';
import { onStopSignals } from './signals.js';

export type Phase = 'starting' | 'warm-up' | 'running' | 'end of session' | 'done';

export class Session {
  phase: Phase = 'starting';
  readonly book = new OrderBook();
  readonly portfolio = new Portfolio();
  readonly startedAt = new Date();
  readonly clock: ClockResult = { ticks: 0, overruns: 0, lateness: [] };
  strategyErrors = 0;
  endReason = 'completed';
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
  router!: Router;
  desk!: OrderDesk;
  bucket!: TokenBucket;
  journal: OrderJournal | undefined;
  startCheck: StartCheck = { orphans: { count: 0, tickers: [], clientOrderIds: [], action: 'report' }, heldAtStart: [] };
  resumed: ResumeReport | undefined;

  private constructor(readonly options: SessionOptions, readonly log: SessionLog, readonly tradeLog: TradeLog) {}

  static async start(options: SessionOptions): Promise<Session> {
    // a resume reads (and checks) the journal and the CSV before anything is appended to them
    const prior = options.resume ? loadPrior(options) : undefined;
    if (!prior) freshJournal(journalFileOf(options));
    const tradeLog = TradeLog.open(options.tradeLogPath, options.tradeLogName);
    const log = new SessionLog(path.join(options.tradeLogPath, `${options.tradeLogName}.log`), options.logger, secretsOf(options));
    const s = new Session(options, log, tradeLog);
    try {
      for (const warning of prior?.contents.warnings ?? []) log.warn(warning);
      const replayed = prior && replayJournal(prior.contents, s.book, s.portfolio, prior.csvBlocks);
      const journal = (s.journal = OrderJournal.open(journalFileOf(options), options.journal.sync, prior?.contents.validBytes));
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
      throw new Error(`session did not start: ${log.mask((error as Error).message)}`);
    }
    return s;
  }

  private async connect(resuming?: { prior: Prior; replayed: Replayed }): Promise<void> {
    const o = this.options;
    this.log.info(`starting ${o.tradeLogName}: ${o.tickers.length} ticker(s), broker ${o.broker.type}, quotes ${o.quotes.type}, ${o.numWorkers} execution worker(s)`);
    const driver = await brokerDriver(o.broker.type);
    const source = o.recordQuotes ? { ...o.quotes, recordTo: path.resolve(o.recordQuotes) } : o.quotes;
    this.feed = await startQuoteFeed({ tickers: o.tickers, source, log: (level, m) => this.log.write(level, m) });
    this.cleanups.push(() => this.feed.close());
    const hub: BrokerHub | undefined = await driver.prepare?.(o.broker, { boardBuffer: this.feed.board.buffer, tickers: o.tickers });
    if (hub) this.cleanups.push(() => hub.close());
    const own = hub?.link(0);
    this.broker = driver.create(o.broker, own?.link ?? { workerId: 0 });
    this.broker.onUpdate((u) => this.book.applyUpdate(u)); // before connect: no fill may slip past
    await this.broker.connect();
    this.cleanups.push(() => this.broker.close());
    const held = await this.broker.positions();
    if (resuming) await this.resume(resuming, held);
    else this.portfolio.seed(held);
    this.runMs = await this.sessionLength();
    this.pool = await WorkerPool.start({
      size: o.numWorkers, broker: o.broker, hub, retry: { retries: o.maxRetries, baseMs: o.retryBaseMs },
      onMessage: (id, m) => this.desk.onWorkerMessage(id, m),
    });
    this.cleanups.push(() => this.pool.close());
    this.bucket = new TokenBucket(o.burst, o.ordersPerMinute);
    this.router = new Router(this.bucket, (legs) => this.pool.dispatch(legs));
    this.cleanups.push(() => this.router.stop());
    const view = {
      hasTicker: (t: string) => this.feed.board.has(t),
      position: (t: string) => this.portfolio.quantity(t),
      closingInFlight: (t: string, side: 'long' | 'short') => this.book.closingInFlight(t, side),
    };
    this.desk = new OrderDesk(this.book, this.router, this.pool, view, this.log);
    if (resuming) this.desk.continueBlocks(resuming.replayed.sessionTag, resuming.replayed.blockSeq);
    this.desk.beforeSend = (legs, send) => this.journalIntents(legs, send);
    this.journal!.header({
      broker: o.broker.type, account: accountIdentity(o.broker), session: o.tradeLogName, sessionTag: this.desk.blockTag,
      startedAt: this.startedAt.getTime(), positions: resuming?.prior.contents.headers[0].positions ?? held, resumed: Boolean(resuming),
    });
    this.startCheck = await checkAtStart({
      broker: this.broker, book: this.book, log: this.log, policy: o.onStartOrphans, numWorkers: o.numWorkers, held, adopted: (orders) => this.journal!.intents(orders),
      ours: resuming ? (t) => this.portfolio.quantity(t) : undefined,
    });
  }

  /** the crashed session's orders settled with the broker, its positions rebuilt and compared */
  private async resume(resuming: { prior: Prior; replayed: Replayed }, held: Array<{ ticker: string; quantity: number }>): Promise<void> {
    const settled = await settleWithBroker({ book: this.book, broker: this.broker, log: this.log, tradeLog: this.tradeLog, replayed: resuming.replayed, inCsv: resuming.prior.inCsv });
    const positionMismatches = comparePositions(this.portfolio, held);
    for (const line of positionMismatches) this.log.warn(`after resume, position mismatch for ${line}`);
    this.resumed = { ...settled, positionMismatches };
  }

  /** the desk's hook before a block is sent: its intent is durable first, or nothing is sent */
  private journalIntents(legs: Order[], send: () => void): void {
    const refuse = (error: Error) => {
      const reason = `journal write failed: ${error.message}`;
      for (const order of legs) this.book.move(order, 'failed', { source: 'local', rawStatus: 'not_sent', reason });
      this.log.error(`the order journal cannot be written (${error.message}): nothing more is sent; ending the session`);
      this.requestStop('journal failed');
    };
    try {
      this.journal!.intents(legs, send, refuse);
    } catch (error) {
      refuse(error as Error);
    }
  }

  /** runSeconds, or for 'EOD' the broker's next close less 30 s */
  private async sessionLength(): Promise<number> {
    const { runSeconds } = this.options;
    if (runSeconds !== 'EOD') return runSeconds;
    const clock = await this.broker.clock();
    const ms = clock.nextClose.getTime() - 30_000 - clock.now.getTime();
    if (!clock.isOpen || ms <= 0) {
      throw new Error(`runSeconds 'EOD': the market is closed (next close ${clock.nextClose.toISOString()}, next open ${clock.nextOpen.toISOString()}); a session must end 30 s before the close`);
    }
    return ms;
  }

  /** ends the trading clock early; the end of session still runs */
  requestStop(reason: string): void {
    if (this.stop.signal.aborted) return;
    this.endReason = reason;
    this.stop.abort();
  }

  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  async run(): Promise<SessionReport> {
    const o = this.options;
    const unhook = o.handleSignals
      ? onStopSignals(
          (signal) => { this.log.warn(`${signal}: ending the session (end of session: ${o.eosBehavior}); send it again to exit at once`); this.requestStop('signal'); },
          () => { this.tradeLog.flush(); process.exit(130); },
        )
      : () => undefined;
    let display: { stop(): Promise<void> } | undefined;
    try {
      this.phase = 'warm-up';
      if (o.liveDisplay) display = (await import('../display/index.js')).startDisplay(this);
      const warmUpStart = Date.now();
      const missing = await this.feed.waitForQuotes(this.stop.signal.aborted ? 0 : o.warmUpPeriod);
      this.warmUpMs = Date.now() - warmUpStart;
      if (missing.length) this.log.warn(`warm-up ended after ${formatDuration(o.warmUpPeriod)} with no quote yet for: ${missing.join(', ')}`);
      this.phase = 'running';
      this.clockStartedAt = Date.now();
      this.log.info(`trading for ${formatDuration(this.runMs)}, strategy every ${formatDuration(o.frequency)}`);
      await runClock({ periodMs: o.frequency, durationMs: this.runMs, signal: this.stop.signal, progress: this.clock, onTick: (tick) => this.callStrategy(o.strategy, tick) });
      this.phase = 'end of session';
      await endOfSession(this);
      const stillOpen = o.cancelOpenOrdersAtEnd ? await this.desk.cancelOpen(o.eosTimeout, 'session ended') : this.book.open();
      for (const order of stillOpen) this.log.warn(`order ${order.clientOrderId} still ${order.status} at the end of the session`);
      const reconciliation = await this.reconcile();
      this.phase = 'done';
      await this.shutdown();
      return { ...this.report(stillOpen.map((x) => x.clientOrderId)), ...reconciliation };
    } catch (error) {
      await this.shutdown();
      throw error;
    } finally {
      await display?.stop(); // gives the terminal back before run() returns or throws
      unhook();
    }
  }

  /** salvo's positions against the broker's: a difference means a fill salvo never saw (or one too many) */
  private async reconcile(): Promise<Pick<SessionReport, 'reconciled' | 'brokerPositions'>> {
    let held;
    try {
      held = await this.broker.positions();
    } catch (error) {
      this.log.warn(`could not reconcile positions with the broker: ${(error as Error).message}`);
      return { reconciled: false, brokerPositions: [] };
    }
    const brokerPositions = held.filter((p) => Math.abs(p.quantity) > 1e-9).map((p) => ({ ticker: p.ticker, quantity: p.quantity }));
    const mismatches = comparePositions(this.portfolio, brokerPositions);
    for (const line of mismatches) this.log.warn(`position mismatch for ${line}`);
    return { reconciled: !mismatches.length, brokerPositions };
  }

  /** one strategy call; never throws (a throwing strategy is logged and the session goes on) */
  async callStrategy(strategy: Strategy, tick: number): Promise<void> {
    const ctx = this.context(tick);
    let result: unknown;
    try {
      result = await strategy(ctx);
    } catch (error) {
      this.strategyErrors++;
      this.log.error(`strategy threw on tick ${tick}: ${(error as Error)?.stack ?? String(error)}`);
      if (this.options.haltOnError) this.requestStop('halted');
      return;
    }
    const decidedAt = preciseNow();
    const { orders, error } = ordersFrom(result);
    if (error) this.log.error(`tick ${tick}: ${error}`);
    if (orders.length) this.desk.submitBlock(orders, decidedAt);
  }

  context(tick: number) {
    return makeContext({
      board: this.feed.board, portfolio: this.portfolio, tick,
      submit: (orders) => this.desk.submitBlock(orders),
      log: (message) => this.log.info(`[strategy] ${message}`),
    });
  }

  data() {
    return currentData(this.feed.board, this.portfolio);
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
      try { await cleanup(); } catch (error) { this.log.warn(`while stopping: ${(error as Error).message}`); }
    }
    try { this.journal?.close(); } catch (error) { this.log.warn(`while closing the order journal: ${(error as Error).message}`); }
    this.tradeLog.close();
    this.log.close();
  }
}

/** every configured value that looks like a credential, to be masked in any output */
function secretsOf(options: SessionOptions): string[] {
  const out: string[] = [];
  for (const config of [options.broker, options.quotes] as Array<Record<string, unknown>>) {
    for (const [key, value] of Object.entries(config)) {
      if (typeof value === 'string' && /key|secret|password|token|sasl/i.test(key)) out.push(value);
      if (typeof value === 'string' && /url|brokers/i.test(key)) out.push(...urlPasswords(value)); // redis://:pw@host
    }
  }
  return out;
}

function urlPasswords(value: string): string[] {
  try {
    const { password } = new URL(value);
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

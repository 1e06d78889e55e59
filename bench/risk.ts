// 1. Cost of the pre-trade risk checks per leg: 100-leg blocks through the engine over a board of
//    100 tickers, 20 positions and 100 open orders, with the defaults and with every limit set.
// 2. Kill switch: kill() → the last cancel request handed to the execution workers, 100 orders
//    resting at the paper venue (a real session), and → the venue confirming the last cancel.
// Run alone: npx tsx bench/risk.ts (or npm run bench -- risk, which records it in RESULTS.md).
import os from 'node:os';
import { OrderRegistry } from '../src/execution/order-registry.js';
import { WorkerPool } from '../src/execution/worker-pool.js';
import type { Order } from '../src/orders/order.js';
import type { CheckedRequest } from '../src/execution/validate.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { Portfolio } from '../src/portfolio/portfolio.js';
import { boardView } from '../src/risk/control.js';
import { RiskEngine } from '../src/risk/engine.js';
import { resolveLimits, type RiskInput } from '../src/risk/options.js';
import { parseOptions } from '../src/session/options.js';
import { Session } from '../src/session/session.js';
import type { OrderRequest, StrategyContext } from '../src/types.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { median, round, type Row } from './lib.js';

const TICKERS = Array.from({ length: 100 }, (_, i) => `T${String(i).padStart(3, '0')}`);
const BLOCKS = 2_000;
const LEGS = 100;

function engineOver(limits: RiskInput | undefined): RiskEngine {
  const board = new QuoteBoard(TICKERS);
  for (let slot = 0; slot < TICKERS.length; slot++)
    board.write(slot, { bid: 99.95, ask: 100.05, last: 100, timestamp: Date.now() });
  const portfolio = new Portfolio();
  for (const t of TICKERS.slice(0, 20)) portfolio.applyFill(t, 'buy', 10, 100);
  const engine = new RiskEngine(
    resolveLimits(limits),
    boardView(board, portfolio, () => false),
  );
  const book = new OrderRegistry();
  book.onEvent((e) => engine.onOrderEvent(e));
  for (let i = 0; i < 100; i++) {
    const o: Order = {
      ...leg(i, 90),
      legs: undefined,
      clientOrderId: `open-${i}`,
      blockId: 'b',
      leg: i,
      workerId: 1,
      status: 'created',
      filledQty: 0,
      filledAvgPrice: 0,
      decidedAt: 0,
      attempts: 0,
    };
    book.add(o);
    book.move(o, 'queued', { source: 'local' });
  }
  return engine;
}

const leg = (i: number, limitPrice?: number): CheckedRequest => ({
  ticker: TICKERS[i % TICKERS.length],
  quantity: 1 + (i % 7),
  side: i % 3 ? 'buy' : 'sell',
  orderType: limitPrice === undefined ? 'market' : 'limit',
  limitPrice,
  action: i % 3 ? 'buy_long' : 'short_sell',
  timeInForce: 'day',
});

/** ns per leg, median of 5 runs of BLOCKS blocks */
function checkCost(limits: RiskInput | undefined): number {
  const block = Array.from({ length: LEGS }, (_, i) => leg(i, i % 2 ? 100.01 : undefined));
  const runs: number[] = [];
  for (let r = 0; r < 6; r++) {
    const engine = engineOver(limits);
    const t0 = performance.now();
    for (let b = 0; b < BLOCKS; b++) {
      const out = engine.check(block);
      if (out[0]) throw new Error(`bench leg refused: ${out[0].reason}`);
    }
    if (r > 0) runs.push(((performance.now() - t0) * 1e6) / (BLOCKS * LEGS)); // the first run warms the JIT
  }
  return median(runs);
}

const EVERY_LIMIT: RiskInput = {
  maxOrderQuantity: 1e6,
  maxOrderNotional: 1e9,
  priceBandPct: 10,
  maxQuoteAgeMs: 60_000,
  maxPositionQuantity: Object.fromEntries(TICKERS.map((t) => [t, 1e9])),
  maxPositionNotional: 1e12,
  maxGrossExposure: 1e15,
  maxNetExposure: 1e15,
  maxOpenOrders: 1e9,
  allowShort: true,
  maxLegsPerBlock: 1000,
  maxOrdersPerMinute: 1e9,
  duplicateWindowMs: 1000,
  onBreach: 'halt',
  blockPolicy: 'all-or-none',
};

/** ms from kill() to the last cancel handed to a worker, and to the venue's last cancel confirmation */
async function killToCancels(): Promise<{ lastRequest: number; lastConfirmed: number }> {
  const resting: OrderRequest[] = TICKERS.map((ticker) => ({
    ticker,
    quantity: 1,
    side: 'buy',
    orderType: 'limit',
    limitPrice: 1,
  }));
  const s = await Session.start(
    parseOptions({
      strategy: (ctx: StrategyContext) => (ctx.tick === 1 ? resting : undefined),
      tickers: TICKERS,
      frequency: '100ms',
      runSeconds: 60,
      eosBehavior: 'hold',
      ordersPerMinute: 1_000_000,
      numWorkers: 4,
      broker: { type: 'paper', cash: 1e12 },
      warmUpPeriod: 5,
      tradeLogPath: os.tmpdir(),
      tradeLogName: `bench-kill-${process.pid}`,
      handleSignals: false,
      logger: () => undefined,
    }),
  );
  const requests: number[] = [];
  // each cancel handed to an execution worker is timed where the pool takes it
  const cancel = WorkerPool.prototype.cancel;
  WorkerPool.prototype.cancel = function (this: WorkerPool, order) {
    requests.push(performance.now());
    cancel.call(this, order);
  };
  const running = s.run().finally(() => {
    WorkerPool.prototype.cancel = cancel;
  });
  const deadline = Date.now() + 30_000;
  while (s.orders().filter((o) => o.status === 'new').length < TICKERS.length) {
    if (Date.now() > deadline) throw new Error('the 100 resting orders were not all acknowledged');
    await new Promise((r) => setTimeout(r, 5));
  }
  let confirmed = 0;
  s.display.onOrderEvent((e) => {
    if (e.status === 'canceled') confirmed = performance.now();
  });
  const t0 = performance.now();
  s.kill('bench');
  const report = await running;
  if (report.orders.canceled !== TICKERS.length || requests.length < TICKERS.length)
    throw new Error(`kill left ${report.orders.open} open, ${requests.length} cancel requests`);
  return { lastRequest: requests[TICKERS.length - 1] - t0, lastConfirmed: confirmed - t0 };
}

export async function benchRisk(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, limits] of [
    ['defaults (price band, quote age)', undefined],
    ['every limit set, all-or-none', EVERY_LIMIT],
  ] as const) {
    const ns = checkCost(limits);
    rows.push({
      bench: 'risk checks',
      case: `${LEGS}-leg blocks, ${name}`,
      metric: 'cost per leg (median of 5 × 200,000 legs)',
      value: round(ns / 1000, 3),
      unit: 'µs',
      target: '<= 5 µs',
      met: ns <= 5000,
    });
  }
  const kills: Array<{ lastRequest: number; lastConfirmed: number }> = [];
  for (let i = 0; i < 5; i++) kills.push(await killToCancels());
  const req = kills.map((k) => k.lastRequest);
  rows.push({
    bench: 'kill switch',
    case: '100 resting orders, paper venue, 4 workers (5 sessions)',
    metric: 'kill() → last cancel request sent (median)',
    value: round(median(req), 2),
    unit: 'ms',
    target: '<= 100 ms',
    met: median(req) <= 100,
  });
  rows.push({
    bench: 'kill switch',
    case: '100 resting orders, paper venue, 4 workers (5 sessions)',
    metric: 'kill() → last cancel request sent (max)',
    value: round(Math.max(...req), 2),
    unit: 'ms',
    target: '<= 100 ms',
    met: Math.max(...req) <= 100,
  });
  rows.push({
    bench: 'kill switch',
    case: '100 resting orders, paper venue, 4 workers (5 sessions)',
    metric: 'kill() → venue confirmed the last cancel (median)',
    value: round(median(kills.map((k) => k.lastConfirmed)), 2),
    unit: 'ms',
  });
  return rows;
}

if (isEntryPoint(import.meta.url)) console.table(await benchRisk());

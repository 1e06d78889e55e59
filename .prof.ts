import { PassThrough, Writable } from 'node:stream';
import { Dashboard } from './src/display/dashboard.js';
import { QuoteBoard } from './src/market/quote-board.js';
import { Portfolio } from './src/portfolio/portfolio.js';
import type { OrderEvent } from './src/execution/order-book.js';
import type { Order } from './src/execution/order.js';
import type { OrderStatus } from './src/types.js';
import { takeSnapshot, TradeTape, type DisplaySource } from './src/display/snapshot.js';
import { renderText } from './src/display/text.js';
const NOW = Date.UTC(2025, 0, 2, 15, 0, 0);

function fakeSession(overrides: Partial<DisplaySource> = {}): DisplaySource {
  const board = new QuoteBoard(['AAPL', 'MSFT', 'NVDA']);
  board.write(0, { bid: 199.9, ask: 200.1, last: 200, timestamp: NOW - 300 });
  board.write(1, { bid: 409.5, ask: 410.5, last: 410, timestamp: NOW - 12_000 }); // stale
  // NVDA never quoted
  const portfolio = new Portfolio();
  portfolio.applyFill('AAPL', 'buy', 5, 190);
  portfolio.applyFill('MSFT', 'buy', 4, 400);
  portfolio.applyFill('MSFT', 'sell', 2, 405); // realizes +10
  return {
    phase: 'running', clock: { ticks: 12, overruns: 1 }, clockStartedAt: NOW - 12_500, runMs: 60_000,
    endReason: 'completed', stopping: false, strategyErrors: 1,
    options: { tradeLogName: 'unit-strat', broker: { type: 'paper' }, quotes: { type: 'sim' }, eosBehavior: 'liquidate', frequency: 1000, numWorkers: 2 },
    portfolio, feed: { board },
    desk: { stats: { retries: 2, rejections: 1, ackLatencies: Array.from({ length: 100 }, (_, i) => i + 1) } },
    router: { backlog: 7 },
    pool: { stats: () => [{ workerId: 1, inFlight: 1, sent: 30 }, { workerId: 2, inFlight: 0, sent: 29 }], inFlight: 1 },
    bucket: { available: () => 141, capacity: 200 },
    log: { recent: [
      { at: NOW - 5000, level: 'info', message: 'trading for 1m, strategy every 1s' },
      { at: NOW - 2000, level: 'error', message: 'strategy threw on tick 9: Error: boom\n    at strategy (/x/strat.ts:12:9)\n    at more' },
      { at: NOW - 1000, level: 'warn', message: 'something to look at' },
    ] },
    ...overrides,
  };
}

function order(id: string, ticker: string, side: 'buy' | 'sell', quantity: number, extra: Partial<Order> = {}): Order {
  return {
    clientOrderId: id, ticker, side, quantity, orderType: 'market', timeInForce: 'day', action: side === 'buy' ? 'buy_long' : 'sell_long',
    blockId: 'b-1', leg: 0, workerId: 1, status: 'created', filledQty: 0, filledAvgPrice: 0, decidedAt: NOW, attempts: 0, ...extra,
  };
}

function event(o: Order, status: OrderStatus, at: number, fill?: { qty: number; price: number }, reason?: string): OrderEvent {
  if (fill) { o.filledAvgPrice = (o.filledAvgPrice * o.filledQty + fill.qty * fill.price) / (o.filledQty + fill.qty); o.filledQty += fill.qty; }
  o.status = status;
  return { order: o, status, rawStatus: status, source: 'execution', at, fill, reason };
}

function tapeWithTrades(max = 20): TradeTape {
  const tape = new TradeTape(max);
  tape.startCash = 100_000;
  const a = order('buy_long-1-aaaaaaaa', 'AAPL', 'buy', 5);
  tape.record(event(a, 'queued', NOW - 4000));
  tape.record(event(a, 'new', NOW - 3990));
  tape.record(event(a, 'filled', NOW - 3980, { qty: 5, price: 190 }));
  const m = order('buy_long-2-bbbbbbbb', 'MSFT', 'buy', 4);
  tape.record(event(m, 'filled', NOW - 3000, { qty: 4, price: 400 }));
  const s = order('sell_long-1-cccccccc', 'MSFT', 'sell', 2);
  tape.record(event(s, 'filled', NOW - 2000, { qty: 2, price: 405 }));
  const r = order('buy_long-0-dddddddd', 'AAPL', 'buy', 1);
  tape.record(event(r, 'rejected', NOW - 1000, undefined, 'quantity must be a positive finite number'));
  const open = order('buy_long-2-eeeeeeee', 'NVDA', 'buy', 1, { orderType: 'limit', limitPrice: 1 });
  tape.record(event(open, 'new', NOW - 500));
  return tape;
}


const output = Object.assign(new Writable({ write(_c, _e, done) { done(); } }), { isTTY: true, columns: 120, rows: 40 });
const d = new Dashboard({ input: new PassThrough(), output, onStop: () => undefined });
const s = fakeSession(); const tape = tapeWithTrades();
let tSnap = 0, tUpd = 0;
for (let i = 0; i < 300; i++) {
  const t0 = performance.now();
  const snap = takeSnapshot(s, tape, { now: NOW + i * 100 });
  const t1 = performance.now();
  d.update(snap);
  const t2 = performance.now();
  if (i >= 50) { tSnap += t1 - t0; tUpd += t2 - t1; }
}
console.log('snapshot', (tSnap / 250).toFixed(3), 'update', (tUpd / 250).toFixed(3));
d.destroy();

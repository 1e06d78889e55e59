// Hostile input against the risk control (fast-check, seeded and bounded): any `risk` value either
// parses or fails with one-line problems; any sequence of blocks through the engine never throws,
// and nothing it lets through takes an order or a position past a configured limit. Then the loss
// monitor at its exact boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseOptions, SalvoOptionsError } from '../src/index.js';
import { OrderRegistry } from '../src/execution/order-registry.js';
import type { Order } from '../src/orders/order.js';
import { anOrder } from './helpers/orders.js';
import type { CheckedRequest } from '../src/execution/validate.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { Portfolio } from '../src/portfolio/portfolio.js';
import { boardView } from '../src/risk/control.js';
import { RiskEngine } from '../src/risk/engine.js';
import { LossMonitor } from '../src/risk/loss.js';
import { resolveLimits } from '../src/risk/options.js';

const TICKERS = ['AAPL', 'MSFT'];
const RUNS = { seed: 1111, numRuns: 300 };

test('any risk option value parses or fails with one-line problems, never a crash', () => {
  const hostile = fc.oneof(
    fc.anything(),
    fc.dictionary(
      fc.constantFrom(
        'maxOrderQuantity',
        'priceBandPct',
        'maxPositionQuantity',
        'onBreach',
        'blockPolicy',
        'allowShort',
        'maxOpenOrders',
        'x',
      ),
      fc.anything(),
    ),
  );
  fc.assert(
    fc.property(hostile, (risk) => {
      try {
        parseOptions({ strategy: () => undefined, tickers: TICKERS, risk });
      } catch (error) {
        assert.ok(error instanceof SalvoOptionsError, String(error));
        for (const p of error.problems) {
          assert.ok(p.length > 0 && !p.includes('\n'), `one line: ${JSON.stringify(p)}`);
          assert.match(p, /risk/, `names the option: ${p}`);
        }
      }
    }),
    RUNS,
  );
});

const legArb = fc.record({
  ticker: fc.constantFrom(...TICKERS),
  quantity: fc.oneof(
    fc.integer({ min: 1, max: 200 }),
    fc.constant(1e6),
    fc.double({ min: 0.001, max: 1e9, noNaN: true }),
  ),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  limitPrice: fc.option(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { nil: undefined }),
});

test('whatever blocks arrive, nothing that passes takes an order or a position past its limit', () => {
  const limitsArb = fc.record({
    maxOrderQuantity: fc.integer({ min: 1, max: 150 }),
    maxPositionQuantity: fc.integer({ min: 1, max: 300 }),
    allowShort: fc.boolean(),
  });
  fc.assert(
    fc.property(limitsArb, fc.array(fc.array(legArb, { maxLength: 30 }), { maxLength: 20 }), (limits, blocks) => {
      const board = new QuoteBoard(TICKERS);
      board.write(0, { bid: 99.5, ask: 100.5, timestamp: Date.now() });
      board.write(1, { bid: 199, ask: 201, timestamp: Date.now() });
      const book = new OrderRegistry();
      const engine = new RiskEngine(
        resolveLimits(limits),
        boardView(board, new Portfolio(), () => false),
      );
      book.onEvent((e) => engine.onOrderEvent(e));
      const open = new Map<string, number>(); // signed open quantity per ticker: nothing fills, so all of it is pending
      let seq = 0;
      for (const block of blocks) {
        const legs: CheckedRequest[] = block.map((l) => ({
          ...l,
          orderType: l.limitPrice === undefined ? 'market' : 'limit',
          action: l.side === 'buy' ? 'buy_long' : 'short_sell',
          timeInForce: 'day',
        }));
        const verdicts = engine.check(legs);
        assert.equal(verdicts.length, legs.length);
        legs.forEach((leg, i) => {
          if (verdicts[i]) {
            assert.match(verdicts[i]!.reason, /^risk: /);
            return;
          }
          assert.ok(leg.quantity <= limits.maxOrderQuantity, `order ${leg.quantity} > ${limits.maxOrderQuantity}`);
          const signed = (open.get(leg.ticker) ?? 0) + (leg.side === 'buy' ? leg.quantity : -leg.quantity);
          open.set(leg.ticker, signed);
          const o: Order = anOrder({ ...leg, legs: undefined, clientOrderId: `p-${++seq}`, blockId: 'b', leg: i });
          book.add(o);
          book.move(o, 'queued', { source: 'local' });
        });
        // the worst case of each side must respect the limit: every open buy (or every open sell) filling
        for (const t of TICKERS) {
          const buys = [...book.open()]
            .filter((o) => o.ticker === t && o.side === 'buy')
            .reduce((s, o) => s + o.quantity, 0);
          const sells = [...book.open()]
            .filter((o) => o.ticker === t && o.side === 'sell')
            .reduce((s, o) => s + o.quantity, 0);
          assert.ok(
            buys <= limits.maxPositionQuantity + 1e-6,
            `${t}: open buys ${buys} > ${limits.maxPositionQuantity}`,
          );
          assert.ok(
            sells <= limits.maxPositionQuantity + 1e-6,
            `${t}: open sells ${sells} > ${limits.maxPositionQuantity}`,
          );
          if (!limits.allowShort) assert.equal(sells, 0, `${t}: a short with allowShort false`);
        }
      }
    }),
    RUNS,
  );
});

test('loss monitor: a loss limit fires when the loss reaches it, once; drawdown from the best of the session', () => {
  const pnl = { realized: 0, unrealized: 0 };
  const daily = new LossMonitor({ maxDailyLoss: 500, onBreach: 'halt' }, () => pnl);
  pnl.unrealized = -499.99;
  assert.deepEqual(daily.check(), []);
  pnl.realized = -100;
  pnl.unrealized = -400;
  const [breach] = daily.check(42);
  assert.deepEqual(breach, {
    rule: 'maxDailyLoss',
    limit: 500,
    value: 500,
    action: 'halt',
    at: 42,
    reason: 'maxDailyLoss 500.00: realized -100.00 + unrealized -400.00 = -500.00',
  });
  pnl.unrealized = -1000;
  assert.deepEqual(daily.check(), [], 'fires once');
  const p2 = { realized: 0, unrealized: 0 };
  const dd = new LossMonitor({ maxDrawdown: 300, onBreach: 'reduce' }, () => p2);
  dd.check();
  p2.unrealized = 1000; // the best so far
  dd.check();
  p2.unrealized = 700.01;
  assert.deepEqual(dd.check(), []);
  p2.unrealized = 700;
  assert.equal(dd.check(7)[0]?.reason, 'maxDrawdown 300.00: P&L 700.00 is 300.00 below its best today 1000.00');
});

// Pre-trade risk limits. Each rule at its exact boundary (at the limit passes, one more unit is
// refused), checked by the engine over a real quote board, portfolio and order book; then whole
// sessions: a runaway strategy against the paper exchange's Alpaca face (counted at the venue),
// all-or-none pairs, and the CSV rows a refusal leaves.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseOptions, runTrading, SalvoOptionsError } from '../src/index.js';
import { OrderRegistry } from '../src/execution/order-registry.js';
import type { Order } from '../src/orders/order.js';
import type { CheckedRequest } from '../src/execution/validate.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { Portfolio } from '../src/portfolio/portfolio.js';
import { boardView } from '../src/risk/control.js';
import { RiskEngine } from '../src/risk/engine.js';
import { resolveLimits, type RiskOption } from '../src/risk/options.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { alpacaVenue, quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-risk-'));
const quiet = () => undefined;
const T0 = 1_800_000_000_000;

/** an engine over real parts: AAPL quoted 99.5 / 100.5 (mid 100), MSFT 199 / 201 (mid 200), at T0 */
function rig(risk: RiskOption, { closingOut = false } = {}) {
  const board = new QuoteBoard(['AAPL', 'MSFT', 'NVDA']);
  board.write(0, { bid: 99.5, ask: 100.5, last: 100, timestamp: T0 });
  board.write(1, { bid: 199, ask: 201, last: 200, timestamp: T0 });
  const portfolio = new Portfolio();
  const book = new OrderRegistry();
  const clock = { now: T0 };
  const engine = new RiskEngine(
    resolveLimits(parseOptions({ strategy: () => undefined, tickers: ['AAPL', 'MSFT', 'NVDA'], risk }).risk),
    boardView(
      board,
      portfolio,
      () => closingOut,
      () => clock.now,
    ),
  );
  book.onEvent((e) => engine.onOrderEvent(e));
  let seq = 0;
  /** an order the broker holds open */
  const open = (leg: CheckedRequest, at = clock.now): Order => {
    const o: Order = {
      ...leg,
      legs: undefined,
      clientOrderId: `o-${++seq}`,
      blockId: 'b',
      leg: 0,
      workerId: 1,
      status: 'created',
      filledQty: 0,
      filledAvgPrice: 0,
      decidedAt: at,
      attempts: 0,
    };
    book.add(o);
    book.move(o, 'queued', { source: 'local', at });
    return o;
  };
  const check = (...legs: CheckedRequest[]) => engine.check(legs).map((r) => r?.reason);
  return { board, portfolio, book, engine, clock, open, check };
}

const buy = (ticker: string, quantity: number, limitPrice?: number): CheckedRequest => ({
  ticker,
  quantity,
  side: 'buy',
  orderType: limitPrice === undefined ? 'market' : 'limit',
  limitPrice,
  action: 'buy_long',
  timeInForce: 'day',
});
const sell = (ticker: string, quantity: number, limitPrice?: number): CheckedRequest => ({
  ...buy(ticker, quantity, limitPrice),
  side: 'sell',
  action: 'sell_long',
});

function problemsOf(options: unknown): string[] {
  try {
    parseOptions(options);
  } catch (error) {
    assert.ok(error instanceof SalvoOptionsError);
    return error.problems;
  }
  return assert.fail('accepted');
}

test('bad risk options: one line per problem, naming the option and what it got', () => {
  const base = { strategy: () => undefined, tickers: ['AAPL', 'MSFT'] };
  assert.deepEqual(
    problemsOf({
      ...base,
      risk: { maxOrderQuantity: -5, priceBandPct: 500, onBreach: 'panic', maxOpenOrders: 1.5, maxLegz: 3 },
    }),
    [
      'risk.maxOrderQuantity must be a non-negative finite number; got -5',
      'risk.priceBandPct must be a percentage above 0 and at most 100; got 500',
      'risk.maxOpenOrders must be a whole number of at least 1; got 1.5',
      "risk.onBreach must be one of 'halt' | 'reduce' | 'flatten'; got \"panic\"",
      "unknown option 'risk.maxLegz'",
    ],
  );
  assert.deepEqual(problemsOf({ ...base, risk: { maxPositionQuantity: { AAPL: 10, TSLA: 5 } } }), [
    "risk.maxPositionQuantity names 'TSLA', which is not one of this session's tickers (AAPL, MSFT)",
  ]);
  assert.deepEqual(problemsOf({ ...base, risk: { maxPositionNotional: { MSFT: -1 } } }), [
    'risk.maxPositionNotional.MSFT must be a non-negative finite number; got -1',
  ]);
  assert.deepEqual(problemsOf({ ...base, risk: 'on' }), [
    'risk must be an object of limits, or false to turn every check off; got "on"',
  ]);
  assert.deepEqual(problemsOf({ ...base, risk: { maxDailyLoss: Number.NaN } }), [
    'risk.maxDailyLoss must be a non-negative finite number; got null',
  ]);
});

test('defaults: a 10% price band and a 30 s stale-quote check; risk: false turns every check off', () => {
  const defaults = resolveLimits(parseOptions({ strategy: () => undefined, tickers: ['AAPL'] }).risk)!;
  assert.equal(defaults.priceBandPct, 10);
  assert.equal(defaults.maxQuoteAgeMs, 30_000);
  assert.equal(defaults.maxOrderQuantity, undefined);
  assert.equal(defaults.blockPolicy, 'legs');
  const off = rig(false);
  assert.deepEqual(off.check(buy('AAPL', 1e9, 1e6), buy('NVDA', 1)), [undefined, undefined], 'no band, no quote check');
  const on = rig({});
  const [band, noQuote] = on.check(buy('AAPL', 1, 1e6), buy('NVDA', 1));
  assert.match(band!, /^risk: priceBandPct 10 for AAPL: buy limit 1000000 is .*% above the mid 100\.00$/);
  assert.equal(
    noQuote,
    'risk: maxQuoteAgeMs 30000 for NVDA: no quote yet, so the price a market order fills at is unknown',
  );
});

test('per order: quantity, notional, price band and quote age, each at its exact boundary', () => {
  const r = rig({ maxOrderQuantity: 100, maxOrderNotional: 15_000, priceBandPct: 10, maxQuoteAgeMs: 1000 });
  assert.deepEqual(r.check(buy('AAPL', 100), buy('AAPL', 101)), [
    undefined,
    'risk: maxOrderQuantity 100 for AAPL: this buy is 101',
  ]);
  assert.deepEqual(r.check(buy('MSFT', 75), buy('MSFT', 75.01)), [
    undefined,
    'risk: maxOrderNotional 15000 for MSFT: 75.01 × 200.00 = 15002.00',
  ]);
  const [atBand, overBand, passive, sellAt, sellOver] = r.check(
    buy('AAPL', 1, 110),
    buy('AAPL', 1, 110.01),
    buy('AAPL', 1, 1),
    sell('AAPL', 1, 90),
    sell('AAPL', 1, 89.99),
  );
  assert.equal(atBand, undefined, 'a buy limit exactly 10% above the mid passes');
  assert.equal(overBand, 'risk: priceBandPct 10 for AAPL: buy limit 110.01 is 10.01% above the mid 100.00');
  assert.equal(passive, undefined, 'a passive limit far from the market only rests');
  assert.equal(sellAt, undefined);
  assert.equal(sellOver, 'risk: priceBandPct 10 for AAPL: sell limit 89.99 is 10.01% below the mid 100.00');
  r.clock.now = T0 + 1000;
  assert.deepEqual(r.check(buy('AAPL', 1)), [undefined], 'a quote exactly maxQuoteAgeMs old is still good');
  r.clock.now = T0 + 1001;
  assert.deepEqual(
    r.check(buy('AAPL', 1), buy('AAPL', 1, 100)),
    [
      'risk: maxQuoteAgeMs 1000 for AAPL: the last quote is 1001 ms old, so the price a market order fills at is unknown',
      undefined,
    ],
    'only market orders',
  );
});

test('per position: held + open + this, one number or a map per ticker', () => {
  const r = rig({ maxPositionQuantity: { AAPL: 100 }, allowShort: false });
  r.portfolio.applyFill('AAPL', 'buy', 80, 100);
  assert.deepEqual(r.check(buy('AAPL', 20)), [undefined]);
  assert.deepEqual(r.check(buy('AAPL', 50)), [
    'risk: maxPositionQuantity 100 for AAPL: position 80 + open 0 + this 50 = 130',
  ]);
  assert.deepEqual(r.check(buy('MSFT', 1e6, 200)), [undefined], 'MSFT has no limit in the map');
  const o = r.open(buy('AAPL', 15));
  assert.deepEqual(
    r.check(buy('AAPL', 5), buy('AAPL', 6)),
    [undefined, 'risk: maxPositionQuantity 100 for AAPL: position 80 + open 20 + this 6 = 106'],
    'open orders and earlier legs count',
  );
  r.book.move(o, 'filled', { source: 'execution', filledQty: 15, filledAvgPrice: 100 });
  r.portfolio.applyFill('AAPL', 'buy', 15, 100);
  assert.deepEqual(
    r.check(buy('AAPL', 5), buy('AAPL', 6)),
    [undefined, 'risk: maxPositionQuantity 100 for AAPL: position 95 + open 5 + this 6 = 106'],
    'a fill moves open into position, once',
  );
  assert.deepEqual(r.check(sell('AAPL', 95), sell('AAPL', 96)), [
    undefined,
    'risk: allowShort false for AAPL: position 95 + open -95 + this -96 = -96 would be short',
  ]);
  const n = rig({ maxPositionNotional: 10_000 });
  assert.deepEqual(n.check(buy('AAPL', 100), buy('AAPL', 1)), [
    undefined,
    'risk: maxPositionNotional 10000 for AAPL: (position 0 + open 100 + this 1 = 101) × 100.00 = 10100.00',
  ]);
});

test('account: gross and net exposure, open orders', () => {
  const g = rig({ maxGrossExposure: 30_000, maxNetExposure: 10_000 });
  g.portfolio.applyFill('MSFT', 'buy', 50, 200); // 10,000 held
  assert.deepEqual(g.check(sell('AAPL', 100, 100)), [undefined], 'net 10,000 - 10,000 = 0; gross 20,000');
  assert.deepEqual(g.check(sell('AAPL', 100, 100), sell('AAPL', 100, 100), sell('AAPL', 1, 100)), [
    undefined,
    undefined,
    'risk: maxGrossExposure 30000: held and open 30000.00 + this 100.00 = 30100.00',
  ]);
  assert.deepEqual(g.check(buy('AAPL', 1, 100)), [
    'risk: maxNetExposure 10000: held and open 10000.00 + this 100.00 = 10100.00',
  ]);
  const o = rig({ maxOpenOrders: 3 });
  o.open(buy('AAPL', 1));
  assert.deepEqual(o.check(buy('AAPL', 1), buy('AAPL', 1), buy('AAPL', 1)), [
    undefined,
    undefined,
    'risk: maxOpenOrders 3: open 1 + earlier legs of this block 2 + this 1 = 4',
  ]);
});

test('per block and rate: legs per block, orders per minute, the same order again while the first is open', () => {
  const r = rig({ maxLegsPerBlock: 3, maxOrdersPerMinute: 5, duplicateWindowMs: 1000 });
  assert.deepEqual(r.check(buy('AAPL', 1), buy('AAPL', 2), buy('AAPL', 3)), [undefined, undefined, undefined]);
  assert.deepEqual(
    r.check(buy('AAPL', 1), buy('AAPL', 1), buy('AAPL', 1), buy('AAPL', 1)),
    Array(4).fill('risk: maxLegsPerBlock 3: this block has 4 legs'),
  );
  assert.deepEqual(r.check(buy('AAPL', 4), buy('AAPL', 5), buy('AAPL', 6)), [
    undefined,
    undefined,
    'risk: maxOrdersPerMinute 5: 5 sent in the last minute + this 1 = 6',
  ]);
  r.clock.now = T0 + 60_001;
  const first = r.open(buy('MSFT', 7, 150));
  r.clock.now += 1000;
  assert.deepEqual(r.check(buy('MSFT', 7, 150)), [
    `risk: duplicateWindowMs 1000: the same buy 7 MSFT limit 150 was sent 1000 ms ago and is still open (${first.clientOrderId})`,
  ]);
  r.clock.now += 1;
  assert.deepEqual(r.check(buy('MSFT', 7, 150)), [undefined], 'outside the window');
  const again = r.open(buy('MSFT', 8, 150));
  r.book.move(again, 'canceled', { source: 'execution' });
  assert.deepEqual(r.check(buy('MSFT', 8, 150)), [undefined], 'the first is no longer open');
});

test('all-or-none: one refused leg refuses the whole pair; trading states REDUCING and HALTED', () => {
  const r = rig({ blockPolicy: 'all-or-none', maxOrderQuantity: 100 });
  const [a, b] = r.check(buy('AAPL', 10), sell('MSFT', 101, 200));
  assert.equal(b, 'risk: maxOrderQuantity 100 for MSFT: this sell is 101');
  assert.equal(
    a,
    'risk: blockPolicy all-or-none: leg 1 (MSFT) was refused, so the whole block is: maxOrderQuantity 100 for MSFT: this sell is 101',
  );
  assert.deepEqual(r.engine.summary().refusals.byRule, { maxOrderQuantity: 1, blockPolicy: 1 });
  const s = rig({});
  s.portfolio.applyFill('AAPL', 'buy', 10, 100);
  s.engine.state.move('REDUCING', 'test');
  assert.deepEqual(s.check(sell('AAPL', 10), buy('MSFT', 1)), [
    undefined,
    'risk: trading state REDUCING (test): only orders that reduce a position pass; MSFT position 0, this buy 1 would not reduce it',
  ]);
  s.engine.state.move('HALTED', 'loss');
  assert.deepEqual(s.check(sell('AAPL', 10)), ['risk: trading state HALTED (loss): nothing passes']);
  const closing = rig({ maxOrderQuantity: 1 }, { closingOut: true });
  closing.portfolio.applyFill('AAPL', 'buy', 10, 100);
  closing.engine.state.move('HALTED', 'loss');
  assert.deepEqual(
    closing.check(sell('AAPL', 10), buy('MSFT', 1)),
    [undefined, 'risk: trading state HALTED (loss): nothing passes'],
    'closing out (end of session, kill): reducing orders pass whatever the limits',
  );
});

// ---- whole sessions ------------------------------------------------------------------------

const opened: TestExchange[] = [];
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
});

test('a runaway strategy against the exchange: 1,000 legs of 1e6 shares and the same buy every tick — nothing above the limits reaches the venue', async () => {
  const ex = await startAlpacaExchange({ tickers: ['AAPL', 'MSFT'] });
  opened.push(ex);
  await quoted(ex.board);
  let limitPrice: number | undefined;
  const report = await runTrading({
    strategy: (ctx) => {
      limitPrice ??= Math.floor(ctx.getCurrentData().quotes.MSFT.bid * 0.5); // far below: it rests until the end
      const resting = { ticker: 'MSFT', quantity: 5, side: 'buy', orderType: 'limit', limitPrice } as const;
      if (ctx.tick === 2)
        return [
          ...Array.from(
            { length: 1000 },
            () => ({ ticker: 'AAPL', quantity: 1e6, side: 'buy', orderType: 'market' }) as const,
          ),
          resting,
        ];
      return [resting, { ticker: 'AAPL', quantity: 10, side: 'buy', orderType: 'market' }];
    },
    tickers: ['AAPL', 'MSFT'],
    frequency: '100ms',
    runSeconds: 1.2,
    eosBehavior: 'liquidate',
    ordersPerMinute: 100_000,
    risk: { maxOrderQuantity: 1000, maxPositionQuantity: 50, duplicateWindowMs: 60_000 },
    broker: alpacaVenue(ex).broker,
    tradeLogPath: logDir,
    tradeLogName: 'runaway',
    logger: quiet,
  });
  const atVenue = ex.server.orders();
  const buys = atVenue.filter((o) => o.side === 'buy');
  assert.ok(
    buys.every((o) => o.quantity <= 50),
    `venue buys: ${buys.map((o) => o.quantity)}`,
  );
  assert.equal(
    buys.filter((o) => o.ticker === 'AAPL').reduce((sum, o) => sum + o.quantity, 0),
    50,
    'AAPL: five buys of 10 up to the position limit, then refused',
  );
  assert.equal(
    buys.filter((o) => o.ticker === 'MSFT').length,
    1,
    'the resting buy once; its repeats refused while it is open',
  );
  const orders = byOrder(readLog(report.tradeLogFile));
  const refused = [...orders.values()].filter((h) => h.terminal[0]?.raw_status === 'risk');
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
  for (const h of refused) {
    assert.deepEqual(
      h.rows.map((r) => r.status),
      ['rejected'],
      'a refused leg has one row',
    );
    assert.equal(h.rows[0].worker_id, '0');
  }
  assert.equal(report.risk.refusals.byRule.maxOrderQuantity, 1000);
  // every tick but the second sends the resting MSFT buy again (refused while the first rests) and an
  // AAPL buy of 10: five go out, every later one is refused — by the position limit, or, when the
  // previous buy of 10 has not filled yet (a slow machine), as the same order while the first is open
  const refusedBy = (ticker: string, rule: string) =>
    refused.filter((h) => h.rows[0].ticker === ticker && h.rows[0].reason.startsWith(`risk: ${rule} `)).length;
  assert.equal(refusedBy('MSFT', 'duplicateWindowMs'), report.ticks - 1, 'every repeat of the resting buy');
  assert.equal(
    refusedBy('AAPL', 'maxPositionQuantity') + refusedBy('AAPL', 'duplicateWindowMs'),
    report.ticks - 1 - 5,
    'every AAPL buy of 10 after the fifth',
  );
  assert.ok(refusedBy('AAPL', 'maxPositionQuantity') > 0, 'the position limit refused the AAPL buys past 50');
  assert.equal(
    report.risk.refusals.byRule.duplicateWindowMs + report.risk.refusals.byRule.maxPositionQuantity,
    refusedBy('MSFT', 'duplicateWindowMs') +
      refusedBy('AAPL', 'duplicateWindowMs') +
      refusedBy('AAPL', 'maxPositionQuantity'),
  );
  assert.equal(refused.length, report.risk.refusals.total);
  assert.ok(
    refused.some(
      (h) => h.rows[0].reason === 'risk: maxPositionQuantity 50 for AAPL: position 50 + open 0 + this 10 = 60',
    ),
    'the trader-readable reason',
  );
  assert.equal(report.risk.state, 'ACTIVE');
  assert.deepEqual(report.positions, [], 'end of session liquidation is never held back by the limits');
});

test('all-or-none in a session: a pair whose second leg breaches goes out with neither leg', async () => {
  const report = await runTrading({
    strategy: (ctx) =>
      ctx.tick <= 2
        ? [
            { ticker: 'AAPL', quantity: 10, side: 'buy', orderType: 'market' },
            {
              ticker: 'MSFT',
              quantity: ctx.tick === 1 ? 20 : 10,
              side: 'sell',
              orderType: 'market',
              action: 'short_sell',
            },
          ]
        : undefined,
    tickers: ['AAPL', 'MSFT'],
    frequency: '100ms',
    runSeconds: 0.5,
    eosBehavior: 'hold',
    risk: { blockPolicy: 'all-or-none', maxPositionQuantity: { MSFT: 10 } },
    tradeLogPath: logDir,
    tradeLogName: 'pair',
    logger: quiet,
  });
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]).sort(),
    [
      ['AAPL', 10],
      ['MSFT', -10],
    ],
    'only the second pair traded, both legs',
  );
  assert.deepEqual(
    report.brokerPositions.map((p) => [p.ticker, p.quantity]).sort(),
    [
      ['AAPL', 10],
      ['MSFT', -10],
    ],
    'the venue agrees',
  );
  assert.deepEqual(report.risk.refusals.byRule, { maxPositionQuantity: 1, blockPolicy: 1 });
});

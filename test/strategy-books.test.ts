// Per-strategy books: two runners on one account (two sessions on one salvo exchange, over its
// Alpaca API) hold positions in the same ticker; one liquidates at its end and the other's position
// stays untouched at the exchange; each report shows its own book and the account's; a start check
// leaves the other runner's live order alone even under onStartOrphans 'cancel'.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { runTrading, startTrading, type OrderRequest } from '../src/index.js';
import { CLIENT_ID_SHAPE, clientOrderId, strategyOf } from '../src/orders/order.js';
import { SALVO_ID } from '../src/journal/start-check.js';
import { alpacaBrokerOf, quoted, startAlpacaExchange } from './helpers/alpaca-exchange.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { until } from './helpers/until.js';

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-books-'));
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers) await close();
});

const market = (side: 'buy' | 'sell', quantity: number): OrderRequest => ({
  ticker: 'AAPL',
  quantity,
  side,
  orderType: 'market',
});

/** a salvo exchange over Alpaca's API, and the options two sessions on it share */
async function exchangeForTwo() {
  const ex = await startAlpacaExchange({ tickers: ['AAPL'] });
  closers.push(ex.close);
  await quoted(ex.board);
  const common = {
    tickers: ['AAPL'],
    frequency: '100ms',
    broker: alpacaBrokerOf(ex),
    tradeLogPath: logDir,
    handleSignals: false,
  };
  return { ex, common };
}

test('two runners in one ticker: one liquidates its own, the other keeps its position at the exchange; both reconcile', async () => {
  const { ex, common } = await exchangeForTwo();
  const keeperLines: string[] = [];
  // the keeper buys 4 and rests a far-below limit buy, then trades no more until it is stopped
  const keeper = startTrading({
    ...common,
    strategyId: 'keeper',
    tradeLogName: 'books-keeper',
    runSeconds: 120,
    eosBehavior: 'hold',
    logger: (_l, m) => keeperLines.push(m),
    strategy: (ctx) =>
      ctx.tick === 1 ? [market('buy', 4), { ...market('buy', 1), orderType: 'limit', limitPrice: 1 }] : undefined,
  });
  try {
    const resting = await until(
      () =>
        (ex.venue.positions().find((p) => p.ticker === 'AAPL')?.quantity === 4 &&
          ex.venue.openOrders().find((o) => o.clientOrderId.endsWith('-keeper'))) ||
        undefined,
      { what: "the keeper's 4 AAPL and its resting order", detail: () => keeperLines.join('\n') },
    );
    const lines: string[] = [];
    const closer = await runTrading({
      ...common,
      strategyId: 'closer',
      tradeLogName: 'books-closer',
      runSeconds: 0.5,
      eosBehavior: 'liquidate',
      onStartOrphans: 'cancel',
      logger: (_l, m) => lines.push(m),
      strategy: (ctx) => (ctx.tick === 1 ? [market('buy', 5), market('sell', 2)] : undefined),
    });
    // the closer: its own book flat, the keeper's order theirs, the account's 4 left
    assert.equal(closer.strategyId, 'closer');
    assert.deepEqual(closer.orphans.count, 0, 'no orphan: the open order carries another strategy id');
    assert.deepEqual(closer.otherRunnersAtStart, {
      count: 1,
      strategies: ['keeper'],
      clientOrderIds: [resting.clientOrderId],
    });
    assert.ok(
      lines.some((l) => l.includes('1 open order(s) of other runners on this account (strategy keeper)')),
      lines.join('\n'),
    );
    assert.equal(ex.venue.getOrder(resting.clientOrderId)?.status, 'new', "the keeper's order was not canceled");
    assert.deepEqual(closer.positions, [], "the closer's own book is flat");
    const sold = [...byOrder(readLog(closer.tradeLogFile)).values()]
      .filter((h) => h.rows[0].action === 'liquidate')
      .map((h) => [h.terminal[0].status, h.terminal[0].executed_qty]);
    assert.deepEqual(sold, [['filled', '3']], 'it liquidated its own 3 (bought 5, sold 2), not the keeper’s 4');
    assert.deepEqual(
      closer.account.positions.map((p) => [p.ticker, p.quantity]),
      [['AAPL', 4]],
      'the account: the keeper’s 4',
    );
    assert.equal(closer.reconciled, true, lines.join('\n'));
    assert.deepEqual(
      ex.venue.positions().map((p) => [p.ticker, p.quantity]),
      [['AAPL', 4]],
      "the keeper's position untouched at the exchange",
    );
    keeper.stop();
    const kept = await keeper.done;
    // the keeper: its own 4 held, the closer's round trip seen on the account and netted out
    assert.deepEqual(
      kept.positions.map((p) => [p.ticker, p.quantity]),
      [['AAPL', 4]],
    );
    assert.deepEqual(kept.account.otherRunners, { closer: { AAPL: 0 } });
    assert.equal(kept.reconciled, true, keeperLines.join('\n'));
    assert.equal(kept.orphans.count, 0);
    const ids = [...byOrder(readLog(kept.tradeLogFile)).keys()];
    assert.ok(ids.length >= 2 && ids.every((id) => strategyOf(id) === 'keeper' && SALVO_ID.test(id)), ids.join(' '));
    assert.deepEqual(
      ex.venue.positions().map((p) => [p.ticker, p.quantity]),
      [['AAPL', 4]],
      'held at its end',
    );
  } finally {
    keeper.stop();
    await keeper.done.catch(() => undefined);
  }
});

test('two runners on one strategy id: the one that did not place the order says so', async () => {
  const { common: shared } = await exchangeForTwo();
  const common = { ...shared, strategyId: 'twin' };
  const lines: string[] = [];
  const first = startTrading({
    ...common,
    tradeLogName: 'twin-1',
    runSeconds: 120,
    eosBehavior: 'hold',
    logger: (_l, m) => lines.push(m),
    strategy: () => undefined,
  });
  try {
    await until(() => lines.some((l) => l.includes('trading for')), { what: 'the first twin trading' });
    await runTrading({
      ...common,
      tradeLogName: 'twin-2',
      runSeconds: 0.3,
      logger: () => undefined,
      strategy: (ctx) => (ctx.tick === 1 ? market('buy', 1) : undefined),
    });
    await until(() => lines.some((l) => /placed with this runner's strategy id 'twin', not by this session/.test(l)), {
      what: 'the warning',
      detail: () => lines.join('\n'),
    });
  } finally {
    first.stop();
    await first.done.catch(() => undefined);
  }
});

test('client order ids: blockpaca’s shape, then the strategy id; old ids still recognised; strategyOf reads it back', () => {
  assert.match(clientOrderId('buy_long', 3), /^buy_long-3-[0-9a-f]{8}$/);
  assert.equal(strategyOf('sell_long-12-0a1b2c3d'), undefined, 'an id made before strategy ids');
  assert.ok(SALVO_ID.test('sell_long-12-0a1b2c3d'));
  assert.equal(strategyOf('3f2c-uuid-from-another-client'), undefined);
  const action = fc.constantFrom('buy_long', 'buy_to_cover', 'cover_short', 'sell_long', 'liquidate', 'short_sell');
  const strategy = fc.stringMatching(/^[A-Za-z0-9][\w.-]{0,31}$/);
  fc.assert(
    fc.property(action, fc.integer({ min: 0, max: 64 }), strategy, (a, worker, id) => {
      const made = clientOrderId(a, worker, id);
      const [, gotAction, gotWorker, gotStrategy] = CLIENT_ID_SHAPE.exec(made)!;
      assert.deepEqual([gotAction, Number(gotWorker), gotStrategy], [a, worker, id]);
      assert.ok(made.length <= 128, "within Alpaca's client_order_id limit");
    }),
    { seed: 14, numRuns: 500 },
  );
  // hostile ids from the venue never throw, and are never taken for another runner's unless salvo-shaped
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (id) => {
      const got = strategyOf(id);
      assert.ok(got === undefined || CLIENT_ID_SHAPE.test(id));
    }),
    { seed: 14, numRuns: 500 },
  );
});

test('strategyId: a bad one is a one-line options error; the default is the trade log name', async () => {
  for (const bad of ['', 'has space', '-leading', 'x'.repeat(33), 'semi;colon'])
    await assert.rejects(
      runTrading({ strategy: () => undefined, tickers: ['AAPL'], strategyId: bad }),
      /strategyId must be 1 to 32 letters, digits, _ \. - starting with a letter or digit/,
    );
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? market('buy', 1) : undefined),
    tickers: ['AAPL'],
    runSeconds: 0.3,
    frequency: '100ms',
    warmUpPeriod: 2,
    tradeLogPath: logDir,
    tradeLogName: 'books-default',
    handleSignals: false,
    logger: () => undefined,
  });
  assert.equal(report.strategyId, 'books-default');
  const ids = [...byOrder(readLog(report.tradeLogFile)).keys()];
  assert.ok(ids.length > 0 && ids.every((id) => id.endsWith('-books-default')), ids.join(' '));
});

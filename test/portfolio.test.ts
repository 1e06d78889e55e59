import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Portfolio } from '../src/portfolio/portfolio.js';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);
const noMarks = () => undefined;

test('long: adds move the average, a partial close realizes on the closed part only', () => {
  const p = new Portfolio();
  assert.deepEqual(p.applyFill('AAPL', 'buy', 100, 10), { realized: 0 });
  p.applyFill('AAPL', 'buy', 100, 12);
  assert.equal(p.quantity('AAPL'), 200);
  close(p.positions(noMarks)[0].boughtAt, 11, 'average entry');
  close(p.applyFill('AAPL', 'sell', 50, 15).realized, 200, 'realized on 50 at 15 - 11');
  assert.equal(p.quantity('AAPL'), 150);
  close(p.positions(noMarks)[0].boughtAt, 11, 'a reduction keeps the average');
  close(p.applyFill('AAPL', 'sell', 150, 10).realized, -150, 'the rest closed at a loss');
  close(p.realizedPnl, 50, 'session realized');
  assert.equal(p.quantity('AAPL'), 0);
  assert.deepEqual(p.positions(noMarks), [], 'flat positions are not listed');
});

test('short: open, add, cover at a profit', () => {
  const p = new Portfolio();
  p.applyFill('TSLA', 'sell', 10, 250);
  p.applyFill('TSLA', 'sell', 30, 260);
  assert.equal(p.quantity('TSLA'), -40);
  const [pos] = p.positions(() => 255);
  close(pos.boughtAt, 257.5, 'average entry of the short');
  close(pos.costBasis, -40 * 257.5, 'signed cost basis');
  close(pos.marketValue, -40 * 255, 'signed market value');
  close(pos.unrealizedPnl, 100, 'a short gains when the price falls');
  close(p.applyFill('TSLA', 'buy', 40, 240).realized, 700, 'covered 40 at 240 against 257.5');
  assert.equal(p.quantity('TSLA'), 0);
});

test('a fill through zero closes the old side and opens the rest at the fill price', () => {
  const p = new Portfolio();
  p.applyFill('SPY', 'buy', 10, 500);
  close(p.applyFill('SPY', 'sell', 25, 510).realized, 100, 'the 10 long closed at +10');
  assert.equal(p.quantity('SPY'), -15);
  const [pos] = p.positions(noMarks);
  assert.equal(pos.boughtAt, 510, 'the new short opens at the fill price');
  close(p.applyFill('SPY', 'buy', 20, 505).realized, 75, 'the 15 short covered at +5');
  assert.equal(p.quantity('SPY'), 5);
  assert.equal(p.positions(noMarks)[0].boughtAt, 505);
  close(p.realizedPnl, 175, 'session realized');
});

test('fractional fills that net to float noise count as flat', () => {
  const p = new Portfolio();
  p.applyFill('BTC', 'buy', 0.1, 100);
  p.applyFill('BTC', 'buy', 0.2, 100);
  p.applyFill('BTC', 'sell', 0.3, 110); // 0.1 + 0.2 - 0.3 is 5.5e-17, not 0
  assert.equal(p.quantity('BTC'), 0);
  assert.deepEqual(p.positions(noMarks), []);
  close(p.realizedPnl, 3, 'realized');
  assert.deepEqual(p.applyFill('BTC', 'buy', 0, 100), { realized: 0 }, 'a zero fill changes nothing');
  assert.throws(() => p.applyFill('BTC', 'buy', NaN, 100), RangeError);
  assert.throws(() => p.applyFill('BTC', 'buy', 1, -5), RangeError);
});

test('unrealized P&L uses the marks, and the entry price where there is no mark', () => {
  const p = new Portfolio();
  p.applyFill('AAPL', 'buy', 10, 100);
  p.applyFill('MSFT', 'sell', 5, 400);
  p.applyFill('NVDA', 'buy', 2, 50);
  const marks: Record<string, number> = { AAPL: 103, MSFT: 390 };
  const mark = (t: string) => marks[t];
  close(p.unrealizedPnl(mark), 30 + 50 + 0, 'AAPL +30, MSFT short +50, NVDA unmarked 0');
  const byTicker = Object.fromEntries(p.positions(mark).map((x) => [x.ticker, x]));
  assert.deepEqual(Object.keys(byTicker), ['AAPL', 'MSFT', 'NVDA']);
  assert.deepEqual(byTicker.NVDA, {
    ticker: 'NVDA',
    quantity: 2,
    boughtAt: 50,
    costBasis: 100,
    marketValue: 100,
    unrealizedPnl: 0,
  });
  assert.deepEqual(byTicker.AAPL, {
    ticker: 'AAPL',
    quantity: 10,
    boughtAt: 100,
    costBasis: 1000,
    marketValue: 1030,
    unrealizedPnl: 30,
  });
});

test("seed starts from the broker's positions and replaces what was held", () => {
  const p = new Portfolio();
  p.applyFill('OLD', 'buy', 1, 1);
  p.seed([
    { ticker: 'AAPL', quantity: 50, avgEntryPrice: 180 },
    { ticker: 'QQQ', quantity: -20, avgEntryPrice: 450 },
    { ticker: 'ZERO', quantity: 0, avgEntryPrice: 10 },
  ]);
  assert.equal(p.quantity('OLD'), 0);
  assert.deepEqual(
    p.positions(noMarks).map((x) => [x.ticker, x.quantity, x.boughtAt]),
    [
      ['AAPL', 50, 180],
      ['QQQ', -20, 450],
    ],
  );
  close(p.applyFill('QQQ', 'buy', 20, 440).realized, 200, 'covering a seeded short realizes against its entry');
  close(p.applyFill('AAPL', 'sell', 10, 181).realized, 10, 'selling part of a seeded long');
});

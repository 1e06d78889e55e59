import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuoteBoard } from '../src/market/quote-board.js';
import { Portfolio } from '../src/portfolio/portfolio.js';
import { currentData, ordersFrom } from '../src/session/context.js';

test('getCurrentData: quotes of quoted tickers only, each fixed at its first read within the call', () => {
  const board = new QuoteBoard(['AAPL', 'MSFT', 'NVDA']);
  board.write(0, { bid: 100, ask: 100.02, bidSize: 5, askSize: 7, last: 100.01, timestamp: 1 });
  board.write(1, { bid: 50, ask: 50.01, last: 50, timestamp: 2 });
  const portfolio = new Portfolio();
  portfolio.applyFill('AAPL', 'buy', 10, 99);
  const { quotes, positions } = currentData(board, portfolio);
  assert.deepEqual(Object.keys(quotes), ['AAPL', 'MSFT']);
  assert.equal('NVDA' in quotes, false);
  assert.equal(quotes.NVDA, undefined);
  assert.equal(quotes.AAPL.bid, 100);
  assert.equal(quotes.AAPL.askSize, 7);
  board.write(0, { bid: 101, ask: 101.02 });
  assert.equal(quotes.AAPL.bid, 100, 'the same call sees one consistent quote per ticker');
  assert.equal(currentData(board, portfolio).quotes.AAPL.bid, 101, 'the next call sees the new one');
  assert.equal(JSON.parse(JSON.stringify(quotes)).MSFT.last, 50);
  assert.deepEqual(
    Object.entries(quotes).map(([t, q]) => [t, q.timestamp]),
    [
      ['AAPL', 1],
      ['MSFT', 2],
    ],
  );
  assert.deepEqual(
    positions.map((p) => [p.ticker, p.quantity, p.boughtAt]),
    [['AAPL', 10, 99]],
  );
  assert.ok(Math.abs(positions[0].marketValue - 10 * 100.01) < 1e-9, 'marked at the mid of the quote at call time');
});

test('a strategy result becomes a list of requests, or an error naming what came back', () => {
  assert.deepEqual(ordersFrom(undefined), { orders: [] });
  assert.deepEqual(ordersFrom(null), { orders: [] });
  assert.equal(ordersFrom([{ ticker: 'A' }]).orders.length, 1);
  assert.equal(ordersFrom({ ticker: 'A', quantity: 1 }).orders.length, 1);
  assert.match(ordersFrom(42).error!, /strategy returned 42; expected a list of orders, one order, or nothing/);
  assert.match(ordersFrom({ AAPL: 10 }).error!, /strategy returned \{"AAPL":10\}/);
});

// Stop, stop-limit and trailing-stop orders at the paper venue: each rests untriggered until the
// quote board reaches its stop (a buy on the ask, a sell on the bid), then trades at the quote that
// triggered it (stop, trailing stop) or as a limit (stop-limit). Replace is one step at the venue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BrokerRejection, type TradeUpdate, type WireOrder } from '../src/brokers/broker.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { PaperVenue } from '../src/exchange/venue.js';

let seq = 0;
const order = (o: Partial<WireOrder> & Pick<WireOrder, 'side' | 'orderType'>): WireOrder => ({
  clientOrderId: `s-${++seq}`,
  ticker: 'AAPL',
  quantity: 10,
  timeInForce: 'day',
  action: o.side === 'buy' ? 'buy_long' : 'sell_long',
  ...o,
});

function market() {
  const board = new QuoteBoard(['AAPL']);
  const slot = board.slotOf('AAPL');
  board.write(slot, { bid: 99.9, ask: 100.1, bidSize: 500, askSize: 500, last: 100, timestamp: Date.now() });
  const venue = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', cash: 1_000_000, allowShort: true }), board);
  const updates: TradeUpdate[] = [];
  venue.onUpdate((u) => updates.push(u));
  const fills = (id: string) => updates.filter((u) => u.order.clientOrderId === id && u.fill).map((u) => u.fill!);
  /** one quote, then the venue's next look at the board */
  const quote = async (bid: number, ask: number) => {
    board.write(slot, { bid, ask });
    const at = board.updates(slot);
    await until(() => venue.openOrders().every((o) => seen(venue, o.clientOrderId) >= at));
  };
  return { board, venue, updates, fills, quote };
}

/** the board update a venue order was last matched at (white-box: the poll cadence is the venue's) */
const seen = (venue: PaperVenue, id: string): number =>
  (venue as unknown as { orders: Map<string, { seenUpdates: number }> }).orders.get(id)!.seenUpdates;

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('timed out waiting for the venue');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function refused(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => assert.fail('expected a refusal'),
    (x: unknown) => x,
  );
  assert.ok(e instanceof BrokerRejection, String(e));
  return e.reason;
}

test('stop buy rests until the ask reaches the stop, then fills at that ask', async () => {
  const m = market();
  try {
    const o = order({ side: 'buy', orderType: 'stop', stopPrice: 101 });
    await m.venue.submit(o);
    await m.quote(100.7, 100.99);
    assert.deepEqual(m.fills(o.clientOrderId), [], 'an ask 1 cent short of the stop does not trigger');
    assert.equal(m.venue.getOrder(o.clientOrderId)?.status, 'new');
    await m.quote(100.95, 101.05);
    assert.deepEqual(
      m.fills(o.clientOrderId),
      [{ qty: 10, price: 101.05 }],
      'triggered by the ask 101.05 and filled at it',
    );
  } finally {
    m.venue.close();
  }
});

test('stop sell triggers when the bid reaches the stop exactly, and fills at the bid', async () => {
  const m = market();
  try {
    const o = order({ side: 'sell', orderType: 'stop', stopPrice: 99 });
    await m.venue.submit(o);
    await m.quote(99.01, 99.2);
    assert.deepEqual(m.fills(o.clientOrderId), []);
    await m.quote(99, 99.1);
    assert.deepEqual(m.fills(o.clientOrderId), [{ qty: 10, price: 99 }]);
  } finally {
    m.venue.close();
  }
});

test('stop-limit becomes a limit order when triggered: it fills only within its limit', async () => {
  const m = market();
  try {
    const o = order({ side: 'buy', orderType: 'stop_limit', stopPrice: 101, limitPrice: 101.2 });
    await m.venue.submit(o);
    await m.quote(101.2, 101.5); // triggers (ask ≥ 101) but the ask is above the limit
    assert.deepEqual(m.fills(o.clientOrderId), [], 'triggered, but 101.5 is above the limit');
    await m.quote(100, 100.5); // back below the stop: a triggered stop-limit stays a limit
    assert.deepEqual(m.fills(o.clientOrderId), [{ qty: 10, price: 100.5 }], 'the resting limit buys at 100.5');
  } finally {
    m.venue.close();
  }
});

test('trailing stop sell (percent) follows the highest bid since placement and triggers 5% under it', async () => {
  const m = market();
  try {
    const o = order({ side: 'sell', orderType: 'trailing_stop', trailPercent: 5, timeInForce: 'gtc' });
    await m.venue.submit(o);
    assert.equal(m.venue.getOrder(o.clientOrderId)?.stopPrice, 94.905, 'starts 5% under the bid 99.9');
    await m.quote(120, 120.2);
    assert.equal(m.venue.getOrder(o.clientOrderId)?.hwm, 120);
    assert.equal(m.venue.getOrder(o.clientOrderId)?.stopPrice, 114, 'moved up with the bid');
    await m.quote(116, 116.2); // falls, but the stop never moves back down
    await m.quote(114.01, 114.2);
    assert.equal(m.venue.getOrder(o.clientOrderId)?.stopPrice, 114);
    assert.deepEqual(m.fills(o.clientOrderId), []);
    await m.quote(113.9, 114.1);
    assert.deepEqual(
      m.fills(o.clientOrderId),
      [{ qty: 10, price: 113.9 }],
      'the first bid at or below 114 triggers and fills',
    );
  } finally {
    m.venue.close();
  }
});

test('trailing stop buy (price) follows the lowest ask and triggers trailPrice above it', async () => {
  const m = market();
  try {
    const o = order({ side: 'buy', orderType: 'trailing_stop', trailPrice: 2 });
    await m.venue.submit(o);
    assert.equal(m.venue.getOrder(o.clientOrderId)?.stopPrice, 102.1);
    await m.quote(95, 95.5);
    assert.equal(m.venue.getOrder(o.clientOrderId)?.stopPrice, 97.5);
    await m.quote(97, 97.49);
    assert.deepEqual(m.fills(o.clientOrderId), []);
    await m.quote(97.4, 97.6);
    assert.deepEqual(m.fills(o.clientOrderId), [{ qty: 10, price: 97.6 }]);
  } finally {
    m.venue.close();
  }
});

test('bad stop terms are refused with one clear reason each; nothing is created', async () => {
  const m = market();
  try {
    assert.match(
      await refused(m.venue.submit(order({ side: 'buy', orderType: 'stop', stopPrice: 100 }))),
      /stop_price 100 for a buy of AAPL must be above the ask 100.1/,
    );
    assert.match(
      await refused(m.venue.submit(order({ side: 'sell', orderType: 'stop', stopPrice: 99.9 }))),
      /must be below the bid 99.9/,
    );
    assert.match(
      await refused(m.venue.submit(order({ side: 'buy', orderType: 'stop_limit', stopPrice: 101 }))),
      /a stop_limit order needs a positive limit_price; got undefined/,
    );
    assert.match(
      await refused(m.venue.submit(order({ side: 'buy', orderType: 'stop' }))),
      /a stop order needs a positive stop_price/,
    );
    assert.match(
      await refused(m.venue.submit(order({ side: 'sell', orderType: 'trailing_stop', trailPercent: 100 }))),
      /trail_percent must be above 0 and below 100; got 100/,
    );
    assert.match(
      await refused(m.venue.submit(order({ side: 'sell', orderType: 'trailing_stop', trailPercent: 0 }))),
      /got 0/,
    );
    assert.match(
      await refused(
        m.venue.submit(order({ side: 'sell', orderType: 'trailing_stop', trailPercent: 1, trailPrice: 1 })),
      ),
      /exactly one of/,
    );
    assert.match(
      await refused(m.venue.submit(order({ side: 'sell', orderType: 'stop', stopPrice: 90, timeInForce: 'ioc' }))),
      /day or gtc, not ioc/,
    );
    assert.match(
      await refused(m.venue.submit(order({ side: 'sell', orderType: 'market', stopPrice: 90 }))),
      /stop_price is only for stop and stop_limit orders; this one is a market order/,
    );
    assert.equal(m.venue.openOrders().length, 0);
    assert.equal(m.updates.length, 0);
  } finally {
    m.venue.close();
  }
});

test('replace: the old order ends replaced, the new one rests with the new terms; unknown and final orders are refused', async () => {
  const m = market();
  try {
    const first = order({ side: 'buy', orderType: 'limit', limitPrice: 95 });
    await m.venue.submit(first);
    const second = { ...first, clientOrderId: 's-repl', limitPrice: 96, quantity: 5, replaces: first.clientOrderId };
    await m.venue.replace(second);
    assert.equal(m.venue.getOrder(first.clientOrderId)?.status, 'replaced');
    assert.equal(m.venue.getOrder(first.clientOrderId)?.replacedBy, 's-repl');
    assert.deepEqual(
      m.venue.openOrders().map((o) => [o.clientOrderId, o.limitPrice, o.quantity, o.replaces]),
      [['s-repl', 96, 5, first.clientOrderId]],
    );
    assert.deepEqual(
      m.updates.slice(-3).map((u) => [u.event, u.order.clientOrderId]),
      [
        ['replaced', first.clientOrderId],
        ['pending_new', 's-repl'],
        ['new', 's-repl'],
      ],
    );
    assert.match(
      await refused(m.venue.replace({ ...second, clientOrderId: 'x1', replaces: first.clientOrderId })),
      /not replaceable: replaced/,
    );
    assert.match(
      await refused(m.venue.replace({ ...second, clientOrderId: 'x2', replaces: 'nope' })),
      /unknown order 'nope'/,
    );
    assert.match(
      await refused(m.venue.replace({ ...second, clientOrderId: 'x3', replaces: 's-repl', side: 'sell' })),
      /keeps the ticker and side/,
    );
    assert.equal(m.venue.openOrders().length, 1, 'a refused replace leaves the open order alone');
  } finally {
    m.venue.close();
  }
});

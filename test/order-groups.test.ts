// Bracket, OTO and OCO orders at the paper venue: exits wait for their entry, one exit's fill
// cancels (or shrinks) its sibling, and canceling a member cancels the group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BrokerRejection, type TradeUpdate, type WireOrder } from '../src/brokers/broker.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { PaperVenue } from '../src/exchange/venue.js';

let seq = 0;
const o = (x: Partial<WireOrder> & Pick<WireOrder, 'side' | 'orderType'>): WireOrder => ({
  clientOrderId: `g-${++seq}`,
  ticker: 'AAPL',
  quantity: 10,
  timeInForce: 'gtc',
  action: x.side === 'buy' ? 'buy_long' : 'sell_long',
  ...x,
});

function market(config: Record<string, unknown> = {}) {
  const board = new QuoteBoard(['AAPL']);
  board.write(0, { bid: 99.9, ask: 100.1, bidSize: 500, askSize: 500 });
  const venue = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', cash: 1_000_000, ...config }), board);
  const updates: TradeUpdate[] = [];
  venue.onUpdate((u) => updates.push(u));
  const quote = (bid: number, ask: number, sizes = 500) => {
    board.write(0, { bid, ask, bidSize: sizes, askSize: sizes });
    (venue as unknown as { sweep(): void }).sweep(); // the venue's own look at the board, now
  };
  const status = (w: WireOrder) => venue.getOrder(w.clientOrderId)?.status;
  return { venue, updates, quote, status };
}

test('bracket: exits held until the entry fills; the take-profit fills and cancels the stop-loss', async () => {
  const m = market();
  try {
    const entry = o({ side: 'buy', orderType: 'limit', limitPrice: 99 });
    const tp = o({ side: 'sell', orderType: 'limit', limitPrice: 105 });
    const sl = o({ side: 'sell', orderType: 'stop', stopPrice: 95 });
    await m.venue.submitGroup('bracket', [entry, tp, sl]);
    assert.deepEqual([m.status(entry), m.status(tp), m.status(sl)], ['new', 'held', 'held']);
    assert.equal(m.venue.getOrder(tp.clientOrderId)?.parentId, entry.clientOrderId);
    m.quote(94, 99.5); // a bid through the stop-loss, but it is held and the entry (limit 99) has not filled
    assert.deepEqual([m.status(entry), m.status(sl)], ['new', 'held']);
    m.quote(98.5, 98.7);
    assert.deepEqual(
      [m.status(entry), m.status(tp), m.status(sl)],
      ['filled', 'new', 'new'],
      'the entry filled at 98.7; exits now work',
    );
    m.quote(96, 96.2);
    assert.equal(m.status(sl), 'new');
    m.quote(105.1, 105.3);
    assert.deepEqual([m.status(tp), m.status(sl)], ['filled', 'canceled']);
    assert.equal(m.venue.getOrder(sl.clientOrderId)?.reason, `bracket: sibling ${tp.clientOrderId} filled`);
    assert.deepEqual(m.venue.positions(), []);
  } finally {
    m.venue.close();
  }
});

test('bracket entry canceled after a partial fill: exits work for the part filled; canceled unfilled: the group is canceled', async () => {
  const m = market({ fillAtDisplayedSize: true });
  try {
    const entry = o({ side: 'buy', orderType: 'limit', limitPrice: 99 });
    const tp = o({ side: 'sell', orderType: 'limit', limitPrice: 105 });
    const sl = o({ side: 'sell', orderType: 'stop', stopPrice: 95 });
    await m.venue.submitGroup('bracket', [entry, tp, sl]);
    m.quote(98.8, 99, 4);
    assert.equal(m.venue.getOrder(entry.clientOrderId)?.filledQty, 4);
    await m.venue.cancel(entry.clientOrderId);
    assert.deepEqual(
      [m.status(tp), m.venue.getOrder(tp.clientOrderId)?.quantity, m.venue.getOrder(sl.clientOrderId)?.quantity],
      ['new', 4, 4],
    );
    m.quote(94.5, 94.7); // the stop-loss triggers and sells the 4
    assert.deepEqual([m.status(sl), m.status(tp)], ['filled', 'canceled']);

    const e2 = o({ side: 'buy', orderType: 'limit', limitPrice: 90 });
    const t2 = o({ side: 'sell', orderType: 'limit', limitPrice: 110 });
    await m.venue.submitGroup('oto', [e2, t2]);
    await m.venue.cancel(e2.clientOrderId);
    assert.deepEqual([m.status(e2), m.status(t2)], ['canceled', 'canceled']);
  } finally {
    m.venue.close();
  }
});

test('OCO on a held position: the stop triggers and cancels the take-profit; a partial fill shrinks the sibling', async () => {
  const m = market({ fillAtDisplayedSize: true });
  try {
    await m.venue.submit(o({ side: 'buy', orderType: 'market' }));
    const tp = o({ side: 'sell', orderType: 'limit', limitPrice: 103 });
    const sl = o({ side: 'sell', orderType: 'stop', stopPrice: 97 });
    await m.venue.submitGroup('oco', [tp, sl]);
    assert.deepEqual([m.status(tp), m.status(sl)], ['new', 'new']);
    m.quote(103, 103.2, 3); // 3 of 10 taken at the limit
    assert.deepEqual([m.status(tp), m.venue.getOrder(sl.clientOrderId)?.quantity], ['partially_filled', 7]);
    m.quote(96.9, 97.1, 100);
    assert.deepEqual([m.status(sl), m.status(tp)], ['filled', 'canceled']);
    assert.equal(m.venue.getOrder(sl.clientOrderId)?.filledQty, 7);
    assert.deepEqual(m.venue.positions(), [], 'exactly the position was closed, never more');
  } finally {
    m.venue.close();
  }
});

test('groups that make no sense are refused whole, with the reason', async () => {
  const m = market();
  try {
    const refuse = async (cls: 'bracket' | 'oco' | 'oto', orders: WireOrder[], re: RegExp) => {
      const e = await m.venue.submitGroup(cls, orders).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(e instanceof BrokerRejection && re.test(e.reason), String(e));
    };
    const entry = () => o({ side: 'buy', orderType: 'market' });
    await refuse(
      'bracket',
      [
        entry(),
        o({ side: 'sell', orderType: 'limit', limitPrice: 99 }),
        o({ side: 'sell', orderType: 'stop', stopPrice: 95 }),
      ],
      /take_profit.limit_price 99 must be above the entry's price 100.1/,
    );
    await refuse(
      'bracket',
      [
        entry(),
        o({ side: 'sell', orderType: 'limit', limitPrice: 105 }),
        o({ side: 'sell', orderType: 'stop', stopPrice: 106 }),
      ],
      /must be above stop_loss.stop_price 106/,
    );
    await refuse(
      'bracket',
      [
        entry(),
        o({ side: 'buy', orderType: 'limit', limitPrice: 105 }),
        o({ side: 'sell', orderType: 'stop', stopPrice: 95 }),
      ],
      /other side of the entry/,
    );
    await refuse(
      'oco',
      [o({ side: 'sell', orderType: 'limit', limitPrice: 105 })],
      /needs both take_profit and stop_loss|has 2 orders/,
    );
    await refuse(
      'oto',
      [o({ side: 'buy', orderType: 'stop', stopPrice: 101 }), o({ side: 'sell', orderType: 'limit', limitPrice: 105 })],
      /entry of an oto order is a market or limit order/,
    );
    assert.equal(m.updates.length, 0, 'nothing was created');
  } finally {
    m.venue.close();
  }
});

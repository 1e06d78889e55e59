import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOrder, type PositionView } from '../src/execution/validate.js';
import { ocoExit } from './helpers/orders.js';

const view = (positions: Record<string, number> = {}, closing = 0): PositionView => ({
  hasTicker: (t) => ['AAPL', 'MSFT'].includes(t),
  position: (t) => positions[t] ?? 0,
  closingInFlight: () => closing,
  touch: (t) => (t === 'AAPL' ? { bid: 99.9, ask: 100.1 } : { bid: 0, ask: 0 }),
});

const reasonOf = (raw: unknown, v = view()) => {
  const verdict = checkOrder(raw, v);
  assert.equal(verdict.ok, false, `accepted ${JSON.stringify(raw)}`);
  return (verdict as { reason: string }).reason;
};
const mkt = { ticker: 'AAPL', quantity: 10, side: 'buy', orderType: 'market' };

test('a plain buy is a buy_long, day order', () => {
  const verdict = checkOrder(mkt, view());
  assert.ok(verdict.ok);
  assert.deepEqual(verdict.order, {
    ticker: 'AAPL',
    quantity: 10,
    side: 'buy',
    orderType: 'market',
    limitPrice: undefined,
    action: 'buy_long',
    timeInForce: 'day',
  });
});

test('each bad request gets a reason naming the problem', () => {
  assert.match(reasonOf('AAPL'), /an order must be an object/);
  assert.match(reasonOf({ ...mkt, ticker: 'TSLA' }), /unknown ticker 'TSLA'/);
  assert.match(reasonOf({ ...mkt, quantity: 0 }), /quantity must be a positive finite number; got 0/);
  assert.match(reasonOf({ ...mkt, quantity: Number.POSITIVE_INFINITY }), /quantity must be a positive finite number/);
  assert.match(reasonOf({ ...mkt, quantity: '10' }), /quantity must be a positive finite number; got '10'/);
  assert.match(reasonOf({ ...mkt, quantity: Number.NaN }), /quantity must be a positive finite number; got NaN/);
  assert.match(reasonOf({ ...mkt, side: 'long' }), /side must be one of 'buy' \| 'sell'; got 'long'/);
  assert.match(
    reasonOf({ ...mkt, orderType: 'stopp' }),
    /orderType must be one of 'market' \| 'limit' \| 'stop' \| 'stop_limit' \| 'trailing_stop'/,
  );
  assert.match(reasonOf({ ...mkt, orderType: 'limit' }), /a limit order needs a positive limitPrice/);
  assert.match(
    reasonOf({ ...mkt, orderType: 'limit', limitPrice: -1 }),
    /a limit order needs a positive limitPrice; got -1/,
  );
  assert.match(
    reasonOf({ ...mkt, limitPrice: 100 }),
    /limitPrice is only for limit and stop_limit orders; this one is a market order/,
  );
  assert.match(reasonOf({ ...mkt, order_type: 'market' }), /unknown field 'order_type' \(did you mean 'orderType'\?\)/);
  assert.match(reasonOf({ ticker: 'AAPL', quantity: 1, side: 'buy' }), /orderType is required/);
  assert.match(reasonOf({ ...mkt, action: 'short_sell' }), /action 'short_sell' goes with side 'sell', not 'buy'/);
  assert.match(reasonOf({ ...mkt, action: 'yolo' }), /action must be one of/);
});

test('closing actions need the position they close, less what open orders already close', () => {
  const sell = { ticker: 'AAPL', quantity: 10, side: 'sell', orderType: 'market' };
  assert.match(
    reasonOf(sell),
    /sell_long closes a long position: AAPL long is 0.*to open a short use action 'short_sell'/,
  );
  assert.ok(checkOrder(sell, view({ AAPL: 10 })).ok);
  assert.match(
    reasonOf(sell, view({ AAPL: 10 }, 5)),
    /AAPL long is 10, 5 already being closed by open orders; cannot close 10/,
  );
  assert.ok(checkOrder({ ...sell, action: 'short_sell' }, view()).ok);
  const cover = { ticker: 'AAPL', quantity: 5, side: 'buy', orderType: 'market', action: 'buy_to_cover' };
  assert.match(reasonOf(cover, view({ AAPL: 10 })), /buy_to_cover closes a short position: AAPL short is 0/);
  assert.ok(checkOrder(cover, view({ AAPL: -5 })).ok);
  assert.ok(checkOrder({ ...sell, action: 'liquidate', quantity: 2.5 }, view({ AAPL: 2.5 })).ok);
});

test('stop, stop-limit and trailing-stop requests: terms kept, one clear reason per problem', () => {
  const stop = { ticker: 'AAPL', quantity: 5, side: 'buy', orderType: 'stop', stopPrice: 101 };
  const ok = checkOrder(stop, view());
  assert.ok(ok.ok);
  assert.deepEqual(ok.order, { ...stop, limitPrice: undefined, action: 'buy_long', timeInForce: 'day' });
  const trail = checkOrder(
    {
      ticker: 'AAPL',
      quantity: 5,
      side: 'sell',
      orderType: 'trailing_stop',
      trailPercent: 2,
      action: 'short_sell',
      timeInForce: 'gtc',
    },
    view(),
  );
  assert.ok(trail.ok);
  assert.equal(trail.order.trailPercent, 2);
  assert.match(
    reasonOf({ ...stop, stopPrice: 100 }),
    /^stopPrice 100 for a buy of AAPL must be above the ask 100.1; at or below it the stop would trigger at once$/,
  );
  assert.match(
    reasonOf({ ...stop, side: 'sell', stopPrice: 99.95, action: 'short_sell' }),
    /stopPrice 99.95 for a sell of AAPL must be below the bid 99.9/,
  );
  assert.match(reasonOf({ ...stop, stopPrice: undefined }), /a stop order needs a positive stopPrice; got undefined/);
  assert.match(reasonOf({ ...stop, orderType: 'stop_limit' }), /a stop_limit order needs a positive limitPrice/);
  assert.match(
    reasonOf({ ...stop, orderType: 'limit', limitPrice: 99 }),
    /stopPrice is only for stop and stop_limit orders; this one is a limit order/,
  );
  assert.match(reasonOf({ ...stop, timeInForce: 'ioc' }), /time in force must be day or gtc, not ioc/);
  const ts = { ticker: 'AAPL', quantity: 5, side: 'buy', orderType: 'trailing_stop' };
  for (const pct of [0, -1, 100, 150, Number.NaN, '5'])
    assert.match(reasonOf({ ...ts, trailPercent: pct }), /trailPercent must be above 0 and below 100/);
  assert.match(reasonOf(ts), /needs exactly one of trailPercent and trailPrice/);
  assert.match(reasonOf({ ...ts, trailPercent: 1, trailPrice: 1 }), /exactly one of/);
  assert.match(reasonOf({ ...ts, trailPrice: 0 }), /trailPrice must be a positive number; got 0/);
  assert.match(reasonOf({ ...mkt, trailPrice: 1 }), /only for trailing_stop orders; this one is a market order/);
  assert.match(reasonOf({ ...mkt, orderClass: 'oco' }), /an oco order needs both takeProfit and stopLoss/);
  assert.match(
    reasonOf({ ...mkt, orderClass: 'mleg' }),
    /orderClass must be one of 'bracket' \| 'oto' \| 'oco'; got 'mleg'/,
  );
  assert.match(
    reasonOf({ ...mkt, takeProfit: { limitPrice: 110 } }),
    /takeProfit and stopLoss need orderClass 'bracket', 'oto' or 'oco'/,
  );
  assert.match(
    reasonOf({ ...mkt, orderClass: 'bracket', takeProfit: { limitPrice: 110 } }),
    /a bracket order needs both takeProfit and stopLoss/,
  );
  assert.match(
    reasonOf({ ...mkt, orderClass: 'oto', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 90 } }),
    /exactly one of takeProfit and stopLoss/,
  );
  assert.match(
    reasonOf({ ...mkt, orderClass: 'oto', stopLoss: { stopPrice: 101 } }),
    /stopLoss.stopPrice 101 must be below the entry's price 100.1 for a buy/,
  );
  assert.match(
    reasonOf({ ...mkt, orderClass: 'oto', stopLoss: { stopPrice: -1 } }),
    /stopLoss.stopPrice must be a positive number; got -1/,
  );
  assert.match(reasonOf({ ...mkt, orderClass: 'oto', stopLoss: { stop: 90 } }), /unknown field 'stopLoss.stop'/);
  const bracket = checkOrder(
    { ...mkt, orderClass: 'bracket', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 95, limitPrice: 94.5 } },
    view(),
  );
  assert.ok(bracket.ok);
  assert.deepEqual(
    bracket.order.legs?.map((l) => [l.side, l.action, l.orderType, l.limitPrice, l.stopPrice, l.quantity]),
    [
      ['sell', 'sell_long', 'limit', 110, undefined, 10],
      ['sell', 'sell_long', 'stop_limit', 94.5, 95, 10],
    ],
    'the exits close the long the entry opens, though none is held yet',
  );
  assert.match(reasonOf({ ...mkt, notional: 500 }), /give quantity or notional, not both/);
});

test('notional orders: sized at the touch where the broker takes them, refused with the reason where it does not', () => {
  const alpaca = { ...view(), broker: { name: 'alpaca', takesNotional: true } };
  const buy = checkOrder({ ticker: 'AAPL', notional: 1001, side: 'buy', orderType: 'market' }, alpaca);
  assert.ok(buy.ok);
  assert.deepEqual([buy.order.notional, buy.order.quantity], [1001, 10], 'counted as 1001 / ask 100.1 shares');
  const limit = { ticker: 'AAPL', notional: 500, side: 'buy', orderType: 'limit', limitPrice: 99 };
  assert.equal(
    reasonOf(limit, alpaca),
    'the alpaca broker takes notional orders only as simple market orders, time in force day; this one is limit with limitPrice 99, day: give a quantity',
  );
  assert.equal(
    reasonOf(
      { ...limit, orderType: 'market', limitPrice: undefined },
      { ...view(), broker: { name: 'fix', takesNotional: false } },
    ),
    'the fix broker does not take notional orders: give a quantity',
  );
  assert.match(
    reasonOf({ ticker: 'MSFT', notional: 500, side: 'buy', orderType: 'market' }, alpaca),
    /sized at the ask: there is none yet/,
  );
  assert.match(
    reasonOf({ ticker: 'AAPL', notional: -5, side: 'buy', orderType: 'market' }, alpaca),
    /notional must be a positive finite amount/,
  );
  assert.match(
    reasonOf({ ticker: 'AAPL', side: 'buy', orderType: 'market' }, alpaca),
    /quantity is required \(or notional/,
  );
  // a notional sell closes at most what is held: 1000 / bid 99.9 ≈ 10.01 > 10
  assert.match(
    reasonOf(
      { ticker: 'AAPL', notional: 1000, side: 'sell', orderType: 'market' },
      { ...view({ AAPL: 10 }), broker: alpaca.broker },
    ),
    /sell_long closes a long position: AAPL long is 10/,
  );
});

test('an OCO closes a position: its take-profit limit with the stop-loss as its leg, same side', () => {
  const oco = ocoExit('AAPL', 5);
  const verdict = checkOrder(oco, view({ AAPL: 5 }));
  assert.ok(verdict.ok);
  assert.deepEqual(
    [
      verdict.order.limitPrice,
      verdict.order.action,
      verdict.order.legs?.map((l) => [l.side, l.action, l.orderType, l.stopPrice, l.quantity]),
    ],
    [104, 'sell_long', [['sell', 'sell_long', 'stop', 97, 5]]],
  );
  assert.match(reasonOf(oco, view()), /sell_long closes a long position: AAPL long is 0/);
  assert.match(reasonOf({ ...oco, limitPrice: 103 }, view({ AAPL: 5 })), /an oco order is its take-profit limit order/);
  assert.match(
    reasonOf({ ...oco, stopLoss: { stopPrice: 105 } }, view({ AAPL: 5 })),
    /takeProfit.limitPrice 104 must be above stopLoss.stopPrice 105/,
  );
  assert.match(reasonOf({ ...oco, action: 'short_sell' }, view({ AAPL: 5 })), /an oco order closes a position/);
  const cover = checkOrder(
    { ...oco, side: 'buy', takeProfit: { limitPrice: 95 }, stopLoss: { stopPrice: 101 } },
    view({ AAPL: -5 }),
  );
  assert.ok(cover.ok && cover.order.action === 'buy_to_cover', JSON.stringify(cover));
});

// Hostile input at every door the order types opened: Alpaca order and replace bodies, a strategy's
// order / cancel / replace entries, and random markets against resting stops. Seeded and bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseOrderRequest } from '../src/exchange/alpaca/order-request.js';
import { parseOrderGroup } from '../src/exchange/alpaca/order-classes.js';
import { ApiError } from '../src/exchange/alpaca/http.js';
import { checkOrder, type PositionView } from '../src/execution/validate.js';
import { instructionOf } from '../src/execution/order-instructions.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BrokerRejection, type TradeUpdate, type WireOrder } from '../src/brokers/broker.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { PaperVenue } from '../src/exchange/venue.js';

const RUNS = { seed: 1313, numRuns: 400 };
const anyValue = fc.oneof(
  fc.anything(),
  fc.double(),
  fc.string(),
  fc.constantFrom(
    'bracket',
    'oco',
    'oto',
    'simple',
    'stop',
    'trailing_stop',
    'AAPL',
    'buy',
    'sell',
    'day',
    'limit',
    '5',
    '',
    null,
  ),
  fc.record({ limit_price: fc.constantFrom('90', 'x', -1), stop_price: fc.constantFrom('80', 0) }),
);
const FIELDS = [
  'symbol',
  'symbol',
  'qty',
  'side',
  'type',
  'time_in_force',
  'qty',
  'side',
  'type',
  'time_in_force',
  'limit_price',
  'stop_price',
  'trail_percent',
  'trail_price',
  'order_class',
  'take_profit',
  'stop_loss',
  'notional',
  'extended_hours',
  'legs',
  'x',
];
const body = fc.dictionary(fc.constantFrom(...FIELDS), anyValue);

test('an Alpaca order body parses as a group, a simple order, or is refused with an ApiError; legs never go unread', () => {
  fc.assert(
    fc.property(body, (b) => {
      try {
        const group = parseOrderGroup(b);
        if (group) {
          assert.ok(group.orders.length >= 2 && group.orders.every((o) => o.quantity === group.orders[0].quantity));
          return;
        }
        const order = parseOrderRequest(b);
        assert.ok(!['bracket', 'oco', 'oto'].includes(b.order_class as string), 'an order class was accepted');
        assert.ok(
          b.take_profit === undefined || b.take_profit === null || b.take_profit === '' || b.take_profit === false,
        );
        assert.ok(order.quantity > 0);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        assert.ok(error.status === 422 && error.message.length > 0 && !error.message.includes('\n'));
      }
    }),
    RUNS,
  );
});

const view: PositionView = {
  hasTicker: (t) => t === 'AAPL',
  position: () => 0,
  closingInFlight: () => 0,
  touch: () => ({ bid: 99.9, ask: 100.1 }),
};
const request = fc.record(
  {
    ticker: fc.constantFrom('AAPL', 'X'),
    quantity: anyValue,
    side: fc.constantFrom('buy', 'sell', 'hold'),
    orderType: fc.constantFrom('market', 'limit', 'stop', 'stop_limit', 'trailing_stop', 'bogus'),
    limitPrice: anyValue,
    stopPrice: anyValue,
    trailPercent: anyValue,
    trailPrice: anyValue,
  },
  { requiredKeys: ['ticker', 'side', 'orderType'] },
);

test('a strategy entry is an order verdict or an instruction; nothing throws, every refusal is one line', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        request,
        fc.anything(),
        fc.record({ cancel: anyValue }),
        fc.record({ replace: anyValue, quantity: anyValue, limitPrice: anyValue }),
      ),
      (raw) => {
        if (instructionOf(raw) !== undefined) return;
        const verdict = checkOrder(raw, view);
        if (!verdict.ok) assert.ok(verdict.reason.length > 0 && !verdict.reason.includes('\n'), verdict.reason);
        else if (verdict.order.orderType === 'stop' && verdict.order.side === 'buy')
          assert.ok(verdict.order.stopPrice! > 100.1);
      },
    ),
    RUNS,
  );
});

test('random markets against random stops: a stop buy never fills below its stop, a stop sell never above it, each order ends once', async () => {
  const stopOrder = fc.record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    stop: fc.double({ min: 90, max: 110, noNaN: true }),
    type: fc.constantFrom('stop' as const, 'trailing_stop' as const),
    pct: fc.double({ min: 0.1, max: 20, noNaN: true }),
  });
  const quotes = fc.array(
    fc.record({
      mid: fc.double({ min: 80, max: 120, noNaN: true }),
      spread: fc.double({ min: 0.01, max: 1, noNaN: true }),
    }),
    { maxLength: 30 },
  );
  let fills = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(stopOrder, { maxLength: 6 }), quotes, async (stops, path) => {
      const board = new QuoteBoard(['AAPL']);
      board.write(0, { bid: 99.9, ask: 100.1, bidSize: 1e6, askSize: 1e6 });
      const venue = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', cash: 1e9 }), board);
      const updates: TradeUpdate[] = [];
      venue.onUpdate((u) => updates.push(u));
      const placed = new Map<string, WireOrder>();
      try {
        for (const [i, s] of stops.entries()) {
          const o: WireOrder = {
            clientOrderId: `p-${i}`,
            ticker: 'AAPL',
            quantity: 1,
            side: s.side,
            timeInForce: 'gtc',
            action: s.side === 'buy' ? 'buy_long' : 'short_sell',
            orderType: s.type,
            ...(s.type === 'stop' ? { stopPrice: s.stop } : { trailPercent: s.pct }),
          };
          try {
            await venue.submit(o);
            placed.set(o.clientOrderId, o);
          } catch (e) {
            if (!(e instanceof BrokerRejection)) throw e;
          }
        }
        for (const { mid, spread } of path) {
          board.write(0, { bid: mid - spread / 2, ask: mid + spread / 2 });
          (venue as unknown as { sweep(): void }).sweep();
        }
        for (const u of updates.filter((x) => x.fill)) {
          fills++;
          const o = placed.get(u.order.clientOrderId)!;
          const stop = o.orderType === 'stop' ? o.stopPrice! : u.order.stopPrice!;
          if (o.side === 'buy') assert.ok(u.fill!.price >= stop - 1e-9, `buy stop ${stop} filled at ${u.fill!.price}`);
          else assert.ok(u.fill!.price <= stop + 1e-9, `sell stop ${stop} filled at ${u.fill!.price}`);
        }
        for (const id of placed.keys())
          assert.ok(
            updates.filter((u) => u.order.clientOrderId === id && ['fill', 'canceled', 'expired'].includes(u.event))
              .length <= 1,
          );
      } finally {
        venue.close();
      }
    }),
    { seed: 1313, numRuns: 200 },
  );
  assert.ok(fills > 50, `the random markets triggered only ${fills} stops: the property was barely exercised`);
});

/** well-formed groups and notional orders, one field in three replaced by a hostile value */
const shapes = fc.oneof(
  fc.record({
    side: fc.constant('buy'),
    orderType: fc.constant('market'),
    orderClass: fc.constantFrom('bracket', 'oto'),
    takeProfit: fc.record({ limitPrice: fc.constantFrom(104, 110) }),
    stopLoss: fc.record({ stopPrice: fc.constantFrom(90, 97) }),
  }),
  fc.record({
    side: fc.constant('sell'),
    action: fc.constant('short_sell'),
    orderType: fc.constant('limit'),
    limitPrice: fc.constant(100),
    orderClass: fc.constant('bracket'),
    takeProfit: fc.record({ limitPrice: fc.constantFrom(95, 90) }),
    stopLoss: fc.record({ stopPrice: fc.constantFrom(105, 110), limitPrice: fc.constant(111) }),
  }),
  fc.record({
    side: fc.constantFrom('sell', 'buy'),
    orderType: fc.constant('limit'),
    orderClass: fc.constant('oco'),
    takeProfit: fc.record({ limitPrice: fc.constantFrom(95, 104) }),
    stopLoss: fc.record({ stopPrice: fc.constantFrom(97, 105) }),
  }),
  fc.record({
    side: fc.constantFrom('buy', 'sell'),
    orderType: fc.constant('market'),
    notional: fc.constantFrom(1000, 0.01),
  }),
);
const FIELDS_TO_BREAK = [
  'quantity',
  'notional',
  'side',
  'orderType',
  'limitPrice',
  'orderClass',
  'takeProfit',
  'stopLoss',
  'action',
  'timeInForce',
];
const groupRequest = fc
  .tuple(
    shapes,
    fc.constantFrom(1, 5, 0.5),
    fc.option(fc.tuple(fc.constantFrom(...FIELDS_TO_BREAK), anyValue), { freq: 2 }),
  )
  .map(([shape, quantity, broken]) => {
    const order: Record<string, unknown> = { ticker: 'AAPL', ...('notional' in shape ? {} : { quantity }), ...shape };
    if (broken) order[broken[0]] = broken[1];
    return order;
  });

test('groups and notional orders: a verdict or one-line refusal; accepted groups are consistent, notional sized at the touch', (t) => {
  const accepted = { group: 0, notional: 0, simple: 0 };
  fc.assert(
    fc.property(groupRequest, fc.constantFrom(-10, 0, 10), fc.boolean(), (raw, held, takesNotional) => {
      const verdict = checkOrder(raw, {
        ...view,
        position: () => held,
        broker: { name: 'test', takesNotional },
      });
      if (!verdict.ok) return assert.ok(verdict.reason.length > 0 && !verdict.reason.includes('\n'), verdict.reason);
      const o = verdict.order;
      accepted[o.notional !== undefined ? 'notional' : o.orderClass ? 'group' : 'simple']++;
      assert.ok(Number.isFinite(o.quantity) && o.quantity > 0, JSON.stringify(o));
      if (o.notional !== undefined) {
        assert.ok(takesNotional && o.orderType === 'market' && !o.orderClass, JSON.stringify(o));
        assert.equal(o.quantity, o.notional / (o.side === 'buy' ? 100.1 : 99.9));
      }
      if (!o.orderClass) return;
      assert.ok(o.legs?.length, JSON.stringify(o));
      for (const leg of o.legs ?? []) {
        assert.equal(leg.quantity, o.quantity);
        assert.equal(leg.side === o.side, o.orderClass === 'oco', `${o.orderClass} leg side`);
      }
    }),
    RUNS,
  );
  t.diagnostic(`accepted: ${JSON.stringify(accepted)}`);
  assert.ok(
    accepted.group > 20 && accepted.notional > 5,
    `the property reached accepted orders: ${JSON.stringify(accepted)}`,
  );
});

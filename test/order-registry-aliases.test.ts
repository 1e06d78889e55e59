// A venue that names a group's legs itself (Alpaca): salvo learns the leg's venue id from the
// answer to the group's request, and the leg's first trade updates may arrive before that answer.
// They are kept and applied once the alias arrives, so each leg still gets every row, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderRegistry, type OrderEvent } from '../src/execution/order-registry.js';
import type { TradeUpdate } from '../src/brokers/broker.js';
import type { Order } from '../src/orders/order.js';
import { anOrder, SELL_LIMIT_102 } from './helpers/orders.js';

const leg: Order = anOrder({
  clientOrderId: 'sell_long-1-0000aaaa',
  parentId: 'buy_long-1-0000bbbb',
  quantity: 2,
  ...SELL_LIMIT_102,
  status: 'queued',
});
const update = (venueId: string, status: 'held' | 'new' | 'filled', filledQty = 0): TradeUpdate => ({
  event: status === 'held' ? 'pending_new' : status === 'filled' ? 'fill' : 'new',
  timestamp: 1,
  order: {
    clientOrderId: venueId,
    brokerOrderId: `id-${venueId}`,
    ticker: 'AAPL',
    side: 'sell',
    quantity: 2,
    status,
    rawStatus: status,
    filledQty,
    filledAvgPrice: filledQty ? 102 : 0,
  },
});

test("a leg's updates under the venue's id land on salvo's order, also when they overtake the alias", () => {
  const book = new OrderRegistry();
  const rows: OrderEvent[] = [];
  book.onEvent((e) => rows.push(e));
  book.add({ ...leg });
  book.applyUpdate(update('venue-leg-1', 'held')); // before the answer naming it
  assert.equal(book.foreignUpdates, 1);
  assert.equal(book.get(leg.clientOrderId)?.status, 'queued');
  book.alias(leg.clientOrderId, 'venue-leg-1', 'id-venue-leg-1');
  assert.equal(book.foreignUpdates, 0, 'claimed once the alias came');
  book.applyUpdate(update('venue-leg-1', 'filled', 2));
  assert.deepEqual(
    rows.map((e) => [e.order.clientOrderId, e.status, e.fill?.qty]),
    [
      [leg.clientOrderId, 'new', undefined],
      [leg.clientOrderId, 'filled', 2],
    ],
  );
  assert.equal(book.get(leg.clientOrderId)?.brokerOrderId, 'id-venue-leg-1');
  book.applyUpdate(update('someone-else', 'new'));
  assert.equal(book.foreignUpdates, 1, "another client's order is still foreign");
});

test('the exits of one group close the same shares once in what open orders are closing', () => {
  const book = new OrderRegistry();
  book.add({ ...leg });
  book.add({ ...leg, clientOrderId: 'sell_long-1-0000cccc', orderType: 'stop', stopPrice: 98 });
  book.add({ ...leg, clientOrderId: 'sell_long-1-0000dddd', parentId: undefined, quantity: 3 });
  assert.equal(book.closingInFlight('AAPL', 'long'), 5, '2 for the group, 3 for the plain sell');
});

// The order state machine: the moves it refuses, one by one, and the order book that applies it
// (a refused move changes nothing and writes no row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canMove, type Order } from '../src/orders/order.js';
import { OrderRegistry, type OrderEvent } from '../src/execution/order-registry.js';
import type { OrderStatus } from '../src/types.js';

const ORDER: Order = {
  clientOrderId: 'buy_long-1-0000000a',
  ticker: 'AAPL',
  quantity: 10,
  side: 'buy',
  orderType: 'market',
  timeInForce: 'day',
  action: 'buy_long',
  blockId: 'b-1',
  leg: 0,
  workerId: 1,
  status: 'created',
  filledQty: 0,
  filledAvgPrice: 0,
  decidedAt: 0,
  attempts: 0,
};
const at = (status: OrderStatus, filledQty = 0): Order => ({ ...ORDER, status, filledQty });
const TERMINAL: OrderStatus[] = ['filled', 'canceled', 'rejected', 'expired', 'failed'];
const ALL: OrderStatus[] = ['created', 'queued', 'submitted', 'new', 'partially_filled', ...TERMINAL];

test('a terminal order never moves again, to any status', () => {
  for (const from of TERMINAL)
    for (const to of ALL) assert.equal(canMove(at(from, 10), to, 10), false, `${from} → ${to}`);
});

test('statuses never go back', () => {
  const order: OrderStatus[] = ['created', 'queued', 'submitted', 'new', 'partially_filled'];
  order.forEach((from, i) =>
    order.slice(0, i).forEach((to) => assert.equal(canMove(at(from, 1), to, 1), false, `${from} → ${to}`)),
  );
  assert.equal(canMove(at('queued'), 'queued', 0), false, 'not to the same status either');
  assert.equal(canMove(at('new'), 'new', 0), false);
});

test('failed means never accepted: refused once the broker has the order, allowed before', () => {
  for (const from of ['new', 'partially_filled'] as const)
    assert.equal(canMove(at(from, 1), 'failed', 1), false, `${from} → failed`);
  for (const from of ['created', 'queued', 'submitted'] as const)
    assert.equal(canMove(at(from), 'failed', 0), true, `${from} → failed`);
});

test('partially_filled repeats only when more is filled', () => {
  assert.equal(canMove(at('partially_filled', 4), 'partially_filled', 4), false, 'same quantity: no new row');
  assert.equal(canMove(at('partially_filled', 4), 'partially_filled', 3), false, 'less filled: refused');
  assert.equal(canMove(at('partially_filled', 4), 'partially_filled', 6), true);
});

test("forward moves may skip steps (a broker update overtaking the worker's ack)", () => {
  assert.equal(canMove(at('queued'), 'filled', 10), true);
  assert.equal(canMove(at('submitted'), 'canceled', 0), true);
  assert.equal(canMove(at('partially_filled', 4), 'filled', 10), true);
});

test('the order book applies the machine: a refused move changes nothing and announces nothing', () => {
  const book = new OrderRegistry();
  const events: OrderEvent[] = [];
  book.onEvent((e) => events.push(e));
  const order = { ...ORDER };
  book.add(order);
  assert.ok(book.move(order, 'queued', { source: 'local' }));
  assert.ok(book.move(order, 'new', { source: 'execution' }));
  assert.equal(
    book.move(order, 'submitted', { source: 'execution' }),
    false,
    'a late ack after the venue\'s own "new"',
  );
  assert.ok(book.move(order, 'filled', { source: 'execution', filledQty: 10, filledAvgPrice: 101 }));
  // late or repeated reports after the fill
  assert.equal(book.move(order, 'canceled', { source: 'execution' }), false);
  assert.equal(book.move(order, 'filled', { source: 'execution', filledQty: 10, filledAvgPrice: 101 }), false);
  book.applyUpdate({ event: 'canceled', order: { ...order, status: 'canceled', rawStatus: 'canceled' } } as never);
  assert.deepEqual(
    events.map((e) => e.status),
    ['queued', 'new', 'filled'],
    'one event per accepted move, none for refused ones',
  );
  assert.deepEqual([order.status, order.filledQty, order.filledAvgPrice], ['filled', 10, 101]);
  assert.deepEqual(events[2].fill, { qty: 10, price: 101 });
  assert.equal(book.counts().filled, 1);
  // an update for an order this session never sent is counted, not booked
  book.applyUpdate({
    event: 'fill',
    order: { ...order, clientOrderId: 'buy_long-9-ffffffff', status: 'filled' },
  } as never);
  assert.equal(book.foreignUpdates, 1);
  assert.equal(book.counts().total, 1);
});

// The one order status model (src/orders/status.ts): its tables walked pair by pair against the
// rules they replace, the order registry that applies salvo's table (a refused move changes
// nothing and writes no row), and what a refused broker update leaves behind: a count and reason in
// the report, and a warning when it carried a fill (a fill that raced a cancel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Order } from '../src/orders/order.js';
import {
  BROKER_STATE_TABLE,
  brokerMovesOn,
  isFinalAtBroker,
  isTerminal,
  ORDER_STATE_TABLE,
  ORDER_STATUSES,
  SALVO_STATUS_OF,
  statusOfLogWord,
  transitionRefusal,
  type BrokerOrderStatus,
} from '../src/orders/status.js';
import { OrderRegistry, type OrderEvent } from '../src/execution/order-registry.js';
import { OrderTracker } from '../src/brokers/alpaca/order-tracker.js';
import { orderStatus } from '../src/brokers/alpaca/mapping.js';
import type { BrokerOrderState, TradeUpdate } from '../src/brokers/broker.js';
import type { OrderStatus } from '../src/types.js';
import { anOrder } from './helpers/orders.js';

const ORDER: Order = anOrder();
const at = (status: OrderStatus, filledQty = 0): Order => ({ ...ORDER, status, filledQty });
const TERMINAL: OrderStatus[] = ['filled', 'canceled', 'rejected', 'expired', 'failed'];
const ALL: OrderStatus[] = ['created', 'queued', 'submitted', 'new', 'partially_filled', ...TERMINAL];
const canMove = (order: Order, to: OrderStatus, filledQty: number) =>
  transitionRefusal(order.status, to, filledQty > order.filledQty) === undefined;

/**
 * The rule the table replaced, written independently: statuses only move forward, partially_filled
 * repeats only with more filled, failed only before the broker accepted, terminal is final.
 */
const STEP: Record<OrderStatus, number> = {
  created: 0,
  queued: 1,
  submitted: 2,
  new: 3,
  partially_filled: 4,
  filled: 5,
  canceled: 5,
  rejected: 5,
  expired: 5,
  failed: 5,
};
function allowedBefore(from: OrderStatus, to: OrderStatus, moreFilled: boolean): boolean {
  if (STEP[from] === 5) return false;
  if (to === 'failed' && STEP[from] > STEP.submitted) return false;
  if (from === 'partially_filled' && to === 'partially_filled') return moreFilled;
  return STEP[to] > STEP[from];
}

test('the table walked pair by pair: every allowed move moves the order, every other one is refused with its reason', () => {
  assert.deepEqual([...ORDER_STATUSES].sort(), [...ALL].sort(), "the model has exactly salvo's ten statuses");
  let moves = 0;
  let refusals = 0;
  for (const from of ALL)
    for (const to of ALL)
      for (const moreFilled of [false, true]) {
        const pair = `${from} → ${to}${moreFilled ? ' (more filled)' : ''}`;
        const allowed = allowedBefore(from, to, moreFilled);
        const reason = transitionRefusal(from, to, moreFilled);
        const book = new OrderRegistry();
        const events: OrderEvent[] = [];
        book.onEvent((e) => events.push(e));
        const order = at(from, 2);
        book.add(order);
        const moved = book.move(order, to, { source: 'execution', filledQty: moreFilled ? 3 : 2, filledAvgPrice: 100 });
        assert.equal(moved, allowed, pair);
        if (allowed) {
          moves++;
          assert.equal(reason, undefined, pair);
          assert.equal(order.status, to, `${pair}: the order is ${to} now`);
          assert.equal(events.length, 1, `${pair}: one row`);
          assert.equal(ORDER_STATE_TABLE[from].includes(to), true, `${pair} is in the table`);
        } else {
          refusals++;
          assert.match(reason ?? '', new RegExp(`^${from} → ${to}: \\S`), `${pair}: refused with a reason`);
          assert.equal(order.status, from, `${pair}: the order did not move`);
          assert.equal(order.filledQty, 2, `${pair}: nothing was booked`);
          assert.equal(events.length, 0, `${pair}: no row`);
        }
      }
  assert.ok(moves > 0 && refusals > 0);
});

test('terminal statuses have no way out, and the refusal says the order had ended', () => {
  for (const from of TERMINAL) {
    assert.equal(isTerminal(from), true, from);
    assert.deepEqual(ORDER_STATE_TABLE[from], [], `${from} has an empty row`);
    for (const to of ALL)
      for (const more of [false, true])
        assert.equal(transitionRefusal(from, to, more), `${from} → ${to}: ${from} is final`);
  }
  for (const from of ALL.filter((s) => !TERMINAL.includes(s))) {
    assert.equal(isTerminal(from), false, from);
    assert.ok(ORDER_STATE_TABLE[from].length > 0, `${from} has a way on`);
  }
  assert.equal(transitionRefusal('new', 'failed', false), 'new → failed: the broker already accepted the order');
  assert.equal(transitionRefusal('new', 'submitted', false), 'new → submitted: submitted comes before new');
  assert.equal(transitionRefusal('new', 'new', false), 'new → new: nothing new');
});

test('a terminal order never moves again, to any status', () => {
  for (const from of TERMINAL)
    for (const to of ALL) assert.equal(canMove(at(from, 10), to, 10), false, `${from} → ${to}`);
});

test('statuses never go back', () => {
  const order: OrderStatus[] = ['created', 'queued', 'submitted', 'new', 'partially_filled'];
  order.forEach((from, i) => {
    for (const to of order.slice(0, i)) assert.equal(canMove(at(from, 1), to, 1), false, `${from} → ${to}`);
  });
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

/** the Alpaca adapter's rank table the broker table replaced: a later report moves to a higher rank */
const BROKER_RANK: Record<BrokerOrderStatus, number> = {
  pending_new: 1,
  held: 1,
  new: 2,
  pending_cancel: 2,
  partially_filled: 3,
  filled: 5,
  canceled: 5,
  rejected: 5,
  expired: 5,
  replaced: 5,
};
const BROKER_ALL = Object.keys(BROKER_RANK) as BrokerOrderStatus[];

test('the broker table walked pair by pair; a broker status is final exactly when its meaning for salvo is terminal', () => {
  assert.deepEqual(Object.keys(BROKER_STATE_TABLE).sort(), [...BROKER_ALL].sort());
  for (const from of BROKER_ALL)
    for (const to of BROKER_ALL) {
      const later = BROKER_RANK[from] < 5 && BROKER_RANK[to] > BROKER_RANK[from];
      assert.equal(brokerMovesOn(from, to), later, `${from} → ${to}`);
    }
  const finals = BROKER_ALL.filter(isFinalAtBroker);
  assert.deepEqual(finals.sort(), ['canceled', 'expired', 'filled', 'rejected', 'replaced']);
  for (const s of BROKER_ALL) {
    const meaning = SALVO_STATUS_OF[s];
    assert.equal(meaning !== undefined && isTerminal(meaning), isFinalAtBroker(s), s);
  }
  assert.equal(SALVO_STATUS_OF.replaced, 'canceled', 'a replaced order ends canceled for salvo (raw status replaced)');
  assert.equal(SALVO_STATUS_OF.held, 'new', 'a held bracket exit is acknowledged');
  assert.equal(SALVO_STATUS_OF.pending_cancel, undefined, 'a cancel on its way changes nothing yet');
});

test("a trade log's status words, salvo's and blockpaca's, mean one thing: the review's final words are the model's", () => {
  const words = [...ALL, ...BROKER_ALL, 'accepted', 'done_for_day', 'ACTIVE', 'HALTED', 'fill', ''];
  const final = words.filter((w) => {
    const s = statusOfLogWord(w);
    return s !== undefined && isTerminal(s);
  });
  // what `salvo review` counted as final before the model: salvo's five, Alpaca's replaced, FIX's done for day
  assert.deepEqual([...new Set(final)].sort(), [
    'canceled',
    'done_for_day',
    'expired',
    'failed',
    'filled',
    'rejected',
    'replaced',
  ]);
  assert.equal(statusOfLogWord('accepted'), 'new');
  assert.equal(statusOfLogWord('pending_new'), 'submitted');
  assert.equal(statusOfLogWord('HALTED'), undefined, 'a trading state row is no order status');
  assert.equal(statusOfLogWord('constructor'), undefined, 'no inherited names');
});

const state = (status: BrokerOrderStatus, filledQty: number): BrokerOrderState => ({
  clientOrderId: ORDER.clientOrderId,
  brokerOrderId: 'b-1',
  ticker: 'AAPL',
  side: 'buy',
  quantity: 10,
  status,
  rawStatus: status,
  filledQty,
  filledAvgPrice: filledQty ? 101 : 0,
});
const update = (event: string, status: BrokerOrderStatus, filledQty = 0): TradeUpdate => ({
  event,
  order: state(status, filledQty),
  timestamp: 1_700_000_000_000,
});

/** an order the registry has seen acknowledged, and what the session's log heard */
function acknowledged() {
  const warnings: string[] = [];
  const book = new OrderRegistry({ warn: (m) => warnings.push(m) });
  const events: OrderEvent[] = [];
  book.onEvent((e) => events.push(e));
  const order = { ...ORDER };
  book.add(order);
  book.move(order, 'queued', { source: 'local' });
  book.move(order, 'submitted', { source: 'execution' });
  book.applyUpdate(update('new', 'new'));
  return { book, order, events, warnings };
}

test('a fill after the cancel was applied: refused, counted with its reason, and a warning in the log', () => {
  const { book, order, events, warnings } = acknowledged();
  book.applyUpdate(update('new', 'new')); // the venue says new twice (ack and stream): a duplicate
  book.applyUpdate(update('canceled', 'canceled'));
  book.applyUpdate(update('canceled', 'canceled')); // and canceled twice
  assert.equal(order.status, 'canceled');
  assert.deepEqual(
    book.refusedTransitions(),
    { count: 0, withFill: 0, byReason: {}, first: [] },
    'duplicates lose nothing',
  );
  book.applyUpdate({ ...update('fill', 'filled', 10), fill: { qty: 10, price: 101 } });
  assert.deepEqual([order.status, order.filledQty], ['canceled', 0], 'the order keeps its one terminal status');
  assert.equal(events.filter((e) => e.fill).length, 0, 'no fill reached the portfolio or the CSV');
  assert.deepEqual(book.refusedTransitions(), {
    count: 1,
    withFill: 1,
    byReason: { 'canceled → filled: canceled is final': 1 },
    first: [
      {
        clientOrderId: ORDER.clientOrderId,
        from: 'canceled',
        to: 'filled',
        rawStatus: 'filled',
        reason: 'canceled → filled: canceled is final',
        filledQty: 10,
        knownQty: 0,
        at: 1_700_000_000_000,
      },
    ],
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /buy_long-1-0000000a AAPL: the broker reports 10 filled \(filled\), salvo booked 0/);
  assert.match(warnings[0], /canceled → filled: canceled is final/);
});

test('a stale update without a fill is counted, not warned; the report keeps the first 20 and counts the rest', () => {
  const { book, warnings } = acknowledged();
  book.applyUpdate(update('partial_fill', 'partially_filled', 4));
  for (let i = 0; i < 25; i++) book.applyUpdate(update('pending_new', 'pending_new', 4));
  const r = book.refusedTransitions();
  assert.equal(r.count, 25);
  assert.equal(r.withFill, 0);
  assert.deepEqual(r.byReason, { 'partially_filled → submitted: submitted comes before partially_filled': 25 });
  assert.equal(r.first.length, 20);
  assert.deepEqual(warnings, []);
  const copy = book.refusedTransitions();
  copy.byReason.x = 1;
  copy.first.length = 0;
  assert.deepEqual(book.refusedTransitions(), r, 'the report is a copy');
});

test('the Alpaca adapter passes on a fill that comes after a final status (the registry reports it), not a stale repeat', () => {
  const tracker = new OrderTracker();
  assert.equal(tracker.admit(update('new', 'new')), true);
  assert.equal(tracker.admit(update('pending_new', 'pending_new')), false, 'older than what was seen');
  assert.equal(tracker.admit(update('canceled', 'canceled')), true);
  assert.equal(tracker.oldestOpen(), undefined, 'canceled is final');
  assert.equal(tracker.admit(update('canceled', 'canceled')), false, 'a repeat');
  assert.equal(tracker.admit(update('fill', 'filled', 10)), true, 'more filled after the cancel');
  assert.equal(tracker.admit(update('fill', 'filled', 10)), false, 'the same fill again');
});

/** a venue's word for a status: the vocabulary, names every object inherits, or anything */
const hostileStatus = fc.oneof(
  fc.constantFrom(...BROKER_ALL),
  fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'accepted', 'done_for_day'),
  fc.string({ maxLength: 12 }),
);
const hostileQty = fc.oneof(
  fc.integer({ min: -5, max: 15 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308),
  fc.double({ noNaN: false }),
);
const IDS = ['buy_long-1-0000000a', 'buy_long-1-0000000b'];
const hostileUpdate = fc.record({
  id: fc.oneof(fc.constantFrom(...IDS), fc.string({ maxLength: 6 })),
  status: hostileStatus,
  filledQty: hostileQty,
  event: fc.string({ maxLength: 8 }),
  raw: fc.boolean(),
});
const RUNS = { seed: 1616, numRuns: 400 };

test('hostile broker updates (any status word, any quantity, any id) never crash the registry or the Alpaca tracker; every order keeps one terminal status', () => {
  fc.assert(
    fc.property(fc.array(hostileUpdate, { maxLength: 40 }), (updates) => {
      const warnings: string[] = [];
      const book = new OrderRegistry({ warn: (m) => warnings.push(m) });
      const rows = new Map<string, OrderStatus[]>();
      book.onEvent((e) => rows.set(e.order.clientOrderId, [...(rows.get(e.order.clientOrderId) ?? []), e.status]));
      for (const id of IDS) book.add({ ...ORDER, clientOrderId: id, status: 'submitted' });
      const tracker = new OrderTracker();
      let foreign = 0;
      for (const u of updates) {
        const status = orderStatus(u.status, Number.isFinite(u.filledQty) ? u.filledQty : 0);
        const tu: TradeUpdate = {
          event: u.event,
          order: { ...state(status, u.filledQty), clientOrderId: u.id, rawStatus: u.status },
          timestamp: 1_700_000_000_000,
        };
        // or the raw word straight through, as a careless adapter might pass it
        const x = u.raw ? { ...tu, order: { ...tu.order, status: u.status as BrokerOrderStatus } } : tu;
        if (!IDS.includes(u.id)) foreign++;
        tracker.admit(x);
        book.applyUpdate(x);
        assert.ok(
          BROKER_ALL.includes(status),
          `the Alpaca mapping gives a broker status for ${JSON.stringify(u.status)}`,
        );
      }
      tracker.oldestOpen();
      for (const id of IDS) {
        const order = book.get(id)!;
        assert.ok(ALL.includes(order.status), `${id} has a status of the model: ${String(order.status)}`);
        const seen = rows.get(id) ?? [];
        const ends = seen.filter((x) => TERMINAL.includes(x));
        assert.ok(ends.length <= 1, `${id}: at most one terminal row (${seen})`);
        if (ends.length) assert.equal(seen.at(-1), ends[0], `${id}: nothing after its terminal row`);
      }
      const r = book.refusedTransitions();
      assert.equal(book.foreignUpdates, foreign);
      assert.equal(
        Object.values(r.byReason).reduce((a, b) => a + b, 0),
        r.count,
      );
      assert.equal(r.first.length, Math.min(r.count, 20));
      assert.equal(warnings.length, r.withFill, 'one warning per refused fill');
      assert.ok(
        Object.keys(r.byReason).every((k) => /^\w+ → \w+: /.test(k)),
        'every reason names its statuses',
      );
    }),
    RUNS,
  );
});

test('any status word in a trade log means a status of the model or nothing, never an inherited name', () => {
  fc.assert(
    fc.property(hostileStatus, (word) => {
      const s = statusOfLogWord(word);
      assert.ok(s === undefined || ALL.includes(s), `${JSON.stringify(word)} → ${String(s)}`);
    }),
    RUNS,
  );
});

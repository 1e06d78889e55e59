import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until as waitUntil } from './helpers/until.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BrokerRejection, BrokerTransientError, type TradeUpdate, type WireOrder } from '../src/brokers/broker.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { PaperVenue, type PaperVenueOptions } from '../src/exchange/venue.js';

let seq = 0;
function order(o: Partial<WireOrder> & Pick<WireOrder, 'side'>): WireOrder {
  return {
    clientOrderId: `t-${++seq}`,
    ticker: 'AAPL',
    quantity: 10,
    orderType: 'market',
    timeInForce: 'day',
    action: o.side === 'buy' ? 'buy_long' : 'sell_long',
    ...o,
  };
}

function market(config: Record<string, unknown> = {}, options?: PaperVenueOptions) {
  const board = new QuoteBoard(['AAPL', 'MSFT']);
  const aapl = board.slotOf('AAPL');
  board.write(aapl, { bid: 99, ask: 101, bidSize: 500, askSize: 500, last: 100, timestamp: Date.now() });
  const venue = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', ...config }), board, options);
  const updates: TradeUpdate[] = [];
  venue.onUpdate((u) => updates.push(u));
  const quote = (q: { bid?: number; ask?: number; bidSize?: number; askSize?: number }) => board.write(aapl, q);
  const events = (id: string) => updates.filter((u) => u.order.clientOrderId === id).map((u) => u.event);
  return { board, venue, updates, quote, events };
}

/** the shared wait (helpers/until.ts) in this file's argument order */
const until = (what: string, cond: () => boolean, ms = 10_000) =>
  waitUntil(cond, { what, timeoutMs: ms, intervalMs: 2 });

/** resolves once the venue has matched its open orders against the board again (it polls) */
function swept(venue: PaperVenue): () => Promise<void> {
  const v = venue as unknown as { sweep(): void };
  let sweeps = 0;
  const sweep = v.sweep.bind(venue);
  v.sweep = () => {
    sweep();
    sweeps++;
  };
  return async () => {
    const from = sweeps;
    await until('the venue to match against the new quote', () => sweeps > from + 1);
  };
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BrokerRejection, `expected BrokerRejection, got ${error}`);
  return error.reason;
}

test('market orders fill at the ask (buy) and the bid (sell), with Alpaca update order', async () => {
  const { venue, updates, events } = market();
  try {
    const buy = order({ side: 'buy', quantity: 10 });
    const ack = await venue.submit(buy);
    assert.ok(ack !== 'swallowed');
    assert.equal(ack.status, 'new');
    assert.match(ack.brokerOrderId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(events(buy.clientOrderId), ['pending_new', 'new', 'fill']);
    const fill = updates.at(-1)!;
    assert.deepEqual(fill.fill, { qty: 10, price: 101 });
    assert.equal(fill.order.status, 'filled');
    assert.equal(fill.order.filledQty, 10);
    assert.equal(fill.order.filledAvgPrice, 101);

    const sell = order({ side: 'sell', quantity: 4 });
    await venue.submit(sell);
    assert.deepEqual(updates.at(-1)!.fill, { qty: 4, price: 99 });
    assert.equal(venue.getOrder(sell.clientOrderId)?.status, 'filled');
    assert.deepEqual(venue.positions(), [{ ticker: 'AAPL', quantity: 6, avgEntryPrice: 101 }]);
    assert.equal(venue.account().cash, 100_000 - 1010 + 396);
  } finally {
    venue.close();
  }
});

test('a limit order rests until the market crosses it, then fills at the touch', async () => {
  const { venue, quote, events, updates } = market();
  try {
    const buy = order({ side: 'buy', orderType: 'limit', limitPrice: 100, quantity: 5 });
    await venue.submit(buy);
    assert.deepEqual(events(buy.clientOrderId), ['pending_new', 'new']);
    assert.equal(venue.openOrders().length, 1);
    const sweep = swept(venue);
    quote({ bid: 99.5, ask: 100.5 }); // closer, still above the limit
    await sweep();
    assert.equal(venue.getOrder(buy.clientOrderId)?.status, 'new');
    quote({ bid: 99, ask: 99.75 });
    await until('the resting buy to fill', () => venue.getOrder(buy.clientOrderId)?.status === 'filled');
    assert.deepEqual(updates.at(-1)!.fill, { qty: 5, price: 99.75 });
    assert.equal(venue.openOrders().length, 0);

    const marketableSell = order({ side: 'sell', orderType: 'limit', limitPrice: 98, quantity: 5 });
    await venue.submit(marketableSell);
    assert.deepEqual(
      updates.at(-1)!.fill,
      { qty: 5, price: 99 },
      'a marketable sell limit fills at the bid, not its limit',
    );
  } finally {
    venue.close();
  }
});

test('ioc fills what is there and cancels the rest; fok fills all or nothing', async () => {
  const { venue, events, updates } = market({ fillAtDisplayedSize: true });
  try {
    const away = order({ side: 'buy', orderType: 'limit', limitPrice: 90, timeInForce: 'ioc' });
    await venue.submit(away);
    assert.deepEqual(events(away.clientOrderId), ['pending_new', 'new', 'canceled']);

    const ioc = order({ side: 'buy', quantity: 800, timeInForce: 'ioc' });
    await venue.submit(ioc);
    assert.deepEqual(events(ioc.clientOrderId), ['pending_new', 'new', 'partial_fill', 'canceled']);
    assert.equal(venue.getOrder(ioc.clientOrderId)?.status, 'canceled');
    assert.equal(venue.getOrder(ioc.clientOrderId)?.filledQty, 500);

    const fokTooBig = order({ side: 'sell', quantity: 600, timeInForce: 'fok' });
    await venue.submit(fokTooBig);
    assert.deepEqual(events(fokTooBig.clientOrderId), ['pending_new', 'new', 'canceled']);
    assert.equal(venue.getOrder(fokTooBig.clientOrderId)?.filledQty, 0);

    const fok = order({ side: 'sell', quantity: 300, timeInForce: 'fok' });
    await venue.submit(fok);
    assert.deepEqual(events(fok.clientOrderId), ['pending_new', 'new', 'fill']);
    assert.deepEqual(updates.at(-1)!.fill, { qty: 300, price: 99 });
  } finally {
    venue.close();
  }
});

test('fillAtDisplayedSize: a market order takes the displayed size per quote update', async () => {
  const { venue, quote, events, updates } = market({ fillAtDisplayedSize: true });
  try {
    quote({ ask: 101, askSize: 100 });
    const buy = order({ side: 'buy', quantity: 250 });
    await venue.submit(buy);
    assert.deepEqual(events(buy.clientOrderId), ['pending_new', 'new', 'partial_fill']);
    assert.equal(venue.getOrder(buy.clientOrderId)?.status, 'partially_filled');

    // a second order at the same quote finds that size already taken
    const second = order({ side: 'buy', quantity: 10, timeInForce: 'ioc' });
    await venue.submit(second);
    assert.deepEqual(events(second.clientOrderId), ['pending_new', 'new', 'canceled']);

    quote({ ask: 102, askSize: 100 });
    await until('second partial fill', () => venue.getOrder(buy.clientOrderId)?.filledQty === 200);
    quote({ ask: 104, askSize: 100 });
    await until('the final fill', () => venue.getOrder(buy.clientOrderId)?.status === 'filled');
    assert.deepEqual(events(buy.clientOrderId), ['pending_new', 'new', 'partial_fill', 'partial_fill', 'fill']);
    const last = updates.at(-1)!;
    assert.deepEqual(last.fill, { qty: 50, price: 104 });
    assert.equal(last.order.filledQty, 250);
    assert.equal(last.order.filledAvgPrice, (100 * 101 + 100 * 102 + 50 * 104) / 250);
  } finally {
    venue.close();
  }
});

test('buying power: cash minus what open buys reserve', async () => {
  const { venue } = market({ cash: 10_000 });
  try {
    const reason = await rejection(venue.submit(order({ side: 'buy', quantity: 150.84 })));
    assert.equal(reason, 'insufficient buying power: need 15234.84, available 10000.00');
    await venue.submit(order({ side: 'buy', orderType: 'limit', limitPrice: 90, quantity: 100 })); // rests, reserves 9000
    assert.equal(venue.account().buyingPower, 1000);
    assert.match(
      await rejection(venue.submit(order({ side: 'buy', quantity: 10 }))),
      /need 1010\.00, available 1000\.00/,
    );
    assert.equal(venue.openOrders().length, 1, 'a rejected order is not created');
  } finally {
    venue.close();
  }
});

test('allowShort false: a sell beyond the long position (minus open sells) is refused', async () => {
  const { venue } = market({ allowShort: false });
  try {
    assert.match(
      await rejection(venue.submit(order({ side: 'sell', quantity: 1 }))),
      /^short selling not allowed: .*requested: 1, available: 0/,
    );
    await venue.submit(order({ side: 'buy', quantity: 30 }));
    await venue.submit(order({ side: 'sell', orderType: 'limit', limitPrice: 150, quantity: 20 })); // rests
    assert.match(await rejection(venue.submit(order({ side: 'sell', quantity: 11 }))), /requested: 11, available: 10/);
    await venue.submit(order({ side: 'sell', quantity: 10 }));
    assert.deepEqual(venue.positions(), [{ ticker: 'AAPL', quantity: 20, avgEntryPrice: 101 }]);
  } finally {
    venue.close();
  }
});

test('refusals name the problem: duplicate id, unknown symbol, no quote', async () => {
  const { venue } = market();
  try {
    const first = order({ side: 'buy', quantity: 1 });
    await venue.submit(first);
    assert.match(await rejection(venue.submit({ ...first })), /duplicate client_order_id 't-\d+'/);
    assert.match(await rejection(venue.submit(order({ side: 'buy', ticker: 'ZZZZ' }))), /unknown symbol 'ZZZZ'/);
    assert.match(await rejection(venue.submit(order({ side: 'buy', ticker: 'MSFT' }))), /no quote yet for MSFT/);
    // a limit order needs no quote: it simply rests
    await venue.submit(order({ side: 'buy', ticker: 'MSFT', orderType: 'limit', limitPrice: 10 }));
    assert.equal(venue.openOrders()[0].ticker, 'MSFT');
  } finally {
    venue.close();
  }
});

test('cancel: open orders cancel, final or unknown ones are refused', async () => {
  const { venue, events } = market();
  try {
    const resting = order({ side: 'buy', orderType: 'limit', limitPrice: 50 });
    await venue.submit(resting);
    await venue.cancel(resting.clientOrderId);
    assert.deepEqual(events(resting.clientOrderId), ['pending_new', 'new', 'canceled']);
    assert.equal(venue.getOrder(resting.clientOrderId)?.status, 'canceled');
    assert.equal(
      await rejection(venue.cancel(resting.clientOrderId)),
      `order '${resting.clientOrderId}' is not cancelable: canceled`,
    );
    const filled = order({ side: 'buy' });
    await venue.submit(filled);
    assert.match(await rejection(venue.cancel(filled.clientOrderId)), /is not cancelable: filled$/);
    assert.match(await rejection(venue.cancel('nope')), /unknown order 'nope'/);
  } finally {
    venue.close();
  }
});

test('positions and cash through long, short and a flip', async () => {
  const { venue, quote } = market();
  try {
    await venue.submit(order({ side: 'sell', quantity: 10, action: 'short_sell' })); // short 10 @ 99
    quote({ bid: 95, ask: 97 });
    await venue.submit(order({ side: 'sell', quantity: 10, action: 'short_sell' })); // short 10 more @ 95
    assert.deepEqual(venue.positions(), [{ ticker: 'AAPL', quantity: -20, avgEntryPrice: 97 }]);
    assert.equal(venue.account().cash, 100_000 + 990 + 950);
    assert.equal(venue.account().equity, 100_000 + 990 + 950 - 20 * 96);
    await venue.submit(order({ side: 'buy', quantity: 25, action: 'buy_to_cover' })); // cover 20, long 5 @ 97
    assert.deepEqual(venue.positions(), [{ ticker: 'AAPL', quantity: 5, avgEntryPrice: 97 }]);
    await venue.submit(order({ side: 'sell', quantity: 5 }));
    assert.deepEqual(venue.positions(), []);
    assert.equal(venue.account().cash, 100_000 + 990 + 950 - 25 * 97 + 5 * 95);
  } finally {
    venue.close();
  }
});

test('gateway: rate limit 429 with retryAfterMs, injected 503 creates nothing, timeoutRate swallows the answer', async () => {
  let now = 1_000_000;
  const limited = market({ rateLimitPerMinute: 2 }, { now: () => now });
  try {
    await limited.venue.submit(order({ side: 'buy', quantity: 1 }));
    now += 10_000;
    await limited.venue.submit(order({ side: 'buy', quantity: 1 }));
    now += 5_000;
    const error = await limited.venue.submit(order({ side: 'buy', quantity: 1 })).catch((e: unknown) => e);
    assert.ok(error instanceof BrokerTransientError);
    assert.equal(error.status, 429);
    // a bucket of 2 refilled smoothly at 2/min: 1 + 10 s/30 s − 1 + 5 s/30 s = 0.5 token, so 15 s to wait
    assert.equal(error.retryAfterMs, 15_000);
    now += 15_000;
    await limited.venue.submit(order({ side: 'buy', quantity: 1 }));
  } finally {
    limited.venue.close();
  }

  const { venue } = market(
    { failureRate: 0.5, timeoutRate: 0.5 },
    {
      random: (() => {
        const draws = [0.1, 0.9, 0.1];
        return () => draws.shift()!;
      })(),
    },
  );
  try {
    const failed = order({ side: 'buy', quantity: 1 });
    const error = await venue.submit(failed).catch((e: unknown) => e);
    assert.ok(error instanceof BrokerTransientError);
    assert.equal(error.status, 503);
    assert.equal(venue.getOrder(failed.clientOrderId), undefined);
    const lost = order({ side: 'buy', quantity: 1 });
    assert.equal(await venue.submit(lost), 'swallowed');
    assert.equal(venue.getOrder(lost.clientOrderId)?.status, 'filled');
  } finally {
    venue.close();
  }
});

test('latency delays the answer; close() fails what is still in flight', async () => {
  const { venue } = market({ latencyMs: 30 });
  const started = Date.now();
  await venue.submit(order({ side: 'buy', quantity: 1 }));
  // a lower bound only (the answer waits out the latency; load can only delay it further)
  assert.ok(Date.now() - started >= 25, 'submit answered before the venue latency');
  const inFlight = venue.submit(order({ side: 'buy', quantity: 1 }));
  venue.close();
  await assert.rejects(inFlight, /paper venue closed/);
});

test('clock: open before closeAt in the venue time zone; day orders expire at the close', async () => {
  let now = Date.parse('2024-01-15T20:30:00Z'); // 15:30 in New York (EST)
  const { venue, events } = market({}, { now: () => now });
  try {
    const clock = venue.clock();
    assert.equal(clock.isOpen, true);
    assert.equal(clock.nextClose.toISOString(), '2024-01-15T21:00:00.000Z');
    assert.equal(clock.nextOpen.toISOString(), '2024-01-16T05:00:00.000Z');
    const day = order({ side: 'buy', orderType: 'limit', limitPrice: 50, timeInForce: 'day' });
    const gtc = order({ side: 'buy', orderType: 'limit', limitPrice: 50, timeInForce: 'gtc' });
    await venue.submit(day);
    await venue.submit(gtc);
    now = Date.parse('2024-01-15T21:00:00Z');
    assert.equal(venue.clock().isOpen, false);
    assert.equal(venue.clock().nextClose.toISOString(), '2024-01-16T21:00:00.000Z');
    await until('the day order to expire', () => venue.getOrder(day.clientOrderId)?.status === 'expired');
    assert.deepEqual(events(day.clientOrderId), ['pending_new', 'new', 'expired']);
    assert.equal(venue.getOrder(gtc.clientOrderId)?.status, 'new');
  } finally {
    venue.close();
  }
  const summer = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', closeAt: '15:45' }), new QuoteBoard(['X']), {
    now: () => Date.parse('2024-07-15T12:00:00Z'),
  });
  assert.equal(summer.clock().nextClose.toISOString(), '2024-07-15T19:45:00.000Z', 'EDT is UTC-4');
  summer.close();
});

test('config: defaults applied, unknown keys and bad values refused', () => {
  const config = parsePaperBrokerConfig({ type: 'paper' });
  assert.equal(config.cash, 100_000);
  assert.equal(config.requestTimeoutMs, 5000);
  assert.equal(config.closeAt, '16:00');
  assert.equal(config.timeZone, 'America/New_York');
  assert.throws(() => parsePaperBrokerConfig({ type: 'paper', latency: 5 }), /latency/);
  assert.throws(() => parsePaperBrokerConfig({ type: 'paper', failureRate: 2 }));
  assert.throws(() => parsePaperBrokerConfig({ type: 'paper', closeAt: '4pm' }), /closeAt/);
  assert.throws(() => parsePaperBrokerConfig({ type: 'paper', timeZone: 'Mars/Olympus' }), /IANA/);
});

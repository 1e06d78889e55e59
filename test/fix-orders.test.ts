// The order types of issue #13 over FIX, between salvo's FIX initiator (FixSessionOwner) and salvo's
// exchange served as a FIX acceptor (serveFix) on 127.0.0.1, the test moving the venue's quote board:
// stop (OrdType 3) and stop limit (4) with StopPx, a trailing stop refused with its reason,
// OrderCancelReplaceRequest (ExecType 5, and OrderCancelReject for an unknown or final order), and a
// bracket emulated by salvo (the exits held until the entry fills, then an OCO kept by salvo), and an
// OCO emulated the same way (both legs working at once, the first fill cancels the other).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { runTrading, type OrderInstruction } from '../src/index.js';
import { BrokerRejection, type TradeUpdate, type WireOrder } from '../src/brokers/broker.js';
import { parseFixBrokerConfig } from '../src/brokers/fix/config.js';
import { readExecReport } from '../src/fix/codec.js';
import { OrderCache } from '../src/brokers/fix/order-cache.js';
import { FixSessionOwner } from '../src/brokers/fix/session-owner.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { serveFix } from '../src/exchange/fix-acceptor.js';
import { PaperVenue } from '../src/exchange/venue.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BRK_BRACKET, ocoExit } from './helpers/orders.js';
import { until } from './helpers/until.js';
import { KEY_ID, SECRET } from './helpers/alpaca-exchange.js';
import { scriptedExchange } from './helpers/scripted-exchange.js';
import { byOrder, readLog, type OrderHistory } from './helpers/trade-log.js';

const TICKERS = ['STP', 'SLM', 'RPL', 'BRK', 'BRP', 'OCB', 'NTL'];
const board = new QuoteBoard(TICKERS);
const quote = (ticker: string, bid: number, ask: number, bidSize = 1000) =>
  board.write(board.slotOf(ticker), {
    bid,
    ask,
    bidSize,
    askSize: 1000,
    last: (bid + ask) / 2,
    timestamp: Date.now(),
  });
for (const t of TICKERS) quote(t, 99.9, 100.1);
const venue = new PaperVenue(
  parsePaperBrokerConfig({ type: 'paper', cash: 1_000_000, allowShort: true, fillAtDisplayedSize: true }),
  board,
);
const server = await serveFix(venue, { host: '127.0.0.1', port: 0, senderCompId: 'PAPER', targetCompId: '*' });
const broker = new FixSessionOwner(
  parseFixBrokerConfig({
    type: 'fix',
    host: '127.0.0.1',
    port: server.port,
    senderCompId: 'SALVO_ORDERS',
    targetCompId: 'PAPER',
    requestTimeoutMs: 3000,
  }),
);
const updates: TradeUpdate[] = [];
broker.onUpdate((u) => updates.push(u));
await broker.connect();
after(async () => {
  await broker.close();
  await server.close();
  venue.close();
});

let n = 0;
const order = (o: Partial<WireOrder> & Pick<WireOrder, 'ticker' | 'side' | 'orderType'>): WireOrder => ({
  clientOrderId: `fo-${++n}`,
  quantity: 5,
  timeInForce: 'day',
  action: o.side === 'buy' ? 'buy_long' : 'sell_long',
  ...o,
});
const last = (id: string) => updates.filter((u) => u.order.clientOrderId === id).at(-1)?.order;
const fills = (id: string) => updates.filter((u) => u.order.clientOrderId === id && u.fill).map((u) => u.fill);

/** a quote, then the venue's next look at the board (white-box: the venue's own poll cadence) */
async function lookedAt(at: { venue: PaperVenue; board: QuoteBoard }, ticker: string, bid: number, ask: number) {
  at.board.write(at.board.slotOf(ticker), { bid, ask, timestamp: Date.now() });
  const updates = at.board.updates(at.board.slotOf(ticker));
  const seen = (id: string) =>
    (at.venue as unknown as { orders: Map<string, { seenUpdates: number }> }).orders.get(id)!.seenUpdates;
  await until(
    () =>
      at.venue
        .openOrders()
        .every((o) => o.ticker !== ticker || o.status === 'held' || seen(o.clientOrderId) >= updates),
    { what: `the venue to look at ${ticker} ${bid}/${ask}` },
  );
}
const move = (ticker: string, bid: number, ask: number) => lookedAt({ venue, board }, ticker, bid, ask);

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => assert.fail('expected a refusal'),
    (x: unknown) => x,
  );
  assert.ok(e instanceof BrokerRejection, String(e));
  return e.reason;
}

test('stop (OrdType 3) and stop limit (4) carry StopPx, rest untriggered, and fill at the quote that crossed', async () => {
  const stop = order({ ticker: 'STP', side: 'buy', orderType: 'stop', stopPrice: 101 });
  const stopLimit = order({ ticker: 'SLM', side: 'sell', orderType: 'stop_limit', stopPrice: 99, limitPrice: 98.9 });
  await Promise.all([broker.submit(stop), broker.submit(stopLimit)]);
  assert.deepEqual(
    [venue.getOrder(stop.clientOrderId), venue.getOrder(stopLimit.clientOrderId)].map((s) => [
      s?.orderType,
      s?.stopPrice,
      s?.limitPrice,
      s?.status,
    ]),
    [
      ['stop', 101, undefined, 'new'],
      ['stop_limit', 99, 98.9, 'new'],
    ],
    'the venue holds both with the terms sent',
  );
  await move('STP', 100.8, 100.99);
  await move('SLM', 99.01, 99.2);
  assert.deepEqual([fills(stop.clientOrderId), fills(stopLimit.clientOrderId)], [[], []], 'a cent short: nothing');
  await move('STP', 100.9, 101.03);
  await move('SLM', 98.95, 99.1);
  await until(
    () => last(stop.clientOrderId)?.status === 'filled' && last(stopLimit.clientOrderId)?.status === 'filled',
    {
      what: 'both stops filled over FIX',
    },
  );
  assert.deepEqual(fills(stop.clientOrderId), [{ qty: 5, price: 101.03 }], 'stop buy: the first ask at or above 101');
  assert.deepEqual(
    fills(stopLimit.clientOrderId),
    [{ qty: 5, price: 98.95 }],
    'stop limit sell: bid 98.95 within 98.9',
  );
});

test('a trailing stop is refused over FIX with its reason, nothing sent; bad stop terms come back with the venue’s reason', async () => {
  const trailing = order({ ticker: 'STP', side: 'sell', orderType: 'trailing_stop', trailPercent: 5 });
  assert.match(await refusal(broker.submit(trailing)), /^trailing stops are not sent over FIX/);
  assert.equal(venue.getOrder(trailing.clientOrderId), undefined, 'never reached the venue');
  const wrongSide = order({ ticker: 'STP', side: 'buy', orderType: 'stop', stopPrice: 90 });
  assert.match(await refusal(broker.submit(wrongSide)), /stop_price 90/);
  assert.equal(last(wrongSide.clientOrderId)?.status, 'rejected');
});

test('replace (35=G): ExecType 5, the old order replaced, the new one working with its terms; unknown or final orders get OrderCancelReject', async () => {
  const resting = order({ ticker: 'RPL', side: 'buy', orderType: 'limit', limitPrice: 95, timeInForce: 'gtc' });
  await broker.submit(resting);
  const moved = {
    ...resting,
    clientOrderId: `${resting.clientOrderId}-r1`,
    limitPrice: 96,
    quantity: 4,
    replaces: resting.clientOrderId,
  };
  const ack = await broker.replace(moved);
  assert.equal(ack.status, 'new');
  const old = last(resting.clientOrderId)!;
  assert.deepEqual([old.status, old.replacedBy], ['replaced', moved.clientOrderId]);
  assert.deepEqual(
    [
      venue.getOrder(resting.clientOrderId)?.status,
      venue.getOrder(moved.clientOrderId)?.limitPrice,
      venue.getOrder(moved.clientOrderId)?.quantity,
    ],
    ['replaced', 96, 4],
  );
  assert.equal(last(moved.clientOrderId)?.status, 'new');
  // refusals, from a second counterparty on the same venue
  const peer = new FixSessionOwner(
    parseFixBrokerConfig({
      type: 'fix',
      host: '127.0.0.1',
      port: server.port,
      senderCompId: 'SALVO_RAW',
      targetCompId: 'PAPER',
    }),
  );
  const seen: TradeUpdate[] = [];
  peer.onUpdate((u) => seen.push(u));
  await peer.connect();
  try {
    const own = order({ ticker: 'RPL', side: 'buy', orderType: 'limit', limitPrice: 94 });
    await peer.submit(own);
    await peer.cancel(own.clientOrderId);
    const late = { ...own, clientOrderId: `${own.clientOrderId}-r1`, replaces: own.clientOrderId };
    assert.match(await refusal(peer.replace(late)), /not replaceable: canceled/, 'refused before sending: final');
    // the acceptor's refusal, OrderCancelReject with CxlRejResponseTo 2: another counterparty's order is
    // unknown to this one (its wire is planted in this initiator's cache, so the G goes out)
    const stranger = { ...own, clientOrderId: `${own.clientOrderId}-r2`, replaces: moved.clientOrderId };
    (peer as unknown as { cache: { sent(o: WireOrder): void } }).cache.sent({ ...moved });
    assert.match(await refusal(peer.replace(stranger)), new RegExp(`unknown order '${moved.clientOrderId}'`));
    assert.equal(seen.find((u) => u.order.clientOrderId === stranger.clientOrderId)?.order.status, 'rejected');
  } finally {
    await peer.close();
  }
  assert.equal(
    venue.getOrder(moved.clientOrderId)?.status,
    'new',
    "the refused replace left the other peer's order alone",
  );
  await broker.cancel(moved.clientOrderId);
  await until(() => last(moved.clientOrderId)?.status === 'canceled', { what: 'the replacement canceled' });
});

test('bracket over FIX, emulated: exits held until the entry fills, then placed; a take-profit fill cancels the stop-loss', async () => {
  const entry = order({ ticker: 'BRK', side: 'buy', orderType: 'market', quantity: 5 });
  const tp = order({ ticker: 'BRK', side: 'sell', orderType: 'limit', limitPrice: 102, quantity: 5 });
  const sl = order({ ticker: 'BRK', side: 'sell', orderType: 'stop', stopPrice: 98, quantity: 5 });
  await broker.submitGroup({ ...entry, orderClass: 'bracket', legs: [tp, sl] });
  await until(() => last(tp.clientOrderId)?.status === 'new' && last(sl.clientOrderId)?.status === 'new', {
    what: 'both exits placed at the venue once the entry filled',
  });
  assert.deepEqual(fills(entry.clientOrderId), [{ qty: 5, price: 100.1 }]);
  const statuses = (id: string) => updates.filter((u) => u.order.clientOrderId === id).map((u) => u.order.status);
  assert.deepEqual(statuses(tp.clientOrderId).slice(0, 3), ['held', 'pending_new', 'new'], 'held by salvo, then sent');
  assert.equal(venue.getOrder(sl.clientOrderId)?.stopPrice, 98);
  await move('BRK', 101.99, 102.2);
  assert.deepEqual(fills(tp.clientOrderId), [], 'a cent short of the take-profit');
  await move('BRK', 102.05, 102.3);
  await until(() => last(sl.clientOrderId)?.status === 'canceled', { what: 'the stop-loss canceled by salvo' });
  assert.deepEqual(fills(tp.clientOrderId), [{ qty: 5, price: 102.05 }]);
  assert.equal(last(sl.clientOrderId)?.reason, `bracket: sibling ${tp.clientOrderId} filled`);
  assert.deepEqual(
    (await broker.positions()).filter((p) => p.ticker === 'BRK'),
    [],
    'flat again',
  );
  // an entry that never fills: its exits end canceled without ever being sent
  const far = order({ ticker: 'BRK', side: 'buy', orderType: 'limit', limitPrice: 90, quantity: 2 });
  const [tp2, sl2] = [
    order({ ticker: 'BRK', side: 'sell', orderType: 'limit', limitPrice: 95, quantity: 2 }),
    order({ ticker: 'BRK', side: 'sell', orderType: 'stop', stopPrice: 85, quantity: 2 }),
  ];
  await broker.submitGroup({ ...far, orderClass: 'bracket', legs: [tp2, sl2] });
  assert.equal((await broker.getOrder(tp2.clientOrderId))?.status, 'held');
  await broker.cancel(sl2.clientOrderId); // canceling a held exit cancels the group, the entry at the venue too
  await until(() => last(far.clientOrderId)?.status === 'canceled', { what: 'the entry canceled with its group' });
  for (const id of [tp2.clientOrderId, sl2.clientOrderId]) {
    assert.equal(last(id)?.status, 'canceled', id);
    assert.equal(venue.getOrder(id), undefined, `${id} was never sent`);
  }
  assert.deepEqual(await broker.openOrders(), []);
});

test('bracket over FIX, partial fill rule: the first partial fill of an exit cancels its sibling; the exit that filled works on for the rest', async () => {
  const entry = order({ ticker: 'BRP', side: 'buy', orderType: 'market', quantity: 5 });
  const tp = order({ ticker: 'BRP', side: 'sell', orderType: 'limit', limitPrice: 102, quantity: 5 });
  const sl = order({ ticker: 'BRP', side: 'sell', orderType: 'stop', stopPrice: 98, quantity: 5 });
  await broker.submitGroup({ ...entry, orderClass: 'bracket', legs: [tp, sl] });
  await until(() => last(tp.clientOrderId)?.status === 'new' && last(sl.clientOrderId)?.status === 'new', {
    what: 'both exits placed',
  });
  quote('BRP', 102.05, 102.3, 2); // two shares shown at the bid
  await until(() => last(sl.clientOrderId)?.status === 'canceled', {
    what: 'the stop-loss canceled on the partial fill',
  });
  assert.equal(last(sl.clientOrderId)?.reason, `bracket: sibling ${tp.clientOrderId} partially filled`);
  assert.deepEqual(fills(tp.clientOrderId), [{ qty: 2, price: 102.05 }]);
  quote('BRP', 102.1, 102.3);
  await until(() => last(tp.clientOrderId)?.status === 'filled', { what: 'the take-profit filled for the rest' });
  assert.deepEqual(fills(tp.clientOrderId), [
    { qty: 2, price: 102.05 },
    { qty: 3, price: 102.1 },
  ]);
  assert.deepEqual(
    (await broker.positions()).filter((p) => p.ticker === 'BRP'),
    [],
    'flat again',
  );
});

test('OCO over FIX, emulated: both legs work at once; canceling or refusing one ends the other; a refused take-profit sends nothing; a partial fill cancels the sibling', async () => {
  const tp = order({ ticker: 'OCB', side: 'sell', orderType: 'limit', limitPrice: 102, quantity: 4 });
  const sl = order({ ticker: 'OCB', side: 'sell', orderType: 'stop', stopPrice: 98, quantity: 4 });
  await broker.submitGroup({ ...tp, orderClass: 'oco', legs: [sl] });
  await until(() => last(tp.clientOrderId)?.status === 'new' && last(sl.clientOrderId)?.status === 'new', {
    what: 'both legs working at the venue',
  });
  assert.equal(venue.getOrder(sl.clientOrderId)?.stopPrice, 98);
  await broker.cancel(sl.clientOrderId);
  await until(() => last(tp.clientOrderId)?.status === 'canceled', { what: 'the take-profit canceled with its group' });
  assert.equal(last(tp.clientOrderId)?.reason, `oco: sibling ${sl.clientOrderId} canceled`);
  assert.equal(venue.getOrder(tp.clientOrderId)?.status, 'canceled');
  for (const id of [tp.clientOrderId, sl.clientOrderId])
    assert.equal(updates.filter((u) => u.order.clientOrderId === id && u.order.status === 'canceled').length, 1, id);
  // a take-profit the venue refuses refuses the group whole: the stop-loss is never sent
  const tp2 = order({ ticker: 'OCB', side: 'sell', orderType: 'limit', limitPrice: 0, quantity: 4 });
  const sl2 = order({ ticker: 'OCB', side: 'sell', orderType: 'stop', stopPrice: 98, quantity: 4 });
  assert.equal(
    await refusal(broker.submitGroup({ ...tp2, orderClass: 'oco', legs: [sl2] })),
    'a limit order needs a positive limit_price; got 0',
  );
  assert.equal(venue.getOrder(sl2.clientOrderId), undefined, 'the stop-loss of a refused take-profit is never sent');
  // a stop-loss the venue refuses (a sell stop at or above the bid would trigger at once) ends its take-profit
  const tp3 = order({ ticker: 'OCB', side: 'sell', orderType: 'limit', limitPrice: 102, quantity: 4 });
  const sl3 = order({ ticker: 'OCB', side: 'sell', orderType: 'stop', stopPrice: 100, quantity: 4 });
  await broker.submitGroup({ ...tp3, orderClass: 'oco', legs: [sl3] });
  await until(() => last(tp3.clientOrderId)?.status === 'canceled', { what: 'the take-profit canceled' });
  assert.equal(last(sl3.clientOrderId)?.status, 'rejected');
  assert.equal(last(tp3.clientOrderId)?.reason, `oco: sibling ${sl3.clientOrderId} rejected`);
  // the partial fill rule: the first partial fill of either cancels the other; the one filling works on
  const tp4 = order({ ticker: 'OCB', side: 'sell', orderType: 'limit', limitPrice: 102, quantity: 5 });
  const sl4 = order({ ticker: 'OCB', side: 'sell', orderType: 'stop', stopPrice: 98, quantity: 5 });
  await broker.submitGroup({ ...tp4, orderClass: 'oco', legs: [sl4] });
  await until(() => last(sl4.clientOrderId)?.status === 'new', { what: 'the stop-loss working' });
  quote('OCB', 102, 102.2, 2); // two shares shown at the bid, exactly the take-profit's price
  await until(() => last(sl4.clientOrderId)?.status === 'canceled', {
    what: 'the stop-loss canceled on the partial fill',
  });
  assert.equal(last(sl4.clientOrderId)?.reason, `oco: sibling ${tp4.clientOrderId} partially filled`);
  quote('OCB', 102, 102.2);
  await until(() => last(tp4.clientOrderId)?.status === 'filled', { what: 'the take-profit filled for the rest' });
  assert.deepEqual(fills(tp4.clientOrderId), [
    { qty: 2, price: 102 },
    { qty: 3, price: 102 },
  ]);
  assert.deepEqual(await broker.openOrders(), []);
});

test('a notional order goes as CashOrderQty(152): the venue sizes it at its touch and fills fractional shares; a notional limit is refused with its reason', async () => {
  const buy = order({ ticker: 'NTL', side: 'buy', orderType: 'market', quantity: 0, notional: 250.25 });
  await broker.submit(buy);
  await until(() => last(buy.clientOrderId)?.status === 'filled', { what: 'the notional buy filled' });
  assert.deepEqual(fills(buy.clientOrderId), [{ qty: 2.5, price: 100.1 }], '250.25 at the ask 100.1');
  assert.equal(
    venue.getOrder(buy.clientOrderId)?.quantity,
    2.5,
    'sized by the venue from the money (salvo sent no OrderQty)',
  );
  assert.deepEqual(
    (await broker.positions()).filter((p) => p.ticker === 'NTL').map((p) => p.quantity),
    [2.5],
  );
  const limit = order({ ticker: 'NTL', side: 'buy', orderType: 'limit', limitPrice: 99, quantity: 0, notional: 100 });
  assert.equal(
    await refusal(broker.submit(limit)),
    'notional orders are simple market orders, time in force day; this one is limit, day: use qty',
  );
  for (const notional of [-5, 0]) {
    const bad = order({ ticker: 'NTL', side: 'buy', orderType: 'market', quantity: 0, notional });
    assert.equal(await refusal(broker.submit(bad)), `invalid notional ${notional}: must be a positive amount`);
  }
});

test('a venue that carries CumQty across a replace: the replacement counts only its own fills, positions once', () => {
  const cache = new OrderCache();
  const wire = order({ ticker: 'XYZ', side: 'buy', orderType: 'limit', limitPrice: 10, quantity: 10 });
  const next = { ...wire, clientOrderId: `${wire.clientOrderId}-r`, replaces: wire.clientOrderId };
  cache.sent(wire);
  cache.sent(next);
  const er = (tags: Record<number, unknown>) => readExecReport((tag) => tags[tag]);
  cache.apply(
    er({ 11: wire.clientOrderId, 17: 'e1', 150: 'F', 39: '1', 14: 3, 6: 10, 32: 3, 31: 10 }),
    wire.clientOrderId,
  );
  // ExecType 5 as most venues send it: OrdStatus of the replacement, CumQty of the whole chain
  const replaced = cache.replaced(
    wire.clientOrderId,
    next.clientOrderId,
    er({ 11: next.clientOrderId, 41: wire.clientOrderId, 150: '5', 39: '0', 14: 3, 6: 10 }),
  );
  assert.deepEqual(
    [replaced?.order.status, replaced?.order.filledQty, replaced?.order.replacedBy],
    ['replaced', 3, next.clientOrderId],
  );
  const u = cache.apply(
    er({ 11: next.clientOrderId, 17: 'e2', 150: 'F', 39: '2', 14: 5, 6: 10.8, 32: 2, 31: 12, 38: 5 }),
    next.clientOrderId,
  );
  assert.deepEqual([u?.order.filledQty, u?.order.filledAvgPrice, u?.order.quantity], [2, 12, 2]);
  assert.deepEqual(
    cache.positions().map((p) => [p.ticker, p.quantity, p.avgEntryPrice]),
    [['XYZ', 5, 10.8]],
  );
});

/** a session's report and its orders from the CSV, each with exactly one terminal row */
async function csvOf(session: ReturnType<typeof runTrading>) {
  const report = await session;
  const orders = [...byOrder(readLog(report.tradeLogFile)).values()];
  for (const h of orders) assert.equal(h.terminal.length, 1, `${h.id}: exactly one terminal row`);
  return { report, orders };
}

/** a session's options for a strategy trading over FIX with salvo's exchange (its quotes over the Alpaca stream), held at the end */
const overFix = (
  ex: Awaited<ReturnType<typeof scriptedExchange>>,
  first: Array<{ ticker: string }>,
  name: string,
  logs: string[],
) =>
  ({
    tickers: first.map((q) => q.ticker),
    quotes: { type: 'alpaca', url: ex.server.dataStreamUrl, keyId: KEY_ID, secretKey: SECRET },
    broker: { type: 'fix', host: '127.0.0.1', port: ex.fixPort!, senderCompId: 'SALVO', targetCompId: 'PAPER' },
    frequency: '100ms',
    eosBehavior: 'hold',
    tradeLogPath: fs.mkdtempSync(`${os.tmpdir()}/salvo-${name}-`),
    tradeLogName: name,
    handleSignals: false,
    logger: (_l: unknown, m: string) => logs.push(m),
  }) as const;

test('a strategy over FIX end to end: stops fill at the crossing quote, a trailing stop is refused in the CSV, a limit is moved then canceled, a bracket ends with one terminal row per leg', async () => {
  const first = ['STB', 'SLB', 'TRS', 'RPL', 'BRK'].map((ticker) => ({ ticker, bid: 99.9, ask: 100.1 }));
  const ex = await scriptedExchange(first, { allowShort: true }, { fix: true });
  let placed = false;
  let moved = false;
  let canceled = false;
  const logs: string[] = [];
  const session = runTrading({
    strategy: (ctx): OrderInstruction[] | undefined => {
      const { quotes, orders } = ctx.getCurrentData();
      if (!placed) {
        if (!first.every((q) => quotes[q.ticker].bid === 99.9)) return undefined;
        placed = true;
        return [
          { ticker: 'STB', quantity: 3, side: 'buy', orderType: 'stop', stopPrice: 101 },
          { ticker: 'SLB', quantity: 5, side: 'buy', orderType: 'stop_limit', stopPrice: 101, limitPrice: 101.25 },
          {
            ticker: 'TRS',
            quantity: 6,
            side: 'sell',
            orderType: 'trailing_stop',
            trailPercent: 5,
            action: 'short_sell',
          },
          { ticker: 'RPL', quantity: 10, side: 'buy', orderType: 'limit', limitPrice: 95, timeInForce: 'gtc' },
          BRK_BRACKET,
        ];
      }
      const rpl = orders.find((o) => o.ticker === 'RPL' && o.status === 'new');
      if (rpl?.limitPrice === 95 && !moved) {
        moved = true;
        return [{ replace: rpl.clientOrderId, limitPrice: 96 }];
      }
      if (rpl?.limitPrice === 96 && !canceled) {
        canceled = true;
        return [{ cancel: rpl.clientOrderId }];
      }
      return undefined;
    },
    ...overFix(ex, first, 'fix-orders', logs),
    runSeconds: 8,
  });
  const open = (ticker: string) => ex.venue.openOrders().filter((o) => o.ticker === ticker);
  try {
    await until(
      () => open('STB').length && open('SLB').length && open('BRK').length === 2 && canceled && !open('RPL').length,
      {
        what: 'the stops resting, the bracket exits placed, the limit moved and canceled',
        timeoutMs: 30_000,
        detail: () =>
          `${logs.join('\n')}\nvenue: ${JSON.stringify(ex.venue.openOrders().map((o) => [o.ticker, o.status]))} placed ${placed} moved ${moved}`,
      },
    );
    const at = { venue: ex.venue, board: ex.board };
    // within a cent of every trigger, then across, then beyond: a fill may show only the crossing quote
    await lookedAt(at, 'STB', 100.8, 100.99);
    await lookedAt(at, 'SLB', 100.8, 100.99);
    await lookedAt(at, 'BRK', 101.99, 102.2);
    await lookedAt(at, 'STB', 100.9, 101.03);
    await lookedAt(at, 'SLB', 101, 101.21);
    await lookedAt(at, 'BRK', 102.05, 102.3);
    await until(() => !open('STB').length && !open('SLB').length && !open('BRK').length, {
      what: 'the fills at the venue',
    });
    for (const t of ['STB', 'SLB', 'BRK']) ex.quote({ ticker: t, bid: 103, ask: 103.2 });
  } finally {
    // the session ends on its own clock; the exchange outlives it
    await session.finally(() => ex.close());
  }
  const { report, orders } = await csvOf(session);
  const outcome = (h: OrderHistory) => [
    h.rows[0].ticker,
    h.terminal[0].status,
    Number(h.terminal[0].executed_price),
    Number(h.terminal[0].executed_qty),
  ];
  const byTicker = (t: string) => orders.filter((h) => h.rows[0].ticker === t && !h.id.startsWith('cancel-'));
  assert.deepEqual(
    byTicker('STB').map(outcome),
    [['STB', 'filled', 101.03, 3]],
    'stop buy: the first ask at or above 101',
  );
  assert.deepEqual(
    byTicker('SLB').map(outcome),
    [['SLB', 'filled', 101.21, 5]],
    'stop limit: ask 101.21 within 101.25',
  );
  const [trs] = byTicker('TRS');
  assert.equal(trs.terminal[0].status, 'rejected');
  assert.match(trs.terminal[0].reason, /^trailing stops are not sent over FIX/);
  const [rpl1, rpl2, ...more] = byTicker('RPL');
  assert.deepEqual(more, []);
  assert.deepEqual([rpl1.terminal[0].status, rpl1.terminal[0].reason], ['canceled', `replaced by ${rpl2.id}`]);
  assert.equal(rpl2.terminal[0].status, 'canceled');
  assert.deepEqual(
    [ex.venue.getOrder(rpl1.id)?.status, ex.venue.getOrder(rpl2.id)?.limitPrice, ex.venue.getOrder(rpl2.id)?.status],
    ['replaced', 96, 'canceled'],
    'at the venue: replaced, then the replacement at 96 canceled',
  );
  const brk = byTicker('BRK');
  assert.deepEqual(brk.map(outcome), [
    ['BRK', 'filled', 100.1, 5],
    ['BRK', 'filled', 102.05, 5],
    ['BRK', 'canceled', 0, 0],
  ]);
  assert.equal(brk[2].terminal[0].reason, `bracket: sibling ${brk[1].id} filled`);
  assert.equal(report.reconciled, true);
});

test('a strategy over FIX end to end: an OCO closing a held position; the take-profit fills at its price and cancels the stop-loss, or the stop triggers and cancels the take-profit; a notional buy', async () => {
  const first = ['OTP', 'OSL', 'NTF'].map((ticker) => ({ ticker, bid: 99.9, ask: 100.1 }));
  const ex = await scriptedExchange(first, {}, { fix: true });
  const phase: Record<string, number> = { OTP: 0, OSL: 0 };
  const logs: string[] = [];
  const session = runTrading({
    strategy: (ctx): OrderInstruction[] | undefined => {
      const { quotes, positions, orders } = ctx.getCurrentData();
      const out: OrderInstruction[] = [];
      if (phase.NTF === undefined && quotes.NTF?.bid === 99.9) {
        phase.NTF = 1;
        out.push({ ticker: 'NTF', notional: 250.25, side: 'buy', orderType: 'market' });
      }
      for (const ticker of ['OTP', 'OSL']) {
        const held = positions.find((p) => p.ticker === ticker)?.quantity ?? 0;
        if (phase[ticker] === 0 && quotes[ticker]?.bid === 99.9) {
          phase[ticker] = 1;
          out.push({ ticker, quantity: 5, side: 'buy', orderType: 'market' });
        } else if (phase[ticker] === 1 && held === 5 && !orders.some((o) => o.ticker === ticker)) {
          phase[ticker] = 2;
          out.push({ ...ocoExit(ticker, 5), takeProfit: { limitPrice: 102 }, stopLoss: { stopPrice: 98 } });
        }
      }
      return out.length ? out : undefined;
    },
    ...overFix(ex, first, 'fix-oco', logs),
    runSeconds: 6,
  });
  const open = (ticker: string) => ex.venue.openOrders().filter((o) => o.ticker === ticker && o.status === 'new');
  try {
    await until(() => open('OTP').length === 2 && open('OSL').length === 2, {
      what: 'both OCOs working at the venue, each over a held position',
      timeoutMs: 30_000,
      detail: () =>
        `${logs.join('\n')}\nvenue: ${JSON.stringify(ex.venue.openOrders().map((o) => [o.ticker, o.status]))}`,
    });
    const at = { venue: ex.venue, board: ex.board };
    // a cent short of each price, then on it
    await lookedAt(at, 'OTP', 101.99, 102.2);
    await lookedAt(at, 'OSL', 98.01, 98.2);
    assert.equal(open('OTP').length + open('OSL').length, 4, 'nothing filled a cent short');
    await lookedAt(at, 'OTP', 102, 102.2);
    await lookedAt(at, 'OSL', 98, 98.2);
    await until(() => !open('OTP').length && !open('OSL').length, { what: 'one leg filled, its sibling canceled' });
  } finally {
    await session.finally(() => ex.close());
  }
  const { report, orders } = await csvOf(session);
  const outcome = (h: OrderHistory) => [
    h.rows[0].action,
    h.rows[0].parent_id ? 'leg' : 'head',
    h.terminal[0].status,
    Number(h.terminal[0].executed_price),
    Number(h.terminal[0].executed_qty),
  ];
  const byTicker = (t: string) => orders.filter((h) => h.rows[0].ticker === t);
  const [, otpTp, otpSl] = byTicker('OTP');
  assert.deepEqual(byTicker('OTP').map(outcome), [
    ['buy_long', 'head', 'filled', 100.1, 5],
    ['sell_long', 'head', 'filled', 102, 5],
    ['sell_long', 'leg', 'canceled', 0, 0],
  ]);
  assert.equal(otpSl.terminal[0].reason, `oco: sibling ${otpTp.id} filled`);
  assert.equal(otpSl.rows[0].parent_id, otpTp.id, "the stop-loss's parent is its take-profit");
  const [, oslTp, oslSl] = byTicker('OSL');
  assert.deepEqual(byTicker('OSL').map(outcome), [
    ['buy_long', 'head', 'filled', 100.1, 5],
    ['sell_long', 'head', 'canceled', 0, 0],
    ['sell_long', 'leg', 'filled', 98, 5],
  ]);
  assert.equal(oslTp.terminal[0].reason, `oco: sibling ${oslSl.id} filled`);
  assert.equal(oslSl.rows[0].parent_id, oslTp.id);
  assert.equal(ex.venue.getOrder(otpTp.id)?.limitPrice, 102, 'the take-profit at the venue as the strategy priced it');
  assert.equal(ex.venue.getOrder(oslSl.id)?.stopPrice, 98, 'the stop-loss at the venue as the strategy priced it');
  assert.deepEqual(byTicker('NTF').map(outcome), [['buy_long', 'head', 'filled', 100.1, 2.5]], 'the money at the ask');
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['NTF', 2.5]],
    'both OCO positions closed; the notional buy held',
  );
  assert.equal(report.reconciled, true);
});

// The Alpaca face with the official SDK (@alpacahq/alpaca-trade-api): order classes the venue does
// not honour are refused with 422 and a reason (never accepted as a plain order), unknown fields are
// refused rather than ignored, and stop / stop-limit / trailing-stop orders round-trip in Alpaca's
// shape and trigger on the board at the exact quote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrdersApi, trading } from '@alpacahq/alpaca-trade-api';
import { KEY_ID, SECRET } from './helpers/alpaca-exchange.js';
import { listeningTradeStream, type SdkTradeStream } from './helpers/alpaca-sdk-stream.js';
import { scriptedExchange } from './helpers/scripted-exchange.js';
import { until as waitUntil } from './helpers/until.js';

let ex: Awaited<ReturnType<typeof scriptedExchange>>;
let orders: OrdersApi;
let stream: SdkTradeStream;
const updates: Array<{
  event: string;
  id?: string;
  price?: unknown;
  order: Record<string, unknown> & { id?: string };
}> = [];

before(async () => {
  ex = await scriptedExchange([
    { ticker: 'AAPL', bid: 99.9, ask: 100.1 },
    { ticker: 'MSFT', bid: 399.9, ask: 400.1 },
  ]);
  orders = new OrdersApi(
    new trading.Configuration({ keyId: KEY_ID, secret: SECRET, basePath: ex.server.restUrl, timeoutMs: 0 }),
  );
  stream = await listeningTradeStream(ex.server.streamUrl, (u) =>
    updates.push({
      event: u.event,
      id: u.order.clientOrderId,
      price: (u as { price?: unknown }).price,
      order: u.order as Record<string, unknown>,
    }),
  );
});
after(async () => {
  stream.disconnect();
  await ex.close();
});

/** the shared wait (helpers/until.ts) in this file's argument order */
const until = (check: () => boolean, what: string, ms = 3000) =>
  waitUntil(check, { what, timeoutMs: ms, intervalMs: 5 });

const refused422 = (pattern: RegExp) => (e: Error & { status?: number }) => {
  assert.equal(e.status, 422, `expected 422, got ${e.status}: ${e.message}`);
  assert.match(e.message, pattern);
  return true;
};

test('what the venue does not honour is refused with 422 naming it; nothing is created', async () => {
  const before = ex.server.orders().length;
  await assert.rejects(
    orders.submit({ symbol: 'AAPL', qty: 1, side: 'buy', type: 'market', timeInForce: 'day', orderClass: 'mleg' }),
    refused422(/order_class "mleg" is not supported/),
  );
  await assert.rejects(
    orders.submit({
      symbol: 'AAPL',
      qty: 1,
      side: 'buy',
      type: 'market',
      timeInForce: 'day',
      stopLoss: { stopPrice: 90 },
    }),
    refused422(/stop_loss needs order_class bracket, oco or oto/),
    'legs without a class are refused, not dropped',
  );
  await assert.rejects(
    orders.submit({
      symbol: 'AAPL',
      notional: 100,
      side: 'buy',
      type: 'limit',
      limitPrice: 90,
      timeInForce: 'day',
    } as never),
    refused422(/notional orders are simple market orders, time in force day; this one is limit, day: use qty/),
  );
  await assert.rejects(
    orders.submit({ symbol: 'AAPL', qty: 1, notional: 100, side: 'buy', type: 'market', timeInForce: 'day' } as never),
    refused422(/qty and notional cannot both be given/),
  );
  await assert.rejects(
    orders.limit({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 90, extendedHours: true }),
    refused422(/extended_hours/),
  );
  await assert.rejects(
    orders.bracket({
      symbol: 'AAPL',
      qty: 1,
      side: 'buy',
      takeProfit: { limitPrice: 99 },
      stopLoss: { stopPrice: 90 },
    }),
    refused422(/take_profit.limit_price 99 must be above the entry's price 100.1/),
  );
  assert.equal(ex.server.orders().length, before, 'no order reached the venue');
  assert.equal(ex.venue.openOrders().length, 0);
});

test('bracket through the SDK: legs in the answer (held), activated by the entry fill, the stop-loss triggers and cancels the take-profit', async () => {
  const placed = await orders.bracket({
    symbol: 'AAPL',
    qty: 2,
    side: 'buy',
    takeProfit: { limitPrice: 110 },
    stopLoss: { stopPrice: 95 },
    clientOrderId: 'sdk-br-1',
  });
  assert.equal(placed.orderClass, 'bracket');
  assert.deepEqual(
    placed.legs?.map((l) => [l.type, l.side, l.limitPrice ?? null, l.stopPrice ?? null]),
    [
      ['limit', 'sell', '110', null],
      ['stop', 'sell', null, '95'],
    ],
  );
  const [tp, sl] = placed.legs!;
  await until(() => updates.some((u) => u.order.id === sl.id && u.event === 'new'), 'the stop-loss leg to work');
  ex.quote({ ticker: 'AAPL', bid: 94.9, ask: 95.1 });
  await until(() => updates.some((u) => u.order.id === sl.id && u.event === 'fill'), 'the stop-loss fill');
  assert.equal(Number(updates.find((u) => u.order.id === sl.id && u.event === 'fill')!.price), 94.9);
  await until(() => updates.some((u) => u.order.id === tp.id && u.event === 'canceled'), 'the take-profit canceled');
  const after = await orders.getOrderByClientOrderId({ clientOrderId: 'sdk-br-1' });
  assert.deepEqual(
    after.legs?.map((l) => l.status),
    ['canceled', 'filled'],
  );
  ex.quote({ ticker: 'AAPL', bid: 99.9, ask: 100.1 });
});

test('OCO and OTO through the SDK', async () => {
  await orders.market({ symbol: 'AAPL', qty: 3, side: 'buy' });
  const oco = await orders.oco({
    symbol: 'AAPL',
    qty: 3,
    side: 'sell',
    takeProfit: { limitPrice: 104 },
    stopLoss: { stopPrice: 96, limitPrice: 95.5 },
  });
  assert.deepEqual(
    [oco.orderClass, oco.type, oco.limitPrice, oco.status, oco.legs?.[0].type, oco.legs?.[0].status],
    ['oco', 'limit', '104', 'new', 'stop_limit', 'new'],
  );
  ex.quote({ ticker: 'AAPL', bid: 104, ask: 104.2 });
  await until(() => updates.some((u) => u.order.id === oco.id && u.event === 'fill'), 'the take-profit fill');
  await until(
    () => updates.some((u) => u.order.id === oco.legs![0].id && u.event === 'canceled'),
    'the stop-loss canceled',
  );
  const oto = await orders.oto({ symbol: 'AAPL', qty: 1, side: 'buy', limitPrice: 103, stopLoss: { stopPrice: 100 } });
  assert.deepEqual([oto.orderClass, oto.legs?.[0].status], ['oto', 'held']);
  ex.quote({ ticker: 'AAPL', bid: 102.8, ask: 103 });
  await until(
    () => updates.some((u) => u.order.id === oto.legs![0].id && u.event === 'new'),
    'the OTO leg to work once the entry filled',
  );
  await orders.deleteOrderByOrderID({ orderId: oto.legs![0].id! });
  ex.quote({ ticker: 'AAPL', bid: 99.9, ask: 100.1 });
});

test('an unknown field in the order body is refused, not ignored', async () => {
  const res = await fetch(`${ex.server.restUrl}/v2/orders`, {
    method: 'POST',
    headers: { 'APCA-API-KEY-ID': KEY_ID, 'APCA-API-SECRET-KEY': SECRET, 'content-type': 'application/json' },
    body: JSON.stringify({
      symbol: 'AAPL',
      qty: '1',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      take_profitt: { limit_price: '110' },
    }),
  });
  assert.equal(res.status, 422);
  assert.match(((await res.json()) as { message: string }).message, /unsupported field 'take_profitt'/);
  assert.equal(ex.venue.openOrders().length, 0);
});

test('stop buy: Alpaca-shaped answer, rests, triggers on the first ask at or above the stop and fills there', async () => {
  const placed = await orders.stop({
    symbol: 'AAPL',
    qty: 2,
    side: 'buy',
    stopPrice: 101,
    clientOrderId: 'sdk-stop-1',
  });
  assert.equal(placed.type, 'stop');
  assert.equal(placed.stopPrice, '101');
  assert.equal(placed.limitPrice ?? null, null);
  assert.equal(placed.status, 'new');
  ex.quote({ ticker: 'AAPL', bid: 100.7, ask: 100.99 });
  ex.quote({ ticker: 'AAPL', bid: 100.9, ask: 101.02 });
  await until(() => updates.some((u) => u.id === 'sdk-stop-1' && u.event === 'fill'), 'the stop fill');
  const fill = updates.find((u) => u.id === 'sdk-stop-1' && u.event === 'fill')!;
  assert.equal(Number(fill.price), 101.02);
  assert.equal(fill.order.stopPrice, '101');
  const after = await orders.getOrderByClientOrderId({ clientOrderId: 'sdk-stop-1' });
  assert.equal(after.status, 'filled');
  assert.equal(after.filledAvgPrice, '101.02');
});

test('stop-limit and trailing stop round-trip their terms; the trailing stop reports its moving stop and hwm', async () => {
  const sl = await orders.stopLimit({
    symbol: 'MSFT',
    qty: 1,
    side: 'sell',
    stopPrice: 390,
    limitPrice: 389,
    clientOrderId: 'sdk-sl-1',
    timeInForce: 'gtc',
  });
  assert.deepEqual([sl.type, sl.stopPrice, sl.limitPrice, sl.timeInForce], ['stop_limit', '390', '389', 'gtc']);
  const ts = await orders.trailingStop({
    symbol: 'MSFT',
    qty: 1,
    side: 'sell',
    trailPercent: 1,
    clientOrderId: 'sdk-ts-1',
  });
  assert.deepEqual([ts.type, ts.trailPercent, ts.hwm, ts.stopPrice], ['trailing_stop', '1', '399.9', '395.901']);
  ex.quote({ ticker: 'MSFT', bid: 410, ask: 410.2 });
  await until(
    () => updates.some((u) => u.id === 'sdk-ts-1' && u.event === 'fill') || ex.venue.getOrder('sdk-ts-1')?.hwm === 410,
    'the trail to follow',
  );
  const moved = await orders.getOrderByClientOrderId({ clientOrderId: 'sdk-ts-1' });
  assert.deepEqual([moved.hwm, moved.stopPrice, moved.status], ['410', '405.9', 'new']);
  ex.quote({ ticker: 'MSFT', bid: 405.8, ask: 406 });
  await until(() => updates.some((u) => u.id === 'sdk-ts-1' && u.event === 'fill'), 'the trailing stop fill');
  assert.equal(Number(updates.find((u) => u.id === 'sdk-ts-1' && u.event === 'fill')!.price), 405.8);
  assert.equal(
    (await orders.getOrderByClientOrderId({ clientOrderId: 'sdk-sl-1' })).status,
    'new',
    'the stop-limit at 390 is untouched',
  );
  await assert.rejects(
    orders.stop({ symbol: 'MSFT', qty: 1, side: 'sell', stopPrice: 406 }),
    refused422(/must be below the bid 405.8/),
  );
  await assert.rejects(
    orders.trailingStop({ symbol: 'MSFT', qty: 1, side: 'sell', trailPercent: 100 }),
    refused422(/above 0 and below 100/),
  );
});

test('a notional market buy through the SDK: answered with notional and no qty, filled in fractional shares at the ask', async () => {
  ex.quote({ ticker: 'MSFT', bid: 399.9, ask: 400.1 });
  const placed = (await orders.market({ symbol: 'MSFT', notional: 1000, side: 'buy' } as never)) as unknown as {
    id: string;
    notional: string | null;
    qty: string | null;
  };
  assert.deepEqual([placed.notional, placed.qty ?? null], ['1000', null], 'the SDK drops a null qty');
  await until(() => updates.some((u) => u.order.id === placed.id && u.event === 'fill'), 'the notional fill');
  const fill = updates.find((u) => u.order.id === placed.id && u.event === 'fill')!;
  // 1000 / 400.1 shares, to a billionth of a share
  assert.deepEqual([fill.order.filledQty ?? fill.order.filled_qty, fill.price].map(String), ['2.499375156', '400.1']);
});

// The paper exchange's Alpaca server checked with Alpaca's own client, @alpacahq/alpaca-trade-api:
// if the vendor's SDK can trade, list, look up, cancel and stream against it, the server speaks
// Alpaca's API the way Alpaca's clients expect it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { until as waitUntil } from './helpers/until.js';
import { randomUUID } from 'node:crypto';
import { OrdersApi, streaming, trading, type RateLimitError } from '@alpacahq/alpaca-trade-api';
import { KEY_ID, SECRET, quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';

const TICKERS = ['AAPL', 'MSFT', 'NVDA'];
let ex: TestExchange;
let config: InstanceType<typeof trading.Configuration>;

before(async () => {
  ex = await startAlpacaExchange({ tickers: TICKERS, venue: { cash: 100_000 } });
  await quoted(ex.board);
  config = new trading.Configuration({ keyId: KEY_ID, secret: SECRET, basePath: ex.server.restUrl, timeoutMs: 0 });
});
after(async () => {
  await ex.close();
});

/** the shared wait (helpers/until.ts) in this file's argument order */
const until = (check: () => boolean, what: string, ms = 10_000) =>
  waitUntil(check, { what, timeoutMs: ms, intervalMs: 10 });

test('SDK trading stream + orders: create, list, get by client order id, cancel, trade_updates', async () => {
  const stream = new streaming.TradingStream({
    url: ex.server.streamUrl,
    credentials: { keyId: KEY_ID, secret: SECRET },
    reconnect: false,
  });
  const updates: Array<{ event: string; clientOrderId?: string; status?: string; filledQty?: string }> = [];
  stream.onTradeUpdate((u) =>
    updates.push({
      event: u.event,
      clientOrderId: u.order.clientOrderId,
      status: u.order.status,
      filledQty: u.order.filledQty as string | undefined,
    }),
  );
  let listening: string[] = [];
  stream.on('subscription', (streams: string[]) => {
    listening = streams;
  });
  stream.onConnect(() => stream.subscribeTradeUpdates());
  stream.connect();
  try {
    assert.equal(await stream.waitForAuthentication(3000), true, 'the SDK authenticated on the trade stream');
    await until(() => listening.includes('trade_updates'), 'listening');

    const orders = new OrdersApi(config);
    const marketId = `sdk-${randomUUID().slice(0, 8)}`;
    const placed = await orders.market({ symbol: 'AAPL', qty: 3, side: 'buy', clientOrderId: marketId });
    assert.equal(placed.clientOrderId, marketId);
    assert.equal(placed.symbol, 'AAPL');
    assert.ok(placed.id && placed.createdAt instanceof Date && !Number.isNaN(placed.createdAt.getTime()));
    await until(
      () => updates.some((u) => u.clientOrderId === marketId && u.event === 'fill'),
      'fill of the market order',
    );
    const filled = await orders.getOrderByClientOrderId({ clientOrderId: marketId });
    assert.equal(filled.status, 'filled');
    assert.equal(Number(filled.filledQty), 3);
    assert.ok(Number(filled.filledAvgPrice) > 0);

    const bid = ex.board.read(ex.board.slotOf('MSFT')).bid;
    const limitId = `sdk-${randomUUID().slice(0, 8)}`;
    const resting = await orders.limit({
      symbol: 'MSFT',
      qty: 2,
      side: 'buy',
      limitPrice: Math.round(bid * 50) / 100,
      timeInForce: 'gtc',
      clientOrderId: limitId,
    });
    assert.equal(resting.type, 'limit');
    assert.equal(resting.timeInForce, 'gtc');
    const open = await orders.getAllOrders({ status: 'open' });
    assert.ok(
      open.some((o) => o.clientOrderId === limitId),
      'the resting order is listed as open',
    );
    assert.ok(!open.some((o) => o.clientOrderId === marketId), 'the filled one is not');
    const all = await orders.getAllOrders({ status: 'all', direction: 'asc', limit: 500 });
    assert.deepEqual(
      all.map((o) => o.clientOrderId).filter((id) => id === marketId || id === limitId),
      [marketId, limitId],
    );
    const byId = await orders.getOrderByOrderID({ orderId: resting.id! });
    assert.equal(byId.clientOrderId, limitId);

    await orders.deleteOrderByOrderID({ orderId: resting.id! });
    await until(() => updates.some((u) => u.clientOrderId === limitId && u.event === 'canceled'), 'canceled update');
    assert.equal((await orders.getOrderByClientOrderId({ clientOrderId: limitId })).status, 'canceled');
    await assert.rejects(
      orders.deleteOrderByOrderID({ orderId: resting.id! }),
      (e: { status?: number }) => e.status === 422,
      'a canceled order is not cancelable',
    );

    const events = updates.filter((u) => u.clientOrderId === marketId).map((u) => u.event);
    assert.deepEqual(events, ['pending_new', 'new', 'fill']);
  } finally {
    stream.disconnect();
  }
});

test('SDK sees Alpaca-shaped errors: duplicate id, buying power, unknown order, bad credentials', async () => {
  const orders = new OrdersApi(config);
  const id = `dup-${randomUUID().slice(0, 8)}`;
  await orders.market({ symbol: 'NVDA', qty: 1, side: 'buy', clientOrderId: id });
  await assert.rejects(
    orders.market({ symbol: 'NVDA', qty: 1, side: 'buy', clientOrderId: id }),
    (e: Error & { status?: number }) =>
      e.name === 'ValidationError' && e.status === 422 && /client_order_id must be unique/.test(e.message),
  );
  await assert.rejects(
    orders.market({ symbol: 'NVDA', qty: 1_000_000, side: 'buy' }),
    (e: Error & { status?: number; code?: number }) =>
      e.name === 'PermissionError' &&
      e.status === 403 &&
      e.code === 40310000 &&
      /insufficient buying power/.test(e.message),
  );
  await assert.rejects(
    orders.getOrderByClientOrderId({ clientOrderId: 'no-such-order' }),
    (e: Error) => e.name === 'NotFoundError',
  );
  const wrong = new OrdersApi(
    new trading.Configuration({ keyId: KEY_ID, secret: 'wrong', basePath: ex.server.restUrl, timeoutMs: 0 }),
  );
  await assert.rejects(
    wrong.getAllOrders(),
    (e: Error & { status?: number }) => e.name === 'AuthError' && e.status === 401,
  );
});

test('SDK account, positions, clock and calendar', async () => {
  const account = await new trading.AccountsApi(config).getAccount();
  assert.equal(account.status, 'ACTIVE');
  assert.ok(Number(account.cash) > 0 && Number(account.buyingPower) > 0);
  // a position of its own, whatever earlier tests left on the shared exchange
  const positionsApi = new trading.PositionsApi(config);
  const held = async () =>
    Number((await positionsApi.getAllOpenPositions()).find((p) => p.symbol === 'NVDA')?.qty ?? 0);
  const before = await held();
  await new OrdersApi(config).market({
    symbol: 'NVDA',
    qty: 4,
    side: 'buy',
    clientOrderId: `sdk-${randomUUID().slice(0, 8)}`,
  });
  await waitUntil(async () => (await held()) === before + 4, { what: 'the NVDA buy in the positions' });
  const positions = await positionsApi.getAllOpenPositions();
  const nvda = positions.find((p) => p.symbol === 'NVDA');
  assert.ok(nvda && Number(nvda.qty) === before + 4 && nvda.side === 'long', JSON.stringify(positions));
  const clock = await new trading.ClockApi(config).legacyClock();
  assert.equal(typeof clock.isOpen, 'boolean');
  assert.ok(clock.nextClose instanceof Date && clock.nextClose.getTime() > Date.now() - 86_400_000);
  const days = await new trading.CalendarApi(config).legacyCalendar({
    start: new Date('2025-03-03'),
    end: new Date('2025-03-05'),
  });
  assert.deepEqual(
    days.map((d) => d.date.toISOString().slice(0, 10)),
    ['2025-03-03', '2025-03-04', '2025-03-05'],
  );
  assert.ok(days.every((d) => /^\d\d:\d\d$/.test(d.close)));
});

test('SDK rate limit view: X-RateLimit-* headers and a 429 with retry time', async () => {
  const limited = await startAlpacaExchange({ tickers: ['AAPL'], server: { ordersPerMinute: 3 } });
  try {
    await quoted(limited.board);
    const orders = new OrdersApi(
      new trading.Configuration({ keyId: KEY_ID, secret: SECRET, basePath: limited.server.restUrl, timeoutMs: 0 }),
    );
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await orders.postOrderRaw({
        postOrderRequest: { symbol: 'AAPL', qty: '1', side: 'buy', type: 'market', timeInForce: 'day' } as never,
      });
      seen.push(Number(r.raw.headers.get('X-RateLimit-Remaining')));
      assert.equal(r.raw.headers.get('X-RateLimit-Limit'), '3');
    }
    assert.deepEqual(seen, [2, 1, 0]);
    await assert.rejects(
      orders.market({ symbol: 'AAPL', qty: 1, side: 'buy' }),
      (e: RateLimitError) =>
        e.name === 'RateLimitError' &&
        e.status === 429 &&
        e.rateLimit?.remaining === 0 &&
        (e.retryAfterMs ?? -1) >= 0 &&
        (e.retryAfterMs ?? 99_999) <= 21_000,
    );
  } finally {
    await limited.close();
  }
});

test('SDK market-data stream (msgpack) gets quotes and trades from the board', async () => {
  const stocks = new streaming.StockDataStream({
    url: ex.server.dataStreamUrl,
    credentials: { keyId: KEY_ID, secret: SECRET },
    reconnect: false,
  });
  const quotes: Array<{ symbol: string; bidPrice: number; askPrice: number; timestamp: Date }> = [];
  const trades: Array<{ symbol: string; price: number }> = [];
  stocks.onQuote((q) => quotes.push(q as never));
  stocks.onTrade((t) => trades.push(t as never));
  stocks.onConnect(() => {
    stocks.subscribeForQuotes(['AAPL', 'MSFT']);
    stocks.subscribeForTrades(['AAPL']);
  });
  stocks.connect();
  try {
    assert.equal(await stocks.waitForAuthentication(3000), true);
    await until(
      () => new Set(quotes.map((q) => q.symbol)).size === 2 && trades.length > 0,
      'quotes for both tickers and a trade',
    );
    for (const q of quotes) {
      assert.ok(q.bidPrice > 0 && q.askPrice >= q.bidPrice, JSON.stringify(q));
      assert.ok(Math.abs(q.timestamp.getTime() - Date.now()) < 60_000, 'timestamp decoded from msgpack');
    }
    assert.ok(
      quotes.every((q) => q.symbol !== 'NVDA'),
      'only subscribed tickers',
    );
    assert.ok(trades.every((t) => t.symbol === 'AAPL' && t.price > 0));
  } finally {
    stocks.disconnect();
  }
});

// The Alpaca endpoints a real client calls besides placing orders, with the official SDK: assets,
// closing positions by DELETE (all, ?qty=, ?percentage=), replacing an order by PATCH, account
// activities, portfolio history, account configurations and watchlists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OrdersApi, trading } from '@alpacahq/alpaca-trade-api';
import { KEY_ID, SECRET } from './helpers/alpaca-exchange.js';
import { listeningTradeStream, type SdkTradeStream } from './helpers/alpaca-sdk-stream.js';
import { scriptedExchange } from './helpers/scripted-exchange.js';

let ex: Awaited<ReturnType<typeof scriptedExchange>>;
let config: InstanceType<typeof trading.Configuration>;
let stream: SdkTradeStream;
const events: Array<{ event: string; id?: string }> = [];

before(async () => {
  ex = await scriptedExchange(
    [
      { ticker: 'AAPL', bid: 99.9, ask: 100.1 },
      { ticker: 'MSFT', bid: 399.9, ask: 400.1 },
    ],
    { allowShort: false },
  );
  config = new trading.Configuration({ keyId: KEY_ID, secret: SECRET, basePath: ex.server.restUrl, timeoutMs: 0 });
  stream = await listeningTradeStream(ex.server.streamUrl, (u) => events.push({ event: u.event, id: u.order.id }));
});
after(async () => {
  stream.disconnect();
  await ex.close();
});

const status = (n: number) => (e: Error & { status?: number }) => e.status === n;

test("assets: the venue's symbols, by symbol or id; an unknown one is 404", async () => {
  const assets = new trading.AssetsApi(config);
  const all = await assets.getV2Assets({ status: 'active' });
  assert.deepEqual(
    all.map((a) => a.symbol),
    ['AAPL', 'MSFT'],
  );
  const aapl = await assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'AAPL' });
  assert.deepEqual([aapl.symbol, aapl.tradable, aapl.shortable, aapl.status], ['AAPL', true, false, 'active']);
  assert.equal((await assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: aapl.id })).symbol, 'AAPL');
  await assert.rejects(assets.getV2AssetsSymbolOrAssetId({ symbolOrAssetId: 'TSLA' }), status(404));
});

test('DELETE positions: ?percentage=, ?qty=, too much (403), then everything; each close is a market order on the other side', async () => {
  const orders = new OrdersApi(config);
  const positions = new trading.PositionsApi(config);
  await orders.market({ symbol: 'AAPL', qty: 10, side: 'buy' });
  await orders.market({ symbol: 'MSFT', qty: 3, side: 'buy' });
  const half = await positions.deleteOpenPosition({ symbolOrAssetId: 'AAPL', percentage: 50 });
  assert.deepEqual([half.side, half.qty, half.type, half.symbol], ['sell', '5', 'market', 'AAPL']);
  const two = await positions.deleteOpenPosition({ symbolOrAssetId: 'AAPL', qty: 2 });
  assert.equal(two.qty, '2');
  assert.equal((await positions.getOpenPosition({ symbolOrAssetId: 'AAPL' })).qty, '3');
  await assert.rejects(
    positions.deleteOpenPosition({ symbolOrAssetId: 'AAPL', qty: 4 }),
    status(403),
    'never more than is held',
  );
  await assert.rejects(positions.deleteOpenPosition({ symbolOrAssetId: 'AAPL', qty: 1, percentage: 10 }), status(422));
  const closed = await positions.deleteAllOpenPositions({ cancelOrders: true });
  assert.deepEqual(closed.map((c) => [c.symbol, c.status, c.body?.qty, c.body?.side]).sort(), [
    ['AAPL', 200, '3', 'sell'],
    ['MSFT', 200, '3', 'sell'],
  ]);
  assert.deepEqual(await positions.getAllOpenPositions(), []);
  await assert.rejects(positions.deleteOpenPosition({ symbolOrAssetId: 'AAPL' }), status(404));
});

test('PATCH replace: a new order id, replaces / replaced_by both ways, a replaced update; a final order cannot be replaced', async () => {
  const orders = new OrdersApi(config);
  const first = await orders.limit({ symbol: 'MSFT', qty: 2, side: 'buy', limitPrice: 390, timeInForce: 'gtc' });
  const second = await orders.patchOrderByOrderId({
    orderId: first.id!,
    patchOrderRequest: { limitPrice: '391', qty: '3', clientOrderId: 'moved-1' },
  });
  assert.notEqual(second.id, first.id);
  assert.deepEqual(
    [second.clientOrderId, second.limitPrice, second.qty, second.replaces, second.timeInForce, second.status],
    ['moved-1', '391', '3', first.id, 'gtc', 'new'],
  );
  const old = await orders.getOrderByOrderID({ orderId: first.id! });
  assert.deepEqual([old.status, old.replacedBy], ['replaced', second.id]);
  assert.ok(old.replacedAt instanceof Date);
  const deadline = Date.now() + 3000;
  while (!events.some((e) => e.id === first.id && e.event === 'replaced')) {
    if (Date.now() > deadline) assert.fail('no replaced update on the trade stream');
    await new Promise((r) => setTimeout(r, 5));
  }
  await assert.rejects(
    orders.patchOrderByOrderId({ orderId: first.id!, patchOrderRequest: { limitPrice: '392' } }),
    status(422),
  );
  await assert.rejects(
    orders.patchOrderByOrderId({ orderId: 'no-such-id', patchOrderRequest: { limitPrice: '392' } }),
    status(404),
  );
  await orders.deleteOrderByOrderID({ orderId: second.id! });
});

test('activities list every fill; portfolio history follows equity; configurations are fixed; watchlists round-trip', async () => {
  const activities = await new trading.AccountActivitiesApi(config).getAccountActivities({ direction: 'asc' });
  assert.ok(activities.length >= 6, `fills so far: ${activities.length}`);
  assert.deepEqual(
    activities.slice(0, 2).map((a) => [a.activityType, a.symbol, a.side, a.qty, a.price]),
    [
      ['FILL', 'AAPL', 'buy', '10', '100.1'],
      ['FILL', 'MSFT', 'buy', '3', '400.1'],
    ],
  );
  assert.equal(
    (await new trading.AccountActivitiesApi(config).getAccountActivitiesByActivityType({ activityType: 'DIV' })).length,
    0,
  );
  const history = await new trading.PortfolioHistoryApi(config).getAccountPortfolioHistory({});
  assert.equal(history.equity!.length, history.timestamp!.length);
  assert.equal(history.baseValue, 1_000_000);
  assert.equal(history.equity!.length, activities.length + 2, 'the start, one point per fill, and now');
  const configs = new trading.AccountConfigurationsApi(config);
  assert.equal((await configs.getAccountConfig()).noShorting, true);
  await assert.rejects(configs.patchAccountConfig({ accountConfigurations: { noShorting: false } }), status(422));
  const lists = new trading.WatchlistsApi(config);
  const w = await lists.postWatchlist({ createWatchlistRequest: { name: 'tech', symbols: ['AAPL'] } });
  await lists.addAssetToWatchlist({ watchlistId: w.id, addAssetToWatchlistRequest: { symbol: 'MSFT' } });
  assert.deepEqual(
    (await lists.getWatchlistById({ watchlistId: w.id })).assets?.map((a) => a.symbol),
    ['AAPL', 'MSFT'],
  );
  assert.deepEqual(
    (await lists.getWatchlists()).map((x) => x.name),
    ['tech'],
  );
  await assert.rejects(
    lists.postWatchlist({ createWatchlistRequest: { name: 'bad', symbols: ['TSLA'] } }),
    status(422),
  );
  await lists.deleteWatchlistById({ watchlistId: w.id });
  assert.deepEqual(await lists.getWatchlists(), []);
});

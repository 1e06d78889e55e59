// salvo's Alpaca adapter with the new order types: a stop and a trailing stop go out in Alpaca's
// fields, trigger at the paper venue on the scripted board, and a replace goes out as PATCH and
// comes back as salvo's 'replaced' update for the old order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlpacaBrokerConfig } from '../src/brokers/alpaca/config.js';
import { alpacaDriver } from '../src/brokers/alpaca/driver.js';
import type { AlpacaBroker } from '../src/brokers/alpaca/alpaca-broker.js';
import type { TradeUpdate, WireOrder } from '../src/brokers/broker.js';
import { KEY_ID, SECRET } from './helpers/alpaca-exchange.js';
import { scriptedExchange } from './helpers/scripted-exchange.js';

let ex: Awaited<ReturnType<typeof scriptedExchange>>;
let broker: AlpacaBroker;
const updates: TradeUpdate[] = [];

before(async () => {
  ex = await scriptedExchange([{ ticker: 'AAPL', bid: 99.9, ask: 100.1 }]);
  broker = alpacaDriver.create(
    parseAlpacaBrokerConfig({
      type: 'alpaca',
      baseUrl: ex.server.restUrl,
      streamUrl: ex.server.streamUrl,
      keyId: KEY_ID,
      secretKey: SECRET,
    }),
    { workerId: 0 },
  ) as AlpacaBroker;
  broker.onUpdate((u) => updates.push(u));
  await broker.connect();
});
after(async () => {
  await broker.close();
  await ex.close();
});

const order = (o: Partial<WireOrder>): WireOrder => ({
  clientOrderId: `a-${Math.random().toString(16).slice(2, 10)}`,
  ticker: 'AAPL',
  quantity: 4,
  side: 'buy',
  orderType: 'market',
  timeInForce: 'day',
  action: 'buy_long',
  ...o,
});
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const fillOf = (id: string) => updates.find((u) => u.order.clientOrderId === id && u.event === 'fill')?.fill;

test('stop buy and trailing stop sell through the adapter trigger at the exact quote; replace goes out as PATCH', async () => {
  const stop = order({ orderType: 'stop', stopPrice: 101, timeInForce: 'gtc' });
  await broker.submit(stop);
  assert.equal(ex.venue.getOrder(stop.clientOrderId)?.stopPrice, 101);
  const moved = order({
    orderType: 'stop',
    stopPrice: 100.5,
    quantity: 5,
    timeInForce: 'gtc',
    replaces: stop.clientOrderId,
  });
  const ack = await broker.replace(moved);
  assert.equal(ack.status, 'new');
  await until(
    () => updates.some((u) => u.order.clientOrderId === stop.clientOrderId && u.order.status === 'replaced'),
    'the replaced update',
  );
  assert.deepEqual(
    ex.venue.openOrders().map((o) => [o.clientOrderId, o.stopPrice, o.quantity]),
    [[moved.clientOrderId, 100.5, 5]],
  );
  ex.quote({ ticker: 'AAPL', bid: 100.3, ask: 100.49 });
  ex.quote({ ticker: 'AAPL', bid: 100.4, ask: 100.52 });
  await until(() => fillOf(moved.clientOrderId) !== undefined, 'the stop fill');
  assert.deepEqual(fillOf(moved.clientOrderId), { qty: 5, price: 100.52 });

  const trail = order({ side: 'sell', action: 'sell_long', orderType: 'trailing_stop', trailPrice: 1, quantity: 5 });
  await broker.submit(trail);
  ex.quote({ ticker: 'AAPL', bid: 103, ask: 103.2 });
  await until(() => ex.venue.getOrder(trail.clientOrderId)?.stopPrice === 102, 'the trail to move up');
  ex.quote({ ticker: 'AAPL', bid: 101.95, ask: 102.1 });
  await until(() => fillOf(trail.clientOrderId) !== undefined, 'the trailing stop fill');
  assert.deepEqual(fillOf(trail.clientOrderId), { qty: 5, price: 101.95 });
});

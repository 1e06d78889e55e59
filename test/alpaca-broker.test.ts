// salvo's Alpaca adapter against the paper exchange's Alpaca server on 127.0.0.1: the Broker seam
// end to end over real HTTP and websockets, including the failures it has to survive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { until as waitUntil } from './helpers/until.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseAlpacaBrokerConfig } from '../src/brokers/alpaca/config.js';
import { alpacaDriver } from '../src/brokers/alpaca/driver.js';
import type { AlpacaBroker } from '../src/brokers/alpaca/alpaca-broker.js';
import { resolveCredentials } from '../src/util/credentials.js';
import {
  BrokerConnectError,
  BrokerRejection,
  BrokerTimeoutError,
  BrokerTransientError,
  type RateLimitInfo,
  type TradeUpdate,
  type WireOrder,
} from '../src/brokers/broker.js';
import { submitWithRetry } from '../src/execution/submit-with-retry.js';
import { runTrading } from '../src/index.js';
import { KEY_ID, SECRET, quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';

const TICKERS = ['AAPL', 'MSFT', 'NVDA'];
let ex: TestExchange;
const brokers: AlpacaBroker[] = [];

before(async () => {
  ex = await startAlpacaExchange({ tickers: TICKERS, venue: { cash: 1_000_000 } });
  await quoted(ex.board);
});
after(async () => {
  await Promise.all(brokers.map((b) => b.close()));
  await ex.close();
});

const id = (tag = 'buy_long-1') => `${tag}-${randomBytes(4).toString('hex')}`;
const market = (ticker: string, quantity: number, side: 'buy' | 'sell' = 'buy'): WireOrder => ({
  clientOrderId: id(),
  ticker,
  quantity,
  side,
  orderType: 'market',
  timeInForce: 'day',
  action: side === 'buy' ? 'buy_long' : 'sell_long',
});
const farLimit = (e: TestExchange, ticker: string): WireOrder => {
  const bid = e.board.read(e.board.slotOf(ticker)).bid;
  return { ...market(ticker, 1), orderType: 'limit', limitPrice: Math.round(bid * 50) / 100, timeInForce: 'gtc' };
};

async function broker(e: TestExchange, workerId: number, extra: Record<string, unknown> = {}): Promise<AlpacaBroker> {
  const b = alpacaDriver.create(
    parseAlpacaBrokerConfig({
      type: 'alpaca',
      baseUrl: e.server.restUrl,
      streamUrl: e.server.streamUrl,
      keyId: KEY_ID,
      secretKey: SECRET,
      ...extra,
    }),
    { workerId },
  ) as AlpacaBroker;
  brokers.push(b);
  return b;
}

/** the shared wait (helpers/until.ts) in this file's argument order */
const until = (check: () => boolean, what: string, ms = 10_000) =>
  waitUntil(check, { what, timeoutMs: ms, intervalMs: 5 });

const lastOf = (updates: TradeUpdate[], clientOrderId: string) =>
  updates.filter((u) => u.order.clientOrderId === clientOrderId).at(-1);

test('submit, fill, updates, open orders, cancel, positions, account, clock', async () => {
  const session = await broker(ex, 0);
  const updates: TradeUpdate[] = [];
  session.onUpdate((u) => updates.push(u));
  await session.connect();
  const worker = await broker(ex, 1);
  await worker.connect();

  const buy = market('AAPL', 5);
  const ack = await worker.submit(buy);
  assert.ok(ack.brokerOrderId);
  await until(() => lastOf(updates, buy.clientOrderId)?.event === 'fill', 'fill');
  const fill = lastOf(updates, buy.clientOrderId)!;
  assert.equal(fill.order.status, 'filled');
  assert.equal(fill.order.filledQty, 5);
  assert.ok(fill.fill && fill.fill.qty === 5 && fill.fill.price > 0);
  assert.deepEqual(
    updates.filter((u) => u.order.clientOrderId === buy.clientOrderId).map((u) => u.event),
    ['pending_new', 'new', 'fill'],
  );
  const got = await session.getOrder(buy.clientOrderId);
  assert.equal(got?.status, 'filled');
  assert.equal(got?.brokerOrderId, ack.brokerOrderId);
  assert.equal(await session.getOrder('no-such-order'), undefined);

  const resting = farLimit(ex, 'MSFT');
  await worker.submit(resting);
  assert.ok((await session.openOrders()).some((o) => o.clientOrderId === resting.clientOrderId));
  // cancel from a client that did not submit it: looked up by client order id
  await session.cancel(resting.clientOrderId);
  await until(() => lastOf(updates, resting.clientOrderId)?.order.status === 'canceled', 'canceled update');
  await assert.rejects(
    worker.cancel(resting.clientOrderId),
    (e: BrokerRejection) => e instanceof BrokerRejection && e.code === 'not_cancelable',
  );
  await assert.rejects(
    worker.cancel('no-such-order'),
    (e: BrokerRejection) => e instanceof BrokerRejection && e.code === 'not_found',
  );

  const aapl = (await session.positions()).find((p) => p.ticker === 'AAPL');
  assert.ok(aapl && aapl.quantity >= 5 && aapl.avgEntryPrice > 0);
  const account = await session.account();
  assert.ok(account.cash > 0 && account.equity > 0 && account.currency === 'USD');
  const clock = await session.clock();
  assert.ok(clock.now instanceof Date && clock.nextClose > clock.now);
  assert.ok((await session.calendar()).length > 20);
});

test("the venue's refusals arrive as BrokerRejection with the server's reason", async () => {
  const worker = await broker(ex, 2);
  await worker.connect();
  await assert.rejects(
    worker.submit(market('AAPL', 1_000_000)),
    (e: BrokerRejection) =>
      e instanceof BrokerRejection &&
      /insufficient buying power/.test(e.reason) &&
      e.code === 'insufficient_buying_power',
  );
  await assert.rejects(
    worker.submit(market('ZZZZ', 1)),
    (e: BrokerRejection) =>
      e instanceof BrokerRejection && /unknown symbol 'ZZZZ'/.test(e.reason) && e.code === 'unknown_symbol',
  );
  const once = market('NVDA', 1);
  await worker.submit(once);
  await assert.rejects(
    worker.submit(once),
    (e: BrokerRejection) =>
      e instanceof BrokerRejection &&
      e.reason === 'client_order_id must be unique' &&
      e.code === 'duplicate_client_order_id',
  );
});

test('wrong credentials or no server: BrokerConnectError naming the host, never the secret', async () => {
  const host = new URL(ex.server.restUrl).host;
  const wrong = await broker(ex, 0, { secretKey: 'wrong-secret-d41d8cd9' });
  wrong.onUpdate(() => undefined);
  await assert.rejects(
    wrong.connect(),
    (e: Error) =>
      e instanceof BrokerConnectError &&
      e.message.includes('401') &&
      e.message.includes(host) &&
      !e.message.includes('wrong-secret-d41d8cd9') &&
      !e.message.includes(KEY_ID),
  );
  const dead = await broker(ex, 1, { baseUrl: 'http://127.0.0.1:9', requestTimeoutMs: 1000 });
  await assert.rejects(
    dead.connect(),
    (e: Error) => e instanceof BrokerConnectError && e.message.includes('127.0.0.1:9'),
  );
});

test('runTrading with wrong Alpaca credentials fails before the session starts, naming 401 and the host', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-alpaca-creds-'));
  let calls = 0;
  await assert.rejects(
    runTrading({
      strategy: () => {
        calls++;
      },
      tickers: ['AAPL'],
      runSeconds: 1,
      tradeLogPath: dir,
      tradeLogName: 'wrong',
      logger: () => undefined,
      handleSignals: false,
      broker: {
        type: 'alpaca',
        baseUrl: ex.server.restUrl,
        streamUrl: ex.server.streamUrl,
        keyId: KEY_ID,
        secretKey: 'not-the-secret-91c2',
      },
    }),
    (e: Error) =>
      /401/.test(e.message) &&
      e.message.includes(new URL(ex.server.restUrl).host) &&
      !e.message.includes('not-the-secret-91c2'),
  );
  assert.equal(calls, 0, 'the strategy never ran');
});

test('429: rate-limit headers reach onRateLimit, a 429 carries the retry time, and the retry path obeys it', async () => {
  const limited = await startAlpacaExchange({ tickers: ['AAPL'], server: { ordersPerMinute: 120 } });
  try {
    await quoted(limited.board);
    const worker = await broker(limited, 1);
    const seen: RateLimitInfo[] = [];
    worker.onRateLimit((info) => seen.push(info));
    await worker.connect();
    // the bucket refills as we go (2 a second), so send until the gateway says no
    let error: unknown;
    for (let i = 0; i < 200 && !error; i++) {
      try {
        await worker.submit(market('AAPL', 1));
      } catch (e) {
        error = e;
      }
    }
    assert.ok(seen.length >= 100 && seen.every((s) => s.limit === 120));
    assert.equal(seen.at(-1)!.remaining, 0);
    assert.ok(error instanceof BrokerTransientError && error.status === 429, String(error));
    assert.ok(
      error.retryAfterMs !== undefined && error.retryAfterMs >= 0 && error.retryAfterMs <= 1500,
      `retryAfterMs ${error.retryAfterMs}`,
    );
    const outcome = await submitWithRetry(worker, market('AAPL', 1), { retries: 5, baseMs: 1 });
    assert.equal(outcome.kind, 'accepted', JSON.stringify(outcome));
    assert.ok(outcome.attempts > 1, "refused with 429 first, accepted after the venue's wait");
  } finally {
    await limited.close();
  }
});

test('5xx and lost answers: transient errors, then a lookup finds the order instead of a second one', async () => {
  const flaky = await startAlpacaExchange({ tickers: ['AAPL'], venue: { failureRate: 1 } });
  const silent = await startAlpacaExchange({ tickers: ['AAPL'], venue: { timeoutRate: 1 } });
  try {
    await Promise.all([quoted(flaky.board), quoted(silent.board)]);
    const a = await broker(flaky, 1);
    await a.connect();
    await assert.rejects(
      a.submit(market('AAPL', 1)),
      (e: BrokerTransientError) => e instanceof BrokerTransientError && e.status === 503,
    );
    const b = await broker(silent, 1, { requestTimeoutMs: 200 });
    await b.connect();
    await assert.rejects(
      b.submit(market('AAPL', 1)),
      (e: Error) => e instanceof BrokerTimeoutError && e.message.includes(new URL(silent.server.restUrl).host),
    );
    const order = market('AAPL', 2);
    const outcome = await submitWithRetry(b, order, { retries: 2, baseMs: 1 });
    assert.equal(outcome.kind, 'accepted', JSON.stringify(outcome));
    assert.equal(outcome.attempts, 2, 'the second attempt found the order instead of sending it again');
    assert.equal(silent.server.createdPerClientOrderId().get(order.clientOrderId), 1, 'one order at the venue');
    assert.equal(silent.server.stats().submitRequests, 2);
  } finally {
    await flaky.close();
    await silent.close();
  }
});

test('stream drop: reconnect, resync over REST, no update lost', async () => {
  const session = await broker(ex, 0);
  const updates: TradeUpdate[] = [];
  session.onUpdate((u) => updates.push(u));
  await session.connect();
  const worker = await broker(ex, 3);
  await worker.connect();
  const resting = [farLimit(ex, 'AAPL'), farLimit(ex, 'MSFT')];
  for (const o of resting) await worker.submit(o);
  await until(
    () => resting.every((o) => lastOf(updates, o.clientOrderId)?.order.status === 'new'),
    'resting orders new',
  );

  assert.ok(ex.server.dropStreams() >= 1);
  // while the stream is down: fills and cancels whose updates are never sent to this client
  const missed = [market('AAPL', 2), market('NVDA', 3), market('MSFT', 1)];
  await Promise.all(missed.map((o) => worker.submit(o)));
  await worker.cancel(resting[0].clientOrderId);

  await until(() => session.streamReconnects >= 1, 'reconnect');
  const all = [...missed, ...resting];
  await until(
    () =>
      all.every((o) => {
        const venue = ex.venue.getOrder(o.clientOrderId)!;
        const mine = lastOf(updates, o.clientOrderId);
        return mine?.order.status === venue.status && mine.order.filledQty === venue.filledQty;
      }),
    'every order as the venue has it',
  );
  assert.ok(session.resynced >= missed.length + 1, `resynced ${session.resynced}`);
  for (const o of missed) assert.equal(lastOf(updates, o.clientOrderId)!.order.status, 'filled');
  assert.equal(lastOf(updates, resting[0].clientOrderId)!.order.status, 'canceled');
  assert.equal(lastOf(updates, resting[1].clientOrderId)!.order.status, 'new');

  // the stream is live again: a new order's updates arrive as usual, each once
  const after = market('AAPL', 1);
  await worker.submit(after);
  await until(() => lastOf(updates, after.clientOrderId)?.event === 'fill', 'fill after the reconnect');
  const events = updates.filter((u) => u.order.clientOrderId === after.clientOrderId).map((u) => u.event);
  assert.deepEqual(events, ['pending_new', 'new', 'fill']);
});

test('credentials: options, then the environment, then ./.env (read, not injected)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-dotenv-'));
  fs.writeFileSync(path.join(dir, '.env'), 'APCA_API_KEY_ID=from-file\nAPCA_API_SECRET_KEY=secret-from-file\n');
  assert.deepEqual(resolveCredentials({}, {}, dir), { keyId: 'from-file', secretKey: 'secret-from-file' });
  assert.deepEqual(resolveCredentials({}, { APCA_API_KEY_ID: 'env-key', APCA_API_SECRET_KEY: 'env-secret' }, dir), {
    keyId: 'env-key',
    secretKey: 'env-secret',
  });
  assert.deepEqual(resolveCredentials({ keyId: 'k', secretKey: 's' }, { APCA_API_KEY_ID: 'env-key' }, dir), {
    keyId: 'k',
    secretKey: 's',
  });
  assert.equal(resolveCredentials({}, {}, `${os.tmpdir()}/no-such-dir`), undefined);
  assert.equal(process.env.APCA_API_SECRET_KEY === 'secret-from-file', false);
});

test('failure knob dropStreamAfterMs cuts the trade stream once; the client reconnects and gets its fills', async () => {
  const cut = await startAlpacaExchange({
    tickers: ['AAPL'],
    server: { failure: { dropStreamAfterMs: 100, maxStreamDrops: 1 } },
  });
  try {
    await quoted(cut.board);
    const session = await broker(cut, 0);
    const updates: TradeUpdate[] = [];
    session.onUpdate((u) => updates.push(u));
    await session.connect();
    await until(() => session.streamReconnects === 1, 'reconnect after the cut');
    assert.equal(cut.server.stats().streamDrops, 1);
    const worker = await broker(cut, 1);
    await worker.connect();
    const o = market('AAPL', 1);
    await worker.submit(o);
    await until(() => lastOf(updates, o.clientOrderId)?.event === 'fill', 'fill on the new connection');
    // a second cut would come 100 ms into the new connection: wait twice that before saying there was none
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(session.streamReconnects, 1, 'cut only once');
    assert.equal(cut.server.stats().streamDrops, 1);
  } finally {
    await cut.close();
  }
});

test('alpaca quotes source: quotes and trades reach the sink, and it resubscribes after a drop', async () => {
  const { AlpacaQuoteSource } = await import('../src/market/sources/alpaca.js');
  const got = new Map<string, number>();
  const states: string[] = [];
  const malformed: string[] = [];
  const sink = {
    quote: (t: string, u: Record<string, number | undefined>) => {
      assert.ok((u.bid !== undefined && u.ask! >= u.bid) || u.last! > 0, JSON.stringify(u));
      assert.ok(Math.abs(u.timestamp! - Date.now()) < 60_000);
      got.set(t, (got.get(t) ?? 0) + 1);
    },
    malformed: (reason: string) => {
      malformed.push(reason);
    },
    status: (state: string) => {
      states.push(state);
    },
  };
  const source = new AlpacaQuoteSource({
    type: 'alpaca',
    url: ex.server.dataStreamUrl,
    keyId: KEY_ID,
    secretKey: SECRET,
  });
  await source.start(['AAPL', 'MSFT'], sink);
  try {
    await until(() => (got.get('AAPL') ?? 0) > 2 && (got.get('MSFT') ?? 0) > 2, 'quotes for both');
    assert.ok(!got.has('NVDA'));
    assert.equal(ex.server.dropDataStreams(), 1);
    const before = got.get('AAPL')!;
    await until(
      () => states.includes('reconnecting') && states.at(-1) === 'connected' && got.get('AAPL')! > before + 2,
      'quotes again after the drop',
    );
    assert.deepEqual(malformed, []);
  } finally {
    await source.close();
  }
  const wrong = new AlpacaQuoteSource({
    type: 'alpaca',
    url: ex.server.dataStreamUrl,
    keyId: KEY_ID,
    secretKey: 'nope-nope',
  });
  await assert.rejects(
    wrong.start(['AAPL'], sink),
    (e: Error) =>
      /refused the credentials \(402 auth failed\)/.test(e.message) &&
      e.message.includes(new URL(ex.server.dataStreamUrl).host),
  );
});

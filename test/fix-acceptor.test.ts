// salvo's FIX 4.4 initiator against salvo's paper venue served as a FIX acceptor (serveFix):
// logon and credentials, the TimeInForce mapping, refusals with their Text, OrderStatusRequest,
// several initiators on one venue, and the core integration session over FIX.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BrokerConnectError,
  BrokerRejection,
  BrokerTimeoutError,
  isRetryable,
  type TradeUpdate,
  type WireOrder,
} from '../src/brokers/broker.js';
import { newOrderSingle, readExecReport, TIF_FROM_FIX, TIF_TO_FIX, tradeUpdateOf } from '../src/fix/codec.js';
import { parseFixBrokerConfig } from '../src/brokers/fix/config.js';
import { fixDriver } from '../src/brokers/fix/driver.js';
import { describeSession, dialTcp, engineConfig, SalvoFixSession } from '../src/fix/engine.js';
import { FixSessionOwner } from '../src/brokers/fix/session-owner.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { serveFix } from '../src/exchange/fix-acceptor.js';
import { PaperVenue } from '../src/exchange/venue.js';
import { startQuoteFeed } from '../src/market/quote-feed.js';
import { parseQuoteConfig } from '../src/market/sources/index.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { fixIntegrationSession, TICKERS } from './helpers/fix-integration.js';
import { freePort } from './helpers/ports.js';
import { until } from './helpers/until.js';

const board = new QuoteBoard(['AAPL', 'MSFT']);
board.write(0, { bid: 189.9, ask: 190.1, bidSize: 100, askSize: 100, last: 190, timestamp: Date.now() });
board.write(1, { bid: 409.9, ask: 410.1, bidSize: 100, askSize: 100, last: 410, timestamp: Date.now() });
const venue = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', cash: 50_000, latencyMs: 20 }), board);
const server = await serveFix(venue, {
  host: '127.0.0.1',
  port: 0,
  senderCompId: 'PAPER',
  targetCompId: '*',
  username: 'trader',
  password: 's3cret',
});
const base = {
  type: 'fix',
  host: '127.0.0.1',
  port: server.port,
  targetCompId: 'PAPER',
  username: 'trader',
  password: 's3cret',
  requestTimeoutMs: 2000,
} as const;
const owners: FixSessionOwner[] = [];
after(async () => {
  for (const o of owners) await o.close();
  await server.close();
  venue.close();
});

async function owner(
  senderCompId: string,
  extra: Record<string, unknown> = {},
): Promise<{ broker: FixSessionOwner; updates: TradeUpdate[] }> {
  const broker = new FixSessionOwner(parseFixBrokerConfig({ ...base, senderCompId, ...extra }));
  owners.push(broker);
  const updates: TradeUpdate[] = [];
  broker.onUpdate((u) => updates.push(u));
  await broker.connect();
  return { broker, updates };
}

let n = 0;
const order = (o: Partial<WireOrder>): WireOrder => ({
  clientOrderId: `buy_long-1-${(++n).toString(16).padStart(8, '0')}`,
  ticker: 'AAPL',
  quantity: 2,
  side: 'buy',
  orderType: 'market',
  timeInForce: 'day',
  action: 'buy_long',
  ...o,
});

test("a wrong password is a BrokerConnectError carrying the acceptor's Logout Text (through the FIX session thread); so is an unreachable peer", async () => {
  const config = parseFixBrokerConfig({ ...base, senderCompId: 'SALVO_PW', password: 'wrong' });
  const hub = await fixDriver.prepare!(config, { boardBuffer: board.buffer, tickers: board.tickers });
  const broker = fixDriver.create(config, hub.link(0).link);
  try {
    await assert.rejects(broker.connect(), (e: Error) => {
      assert.ok(e instanceof BrokerConnectError, e.name);
      assert.match(e.message, /logon refused: invalid username or password for SALVO_PW/);
      return true;
    });
  } finally {
    await broker.close();
    await hub.close();
  }
  assert.throws(() => fixDriver.create(config, { workerId: 3 }), /one session carries the whole pool/);
  const nobody = new FixSessionOwner(
    parseFixBrokerConfig({ ...base, senderCompId: 'SALVO_NONE', port: await freePort(), connectTimeoutSeconds: 1 }),
  );
  await assert.rejects(
    nobody.connect(),
    (e: Error) => e instanceof BrokerConnectError && /cannot connect: connect ECONNREFUSED/.test(e.message),
  );
  await nobody.close();
});

test('TimeInForce: day/gtc/ioc/fok map to 0/1/3/4 both ways; an unknown value is an error and nothing is sent', async () => {
  assert.deepEqual(TIF_TO_FIX, { day: '0', gtc: '1', ioc: '3', fok: '4' });
  for (const [tif, wire] of Object.entries(TIF_TO_FIX)) {
    assert.equal(newOrderSingle(order({ timeInForce: tif as WireOrder['timeInForce'] }), 'FIX.4.4').TimeInForce, wire);
    assert.equal(TIF_FROM_FIX[wire], tif);
  }
  const { broker } = await owner('SALVO_TIF');
  // the venue honours what arrived: IOC and FOK far from the market end at once, with the venue's reason
  const ioc = order({ orderType: 'limit', limitPrice: 100, timeInForce: 'ioc' });
  const fok = order({ orderType: 'limit', limitPrice: 100, timeInForce: 'fok' });
  const gtc = order({ orderType: 'limit', limitPrice: 100, timeInForce: 'gtc' });
  await Promise.all([ioc, fok, gtc].map((o) => broker.submit(o)));
  await until(
    async () =>
      (await broker.getOrder(fok.clientOrderId))?.status === 'canceled' &&
      (await broker.getOrder(ioc.clientOrderId))?.status === 'canceled',
    { what: 'the IOC and FOK orders canceled by the venue' },
  );
  assert.match((await broker.getOrder(ioc.clientOrderId))!.reason!, /immediate or cancel/);
  assert.match((await broker.getOrder(fok.clientOrderId))!.reason!, /fill or kill/);
  assert.equal((await broker.getOrder(gtc.clientOrderId))!.status, 'new');
  await broker.cancel(gtc.clientOrderId);

  const odd = order({ timeInForce: 'opg' as WireOrder['timeInForce'] });
  await assert.rejects(broker.submit(odd), (e: Error) => {
    assert.match(e.message, /no TimeInForce\(59\) for 'opg' \(known: day→0, gtc→1, ioc→3, fok→4\)/);
    assert.equal(isRetryable(e), false);
    return true;
  });
  assert.equal(venue.getOrder(odd.clientOrderId), undefined, 'never reached the venue');
});

test("ExecutionReports map to Alpaca's vocabulary: ExecType → event, OrdStatus → status, CumQty/AvgPx and LastQty/LastPx", () => {
  const report = (tags: Record<number, unknown>) => readExecReport((tag) => tags[tag]);
  const base = { 11: 'buy_long-1-0000abcd', 37: 'X1', 17: 'E1', 55: 'AAPL', 54: '1', 38: 10 };
  const cases: Array<[Record<number, unknown>, string, string, string]> = [
    [{ 150: 'A', 39: 'A' }, 'pending_new', 'pending_new', 'PENDING_NEW'],
    [{ 150: '0', 39: '0' }, 'new', 'new', 'NEW'],
    [{ 150: 'F', 39: '1', 14: 4, 6: 100, 32: 4, 31: 100 }, 'partial_fill', 'partially_filled', 'PARTIALLY_FILLED'],
    [{ 150: 'F', 39: '2', 14: 10, 6: 100.6, 32: 6, 31: 101 }, 'fill', 'filled', 'FILLED'],
    [{ 150: '2', 39: '2', 14: 10, 6: 100, 32: 10, 31: 100 }, 'fill', 'filled', 'FILLED'], // FIX 4.2
    [{ 150: '4', 39: '4', 58: 'user asked' }, 'canceled', 'canceled', 'CANCELED'],
    [{ 150: '8', 39: '8', 58: 'no such symbol' }, 'rejected', 'rejected', 'REJECTED'],
    [{ 150: 'C', 39: 'C' }, 'expired', 'expired', 'EXPIRED'],
    [{ 150: '3', 39: '3' }, 'done_for_day', 'expired', 'DONE_FOR_DAY'],
  ];
  for (const [tags, event, status, raw] of cases) {
    const u = tradeUpdateOf(report({ ...base, ...tags }), 'buy_long-1-0000abcd');
    assert.deepEqual([u.event, u.order.status, u.order.rawStatus], [event, status, raw], JSON.stringify(tags));
    assert.equal(u.order.filledQty, Number(tags[14] ?? 0));
    if (tags[32]) assert.deepEqual(u.fill, { qty: tags[32], price: tags[31] });
    else assert.equal(u.fill, undefined);
    if (tags[58]) assert.equal(u.order.reason, tags[58]);
  }
});

test('the acceptor answers a TimeInForce it cannot map with Reject(3) naming the tag', async () => {
  const config = await engineConfig(
    describeSession({
      type: 'initiator',
      name: 'raw',
      host: '127.0.0.1',
      port: server.port,
      beginString: 'FIX.4.4',
      senderCompId: 'RAW',
      targetCompId: 'PAPER',
      username: 'trader',
      password: 's3cret',
      heartbeatSeconds: 30,
      resetSeqNum: true,
    }),
  );
  const got = new Promise<{ text: string; refTag: unknown }>((resolve, reject) => {
    const session = new SalvoFixSession(config, {
      ready: (s) => s.sendApp('D', { ...newOrderSingle(order({}), 'FIX.4.4'), TimeInForce: '2' }),
      message: (s, type, view) => {
        if (type === '3') resolve({ text: view.getString(58) ?? '', refTag: view.getTyped(371) });
        s.finish();
      },
      stopped: (_, e) => reject(e ?? new Error('stopped before the Reject')),
    });
    void dialTcp(config, 5)
      .transport.then((t) => session.run(t))
      .catch(reject);
  });
  const reject = await got;
  assert.match(reject.text, /unsupported TimeInForce '2'/);
  assert.equal(reject.refTag, 59);
});

test("refusals carry the venue's Text: a rejected order (BrokerRejection and a rejected update), an OrderCancelReject", async () => {
  const { broker, updates } = await owner('SALVO_REJ');
  const unknown = order({ ticker: 'ZZZZ' });
  await assert.rejects(broker.submit(unknown), (e: Error) => {
    assert.ok(e instanceof BrokerRejection);
    assert.match(e.reason, /unknown symbol 'ZZZZ'/);
    assert.equal(e.code, 'ord_rej_reason_1');
    return true;
  });
  const update = updates.find((u) => u.order.clientOrderId === unknown.clientOrderId)!;
  assert.equal(update.event, 'rejected');
  assert.match(update.order.reason!, /unknown symbol/);
  await assert.rejects(broker.submit(order({ quantity: 1000 })), /insufficient buying power/);

  // a cancel racing the fill: sent before the fill's report arrived, refused by the venue
  const filled = order({});
  const submitted = broker.submit(filled);
  await assert.rejects(broker.cancel(filled.clientOrderId), (e: Error) => {
    assert.ok(e instanceof BrokerRejection);
    assert.match(e.reason, /is not cancelable: filled/);
    assert.equal(e.code, 'cxl_rej_reason_0');
    return true;
  });
  assert.equal((await submitted).status, 'pending_new');
});

test('getOrder asks OrderStatusRequest(H) for an order it has sent and not heard of; several initiators share the venue', async () => {
  const slow = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', latencyMs: 300 }), board);
  const slowServer = await serveFix(slow, {
    host: '127.0.0.1',
    port: 0,
    senderCompId: 'SLOW',
    targetCompId: 'SALVO_H',
  });
  const broker = new FixSessionOwner(
    parseFixBrokerConfig({
      type: 'fix',
      host: '127.0.0.1',
      port: slowServer.port,
      senderCompId: 'SALVO_H',
      targetCompId: 'SLOW',
      requestTimeoutMs: 150,
    }),
  );
  try {
    await broker.connect();
    const intruder = new FixSessionOwner(
      parseFixBrokerConfig({
        type: 'fix',
        host: '127.0.0.1',
        port: slowServer.port,
        senderCompId: 'INTRUDER',
        targetCompId: 'SLOW',
      }),
    );
    await assert.rejects(intruder.connect(), /unknown SenderCompID 'INTRUDER'/);
    await intruder.close();
    assert.equal(broker.loggedOn, true, "a stranger's logon does not displace the expected peer");
    const o = order({});
    await assert.rejects(broker.submit(o), BrokerTimeoutError);
    assert.equal(await broker.getOrder(o.clientOrderId), undefined, 'the venue does not have it yet: "unknown order"');
    await until(async () => (await broker.getOrder(o.clientOrderId))?.status === 'filled', {
      what: 'the slow venue to report the order filled',
    });
  } finally {
    await broker.close();
    await slowServer.close();
    slow.close();
  }
  // two counterparties on one venue: each gets the reports of its own orders only
  const [a, b] = await Promise.all([owner('SALVO_A'), owner('SALVO_B')]);
  const [oa, ob] = [order({ ticker: 'MSFT', quantity: 1 }), order({ quantity: 3 })];
  await Promise.all([a.broker.submit(oa), b.broker.submit(ob)]);
  await until(async () => (await a.broker.positions()).length > 0 && (await b.broker.positions()).length > 0, {
    what: 'both counterparties to hold their fills',
  });
  assert.deepEqual(
    (await a.broker.positions()).map((p) => [p.ticker, p.quantity]),
    [['MSFT', 1]],
  );
  assert.deepEqual(
    (await b.broker.positions()).map((p) => [p.ticker, p.quantity]),
    [['AAPL', 3]],
  );
  await until(() => a.updates.some((u) => u.event === 'fill') && b.updates.some((u) => u.event === 'fill'), {
    what: "each side's fill report",
  });
  for (const [side, updates, own] of [
    ['A', a.updates, oa],
    ['B', b.updates, ob],
  ] as const) {
    assert.ok(updates.length > 0, `${side} got reports`);
    assert.deepEqual(
      [...new Set(updates.map((u) => u.order.clientOrderId))],
      [own.clientOrderId],
      `${side} got reports of its own order only`,
    );
  }
});

test('integration over FIX: the core session (6 tickers, 4 workers, 12-leg blocks, one invalid leg each, liquidate) against serveFix', async () => {
  const feed = await startQuoteFeed({ tickers: TICKERS, source: parseQuoteConfig('sim') });
  const paper = new PaperVenue(parsePaperBrokerConfig({ type: 'paper' }), feed.board);
  const fix = await serveFix(paper, {
    host: '127.0.0.1',
    port: 0,
    senderCompId: 'PAPER',
    targetCompId: 'SALVO',
    username: 'u',
    password: 'p',
  });
  try {
    await feed.waitForQuotes(5000);
    await fixIntegrationSession(
      {
        type: 'fix',
        host: '127.0.0.1',
        port: fix.port,
        senderCompId: 'SALVO',
        targetCompId: 'PAPER',
        username: 'u',
        password: 'p',
      },
      'fix-paper',
      false,
    );
    assert.deepEqual(paper.positions(), [], 'the venue is flat too');
  } finally {
    await fix.close();
    paper.close();
    await feed.close();
  }
});

// salvo's FIX initiator against peers nobody here wrote: QuickFIX C++'s example acceptors from
// Debian's libquickfix-doc (test/helpers/quickfix.ts). executor: limit orders fill at their
// price, anything else is refused with a session Reject; ordermatch: a FIX 4.2 order book
// across sessions, with cancel. Plus acceptor restarts, and sequence numbers kept in the store.
// And the other way round: QuickFIX's tradeclient sending a stop order, a replace and a cancel to
// salvo's own acceptor (serveFix).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BrokerConnectError,
  BrokerRejection,
  BrokerTransientError,
  type TradeUpdate,
  type WireOrder,
} from '../src/brokers/broker.js';
import { parseFixBrokerConfig } from '../src/brokers/fix/config.js';
import { FixSessionOwner } from '../src/brokers/fix/session-owner.js';
import { fixIntegrationSession } from './helpers/fix-integration.js';
import { until } from './helpers/until.js';
import {
  requireQuickFix,
  startQuickFix,
  startTradeClient,
  type QuickFixPeer,
  type QuickFixSession,
} from './helpers/quickfix.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { serveFix } from '../src/exchange/fix-acceptor.js';
import { PaperVenue } from '../src/exchange/venue.js';
import { QuoteBoard } from '../src/market/quote-board.js';

// never skipped: without the peers every test fails with the command that provisions them
before(() => requireQuickFix());
const owners: FixSessionOwner[] = [];
const peers: QuickFixPeer[] = [];
after(async () => {
  for (const o of owners) await o.close();
  for (const p of peers) await p.kill();
});

const EXECUTOR: QuickFixSession = { beginString: 'FIX.4.4', senderCompId: 'EXECUTOR', targetCompId: 'SALVO' };
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

async function peer(
  kind: 'executor' | 'ordermatch',
  sessions: QuickFixSession[],
  options: { showIncoming?: boolean } = {},
): Promise<QuickFixPeer> {
  const p = await startQuickFix(kind, sessions, options);
  peers.push(p);
  return p;
}

function owner(config: Record<string, unknown>): { broker: FixSessionOwner; updates: TradeUpdate[] } {
  const broker = new FixSessionOwner(
    parseFixBrokerConfig({ type: 'fix', host: '127.0.0.1', requestTimeoutMs: 3000, reconnectSeconds: 0.2, ...config }),
  );
  owners.push(broker);
  const updates: TradeUpdate[] = [];
  broker.onUpdate((u) => updates.push(u));
  return { broker, updates };
}

let n = 0;
const order = (o: Partial<WireOrder>): WireOrder => ({
  clientOrderId: `buy_long-1-${(++n).toString(16).padStart(8, '0')}`,
  ticker: 'IBM',
  quantity: 100,
  side: 'buy',
  orderType: 'limit',
  limitPrice: 10,
  timeInForce: 'day',
  action: 'buy_long',
  ...o,
});

test("executor: limit orders fill at their price; a market order is refused with the peer's Text", async () => {
  const executor = await peer('executor', [EXECUTOR]);
  const { broker, updates } = owner({
    port: executor.port,
    senderCompId: 'SALVO',
    targetCompId: 'EXECUTOR',
    account: 'ACC1',
  });
  await broker.connect();
  const limit = order({ limitPrice: 123.45 });
  assert.deepEqual(await broker.submit(limit), { brokerOrderId: '1', status: 'filled', rawStatus: 'FILLED' });
  const fill = updates.find((u) => u.order.clientOrderId === limit.clientOrderId)!;
  assert.equal(fill.event, 'fill');
  assert.deepEqual(fill.fill, { qty: 100, price: 123.45 });
  assert.equal(fill.order.filledAvgPrice, 123.45);

  const market = order({ orderType: 'market', limitPrice: undefined });
  await assert.rejects(broker.submit(market), (e: Error) => {
    assert.ok(e instanceof BrokerRejection, e.name);
    assert.equal(e.reason, 'Value is incorrect (out of range) for this tag (tag 40)');
    return true;
  });
  const rejected = updates.find((u) => u.order.clientOrderId === market.clientOrderId)!;
  assert.equal(rejected.order.status, 'rejected');
  assert.match(rejected.order.reason!, /out of range/);
  // the executor knows no OrderCancelRequest nor OrderStatusRequest: its BusinessMessageReject
  // answers both (a cancel and a status request sent before the order's report came back)
  const raced = order({});
  const [ack, cancel, status] = await Promise.allSettled([
    broker.submit(raced),
    broker.cancel(raced.clientOrderId),
    broker.getOrder(raced.clientOrderId),
  ]);
  assert.equal(ack.status === 'fulfilled' && ack.value.status, 'filled');
  assert.ok(cancel.status === 'rejected' && cancel.reason instanceof BrokerRejection);
  assert.match(cancel.reason.reason, /Unsupported Message Type/);
  assert.equal(
    status.status === 'fulfilled' && status.value?.status,
    'filled',
    'then getOrder answers from the reports seen',
  );
  await assert.rejects(broker.cancel(limit.clientOrderId), /not cancelable: filled/);
  assert.deepEqual(
    (await broker.positions()).map((p) => [p.ticker, p.quantity]),
    [['IBM', 200]],
  );
});

test('executor restarted mid-session: salvo reconnects, resumes its sequence numbers, and keeps them across its own restart', async () => {
  const executor = await peer('executor', [{ ...EXECUTOR, targetCompId: 'SALVO_R' }], { showIncoming: true });
  const storePath = tmp('salvo-fix-store-');
  const config = { port: executor.port, senderCompId: 'SALVO_R', targetCompId: 'EXECUTOR', storePath };
  const { broker } = owner(config);
  await broker.connect();
  assert.equal((await broker.submit(order({}))).status, 'filled');
  const before = broker.seqNums()!;

  await executor.kill(); // no Logout: a crash, as the initiator sees it
  await until(() => !broker.loggedOn, { what: 'salvo to see the executor gone', timeoutMs: 15_000 });
  await assert.rejects(broker.submit(order({})), BrokerTransientError, 'nothing is sent while reconnecting');
  await executor.start();
  await until(() => broker.loggedOn, { what: 'salvo logged on again', timeoutMs: 15_000 });
  assert.equal(broker.logons, 2);
  const after = broker.seqNums()!;
  assert.equal(
    after.sent,
    before.sent + 1,
    `the Logon went out as ${after.sent}, right after ${before.sent}: no reset`,
  );
  assert.equal((await broker.submit(order({}))).status, 'filled');

  // messages lost both ways while it was down: the executor asks salvo to resend (answered with a
  // gap fill: orders are never replayed) and salvo asks the executor (answered with its gap fill)
  await executor.kill();
  await until(() => !broker.loggedOn, { what: 'salvo to see the executor gone', timeoutMs: 15_000 });
  const s = { ...EXECUTOR, targetCompId: 'SALVO_R' };
  const lost = executor.storedSeqNums(s);
  executor.setStoredSeqNums(s, { sender: lost.sender + 3, target: lost.target - 2 });
  await executor.start();
  await until(() => broker.loggedOn, { what: 'salvo logged on again', timeoutMs: 15_000 });
  assert.equal((await broker.submit(order({}))).status, 'filled', 'trading goes on after both resends');
  assert.ok(broker.seqNums()!.received >= lost.sender + 3, 'salvo followed the executor past the gap');
  // what the executor received from salvo, raw: every order exactly once and none marked as a
  // possible duplicate (PossDupFlag 43=Y), the resend answered with a gap fill (35=4, 123=Y), and
  // salvo's own ResendRequest (35=2) for what it lost
  const received = [...executor.output().matchAll(/\((8=FIX[^)]*)\)/g)].map(
    (m) =>
      new Map(
        m[1]
          .split('\x01')
          .filter(Boolean)
          .map((f) => f.split('=', 2) as [string, string]),
      ),
  );
  const orders = received.filter((m) => m.get('35') === 'D');
  assert.equal(orders.length, 3, `three orders sent so far: ${orders.map((m) => m.get('11'))}`);
  assert.equal(new Set(orders.map((m) => m.get('11'))).size, orders.length, 'no order received twice');
  assert.ok(
    orders.every((m) => m.get('43') !== 'Y'),
    'no order replayed as a possible duplicate',
  );
  assert.ok(
    received.some((m) => m.get('35') === '4' && m.get('123') === 'Y'),
    'salvo answered the resend request with a gap fill',
  );
  assert.ok(
    received.some((m) => m.get('35') === '2'),
    'salvo asked the executor to resend what it lost',
  );
  await broker.close();
  const stored = executor.storedSeqNums(s);
  assert.equal(
    fs.readFileSync(path.join(storePath, 'FIX.4.4-SALVO_R-EXECUTOR.seqnums'), 'utf8').split(':').map(Number).join(','),
    `${stored.target},${stored.sender}`,
  );

  // salvo itself restarted: the numbers come from storePath, and the executor accepts them
  const again = owner(config).broker;
  await again.connect();
  assert.equal(again.seqNums()!.sent, stored.target);
  assert.equal((await again.submit(order({}))).status, 'filled');
  await again.close();
  // without them the peer refuses the logon, and says why
  await assert.rejects(owner({ ...config, storePath: tmp('salvo-fix-store-') }).broker.connect(), (e: Error) => {
    assert.ok(e instanceof BrokerConnectError);
    assert.match(e.message, /MsgSeqNum too low, expecting \d+ but received 1/);
    return true;
  });
});

test('ordermatch (FIX 4.2): orders from two sessions cross, a resting order is canceled, a Logout and restart is survived', async () => {
  const sessions = ['SALVO_A', 'SALVO_B'].map(
    (id): QuickFixSession => ({ beginString: 'FIX.4.2', senderCompId: 'ORDERMATCH', targetCompId: id }),
  );
  const book = await peer('ordermatch', sessions);
  const [a, b] = ['SALVO_A', 'SALVO_B'].map((id) =>
    owner({ port: book.port, beginString: 'FIX.4.2', senderCompId: id, targetCompId: 'ORDERMATCH' }),
  );
  await Promise.all([a.broker.connect(), b.broker.connect()]);
  const buy = order({ quantity: 100, limitPrice: 10.5 });
  const sell = order({ side: 'sell', action: 'sell_long', quantity: 60, limitPrice: 10.25 });
  assert.equal((await a.broker.submit(buy)).status, 'new');
  assert.equal((await b.broker.submit(sell)).status, 'new');
  // two sessions: the buyer's report may come after the seller's
  await until(
    async () =>
      (await b.broker.getOrder(sell.clientOrderId))?.status === 'filled' &&
      (await a.broker.getOrder(buy.clientOrderId))?.filledQty,
    { what: 'the crossing sell filled, and the buy heard of it', timeoutMs: 15_000 },
  );
  const bought = await a.broker.getOrder(buy.clientOrderId);
  assert.deepEqual([bought?.status, bought?.filledQty], ['partially_filled', 60]);
  assert.ok(a.updates.some((u) => u.event === 'partial_fill' && u.fill?.qty === 60));
  assert.deepEqual(
    (await b.broker.positions()).map((p) => [p.ticker, p.quantity]),
    [['IBM', -60]],
  );

  await a.broker.cancel(buy.clientOrderId);
  assert.deepEqual(a.updates.at(-1)!.order.status, 'canceled');
  await assert.rejects(a.broker.submit(order({ timeInForce: 'gtc' })), /Unsupported TIF, use Day/);

  await book.quit(); // ordermatch logs every session out before it stops
  await until(() => !a.broker.loggedOn && !b.broker.loggedOn, { what: 'both sessions logged out', timeoutMs: 15_000 });
  await book.start();
  await until(() => a.broker.loggedOn && b.broker.loggedOn, {
    what: 'both sessions logged on again',
    timeoutMs: 15_000,
  });
  assert.equal((await a.broker.submit(order({ limitPrice: 9 }))).status, 'new');
  await book.quit();
});

test('integration over FIX against the executor: the core session with limit orders only, liquidated with limit sells', async () => {
  const executor = await peer('executor', [{ ...EXECUTOR, targetCompId: 'SALVO_S' }]);
  await fixIntegrationSession(
    { type: 'fix', host: '127.0.0.1', port: executor.port, senderCompId: 'SALVO_S', targetCompId: 'EXECUTOR' },
    'fix-executor',
    true,
  );
});

test("QuickFIX's tradeclient to salvo's acceptor: a stop rests and fills at the ask that crossed it; a replace is ExecType 5; an unknown one OrderCancelReject 434=2", async () => {
  const board = new QuoteBoard(['IBM']);
  const quote = (bid: number, ask: number) =>
    board.write(0, { bid, ask, bidSize: 1000, askSize: 1000, last: (bid + ask) / 2, timestamp: Date.now() });
  quote(99.9, 100.1);
  const venue = new PaperVenue(parsePaperBrokerConfig({ type: 'paper', cash: 1_000_000 }), board);
  const server = await serveFix(venue, { host: '127.0.0.1', port: 0, senderCompId: 'PAPER', targetCompId: 'QFCLIENT' });
  const client = await startTradeClient(
    { beginString: 'FIX.4.4', senderCompId: 'QFCLIENT', targetCompId: 'PAPER' },
    server.port,
  );
  const reports = (id: string) => client.received().filter((m) => m['35'] === '8' && m['11'] === id);
  const wait = (what: string, cond: () => unknown) => until(cond, { what, detail: () => client.output().slice(-4000) });
  try {
    // tradeclient's menu: Action 1 enter, 2 cancel, 3 replace; BeginString 5 is FIX.4.4; Side 1 buy;
    // OrdType 2 limit, 3 stop; TimeInForce 1 day, 4 GTC
    const fix44 = { BeginString: 5, Symbol: 'IBM', Side: 1 };
    client.send({ ...fix44, Action: 1, ClOrdID: 'qf-stop', OrdType: 3, OrderQty: 7, TimeInForce: 1, StopPx: 101 });
    await wait('the stop acknowledged', () => reports('qf-stop').some((m) => m['150'] === '0'));
    assert.deepEqual(
      [venue.getOrder('qf-stop')?.orderType, venue.getOrder('qf-stop')?.stopPrice],
      ['stop', 101],
      'StopPx(99) reached the venue',
    );
    assert.equal(reports('qf-stop').filter((m) => m['150'] === 'F').length, 0, 'untriggered at ask 100.1');
    quote(100.9, 101.03);
    await wait('the stop filled', () => reports('qf-stop').some((m) => m['150'] === 'F'));
    const fill = reports('qf-stop').find((m) => m['150'] === 'F')!;
    assert.deepEqual([fill['39'], fill['32'], fill['31']], ['2', '7', '101.03'], 'filled at the ask that crossed 101');

    // a resting limit, then replaced: new price 96, new quantity 4
    client.send({ ...fix44, Action: 1, ClOrdID: 'qf-lim', OrdType: 2, OrderQty: 10, TimeInForce: 4, Price: 95 });
    await wait('the limit acknowledged', () => reports('qf-lim').some((m) => m['150'] === '0'));
    const replace = {
      ...fix44,
      Action: 3,
      OrdType: 2,
      'New price?': 'y',
      Price: 96,
      'New quantity?': 'y',
      OrderQty: 4,
    };
    client.send({ ...replace, OrigClOrdID: 'qf-lim', ClOrdID: 'qf-lim-2' });
    await wait('the replace answered', () => reports('qf-lim-2').length);
    const replaced = reports('qf-lim-2')[0];
    assert.deepEqual(
      [replaced['150'], replaced['39'], replaced['41'], replaced['38'], replaced['151'], replaced['14']],
      ['5', '0', 'qf-lim', '4', '4', '0'],
      'ExecType 5: the replacement works, OrigClOrdID names the replaced order',
    );
    assert.deepEqual([venue.getOrder('qf-lim')?.status, venue.getOrder('qf-lim-2')?.limitPrice], ['replaced', 96]);
    client.send({ ...replace, OrigClOrdID: 'nope', ClOrdID: 'qf-x' });
    await wait('the refused replace', () => client.received().some((m) => m['35'] === '9' && m['11'] === 'qf-x'));
    const reject = client.received().find((m) => m['35'] === '9' && m['11'] === 'qf-x')!;
    assert.deepEqual(
      [reject['434'], reject['102'], reject['41'], reject['58']],
      ['2', '1', 'nope', "unknown order 'nope'"],
    );
    client.send({ ...fix44, Action: 2, OrigClOrdID: 'qf-lim-2', ClOrdID: 'qf-c', OrderQty: 4 });
    await wait('the cancel', () => reports('qf-c').some((m) => m['150'] === '4'));
    assert.equal(reports('qf-c').find((m) => m['150'] === '4')!['41'], 'qf-lim-2');
    assert.equal(venue.getOrder('qf-lim-2')?.status, 'canceled');
  } finally {
    await client.stop();
    await server.close();
    venue.close();
  }
});

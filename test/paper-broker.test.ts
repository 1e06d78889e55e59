import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until as waitUntil } from './helpers/until.js';
import { execFile } from 'node:child_process';
import { QuoteBoard } from '../src/market/quote-board.js';
import {
  BrokerRejection,
  BrokerTimeoutError,
  BrokerTransientError,
  type TradeUpdate,
  type WireOrder,
} from '../src/brokers/broker.js';
import { paperDriver } from '../src/brokers/paper/driver.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { aWireOrder } from './helpers/orders.js';

let seq = 0;
const order = (o: Partial<WireOrder> = {}): WireOrder => aWireOrder({ clientOrderId: `pb-${++seq}`, ...o });

/** a venue thread over a board this thread writes, with the session's client (0) and one worker's (1) */
async function venueThread(options: Record<string, unknown> = {}) {
  const config = parsePaperBrokerConfig({ type: 'paper', latencyMs: 1, ...options });
  const board = new QuoteBoard(['AAPL', 'MSFT']);
  board.write(board.slotOf('AAPL'), {
    bid: 99,
    ask: 101,
    bidSize: 100,
    askSize: 100,
    last: 100,
    timestamp: Date.now(),
  });
  const hub = await paperDriver.prepare!(config, { boardBuffer: board.buffer, tickers: board.tickers });
  const session = paperDriver.create(config, hub.link(0).link);
  const worker = paperDriver.create(config, hub.link(1).link);
  const updates: TradeUpdate[] = [];
  session.onUpdate((u) => updates.push(u));
  await session.connect();
  await worker.connect();
  const close = async () => {
    await worker.close();
    await session.close();
    await hub.close();
  };
  return { board, session, worker, updates, close };
}

/** the shared wait (helpers/until.ts) in this file's argument order */
const until = (what: string, cond: () => boolean, ms = 10_000) =>
  waitUntil(cond, { what, timeoutMs: ms, intervalMs: 2 });

test('through the venue thread: ack, then updates pending_new → new → fill on the session port', async () => {
  const v = await venueThread();
  try {
    const buy = order({ quantity: 7 });
    const ack = await v.worker.submit(buy);
    assert.equal(ack.status, 'new');
    await until('the fill update', () => v.updates.some((u) => u.event === 'fill'));
    assert.deepEqual(
      v.updates.map((u) => u.event),
      ['pending_new', 'new', 'fill'],
    );
    assert.ok(v.updates.every((u) => u.order.brokerOrderId === ack.brokerOrderId));
    assert.deepEqual(v.updates[2].fill, { qty: 7, price: 101 });
    assert.deepEqual(await v.session.positions(), [{ ticker: 'AAPL', quantity: 7, avgEntryPrice: 101 }]);
    assert.equal((await v.session.account()).cash, 100_000 - 707);
    const clock = await v.session.clock();
    assert.ok(clock.nextClose instanceof Date);

    // the venue thread sees quotes written here through the shared board
    const sell = order({ side: 'sell', action: 'sell_long', orderType: 'limit', limitPrice: 105, quantity: 7 });
    await v.worker.submit(sell);
    assert.equal((await v.session.openOrders()).length, 1);
    v.board.write(v.board.slotOf('AAPL'), { bid: 106, ask: 107 });
    await until('the resting sell to fill', () =>
      v.updates.some((u) => u.order.clientOrderId === sell.clientOrderId && u.event === 'fill'),
    );
    assert.equal((await v.worker.getOrder(sell.clientOrderId))?.filledAvgPrice, 106);
  } finally {
    await v.close();
  }
});

test('refusals arrive as BrokerRejection with the venue reason and code', async () => {
  const v = await venueThread({ cash: 1000 });
  try {
    const error = await v.worker.submit(order({ quantity: 20 })).catch((e: unknown) => e);
    assert.ok(error instanceof BrokerRejection);
    assert.equal(error.reason, 'insufficient buying power: need 2020.00, available 1000.00');
    assert.equal(error.code, 'insufficient_buying_power');
    await assert.rejects(
      v.worker.cancel('missing'),
      (e: unknown) => e instanceof BrokerRejection && /unknown order 'missing'/.test(e.reason),
    );
  } finally {
    await v.close();
  }
});

test('failureRate 1: BrokerTransientError 503 and the venue has no such order', async () => {
  const v = await venueThread({ failureRate: 1 });
  try {
    const failed = order();
    const error = await v.worker.submit(failed).catch((e: unknown) => e);
    assert.ok(error instanceof BrokerTransientError, `got ${error}`);
    assert.equal(error.status, 503);
    assert.equal(await v.worker.getOrder(failed.clientOrderId), undefined);
    assert.deepEqual(v.updates, []);
  } finally {
    await v.close();
  }
});

test('timeoutRate 1: BrokerTimeoutError after requestTimeoutMs, yet the order exists', async () => {
  const v = await venueThread({ timeoutRate: 1, requestTimeoutMs: 150 });
  try {
    const lost = order();
    const started = Date.now();
    await assert.rejects(
      v.worker.submit(lost),
      (e: unknown) =>
        e instanceof BrokerTimeoutError &&
        e.message === `paper venue did not answer submit ${lost.clientOrderId} in 150 ms`,
    );
    assert.ok(
      Date.now() - started >= 140,
      'a lower bound only: the error comes after the 150 ms timeout, load can only delay it',
    );
    const found = await v.worker.getOrder(lost.clientOrderId);
    assert.equal(found?.status, 'filled');
    assert.equal(found?.filledQty, 10);
  } finally {
    await v.close();
  }
});

test('rate limit: the 429 carries retryAfterMs across the thread boundary', async () => {
  const v = await venueThread({ rateLimitPerMinute: 1 });
  try {
    await v.worker.submit(order({ quantity: 1 }));
    const error = await v.worker.submit(order({ quantity: 1 })).catch((e: unknown) => e);
    assert.ok(error instanceof BrokerTransientError);
    assert.equal(error.status, 429);
    assert.ok(error.retryAfterMs! > 59_000 && error.retryAfterMs! <= 60_000, `retryAfterMs ${error.retryAfterMs}`);
  } finally {
    await v.close();
  }
});

test('closing the venue fails requests instead of leaving them hanging', async () => {
  const v = await venueThread({ requestTimeoutMs: 10_000 });
  await v.worker.close();
  await assert.rejects(v.worker.submit(order()), /paper broker is closed/);
  await v.close(); // hub gone: the session client's port closes with it
  await assert.rejects(v.session.account(), /closed/);
  assert.throws(
    () => paperDriver.create(parsePaperBrokerConfig({ type: 'paper' }), { workerId: 3 }),
    /worker 3 has no port to the venue/,
  );
});

test('after close() a process with a venue thread and open orders exits by itself', async () => {
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const script = `
    import { Worker } from 'node:worker_threads';
    import { QuoteBoard } from ${url('../src/market/quote-board.ts')};
    // hub.close() terminates the thread only when it has not wound down within its grace period
    let terminated = false;
    const terminate = Worker.prototype.terminate;
    Worker.prototype.terminate = function () { terminated = true; return terminate.call(this); };
    import { paperDriver } from ${url('../src/brokers/paper/driver.ts')};
    import { parsePaperBrokerConfig } from ${url('../src/exchange/config.ts')};
    const board = new QuoteBoard(['AAPL']);
    board.write(0, { bid: 99, ask: 101 });
    const config = parsePaperBrokerConfig({ type: 'paper' });
    const hub = await paperDriver.prepare(config, { boardBuffer: board.buffer, tickers: board.tickers });
    const broker = paperDriver.create(config, hub.link(0).link);
    broker.onUpdate(() => {});
    await broker.submit({ clientOrderId: 'rest-1', ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'limit', limitPrice: 50, timeInForce: 'gtc', action: 'buy_long' });
    await broker.close();
    await hub.close();
    console.log('terminated', terminated);
  `;
  const outcome = await new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { timeout: 15_000 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? ((error.code as number | null) ?? null) : 0,
            killed: error?.killed ?? false,
            stdout,
            stderr,
          }),
      );
    },
  );
  assert.equal(outcome.killed, false, 'the process had to be killed: something kept it alive after close()');
  assert.equal(outcome.code, 0, outcome.stderr);
  // the venue thread wound down by itself, before hub.close() had to fall back to terminate()
  assert.equal(outcome.stdout.trim(), 'terminated false');
});

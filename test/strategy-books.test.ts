// Per-strategy books: two runner processes on one account (each its own `node` process, on one
// `salvo exchange` process, over its Alpaca API) hold positions in the same ticker; one liquidates at
// its end and the other's position and resting order stay untouched at the exchange, as its own HTTP
// API shows them; each report shows its own book and the account's; a start check leaves the other
// runner's live order alone even under onStartOrphans 'cancel'.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { runTrading, type OrderRequest, type SessionReport } from '../src/index.js';
import { CLIENT_ID_SHAPE, clientOrderId, strategyOf } from '../src/orders/order.js';
import { SALVO_ID } from '../src/journal/start-check.js';
import { KEY_ID, SECRET } from './helpers/alpaca-exchange.js';
import { captured, ROOT, type Running } from './helpers/cli.js';
import { startExchangeProcess, type ExchangeProcess } from './helpers/exchange-process.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { until, untilText, within } from './helpers/until.js';

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-books-'));
/** the account's keys, in the environment of the exchange and of every runner, as a trader sets them */
const KEYS = { APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: SECRET };
/** a runner process starts tsx, connects and warms up: generous on a loaded 2-core machine */
const PROCESS_MS = 60_000;
const exchanges: ExchangeProcess[] = [];
const runners: Runner[] = [];
after(async () => {
  for (const r of runners) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  for (const ex of exchanges) await ex.stop();
});

const market = (side: 'buy' | 'sell', quantity: number): OrderRequest => ({
  ticker: 'AAPL',
  quantity,
  side,
  orderType: 'market',
});

/** `salvo exchange` in a process of its own, on a free loopback port */
async function exchange(): Promise<ExchangeProcess> {
  const ex = await startExchangeProcess(['--tickers', 'AAPL'], KEYS);
  exchanges.push(ex);
  return ex;
}

/** GET `route` from the exchange's Alpaca API with the account's keys: what the account holds, not what a runner thinks */
async function alpaca<T>(ex: ExchangeProcess, route: string): Promise<T> {
  const res = await fetch(`${ex.restUrl}${route}`, {
    headers: { 'APCA-API-KEY-ID': KEY_ID, 'APCA-API-SECRET-KEY': SECRET },
  });
  assert.equal(res.status, 200, `GET ${route}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

const positionsAt = async (ex: ExchangeProcess) =>
  (await alpaca<Array<{ symbol: string; qty: string }>>(ex, '/v2/positions')).map((p) => [p.symbol, Number(p.qty)]);

interface AlpacaOrder {
  client_order_id: string;
  status: string;
  qty: string;
  filled_qty: string;
}
const openOrdersAt = (ex: ExchangeProcess) => alpaca<AlpacaOrder[]>(ex, '/v2/orders?status=open');
const orderAt = (ex: ExchangeProcess, clientOrderId: string) =>
  alpaca<AlpacaOrder>(ex, `/v2/orders:by_client_order_id?client_order_id=${encodeURIComponent(clientOrderId)}`);

interface Runner {
  child: Running['child'];
  /** its session log so far */
  stderr(): string;
  /** its report, once it has ended (of itself, or after Ctrl-C) with exit code 0 */
  report(): Promise<SessionReport>;
}

/** a runner process (test/helpers/books-runner.ts) on `ex`, sending `firstCall` at its first strategy call */
function runner(
  ex: ExchangeProcess,
  options: {
    tradeLogName: string;
    strategyId?: string;
    runSeconds: number;
    eosBehavior?: 'liquidate' | 'hold';
    onStartOrphans?: 'cancel';
    firstCall: OrderRequest[];
  },
): Runner {
  const args = { baseUrl: ex.restUrl, dataUrl: ex.dataUrl, logDir, ...options };
  const run = captured(
    spawn(process.execPath, ['--import', 'tsx', 'test/helpers/books-runner.ts', JSON.stringify(args)], {
      cwd: ROOT,
      env: { ...process.env, ...KEYS, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const what = `runner ${options.tradeLogName}`;
  const r: Runner = {
    child: run.child,
    stderr: () => run.stderr,
    async report() {
      const code = await within(run.closed, {
        what: `${what} to end`,
        timeoutMs: PROCESS_MS,
        detail: () => run.stderr,
      });
      assert.equal(code, 0, `${what} exited ${code}\n${run.stderr}`);
      return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as SessionReport;
    },
  };
  runners.push(r);
  return r;
}

test('two runner processes in one ticker: one liquidates its own, the other keeps its position at the exchange; both reconcile', async () => {
  const ex = await exchange();
  // the keeper buys 4 and rests a far-below limit buy, then trades no more until Ctrl-C
  const keeper = runner(ex, {
    strategyId: 'keeper',
    tradeLogName: 'books-keeper',
    runSeconds: 300,
    eosBehavior: 'hold',
    firstCall: [market('buy', 4), { ...market('buy', 1), orderType: 'limit', limitPrice: 1 }],
  });
  const resting = await until(
    async () => {
      const held = (await positionsAt(ex)).find(([ticker]) => ticker === 'AAPL')?.[1] === 4;
      return held ? (await openOrdersAt(ex)).find((o) => o.client_order_id.endsWith('-keeper')) : undefined;
    },
    { what: "the keeper's 4 AAPL and its resting order at the exchange", timeoutMs: PROCESS_MS, detail: keeper.stderr },
  );
  const closer = runner(ex, {
    strategyId: 'closer',
    tradeLogName: 'books-closer',
    runSeconds: 0.5,
    eosBehavior: 'liquidate',
    onStartOrphans: 'cancel',
    firstCall: [market('buy', 5), market('sell', 2)],
  });
  const closed = await closer.report();
  // the closer: its own book flat, the keeper's order theirs, the account's 4 left
  assert.equal(closed.strategyId, 'closer');
  assert.equal(closed.endReason, 'completed');
  assert.deepEqual(closed.orphans.count, 0, 'no orphan: the open order carries another strategy id');
  assert.deepEqual(closed.otherRunnersAtStart, {
    count: 1,
    strategies: ['keeper'],
    clientOrderIds: [resting.client_order_id],
  });
  assert.match(closer.stderr(), /1 open order\(s\) of other runners on this account \(strategy keeper\)/);
  assert.deepEqual(closed.positions, [], "the closer's own book is flat");
  const sold = [...byOrder(readLog(closed.tradeLogFile)).values()]
    .filter((h) => h.rows[0].action === 'liquidate')
    .map((h) => [h.terminal[0].status, h.terminal[0].executed_qty]);
  assert.deepEqual(sold, [['filled', '3']], 'it liquidated its own 3 (bought 5, sold 2), not the keeper’s 4');
  assert.deepEqual(
    closed.account.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 4]],
    'the account: the keeper’s 4',
  );
  assert.equal(closed.reconciled, true, closer.stderr());
  // at the exchange, after the closer's end: the keeper's 4 and its resting order as they were
  assert.deepEqual(await positionsAt(ex), [['AAPL', 4]], "the keeper's position untouched at the exchange");
  const stillResting = await orderAt(ex, resting.client_order_id);
  assert.deepEqual(
    [stillResting.status, stillResting.qty, stillResting.filled_qty],
    [resting.status, '1', '0'],
    "the keeper's order was not canceled",
  );
  assert.ok(keeper.child.exitCode === null, 'the keeper still trading');
  // the keeper, stopped with Ctrl-C: its own 4 held, the closer's round trip seen on the account and netted out
  keeper.child.kill('SIGINT');
  const kept = await keeper.report();
  assert.equal(kept.endReason, 'signal');
  assert.deepEqual(
    kept.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 4]],
  );
  assert.deepEqual(kept.account.otherRunners, { closer: { AAPL: 0 } });
  assert.equal(kept.reconciled, true, keeper.stderr());
  assert.equal(kept.orphans.count, 0);
  const ids = [...byOrder(readLog(kept.tradeLogFile)).keys()];
  assert.ok(ids.length >= 2 && ids.every((id) => strategyOf(id) === 'keeper' && SALVO_ID.test(id)), ids.join(' '));
  assert.deepEqual(await positionsAt(ex), [['AAPL', 4]], 'held at its end');
});

test('two runner processes on one strategy id: the one that did not place the order says so', async () => {
  const ex = await exchange();
  const first = runner(ex, {
    strategyId: 'twin',
    tradeLogName: 'twin-1',
    runSeconds: 300,
    eosBehavior: 'hold',
    firstCall: [],
  });
  await untilText(first.stderr, 'trading for', { what: 'the first twin trading', timeoutMs: PROCESS_MS });
  const second = runner(ex, {
    strategyId: 'twin',
    tradeLogName: 'twin-2',
    runSeconds: 0.3,
    firstCall: [market('buy', 1)],
  });
  const sent = await second.report();
  assert.equal(sent.orders.filled, 2, `its buy and the liquidation of it\n${second.stderr()}`);
  await untilText(first.stderr, /placed with this runner's strategy id 'twin', not by this session/, {
    what: 'the warning in the first twin',
  });
  first.child.kill('SIGINT');
  assert.equal((await first.report()).endReason, 'signal');
});

test('client order ids: blockpaca’s shape, then the strategy id; old ids still recognised; strategyOf reads it back', () => {
  assert.match(clientOrderId('buy_long', 3), /^buy_long-3-[0-9a-f]{8}$/);
  assert.equal(strategyOf('sell_long-12-0a1b2c3d'), undefined, 'an id made before strategy ids');
  assert.ok(SALVO_ID.test('sell_long-12-0a1b2c3d'));
  assert.equal(strategyOf('3f2c-uuid-from-another-client'), undefined);
  const action = fc.constantFrom('buy_long', 'buy_to_cover', 'cover_short', 'sell_long', 'liquidate', 'short_sell');
  const strategy = fc.stringMatching(/^[A-Za-z0-9][\w.-]{0,31}$/);
  fc.assert(
    fc.property(action, fc.integer({ min: 0, max: 64 }), strategy, (a, worker, id) => {
      const made = clientOrderId(a, worker, id);
      const [, gotAction, gotWorker, gotStrategy] = CLIENT_ID_SHAPE.exec(made)!;
      assert.deepEqual([gotAction, Number(gotWorker), gotStrategy], [a, worker, id]);
      assert.ok(made.length <= 128, "within Alpaca's client_order_id limit");
    }),
    { seed: 14, numRuns: 500 },
  );
  // hostile ids from the venue never throw, and are never taken for another runner's unless salvo-shaped
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (id) => {
      const got = strategyOf(id);
      assert.ok(got === undefined || CLIENT_ID_SHAPE.test(id));
    }),
    { seed: 14, numRuns: 500 },
  );
});

test('strategyId: a bad one is a one-line options error; the default is the trade log name', async () => {
  for (const bad of ['', 'has space', '-leading', 'x'.repeat(33), 'semi;colon'])
    await assert.rejects(
      runTrading({ strategy: () => undefined, tickers: ['AAPL'], strategyId: bad }),
      /strategyId must be 1 to 32 letters, digits, _ \. - starting with a letter or digit/,
    );
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? market('buy', 1) : undefined),
    tickers: ['AAPL'],
    runSeconds: 0.3,
    frequency: '100ms',
    warmUpPeriod: 2,
    tradeLogPath: logDir,
    tradeLogName: 'books-default',
    handleSignals: false,
    logger: () => undefined,
  });
  assert.equal(report.strategyId, 'books-default');
  const ids = [...byOrder(readLog(report.tradeLogFile)).keys()];
  assert.ok(ids.length > 0 && ids.every((id) => id.endsWith('-books-default')), ids.join(' '));
});

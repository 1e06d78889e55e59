// Reconciliation at start and resume from a journal, against salvo's exchange over Alpaca's API:
// orders left at the venue by a session that is gone are reported, adopted or canceled; a resumed
// session settles what its journal left open with the broker, never resends, and ends complete.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading } from '../src/index.js';
import { parseAlpacaBrokerConfig } from '../src/brokers/alpaca/config.js';
import { brokerDriver } from '../src/brokers/index.js';
import type { Broker, WireOrder } from '../src/brokers/broker.js';
import { accountIdentity, OrderJournal, readJournal } from '../src/journal/journal.js';
import type { Order } from '../src/orders/order.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { TRADE_LOG_COLUMNS } from '../src/journal/trade-log.js';
import { salvo, strategyDir } from './helpers/cli.js';
import { accountKey, dayFile, readDay, today, writeDay } from '../src/risk/persist.js';
import { checkAtStart, isLiveAccount } from '../src/journal/start-check.js';
import { OrderRegistry } from '../src/execution/order-registry.js';
import { KEY_ID, SECRET, quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';
import { spawn } from 'node:child_process';
import { until } from './helpers/until.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-resume-'));
const opened: Array<{ close(): Promise<unknown> }> = [];
after(async () => {
  for (const o of opened.reverse()) await o.close();
});

async function exchange(): Promise<TestExchange> {
  const ex = await startAlpacaExchange({ tickers: ['AAPL', 'MSFT'] });
  opened.push(ex);
  await quoted(ex.board);
  return ex;
}
const brokerOf = (ex: TestExchange) => ({
  type: 'alpaca',
  baseUrl: ex.server.restUrl,
  streamUrl: ex.server.streamUrl,
  keyId: KEY_ID,
  secretKey: SECRET,
});

/** another client on the same account (a session that is gone): orders placed straight at the venue */
async function client(ex: TestExchange): Promise<Broker> {
  const b = (await brokerDriver('alpaca')).create(parseAlpacaBrokerConfig(brokerOf(ex)), { workerId: 0 });
  await b.connect();
  opened.push(b);
  return b;
}
const resting = (id: string, ticker = 'AAPL'): WireOrder => ({
  clientOrderId: id,
  ticker,
  quantity: 1,
  side: 'buy',
  orderType: 'limit',
  limitPrice: 1,
  timeInForce: 'day',
  action: 'buy_long',
});
const market = (id: string, ticker = 'MSFT'): WireOrder => ({
  clientOrderId: id,
  ticker,
  quantity: 3,
  side: 'buy',
  orderType: 'market',
  timeInForce: 'day',
  action: 'buy_long',
});

const idle = () => undefined;
const session = (ex: TestExchange, name: string, extra: Record<string, unknown> = {}) => ({
  strategy: idle,
  tickers: ['AAPL', 'MSFT'],
  frequency: '100ms',
  runSeconds: 0.3,
  warmUpPeriod: 0,
  numWorkers: 2,
  eosBehavior: 'hold' as const,
  tradeLogPath: dir,
  tradeLogName: name,
  logger: idle,
  broker: brokerOf(ex),
  ...extra,
});

test('orphans at start: reported (default) and left alone, canceled, or adopted and closed at the end of session', async () => {
  const ex = await exchange();
  const other = await client(ex);
  await other.submit(resting('buy_long-3-0000aaa1'));
  await other.submit(resting('buy_long-1-0000aaa2', 'MSFT'));
  await other.submit(resting('manual-order-1')); // not salvo's: never touched
  const lines: string[] = [];
  const reported = await runTrading({
    ...session(ex, 'orphans-report'),
    logger: (_l: string, m: string) => lines.push(m),
  });
  assert.deepEqual(reported.orphans, {
    count: 2,
    tickers: ['AAPL', 'MSFT'],
    clientOrderIds: ['buy_long-3-0000aaa1', 'buy_long-1-0000aaa2'],
    action: 'report',
  });
  assert.ok(
    lines.some((l) =>
      l.includes('2 open order(s) with salvo client ids this session does not know, in AAPL, MSFT: left as they are'),
    ),
    lines.join('\n'),
  );
  assert.equal(ex.venue.getOrder('buy_long-3-0000aaa1')!.status, 'new', 'report leaves them resting');

  const adopted = await runTrading({
    ...session(ex, 'orphans-adopt'),
    onStartOrphans: 'adopt',
    eosBehavior: 'liquidate',
  });
  assert.equal(adopted.orphans.count, 2);
  const rows = byOrder(readLog(adopted.tradeLogFile));
  for (const id of ['buy_long-3-0000aaa1', 'buy_long-1-0000aaa2']) {
    assert.equal(rows.get(id)?.terminal.length, 1, `${id}: one terminal row`);
    assert.equal(rows.get(id)!.terminal[0].status, 'canceled');
    assert.equal(ex.venue.getOrder(id)!.status, 'canceled', 'canceled at the venue at end of session');
  }
  assert.equal(
    ex.venue.getOrder('manual-order-1')!.status,
    'new',
    'an order that is not salvo-shaped is never adopted',
  );
  assert.deepEqual(
    readJournal(adopted.journalFile)
      .intents.filter((i) => i.blockId === 'adopted')
      .map((i) => i.order.clientOrderId)
      .sort(),
    ['buy_long-1-0000aaa2', 'buy_long-3-0000aaa1'],
    'adopted orders are journaled: a resume after another crash knows them',
  );

  await other.submit(resting('short_sell-2-0000aaa3'));
  const canceled = await runTrading({ ...session(ex, 'orphans-cancel'), onStartOrphans: 'cancel' });
  assert.deepEqual(canceled.orphans.clientOrderIds, ['short_sell-2-0000aaa3']);
  const deadline = Date.now() + 5000;
  while (ex.venue.getOrder('short_sell-2-0000aaa3')!.status !== 'canceled' && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(ex.venue.getOrder('short_sell-2-0000aaa3')!.status, 'canceled');
  for (const file of fs.readdirSync(dir).filter((f) => f.startsWith('orphans-'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    assert.ok(!text.includes(SECRET) && !text.includes(KEY_ID), `${file} holds no credential`);
  }
});

/** a journal as a crashed session leaves it: header, intents of one block, some statuses */
/** a journal as a crashed session of this exchange's account left it (tag c0de), header written */
function openJournal(ex: TestExchange, name: string): OrderJournal {
  const j = OrderJournal.open(path.join(dir, `${name}.journal`), 'block');
  j.header({
    broker: 'alpaca',
    account: accountIdentity(brokerOf(ex)),
    session: name,
    sessionTag: 'c0de',
    startedAt: Date.now(),
    positions: [],
  });
  return j;
}

const asLeg = (o: WireOrder, leg: number, blockId = 'c0de-7'): Order => ({
  ...o,
  blockId,
  leg,
  workerId: leg + 1,
  status: 'queued',
  filledQty: 0,
  filledAvgPrice: 0,
  decidedAt: Date.now(),
  attempts: 0,
});

function crashedJournal(
  ex: TestExchange,
  name: string,
  orders: WireOrder[],
  statuses: Array<[string, Order['status'], number]> = [],
): void {
  const j = openJournal(ex, name);
  const legs = orders.map((o, leg) => asLeg(o, leg));
  j.intents(legs);
  for (const [id, status, at] of statuses)
    j.status({
      order: { ...legs.find((l) => l.clientOrderId === id)!, status },
      status,
      rawStatus: status,
      source: 'execution',
      at,
    });
  j.close();
}

test("resume: fills and cancels that happened meanwhile written with the broker's times, open orders adopted, the unsent intent failed and never resent", async () => {
  const ex = await exchange();
  const other = await client(ex);
  const filled = market('buy_long-1-00000b01');
  const open = resting('buy_long-2-00000b02');
  const canceledMeanwhile = resting('buy_long-1-00000b03', 'MSFT');
  const never = market('buy_long-2-00000b04', 'AAPL');
  crashedJournal(
    ex,
    'crashed',
    [filled, open, canceledMeanwhile, never],
    [['buy_long-2-00000b02', 'submitted', Date.now()]],
  );
  for (const o of [filled, open, canceledMeanwhile]) await other.submit(o); // what reached the venue before the kill
  await other.cancel(canceledMeanwhile.clientOrderId);
  const deadline = Date.now() + 5000;
  while (ex.venue.getOrder(filled.clientOrderId)!.status !== 'filled' && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const venueFillAt = Date.parse(
    String(
      (
        (await (
          await fetch(`${ex.server.restUrl}/v2/orders:by_client_order_id?client_order_id=${filled.clientOrderId}`, {
            headers: { 'APCA-API-KEY-ID': KEY_ID, 'APCA-API-SECRET-KEY': SECRET },
          })
        ).json()) as { updated_at: string }
      ).updated_at,
    ),
  );
  await new Promise((r) => setTimeout(r, 50)); // the broker's time must differ from the time salvo learns of it
  // the crashed session's CSV: its last block held only a refused leg, so it is in the CSV and not in the journal
  fs.writeFileSync(
    path.join(dir, 'crashed.csv'),
    `${TRADE_LOG_COLUMNS.join(',')}\nlocal,buy_long-0-00000b05,NOPE,0,0,rejected,buy,buy_long,1.000000,invalid,0,c0de-9,unknown ticker,\n`,
  );

  const report = await runTrading({ ...session(ex, 'crashed'), resume: true, eosBehavior: 'liquidate' });
  assert.deepEqual(report.resumed, {
    journaled: 4,
    settled: 2,
    adopted: 1,
    notSent: 1,
    rowsRestored: 0,
    positionMismatches: [],
  });
  const rows = byOrder(readLog(report.tradeLogFile));
  const fill = rows.get(filled.clientOrderId)!.terminal;
  assert.equal(fill.length, 1);
  assert.equal(fill[0].status, 'filled');
  assert.equal(fill[0].executed_qty, '3');
  assert.equal(Math.round(Number(fill[0].timestamp) * 1000), venueFillAt, "the fill row carries the venue's time");
  assert.equal(rows.get(canceledMeanwhile.clientOrderId)!.terminal[0].status, 'canceled');
  assert.equal(
    rows.get(open.clientOrderId)!.terminal[0].status,
    'canceled',
    'adopted, then canceled at end of session',
  );
  assert.equal(ex.venue.getOrder(open.clientOrderId)!.status, 'canceled');
  const notSent = rows.get(never.clientOrderId)!.terminal;
  assert.deepEqual([notSent.length, notSent[0].status, notSent[0].reason], [1, 'failed', 'not sent (crash)']);
  assert.equal(ex.server.createdPerClientOrderId().get(never.clientOrderId), undefined, 'never resent');
  for (const [id, n] of ex.server.createdPerClientOrderId()) assert.equal(n, 1, `${id} reached the venue once`);
  assert.equal(report.reconciled, true);
  assert.deepEqual(report.positions, [], 'the fill found at resume was liquidated at the end');
  assert.equal(report.orphans.count, 0, "the journal's own orders are not orphans");
  const journal = readJournal(report.journalFile);
  assert.equal(journal.headers.length, 2);
  assert.equal(journal.headers[1].resumed, true);
  assert.equal(journal.headers[1].sessionTag, 'c0de');
  const liquidation = journal.intents.filter((i) => i.order.action === 'liquidate');
  assert.ok(
    liquidation.length > 0 && liquidation.every((i) => i.blockId === 'c0de-10'),
    "the block numbers go on from the journal's and the CSV's",
  );
  assert.equal(rows.get('buy_long-0-00000b05')!.rows.length, 1, 'the CSV is appended to, its rows kept');
});

test("resume refuses, in one line, with no journal, another account, or the in-process paper broker; a fresh start refuses a crashed session's journal", async () => {
  const ex = await exchange();
  await assert.rejects(
    runTrading({ ...session(ex, 'never-ran'), resume: true }),
    /no order journal to resume from: .*never-ran\.journal \(ENOENT\)/,
  );
  crashedJournal(ex, 'theirs', [market('buy_long-1-00000c01')]);
  await assert.rejects(
    runTrading({ ...session(ex, 'theirs'), resume: true, broker: { ...brokerOf(ex), keyId: 'PKANOTHERKEY00000' } }),
    /theirs\.journal was written for another alpaca account .*refusing to resume/,
  );
  await assert.rejects(
    runTrading({ ...session(ex, 'theirs'), resume: true, broker: 'paper' }),
    /written for broker 'alpaca', this session uses 'paper'/,
  );
  await assert.rejects(
    runTrading({ ...session(ex, 'x'), tradeLogName: undefined, resume: true }),
    /resume: true needs the tradeLogName/,
  );
  await assert.rejects(
    runTrading(session(ex, 'theirs')),
    /theirs\.journal holds 1 order\(s\) not final from a session that did not end: resume it \(resume: true, salvo run --resume theirs\)/,
  );
  assert.equal(ex.server.createdPerClientOrderId().size, 0, 'nothing was sent');
});

test('salvo run --resume: the crashed session picked up from the command line; bad uses refused in one line', async () => {
  const ex = await exchange();
  const other = await client(ex);
  const open = resting('buy_long-1-00000d01');
  crashedJournal(ex, 'cli-crashed', [open]);
  await other.submit(open);
  const cwd = strategyDir('resume-cli');
  fs.writeFileSync(path.join(cwd, 'idle.mjs'), 'export default function strategy() {}\n');
  fs.writeFileSync(
    path.join(cwd, 'salvo.config.json'),
    JSON.stringify({ tickers: ['AAPL', 'MSFT'], broker: brokerOf(ex), warmUpPeriod: 0 }),
  );
  const r = await salvo(
    ['run', 'idle.mjs', '--resume', 'cli-crashed', '--log-path', dir, '--run', '0.3', '--no-display'],
    { cwd },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /resumed\s+1 journaled order\(s\): 0 settled while down, 1 adopted, 0 never sent/);
  assert.equal(
    ex.venue.getOrder(open.clientOrderId)!.status,
    'canceled',
    'the adopted order is closed at the end of session',
  );
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
  const none = await salvo(
    ['run', 'idle.mjs', '--resume', 'no-such-session', '--log-path', dir, '--run', '0.3', '--no-display'],
    { cwd },
  );
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^salvo run: no order journal to resume from: .*no-such-session\.journal \(ENOENT\)$/m);
  const both = await salvo(['run', 'idle.mjs', '--resume', 'a', '--log-name', 'b', '--no-display'], { cwd });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--resume a and --log-name b name different sessions: give one/);
});

test("resume restores the day's risk state: the crashed session's realized P&L counted once, a halt kept", async () => {
  const ex = await exchange();
  const name = 'pnl-crashed';
  // the crashed session (tag c0de) bought 10 AAPL at 100 and sold them at 90: -100, in its journal
  const j = openJournal(ex, name);
  const trades: Array<[WireOrder, number]> = [
    [{ ...market('buy_long-1-00000e01', 'AAPL'), quantity: 10 }, 100],
    [{ ...market('sell_long-2-00000e02', 'AAPL'), quantity: 10, side: 'sell', action: 'sell_long' }, 90],
  ];
  for (const [n, [o, price]] of trades.entries()) {
    const order = asLeg(o, 0, `c0de-${n + 1}`);
    j.intents([order]);
    j.status({
      order: { ...order, status: 'filled', filledQty: 10, filledAvgPrice: price },
      status: 'filled',
      rawStatus: 'fill',
      source: 'execution',
      at: Date.now(),
    });
  }
  j.close();
  // its saved day: its own -100 (saved before the crash) and an earlier session's -50
  const file = dayFile(dir, accountKey(brokerOf(ex)));
  const day = { account: accountKey(brokerOf(ex)), day: today(), state: 'ACTIVE' as const, reason: '', since: '' };
  writeDay(file, { ...day, realizedPnl: -150, bySession: { c0de: -100, f00d: -50 } });
  // a 200 daily loss limit: -150 is within it, -250 (the crashed session counted twice) would halt
  const report = await runTrading({ ...session(ex, name), resume: true, risk: { maxDailyLoss: 200 } });
  assert.equal(report.risk.state, 'ACTIVE', JSON.stringify(report.risk.breaches));
  assert.equal(report.realizedPnl, -100, "the resumed session's own P&L, rebuilt from its journal");
  assert.equal(readDay(file, today())?.realizedPnl, -150, "the day's P&L counts the crashed session once");
  // a halt of the day holds across a resume: the strategy's orders are refused, nothing is sent
  writeDay(file, { ...day, realizedPnl: -150, state: 'HALTED', reason: 'maxDailyLoss breached', since: 'earlier' });
  const buy = () => [{ ticker: 'AAPL', quantity: 1, side: 'buy' as const, orderType: 'market' as const }];
  const halted = await runTrading({ ...session(ex, name), resume: true, strategy: buy });
  assert.equal(halted.risk.state, 'HALTED');
  assert.ok(halted.risk.refusals.total > 0, 'the strategy tried');
  assert.equal(ex.server.createdPerClientOrderId().size, 0, 'nothing reached the venue while HALTED');
});

test('a live account with orphans refuses to start until onStartOrphans says what to do; paper and loopback report them', async () => {
  for (const url of ['https://api.alpaca.markets', 'https://broker.example.com/v2'])
    assert.equal(isLiveAccount({ type: 'alpaca', baseUrl: url }), true, url);
  for (const url of ['https://paper-api.alpaca.markets', 'http://127.0.0.1:9090', 'http://localhost:1'])
    assert.equal(isLiveAccount({ type: 'alpaca', baseUrl: url }), false, url);
  assert.equal(isLiveAccount({ type: 'alpaca' }), false, "Alpaca's default is its paper endpoint");
  const ex = await exchange();
  const other = await client(ex);
  await other.submit(resting('buy_long-1-00000f01'));
  const lines: string[] = [];
  const log = { info: () => undefined, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const check = (live: boolean, policy?: 'report' | 'adopt' | 'cancel') =>
    checkAtStart({
      broker: other,
      book: new OrderRegistry(),
      log,
      policy,
      live,
      strategyId: 'resume',
      numWorkers: 1,
      adopted: () => undefined,
    });
  await assert.rejects(
    check(true),
    /^Error: 1 open order\(s\) with salvo client ids this session does not know, in AAPL, on a live account: refusing to start; say what to do with them: onStartOrphans 'report'/,
  );
  assert.equal(ex.venue.getOrder('buy_long-1-00000f01')?.status, 'new', 'left as it was');
  const told = await check(true, 'report');
  assert.deepEqual([told.orphans.count, told.orphans.action], [1, 'report']);
  const paper = await check(false);
  assert.deepEqual([paper.orphans.count, paper.orphans.action], [1, 'report']);
  assert.match(lines.at(-1) ?? '', /left as they are \(onStartOrphans 'report'/);
});

test("resume after kill -9: a bracket's exits, named by Alpaca, are asked for by the venue's ids, adopted and closed; the account ends flat", async () => {
  const ex = await exchange();
  const name = 'bracket-killed';
  const journalFile = path.join(dir, `${name}.journal`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'helpers', 'bracket-runner.ts'),
      JSON.stringify({ broker: brokerOf(ex), ticker: 'AAPL', tradeLogPath: dir, tradeLogName: name }),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.once('exit', r));
  // the exits' aliases journaled and the entry filled at the venue: the exits rest there
  const aliases = await until(
    () => {
      if (child.exitCode !== null) throw new Error(`the session ended before it was killed:\n${stderr}`);
      // no header yet: the session has not reached its first order
      if (!fs.existsSync(journalFile) || !fs.readFileSync(journalFile, 'utf8').includes('"t":"header"'))
        return undefined;
      const j = readJournal(journalFile);
      const entry = j.intents.find((i) => i.order.orderClass === 'bracket');
      return j.aliases.length === 2 && entry && ex.venue.getOrder(entry.order.clientOrderId)?.status === 'filled'
        ? j.aliases
        : undefined;
    },
    { what: "the bracket's entry filled and its exits' aliases journaled", timeoutMs: 60_000, detail: () => stderr },
  );
  child.kill('SIGKILL');
  await exited;
  for (const a of aliases) {
    assert.notEqual(a.venueClientOrderId, a.clientOrderId, 'Alpaca names the exits itself');
    assert.ok(
      !['filled', 'canceled'].includes(String(ex.venue.getOrder(a.venueClientOrderId)?.status)),
      `exit ${a.clientOrderId} still live at the venue after the kill`,
    );
  }

  const report = await runTrading({ ...session(ex, name), resume: true, eosBehavior: 'liquidate' });
  assert.equal(report.resumed?.notSent, 0, 'no exit marked not sent');
  assert.equal(report.resumed?.adopted, 2, 'both exits adopted');
  const rows = byOrder(readLog(report.tradeLogFile));
  for (const a of aliases) {
    const terminal = rows.get(a.clientOrderId)?.terminal ?? [];
    assert.equal(terminal.length, 1, `exit ${a.clientOrderId}: one terminal row`);
    assert.equal(terminal[0].status, 'canceled', `exit ${a.clientOrderId} canceled at the end of session`);
    assert.equal(ex.venue.getOrder(a.venueClientOrderId)?.status, 'canceled', 'canceled at the venue too');
  }
  for (const [id, h] of rows) assert.equal(h.terminal.length, 1, `${id}: one terminal row`);
  assert.deepEqual(report.positions, [], 'flat in the session report');
  assert.deepEqual(await (await client(ex)).positions(), [], 'flat at the exchange');
  assert.deepEqual(await (await client(ex)).openOrders(), [], 'nothing left open at the exchange');
});

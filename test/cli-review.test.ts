// `salvo review`, driven as a user would, on a log from a real session, on a blockpaca-format log,
// and on damaged input.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runTrading, type OrderRequest, type SessionReport, type StrategyContext } from '../src/index.js';
import { reviewLogs } from '../src/cli/review/command.js';
import { salvo, tmpDir } from './helpers/cli.js';
import { simLogRun } from './helpers/review-session.js';
import { byOrder, countTerminal, readLog } from './helpers/trade-log.js';

const dir = tmpDir('review');
let log = '';
let report: SessionReport;

before(async () => {
  const tickers = ['AAPL', 'MSFT', 'NVDA', 'AMZN'];
  const strategy = (ctx: StrategyContext): OrderRequest[] => {
    const { quotes } = ctx.getCurrentData();
    const legs: OrderRequest[] = tickers.map((ticker) => ({
      ticker,
      quantity: 1 + (ctx.tick % 3),
      side: 'buy',
      orderType: 'market',
    }));
    if (ctx.tick % 2 === 0)
      legs.push({ ticker: 'AAPL', quantity: 1, side: 'sell', orderType: 'market', action: 'sell_long' });
    legs.push({
      ticker: 'MSFT',
      quantity: 1,
      side: 'buy',
      orderType: 'limit',
      limitPrice: Math.round(quotes.MSFT.bid * 50) / 100,
    }); // rests, canceled at the end
    legs.push({ ticker: 'NVDA', quantity: -1, side: 'buy', orderType: 'market' }); // rejected before sending
    return legs;
  };
  report = await runTrading({
    strategy,
    tickers,
    frequency: '100ms',
    runSeconds: 1.2,
    numWorkers: 3,
    eosBehavior: 'liquidate',
    eosTimeout: 5,
    ...simLogRun(dir, 'session', { volatility: 3, seed: 11 }),
  });
  log = report.tradeLogFile;
});

/** the odd and damaged logs the tests review: each test writes the ones it reads */
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const fixtures = {
  blockpaca: () => write('blockpaca.csv', BLOCKPACA),
  /** the session's log with its last row cut in half (a killed session) */
  cut: () => {
    const text = fs.readFileSync(log, 'utf8');
    return write(
      'cut.csv',
      text.slice(0, text.trimEnd().length - Math.floor(text.trimEnd().split('\n').at(-1)!.length / 2)),
    );
  },
  /** cut inside a quoted field */
  quoted: () => write('quoted.csv', `${BLOCKPACA}execution,x-1-00000000,SPY,0.0,0.0,"rejec`),
  /** line 4's executed_qty and line 10's timestamp are not numbers */
  nonnumeric: () => {
    const lines = BLOCKPACA.trimEnd().split('\n');
    lines[3] = lines[3].replace(',4.0,', ',four,');
    lines[9] = lines[9].replace('1766515662.000000', 'yesterday');
    return write('nonnumeric.csv', `${lines.join('\n')}\n`);
  },
};

test('a salvo log from a real session: text report', async () => {
  const r = await salvo(['review', log]);
  assert.equal(r.code, 0, r.stderr);
  const counts = countTerminal(byOrder(readLog(log)));
  assert.match(r.stdout, /^salvo review: session\.csv \(salvo, \d+ rows\); \d+ orders, /);
  for (const status of ['filled', 'canceled', 'rejected']) {
    assert.match(r.stdout, new RegExp(`\\n  ${status} +${counts[status]} `), `${status} count`);
  }
  assert.match(r.stdout, /fill ratio: \d+ of \d+ orders filled/);
  assert.match(r.stdout, /sent → first fill +\d+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+/);
  assert.match(r.stdout, /quantity must be a positive finite number/);
  assert.match(r.stdout, /Per ticker .*average-cost/);
  assert.match(r.stdout, /Blocks: \d+, \d+ with two or more legs sent; leg skew/);
  assert.match(
    r.stdout,
    /queued \d\d:\d\d:\d\d\.\d{3} → submitted \+[\d.]+ms → new \+[\d.]+ms → filled \d+@[\d.]+ \+[\d.]+ms/,
  );
  assert.doesNotMatch(r.stdout, /NEVER REACHED/);
});

test('--json: the same summary as JSON, agreeing with the CSV and the session report', async () => {
  const r = await salvo(['review', log, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  const orders = byOrder(readLog(log));
  const counts = countTerminal(orders);
  assert.deepEqual(Object.keys(s), [
    'files',
    'rows',
    'period',
    'orders',
    'neverTerminal',
    'fillRatio',
    'rejections',
    'pnl',
    'latencyMs',
    'lifecycles',
    'blocks',
    'timeline',
    'anomalies',
    'journals',
  ]);
  assert.equal(s.files[0].format, 'salvo');
  // the session's order journal beside the CSV: every journaled order has its terminal row
  assert.ok(s.journals[0].journaled > 0 && s.journals[0].journaled < orders.size, 'refused legs are not journaled');
  assert.equal(s.journals[0].unaccounted.count, 0);
  assert.deepEqual(s.journals[0].warnings, []);
  assert.equal(s.rows, readLog(log).length);
  assert.equal(s.orders.total, orders.size);
  for (const status of ['filled', 'canceled', 'rejected', 'expired', 'failed'])
    assert.equal(s.orders.byStatus[status], counts[status], status);
  assert.equal(s.orders.open, 0);
  assert.equal(s.neverTerminal.count, 0);
  assert.equal(s.fillRatio.filled, counts.filled);
  assert.equal(s.fillRatio.ratio, Math.round((counts.filled / orders.size) * 1e4) / 1e4);
  const invalid = s.rejections.find((g: { example: string }) =>
    g.example.includes('quantity must be a positive finite number'),
  );
  assert.equal(invalid.count, report.ticks, 'one invalid leg per strategy call, grouped as one reason');
  assert.equal(s.pnl.method, 'average-cost');
  assert.ok(
    Math.abs(s.pnl.realized - report.realizedPnl) < 1e-6,
    `review ${s.pnl.realized} vs session ${report.realizedPnl}`,
  );
  for (const t of s.pnl.tickers) assert.equal(t.position, 0, `${t.ticker} flat after liquidate`);
  assert.equal(
    s.latencyMs.submitToFill.count,
    [...orders.values()].filter((h) => h.rows.some((x) => Number(x.executed_qty) > 0)).length,
  );
  assert.ok(
    s.latencyMs.submitToFill.p50 <= s.latencyMs.submitToFill.p90 &&
      s.latencyMs.submitToFill.p90 <= s.latencyMs.submitToFill.p99,
  );
  assert.ok(s.blocks.multiLeg >= report.ticks, 'every strategy call sent several legs');
  assert.ok(s.blocks.skewMs.max >= 0);
  assert.equal(s.lifecycles.all, false);
  assert.equal(s.lifecycles.slowest.length, 5);
  for (const status of ['rejected', 'canceled'])
    assert.ok(
      s.lifecycles.examples.some((e: { status: string }) => e.status === status),
      `an example of a ${status} order`,
    );
  assert.ok(s.timeline.pnl.length > 0 && s.timeline.gross.length > 0 && s.timeline.fillsPerMinute.length > 0);
});

// blockpaca: the first ten columns only, OrderStatus.X raw statuses, epoch seconds with decimals
const BLOCKPACA = `${[
  'type,client_order_id,ticker,executed_price,executed_qty,status,side,action,timestamp,raw_status',
  'execution,buy_long-7-2304b6b1,DIA,0.0,0.0,pending_new,buy,buy_long,1766515599.059126,OrderStatus.PENDING_NEW',
  'execution,buy_long-7-2304b6b1,DIA,0.0,0.0,new,buy,buy_long,1766515599.064126,OrderStatus.NEW',
  'execution,buy_long-7-2304b6b1,DIA,100.0,4.0,partially_filled,buy,buy_long,1766515599.079126,OrderStatus.PARTIALLY_FILLED',
  'execution,buy_long-7-2304b6b1,DIA,100.6,10.0,filled,buy,buy_long,1766515599.099126,OrderStatus.FILLED',
  'execution,sell_long-3-9f00aa01,DIA,0.0,0.0,pending_new,sell,sell_long,1766515660.000000,OrderStatus.PENDING_NEW',
  'execution,sell_long-3-9f00aa01,DIA,102.0,10.0,filled,sell,sell_long,1766515660.040000,OrderStatus.FILLED',
  'execution,short_sell-1-00c0ffee,SPY,0.0,0.0,pending_new,sell,short_sell,1766515661.000000,OrderStatus.PENDING_NEW',
  'execution,short_sell-1-00c0ffee,SPY,0.0,0.0,rejected,sell,short_sell,1766515661.010000,OrderStatus.REJECTED',
  'execution,buy_long-2-0badf00d,QQQ,0.0,0.0,pending_new,buy,buy_long,1766515662.000000,OrderStatus.PENDING_NEW',
  'execution,buy_long-2-0badf00d,QQQ,0.0,0.0,new,buy,buy_long,1766515662.005000,OrderStatus.NEW',
  'execution,buy_long-2-0badf00d,QQQ,0.0,0.0,canceled,buy,buy_long,1766515663.000000,OrderStatus.CANCELED',
  'execution,buy_long-4-12345678,SPY,0.0,0.0,pending_new,buy,buy_long,1766515664.000000,OrderStatus.PENDING_NEW',
  'execution,buy_long-4-12345678,SPY,0.0,0.0,new,buy,buy_long,1766515664.003000,OrderStatus.NEW',
].join('\n')}\n`;

test('a blockpaca log: fills from executed_qty increases, average-cost P&L, the open order shouted', async () => {
  const file = fixtures.blockpaca();
  const json = await salvo(['review', file, '--json']);
  assert.equal(json.code, 1, 'an order never reached a terminal status');
  const s = JSON.parse(json.stdout);
  assert.equal(s.files[0].format, 'blockpaca');
  assert.equal(s.blocks, null, 'no block ids in a blockpaca log');
  assert.deepEqual(s.orders.byStatus, { filled: 2, canceled: 1, rejected: 1, expired: 0, failed: 0 });
  assert.equal(s.neverTerminal.count, 1);
  assert.deepEqual(s.neverTerminal.orders[0], {
    id: 'buy_long-4-12345678',
    ticker: 'SPY',
    side: 'buy',
    lastStatus: 'new',
    lastAt: 1766515664.003,
    file,
    line: 14,
  });
  const dia = s.pnl.tickers.find((t: { ticker: string }) => t.ticker === 'DIA');
  // 4 @ 100, then 6 @ 101 (so the average is 100.6), sold 10 @ 102: realized 10 × (102 − 100.6)
  assert.deepEqual(dia, {
    ticker: 'DIA',
    fills: 3,
    boughtQty: 10,
    avgBuyPrice: 100.6,
    soldQty: 10,
    avgSellPrice: 102,
    position: 0,
    avgCost: null,
    realized: 14,
  });
  assert.equal(s.pnl.realized, 14);
  assert.deepEqual(s.rejections, [
    { reason: '(no reason recorded)', count: 1, statuses: { rejected: 1 }, example: '(no reason recorded)' },
  ]);
  assert.equal(s.latencyMs.submitToFill.count, 2);
  assert.equal(s.latencyMs.submitToFill.max, 40, 'pending_new → first fill of the sell');
  assert.equal(s.latencyMs.submitToFill.p50, 20);

  const text = await salvo(['review', file]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /!!! 1 order\(s\) NEVER REACHED A TERMINAL STATUS/);
  assert.match(
    text.stdout,
    /!!! +buy_long-4-12345678 +SPY buy +last: new at \d\d:\d\d:\d\d\.003 +\(blockpaca\.csv line 14\)/,
  );
  assert.match(
    text.stdout,
    /pending_new \d\d:\d\d:\d\d\.059 → new \+5\.00ms → partially_filled 4@100\.00 \+20\.0ms → filled 6@101\.00 \+40\.0ms/,
  );
  assert.match(text.stderr, /1 order\(s\) never reached a terminal status/);
});

test('several logs are reviewed together', async () => {
  const r = await salvo(['review', log, fixtures.blockpaca(), '--json']);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(
    s.files.map((f: { format: string }) => f.format),
    ['salvo', 'blockpaca'],
  );
  assert.equal(s.rows, readLog(log).length + 13);
});

test('a truncated log (a killed session) is reviewed up to the damage, with a warning', async () => {
  const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  const cut = fixtures.cut();
  const r = await salvo(['review', cut, '--json']);
  assert.equal(r.code, 1);
  const s = JSON.parse(r.stdout);
  assert.equal(s.rows, lines.length - 2, 'every complete row');
  assert.equal(s.files[0].stoppedAt, lines.length);
  assert.match(
    s.files[0].warnings[0].message,
    new RegExp(
      `^line ${lines.length} is cut short \\(\\d+ of 14 fields\\): the log ends mid-row \\(a killed session\\?\\); reviewed up to line ${lines.length - 1}$`,
    ),
  );
  const t = await salvo(['review', cut]);
  assert.match(t.stdout, /warning: cut\.csv has 1 problem/);
  assert.match(t.stdout, /Warnings\n.*cut\.csv: line \d+ is cut short/);

  // cut inside a quoted field
  const q = await salvo(['review', fixtures.quoted(), '--json']);
  assert.equal(q.code, 1);
  assert.match(JSON.parse(q.stdout).files[0].warnings[0].message, /^line 15: the file ends inside a quoted field/);
});

test('wrong columns, a missing file, an empty file: exit 2 with a clear message', async () => {
  const wrong = path.join(dir, 'wrong.csv');
  fs.writeFileSync(wrong, 'ticker,price,qty\nAAPL,1,2\n');
  const r = await salvo(['review', wrong]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /wrong\.csv: line 1: not a trade log: expected the columns type,client_order_id,ticker,executed_price,executed_qty,status,side,action,timestamp,raw_status .*got ticker,price,qty \(missing: type, client_order_id,/,
  );

  const headerless = path.join(dir, 'headerless.csv');
  fs.writeFileSync(headerless, BLOCKPACA.split('\n').slice(1).join('\n'));
  const h = await salvo(['review', headerless]);
  assert.equal(h.code, 2);
  assert.match(h.stderr, /line 1: no header line/);

  const missing = await salvo(['review', path.join(dir, 'nope.csv')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.csv: no such file/);

  const empty = path.join(dir, 'empty.csv');
  fs.writeFileSync(empty, '');
  const e = await salvo(['review', empty]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /empty\.csv: the file is empty/);
});

test('non-numeric fields: the row is skipped with its line number, the rest reviewed', async () => {
  const r = await salvo(['review', fixtures.nonnumeric(), '--json']);
  assert.equal(r.code, 1);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(
    s.files[0].warnings.map((w: { message: string }) => w.message),
    [
      'line 4: executed_qty is not a number: "four"; row skipped',
      'line 10: timestamp is not a timestamp: "yesterday"; row skipped',
    ],
  );
  assert.equal(s.files[0].skipped, 2);
  assert.equal(s.rows, 11);
});

test('parallel parsing (large logs) gives exactly the sequential review, damage included', async () => {
  // tiny segments: every file below is cut into many, at rows, inside quoted fields never
  const parallel = { SALVO_REVIEW_PARALLEL_BYTES: '1', SALVO_REVIEW_SEGMENT_BYTES: '300' };
  const sequential = { SALVO_REVIEW_PARALLEL_BYTES: String(2 ** 40) };
  const quotedReasons = path.join(dir, 'quoted-reasons.csv');
  fs.writeFileSync(
    quotedReasons,
    BLOCKPACA +
      Array.from(
        { length: 40 },
        (_, i) =>
          `execution,buy_long-1-${String(i).padStart(8, '0')},SPY,0.0,0.0,rejected,buy,buy_long,${1766515700 + i}.5,"OrderStatus.REJECTED\nline two, ""quoted"""`,
      ).join('\n') +
      '\n',
  );
  const files = [log, fixtures.blockpaca(), fixtures.cut(), fixtures.quoted(), fixtures.nonnumeric(), quotedReasons];
  const saved = { ...process.env };
  try {
    for (const file of files) {
      Object.assign(process.env, sequential);
      const a = await reviewLogs([file]);
      Object.assign(process.env, parallel);
      const b = await reviewLogs([file]);
      assert.deepEqual(b, a, `${path.basename(file)}: same summary`);
    }
  } finally {
    for (const key of Object.keys(parallel))
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
  }
  // and through the command
  const r = await salvo(['review', files[0], '--json'], { env: parallel });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(await reviewLogs([files[0]]))));
});

test('timestamps are written with the millisecond they have; a log written with six decimals reads back the same', async () => {
  const rows = readLog(log);
  const times = rows.map((r) => r.timestamp);
  const bad = times.filter((t) => !/^\d{10}\.\d{3}$/.test(t));
  assert.deepEqual(bad, [], 'epoch seconds with three decimals');
  const [from, to] = [report.startedAt.getTime() - 1000, report.endedAt.getTime()];
  assert.ok(
    times.every((t) => Number(t) * 1000 >= from && Number(t) * 1000 <= to),
    'every row stamped within the session',
  );
  // the same log as earlier versions wrote it: six decimals, the last three always zero
  const text = fs.readFileSync(log, 'utf8');
  const six = write('six-decimals.csv', text.replace(/,(\d{10}\.\d{3}),/g, ',$1000,'));
  assert.equal(readLog(six).filter((r) => /^\d{10}\.\d{3}000$/.test(r.timestamp)).length, rows.length);
  // the session's journal sits beside its own CSV only; the rows are what is compared
  const { files: _a, journals: _j, ...now } = await reviewLogs([log]);
  const { files: _b, journals: _k, ...before } = await reviewLogs([six]);
  assert.deepEqual(before, now, 'the review is the same');
});

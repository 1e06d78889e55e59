// A disk that fills up, with real processes: a runner under a file size limit (bash's ulimit -f,
// so its writes fail with EFBIG after a short write, as on a full disk) against salvo's exchange
// in another process (Alpaca face). When the order journal or the CSV cannot be written the
// session says why in one line, stops sending the strategy's orders and ends; no record is left
// half-written; every order that reached the exchange was journaled first; what was sent is
// accounted for — by terminal rows, or (the CSV full) by the journal, whose resume writes the
// missing rows once there is room again.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJournal } from '../src/journal/journal.js';
import { salvo } from './helpers/cli.js';
import { TRADE_LOG_COLUMNS } from '../src/journal/trade-log.js';
import {
  checkVenue,
  emptyResult,
  exchangeProcess,
  runner,
  type ExchangeProcess,
  type Run,
} from './helpers/fault-chain.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-disk-'));
const LIMIT_KB = 24;
// long enough that a session that does not stop would be seen: it ends on the write failure
const RUN_SECONDS = 30;
const PLANNED_TICKS = RUN_SECONDS * 10;
let ex: ExchangeProcess;
before(async () => {
  ex = await exchangeProcess();
});
after(async () => {
  await ex?.close();
});

const report = (run: Run) => JSON.parse(run.stdout.trim().split('\n').pop()!);
const failureLines = (run: Run) => run.stderr.split('\n').filter((l) => / cannot be written \(/.test(l));

async function fullDisk(name: string, tickers: string[]) {
  const args = { broker: ex.broker, tickers, tradeLogPath: dir, tradeLogName: name, runSeconds: RUN_SECONDS };
  const run = await runner({ ...args, resume: false }, undefined, LIMIT_KB);
  assert.equal(run.code, 0, `the runner ends on its own, not by a crash: ${run.stderr.slice(-2000)}`);
  const r = report(run);
  assert.equal(r.endReason, 'write failed');
  assert.ok(r.ticks < PLANNED_TICKS, `stopped early: ${r.ticks} of ${PLANNED_TICKS} ticks`);
  const journal = readJournal(path.join(dir, `${name}.journal`));
  assert.deepEqual(journal.warnings, [], 'no half-written journal record');
  const venue = await ex.state();
  const intents = new Set(journal.intents.map((i) => i.order.clientOrderId));
  const ours = venue.orders.filter((o) => tickers.includes(o.ticker));
  assert.ok(ours.length > 0, 'orders reached the exchange before the disk filled');
  assert.deepEqual(
    ours.filter((o) => !intents.has(o.id)).map((o) => o.id),
    [],
    'every order at the exchange was journaled before it was sent',
  );
  const csv = fs.readFileSync(path.join(dir, `${name}.csv`), 'utf8');
  assert.ok(csv.endsWith('\n'), 'no half-written CSV row');
  return { args, run, report: r };
}

async function resumeAndCheck(args: Record<string, unknown>, name: string, tickers: string[]) {
  const resumed = await runner({ ...args, runSeconds: 1, resume: true });
  assert.equal(resumed.code, 0, resumed.stderr.slice(-2000));
  const result = emptyResult();
  result.finalReport = report(resumed);
  await checkVenue(ex, { dir, name, tickers }, result);
  assert.deepEqual(
    result.unaccounted,
    [],
    'after the resume every order has one terminal row that agrees with the venue',
  );
  assert.deepEqual(result.positionsSalvo, result.positionsVenue);
  assert.deepEqual(result.positionsVenue, {}, 'liquidated at the end of the resumed session');
  return result;
}

test('the journal fills up: one line says so, nothing more is sent, every order has its terminal row', {
  timeout: 180_000,
}, async () => {
  const name = 'journal-full';
  const tickers = ['AAPL', 'MSFT'];
  const { args, run, report: r } = await fullDisk(name, tickers);
  const lines = failureLines(run);
  assert.equal(lines.length, 1, `said once: ${lines.join(' | ')}`);
  assert.match(lines[0], /the order journal cannot be written \(EFBIG: file too large.*no new order is sent/);
  // the CSV still had room: the end of session's rows are there, and the positions salvo says it holds are the venue's
  const result = emptyResult();
  result.finalReport = r;
  await checkVenue(ex, { dir, name, tickers }, result);
  assert.deepEqual(result.unaccounted, [], 'every order the exchange saw has one terminal row');
  assert.deepEqual(result.positionsSalvo, result.positionsVenue, "salvo's positions are the venue's");
  // the liquidation could not be journaled, so it was not sent: salvo diagnose shows what is held
  assert.notDeepEqual(result.positionsVenue, {});
  const cwd = path.join(dir, 'diagnose');
  fs.mkdirSync(cwd, { recursive: true });
  fs.writeFileSync(path.join(cwd, 'salvo.config.json'), JSON.stringify({ tickers, broker: ex.broker }));
  const diagnosed = await salvo(['diagnose', '--log-path', dir], { cwd });
  const held = Object.entries(result.positionsVenue).map(([t, q]) => `${t} ${q}`);
  assert.match(diagnosed.stdout, new RegExp(`0 open order\\(s\\) with salvo client ids, positions: .*${held[0]}`));
  await resumeAndCheck(args, name, tickers);
});

test('the CSV fills up: one line says so, the journal keeps what was sent, a resume writes the missing rows', {
  timeout: 180_000,
}, async () => {
  const name = 'csv-full';
  const tickers = ['NVDA', 'AMZN'];
  // an earlier session's rows take the CSV close to the limit, so it fills before the journal
  const old = `${TRADE_LOG_COLUMNS.join(',')}\n${'local,old-note,,0,0,ACTIVE,,risk_state,0,ACTIVE,0,,earlier session,\n'.repeat(Math.floor(((LIMIT_KB - 6) * 1024) / 70))}`;
  fs.writeFileSync(path.join(dir, `${name}.csv`), old);
  const { args, run } = await fullDisk(name, tickers);
  const lines = failureLines(run);
  assert.match(lines[0] ?? '', /the trade log cannot be written \(EFBIG: file too large.*no new order is sent/);
  assert.match(run.stderr, /row\(s\) could not be written to .*csv-full\.csv .*salvo review csv-full/);
  // salvo review reads the journal beside the CSV and names the orders the CSV cannot account for
  const csv = path.join(dir, `${name}.csv`);
  const before = await salvo(['review', csv]);
  assert.equal(before.code, 1, before.stderr);
  const missing = Number(
    /Order journal csv-full\.journal: (\d+) of \d+ journaled order\(s\) have NO TERMINAL ROW/.exec(before.stdout)?.[1],
  );
  assert.ok(missing > 0, before.stdout);
  assert.match(before.stdout, /salvo run --resume csv-full/);
  assert.match(before.stderr, new RegExp(`${missing} journaled order\\(s\\) have no terminal row in the CSV`));
  const result = await resumeAndCheck(args, name, tickers);
  assert.ok((result.finalReport.resumed as { rowsRestored: number }).rowsRestored > 0, 'the resume restored rows');
  const after = await salvo(['review', csv]);
  assert.match(after.stdout, /Order journal csv-full\.journal: \d+ order\(s\), each with its terminal row in the CSV/);
  assert.equal(after.code, 0, after.stdout);
});

// The order journal file: whole records only, a torn tail or a corrupt record skipped with a
// warning naming it, a newer format refused in one line, hostile bytes never a crash; and a real
// session's journal: an intent for every order sent, written before any of its status changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { runTrading } from '../src/index.js';
import type { Order } from '../src/orders/order.js';
import { JournalError, OrderJournal, readJournal, type JournalSync } from '../src/journal/journal.js';
import { readLog } from './helpers/trade-log.js';
import { OrderRegistry } from '../src/execution/order-registry.js';
import { replayJournal } from '../src/journal/resume.js';
import { Portfolio } from '../src/portfolio/portfolio.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-journal-'));
let n = 0;
const fresh = () => path.join(dir, `j${++n}.journal`);

const order = (id: string, leg: number): Order => ({
  clientOrderId: id,
  ticker: 'AAPL',
  quantity: 1,
  side: 'buy',
  orderType: 'market',
  timeInForce: 'day',
  action: 'buy_long',
  blockId: 'ab12-1',
  leg,
  workerId: 1,
  status: 'queued',
  filledQty: 0,
  filledAvgPrice: 0,
  decidedAt: 1,
  attempts: 0,
});

function writeSample(file: string, sync: JournalSync = 'block'): void {
  const j = OrderJournal.open(file, sync);
  j.header({ broker: 'alpaca', account: 'a1', session: 's', sessionTag: 'ab12', startedAt: 1, positions: [] });
  const legs = [order('buy_long-1-00000001', 0), order('buy_long-2-00000002', 1)];
  j.intents(legs);
  j.status({
    order: { ...legs[0], status: 'filled', filledQty: 1, filledAvgPrice: 10 },
    status: 'filled',
    rawStatus: 'fill',
    source: 'execution',
    at: 5,
  });
  j.close();
}

test('a journal reads back whole: header, one intent per leg, status changes', () => {
  for (const sync of ['block', 'always', 'off'] as const) {
    const file = fresh();
    writeSample(file, sync);
    const c = readJournal(file);
    assert.deepEqual(c.warnings, []);
    assert.equal(c.headers[0].broker, 'alpaca');
    assert.deepEqual(
      c.intents.map((i) => i.order.clientOrderId),
      ['buy_long-1-00000001', 'buy_long-2-00000002'],
    );
    assert.deepEqual(
      c.statuses.map((s) => [s.id, s.status, s.filledQty]),
      [['buy_long-1-00000001', 'filled', 1]],
    );
    assert.equal(c.validBytes, fs.statSync(file).size);
  }
});

test("sync 'block': a block is sent only after its sync, off the caller's stack; blocks arriving meanwhile share the next sync, sent in order", async () => {
  const file = fresh();
  const j = OrderJournal.open(file, 'block');
  j.header({ broker: 'alpaca', account: 'a1', session: 's', sessionTag: 'ab12', startedAt: 1, positions: [] });
  const sent: string[] = [];
  for (const name of ['A', 'B', 'C'])
    j.intents(
      [order(`buy_long-1-0000000${name}`, 0)],
      () => sent.push(name),
      (e) => sent.push(`${name} failed: ${e.message}`),
    );
  assert.equal(sent.length, 0, "nothing is sent on the caller's stack");
  assert.equal(readJournal(file).intents.length, 3, 'the intents are written before the call returns');
  const deadline = Date.now() + 10_000;
  while (sent.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(sent, ['A', 'B', 'C']);
  assert.equal(j.syncs, 2, 'A alone, then B and C together');
  j.intents(
    [order('buy_long-1-0000000D', 0)],
    () => sent.push('D'),
    (e) => sent.push(`D: ${e.message}`),
  );
  j.close();
  assert.deepEqual(
    sent.slice(3),
    ['D: the session ended before its journal was synced'],
    'a block still waiting at close is never sent',
  );
  const off = OrderJournal.open(fresh(), 'off');
  off.intents([order('buy_long-1-0000000E', 0)], () => sent.push('E'));
  assert.equal(sent.at(-1), 'E', "'off' sends at once");
  off.close();
});

test('a torn last record is ignored with a warning and cut off before the next append', () => {
  const file = fresh();
  writeSample(file);
  const whole = fs.statSync(file).size;
  fs.appendFileSync(file, '1a2b3c4d {"t":"intent","order":{"clientOrderId":"buy_lo');
  const c = readJournal(file);
  assert.equal(c.intents.length, 2);
  assert.equal(c.warnings.length, 1);
  assert.match(c.warnings[0], /torn last record \(\d+ bytes/);
  assert.equal(c.validBytes, whole);
  const j = OrderJournal.open(file, 'block', c.validBytes);
  j.intents([order('buy_long-1-00000003', 0)]);
  j.close();
  const again = readJournal(file);
  assert.deepEqual(again.warnings, [], 'the append starts on a fresh line');
  assert.equal(again.intents.length, 3);
});

test('a corrupt record in the middle is skipped with a warning naming its line; the rest is read', () => {
  const file = fresh();
  writeSample(file);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines[2] = lines[2].replace('"leg":1', '"leg":7'); // line 3: the second intent, its checksum no longer matches
  fs.writeFileSync(file, lines.join('\n'));
  const c = readJournal(file);
  assert.deepEqual(c.warnings, [`${file}: skipped corrupt record on line 3 (checksum or JSON does not match)`]);
  assert.deepEqual(
    c.intents.map((i) => i.leg),
    [0],
  );
  assert.equal(c.statuses.length, 1);
});

test('a journal of a newer format, no journal, or not a journal: one-line errors', () => {
  const file = fresh();
  writeSample(file);
  const text = fs.readFileSync(file, 'utf8').split('\n');
  const json = text[0].slice(9).replace('"v":1', '"v":2');
  text[0] = `${zlib.crc32(json).toString(16).padStart(8, '0')} ${json}`;
  fs.writeFileSync(file, text.join('\n'));
  assert.throws(
    () => readJournal(file),
    (e: Error) =>
      e instanceof JournalError &&
      /written by a newer salvo \(journal format 2; this salvo reads format 1\)/.test(e.message) &&
      !e.message.includes('\n'),
  );
  assert.throws(
    () => readJournal(path.join(dir, 'none.journal')),
    /no order journal to resume from: .*none\.journal \(ENOENT\)/,
  );
  const csv = fresh();
  fs.writeFileSync(csv, 'type,client_order_id\nlocal,x\n');
  assert.throws(() => readJournal(csv), /has no readable header record/);
});

test('hostile bytes anywhere after the header: never a crash, every intact record before them still read', () => {
  const base = fresh();
  writeSample(base);
  const good = fs.readFileSync(base);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (junk, at) => {
      const file = fresh();
      const cut = good.indexOf(0x0a) + 1 + (at % (good.length - good.indexOf(0x0a)));
      fs.writeFileSync(file, Buffer.concat([good.subarray(0, cut), Buffer.from(junk), good.subarray(cut)]));
      const c = readJournal(file);
      assert.equal(c.headers.length >= 1, true);
      const before = good.subarray(0, cut).toString('utf8').split('\n').length - 1;
      assert.ok(
        c.intents.length + c.statuses.length + c.headers.length >= before,
        'whole records before the junk survive',
      );
    }),
    { seed: 12, numRuns: 200 },
  );
});

test('a session journals the intent of every order it sends before any status change of it', async () => {
  const report = await runTrading({
    strategy: (ctx) =>
      ctx.tick <= 3
        ? [
            { ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'market' },
            { ticker: 'MSFT', quantity: 2, side: 'buy', orderType: 'market' },
            { ticker: 'NOPE', quantity: 1, side: 'buy', orderType: 'market' },
          ]
        : undefined,
    tickers: ['AAPL', 'MSFT'],
    frequency: '100ms',
    runSeconds: 0.6,
    eosBehavior: 'liquidate',
    tradeLogPath: dir,
    tradeLogName: 'session',
    logger: () => undefined,
  });
  assert.equal(report.journalFile, path.join(dir, 'session.journal'));
  const c = readJournal(report.journalFile);
  assert.deepEqual(c.warnings, []);
  assert.equal(c.headers.length, 1);
  const rows = readLog(report.tradeLogFile);
  const sent = new Set(rows.filter((r) => r.worker_id !== '0').map((r) => r.client_order_id));
  assert.equal(sent.size, 8, '3 blocks of 2 valid legs, then 2 liquidations');
  assert.deepEqual(
    new Set(c.intents.map((i) => i.order.clientOrderId)),
    sent,
    'one intent per order sent; none for the refused legs',
  );
  const lines = fs.readFileSync(report.journalFile, 'utf8').split('\n');
  for (const id of sent) {
    const first = lines.findIndex((l) => l.includes(`"${id}"`));
    assert.match(lines[first], /"t":"intent"/, `${id}: the intent comes first`);
  }
  const terminal = c.statuses.filter((s) => ['filled', 'canceled', 'rejected', 'expired', 'failed'].includes(s.status));
  assert.deepEqual(new Set(terminal.map((s) => s.id)), sent, 'every order sent has its terminal status journaled');
});

test("a leg's venue ids are journaled and restored by the replay, so its updates find it; a journal without them reads as before", () => {
  const file = fresh();
  writeSample(file);
  const old = readJournal(file);
  assert.deepEqual([old.aliases, old.warnings], [[], []], 'a journal written before alias records');
  const j = OrderJournal.open(file, 'block');
  j.remember(old.intents.map((i) => i.order.clientOrderId)); // as a resumed session does
  j.alias({ clientOrderId: 'buy_long-2-00000002', venueClientOrderId: 'alpaca-leg-1', brokerOrderId: 'b-1' });
  j.alias({ clientOrderId: 'never-journaled', venueClientOrderId: 'alpaca-leg-2', brokerOrderId: 'b-2' });
  j.close();
  const c = readJournal(file);
  assert.deepEqual(
    c.aliases.map((a) => [a.clientOrderId, a.venueClientOrderId, a.brokerOrderId]),
    [['buy_long-2-00000002', 'alpaca-leg-1', 'b-1']],
    'only journaled orders',
  );
  const book = new OrderRegistry();
  replayJournal(c, book, new Portfolio());
  const leg = book.get('buy_long-2-00000002')!;
  assert.equal(leg.venueClientOrderId, 'alpaca-leg-1');
  book.applyUpdate({
    event: 'new',
    order: {
      clientOrderId: 'alpaca-leg-1',
      brokerOrderId: 'b-1',
      ticker: 'AAPL',
      side: 'buy',
      quantity: 1,
      status: 'new',
      rawStatus: 'new',
      filledQty: 0,
      filledAvgPrice: 0,
    },
    timestamp: 6,
  });
  assert.equal(leg.status, 'new', "an update by the venue's id reaches salvo's leg");
  assert.equal(book.foreignUpdates, 0);
});

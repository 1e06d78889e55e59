import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { QuoteBoard, emptyQuote } from '../src/market/quote-board.js';
import { spawnWorker } from '../src/util/worker-entry.js';
import { readUntilStopped, SEEN_TOTAL, type StressData, type StressResult } from './helpers/board-stress.js';

test('each ticker has its own slot; an unknown ticker is an error', () => {
  const board = new QuoteBoard(['AAPL', 'MSFT', 'SPY']);
  assert.deepEqual(board.tickers, ['AAPL', 'MSFT', 'SPY']);
  assert.deepEqual([board.slotOf('AAPL'), board.slotOf('MSFT'), board.slotOf('SPY')], [0, 1, 2]);
  assert.ok(board.has('SPY'));
  assert.equal(board.has('TSLA'), false);
  assert.throws(() => board.slotOf('TSLA'), /unknown ticker 'TSLA'/);
  board.write(1, { bid: 410, ask: 410.05 });
  assert.equal(board.read(0).bid, 0, 'writing MSFT leaves AAPL alone');
  assert.equal(board.read(2).updates, 0);
});

test('a partial write changes only its fields and counts as an update', () => {
  const board = new QuoteBoard(['AAPL']);
  board.write(0, { bid: 189.5, ask: 189.52, bidSize: 300, askSize: 200, last: 189.51, timestamp: 1_700_000_000_000 });
  board.write(0, { bid: 189.49, timestamp: 1_700_000_000_050 });
  const q = board.read(0);
  assert.equal(q.bid, 189.49);
  assert.equal(q.ask, 189.52);
  assert.equal(q.bidSize, 300);
  assert.equal(q.last, 189.51);
  assert.equal(q.timestamp, 1_700_000_000_050);
  assert.equal(q.updates, 2);
  assert.equal(board.updates(0), 2);
  assert.equal(board.mid(0), (189.49 + 189.52) / 2);
  const into = emptyQuote();
  assert.equal(board.read(0, into), into, 'read into a caller-owned quote');
});

test('snapshot lists quoted tickers only; missing lists the rest; a second board attaches to the same memory', () => {
  const board = new QuoteBoard(['A', 'B', 'C']);
  assert.deepEqual(board.missing(), ['A', 'B', 'C']);
  assert.deepEqual(board.snapshot(), {});
  board.write(board.slotOf('B'), { bid: 10, ask: 10.01, last: 10 });
  assert.deepEqual(board.missing(), ['A', 'C']);
  assert.deepEqual(Object.keys(board.snapshot()), ['B']);
  assert.equal(board.snapshot().B.ask, 10.01);
  const attached = new QuoteBoard(['A', 'B', 'C'], board.buffer);
  assert.equal(attached.read(1).bid, 10);
  assert.throws(
    () => new QuoteBoard(['A', 'B', 'C', 'D'], new QuoteBoard(['A']).buffer),
    /smaller than its ticker list/,
  );
});

test('seqlock: readers in three threads never see half of an update while a writer runs flat out', async () => {
  const tickers = ['S0', 'S1', 'S2', 'S3'];
  const board = new QuoteBoard(tickers);
  const controlBuffer = new SharedArrayBuffer(12);
  const control = new Int32Array(controlBuffer);
  const start = (role: StressData['role']): Worker => {
    const data: StressData = { role, tickers, boardBuffer: board.buffer, controlBuffer };
    // spawnWorker resolves against src/; '../test/…' reaches this folder the same way under tsx
    return spawnWorker('../test/helpers/board-stress-worker', { workerData: data });
  };
  const workers = [start('writer'), start('reader'), start('reader')];
  try {
    const results = workers.map(
      (w) =>
        new Promise<{ type: string; count?: number; result?: StressResult }>((resolve, reject) => {
          w.on('message', (m) => {
            if (m.type !== 'ready') resolve(m);
          });
          w.once('error', reject);
        }),
    );
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', (m) => (m.type === 'ready' ? resolve() : reject(new Error(`unexpected ${m.type}`))));
            w.once('error', reject);
          }),
      ),
    );
    Atomics.store(control, 0, 1);
    Atomics.notify(control, 0);
    // about a second; longer only when a busy machine starved the threads of the updates to check
    const t0 = performance.now();
    const enough = () =>
      performance.now() - t0 >= 1000 &&
      (Atomics.load(control, SEEN_TOTAL) > 20_000 || performance.now() - t0 >= 10_000);
    const mine = readUntilStopped(board, enough, control);
    Atomics.store(control, 1, 1);
    const [written, ...theirs] = await Promise.all(results);
    const readers = [mine, ...theirs.map((t) => t.result!)];
    for (const r of readers) assert.equal(r.torn, 0, `torn read: ${r.firstTorn}`);
    const distinct = readers.reduce((sum, r) => sum + r.distinct, 0);
    assert.ok(written.count! > 10_000, `writer wrote ${written.count}`);
    assert.ok(
      distinct > 10_000,
      `readers saw ${distinct} distinct updates in ${(performance.now() - t0).toFixed(0)} ms: ${JSON.stringify(readers)}`,
    );
    for (const r of readers)
      assert.ok(r.distinct > 100, `every reader saw updates: ${JSON.stringify(readers.map((x) => x.distinct))}`);
  } finally {
    Atomics.store(control, 1, 1);
    Atomics.store(control, 0, 1);
    Atomics.notify(control, 0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

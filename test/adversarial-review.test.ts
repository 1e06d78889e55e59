// `salvo review` on hostile files, as a user runs it (the CLI in a child process): random CSV text
// and random bytes never give a stack trace or raw control bytes on the terminal, and always one of
// the documented exit codes — 0, 1 (reviewed, with damage or open orders), 2 (one line: why the file
// cannot be reviewed). Property-based with a fixed seed; plus the named regressions of issue 10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { TRADE_LOG_COLUMNS } from '../src/journal/trade-log.js';
import { salvo, tmpDir } from './helpers/cli.js';

const dir = tmpDir('adversarial-review');
const SALVO_HEADER = TRADE_LOG_COLUMNS.join(',');
const BLOCKPACA_HEADER = TRADE_LOG_COLUMNS.slice(0, 10).join(',');
/** any byte a terminal could act on: C0 but the line end, DEL, C1 (as UTF-8), bidi overrides */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const cell = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '1',
    '-1',
    '2.5',
    '-3',
    '190.25',
    '1e309',
    '1700000000.5',
    '1700000000123',
    '-5',
    '2026-11-30T02:00:00Z',
    '1900-01-01',
    'NaN',
    'abc',
    'execution',
    'buy',
    'sell',
    'buy_long',
    'AAPL',
    'o-1',
    'o-2',
  ),
  fc.constantFrom(
    'queued',
    'submitted',
    'new',
    'partially_filled',
    'filled',
    'canceled',
    'rejected',
    'failed',
    'OrderStatus.FILLED',
    'pending_new',
  ),
  fc.constantFrom('\x1b[31mred', '\x07bell', 'a\x00b', '\u009b2J', '\u202eevil', 'tab\there', 'cr\rhere', '\x7f'),
  fc.constantFrom('"quoted, with comma"', '"unclosed', 'line\nbreak', '"a""b"', '\ufeff'),
  fc.string({ maxLength: 8 }),
);
const row = fc.array(cell, { maxLength: 15 }).map((cells) => cells.join(','));
const csvFile = fc
  .record({
    header: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          SALVO_HEADER,
          SALVO_HEADER,
          BLOCKPACA_HEADER,
          `${SALVO_HEADER},extra`,
          `\ufeff${SALVO_HEADER}`,
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom('a,b,c', '', `${BLOCKPACA_HEADER.slice(0, -3)}\x1b[2J`) },
      { weight: 1, arbitrary: fc.array(cell, { maxLength: 14 }).map((c) => c.join(',')) },
    ),
    rows: fc.array(row, { maxLength: 12 }),
    eol: fc.constantFrom('\n', '\r\n'),
    trailing: fc.boolean(),
  })
  .map(({ header, rows, eol, trailing }) => Buffer.from([header, ...rows].join(eol) + (trailing ? eol : '')));
const anyFile = fc.oneof(
  { weight: 4, arbitrary: csvFile },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.uint8Array({ maxLength: 200 }), csvFile).map(([b, f]) => Buffer.concat([f, Buffer.from(b)])),
  },
);

test('property: random CSV text and random bytes: exit 0, 1 or 2, a one-line error for 2, no stack trace, no raw control bytes', async (t) => {
  let n = 0;
  const codes = new Map<number | null, number>();
  await fc.assert(
    fc.asyncProperty(anyFile, fc.boolean(), async (bytes, json) => {
      const file = path.join(dir, `case-${++n}.csv`);
      fs.writeFileSync(file, bytes);
      const r = await salvo(['review', file, ...(json ? ['--json'] : [])]);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      const shown = `exit ${r.code}\nstdout: ${JSON.stringify(r.stdout.slice(0, 400))}\nstderr: ${JSON.stringify(r.stderr.slice(0, 400))}`;
      assert.ok(r.code === 0 || r.code === 1 || r.code === 2, shown);
      assert.doesNotMatch(
        r.stderr + r.stdout,
        /\n\s+at .*:\d+:\d+|TypeError|RangeError|ReferenceError/,
        `no stack trace: ${shown}`,
      );
      assert.doesNotMatch(r.stdout, RAW_CONTROL, `no raw control byte on stdout: ${shown}`);
      assert.doesNotMatch(r.stderr, RAW_CONTROL, `no raw control byte on stderr: ${shown}`);
      if (r.code === 2) {
        assert.equal(r.stdout, '', shown);
        assert.match(r.stderr, /^salvo review: [^\n]+\n$/, `one line saying why: ${shown}`);
      }
      if (json && r.code !== 2) JSON.parse(r.stdout);
    }),
    { seed: 1130, numRuns: 40, endOnFailure: true, includeErrorInReport: true },
  );
  t.diagnostic(`exit codes over ${n} cases: ${JSON.stringify([...codes])}`);
  // the cases reached the review itself, not only the header check
  assert.ok((codes.get(0) ?? 0) + (codes.get(1) ?? 0) > 0, JSON.stringify([...codes]));
});

const H = SALVO_HEADER;
const rowOf = (o: Partial<Record<(typeof TRADE_LOG_COLUMNS)[number], string>>) =>
  TRADE_LOG_COLUMNS.map(
    (c) =>
      o[c] ??
      {
        type: 'execution',
        client_order_id: 'o-1',
        ticker: 'AAPL',
        executed_price: '0',
        executed_qty: '0',
        status: 'queued',
        side: 'buy',
        action: 'buy_long',
        timestamp: '1700000000.1',
        raw_status: '',
        worker_id: '1',
        block_id: 'b1',
        reason: '',
        parent_id: '',
      }[c],
  ).join(',');

test('regression (issue 10, finding 9): negative quantities, prices and timestamps are damage with their line numbers', async () => {
  const file = path.join(dir, 'negative.csv');
  fs.writeFileSync(
    file,
    [
      H,
      rowOf({}),
      rowOf({ status: 'filled', executed_qty: '-3', executed_price: '190', timestamp: '1700000000.2' }),
      rowOf({
        client_order_id: 'o-2',
        status: 'filled',
        executed_qty: '1',
        executed_price: '-190',
        timestamp: '1700000000.3',
      }),
      rowOf({ client_order_id: 'o-3', status: 'filled', executed_qty: '1', executed_price: '190', timestamp: '-5' }),
      rowOf({
        client_order_id: 'o-4',
        status: 'filled',
        executed_qty: '1',
        executed_price: '190',
        timestamp: '1969-12-31T00:00:00Z',
      }),
      rowOf({
        client_order_id: 'o-5',
        status: 'filled',
        executed_qty: '1',
        executed_price: '190',
        timestamp: '1700000000.4',
      }),
      '',
    ].join('\n'),
  );
  const r = await salvo(['review', file]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /line 3: executed_qty is negative: "-3"; row skipped/);
  assert.match(r.stdout, /line 4: executed_price is negative: "-190"; row skipped/);
  assert.match(r.stdout, /line 5: timestamp is before 1970: "-5"; row skipped/);
  assert.match(r.stdout, /line 6: timestamp is before 1970: "1969-12-31T00:00:00Z"; row skipped/);
  assert.match(r.stdout, /\(salvo, 2 rows\)/, 'only the two sound rows are reviewed');
});

test('regression (issue 10, finding 9): a named pipe is "not a regular file", not "empty"; so is a device', async () => {
  const fifo = path.join(dir, 'pipe.csv');
  execFileSync('mkfifo', [fifo]);
  const r = await salvo(['review', fifo]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `salvo review: ${fifo}: is not a regular file (a named pipe): not a trade log\n`);
  const dev = await salvo(['review', '/dev/zero']);
  assert.equal(dev.code, 2);
  assert.equal(dev.stderr, 'salvo review: /dev/zero: is not a regular file (a device): not a trade log\n');
});

test('regression (issue 10, finding 9): a binary header is named as such; control characters in a log are shown escaped', async () => {
  const binary = path.join(dir, 'binary.csv');
  fs.writeFileSync(binary, Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0x07, 0x0a, 0x41]));
  const r = await salvo(['review', binary]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `salvo review: ${binary}: line 1: not a trade log: the first line holds binary data, not CSV text\n`,
  );

  const c1 = path.join(dir, 'c1-header.csv');
  fs.writeFileSync(c1, 'type,\u009b31m,\u202eabc\n1,2,3\n');
  const c1r = await salvo(['review', c1]);
  assert.equal(c1r.code, 2);
  assert.match(c1r.stderr, /got type,\\u009b31m,\\u202eabc \(missing: /);

  const log = path.join(dir, 'escapes.csv');
  fs.writeFileSync(
    log,
    [
      H,
      rowOf({ ticker: 'AA\x1b[2JPL', reason: 'bell\x07' }),
      rowOf({ ticker: 'AA\x1b[2JPL', status: 'rejected', reason: 'bell\x07', timestamp: '1700000000.2' }),
      '',
    ].join('\n'),
  );
  const e = await salvo(['review', log]);
  assert.equal(e.code, 0, e.stderr);
  assert.doesNotMatch(e.stdout, RAW_CONTROL);
  assert.match(e.stdout, /AA\\u001b\[2JPL/);
  assert.match(e.stdout, /bell\\u0007/);
});

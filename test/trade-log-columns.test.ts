// The parent_id column: a leg of a bracket / OCO names its parent in the trade log, after
// blockpaca's ten columns and salvo's three. A log written before the column existed keeps its own
// columns when a resumed session appends to it, and review reads old and new logs alike (in one
// pass and in parallel segments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { TRADE_LOG_COLUMNS, TradeLog } from '../src/journal/trade-log.js';
import { readTradeLog, type LogRow } from '../src/cli/review/reader.js';
import type { Order } from '../src/orders/order.js';
import { anOrder, SELL_LIMIT_102 } from './helpers/orders.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-columns-'));
const OLD_HEADER = TRADE_LOG_COLUMNS.slice(0, 13).join(',');

const order = (id: string, parentId?: string): Order =>
  anOrder({ clientOrderId: id, quantity: 1, ...SELL_LIMIT_102, status: 'new', ...(parentId ? { parentId } : {}) });
const event = (o: Order) => ({
  order: o,
  status: 'new' as const,
  rawStatus: 'new',
  source: 'execution' as const,
  at: 1.7e12,
});

async function review(file: string): Promise<{ rows: LogRow[]; warnings: string[] }> {
  const rows: LogRow[] = [];
  const report = await readTradeLog(file, { onRow: (r) => rows.push(r) });
  return { rows, warnings: report.warnings.map((w) => w.message) };
}

test('a new log: parent_id last; a leg names its parent, other orders leave it empty', async () => {
  const log = TradeLog.open(dir, 'new');
  log.record(event(order('entry-1')));
  log.record(event(order('leg-1', 'entry-1')));
  log.close();
  const text = fs.readFileSync(log.file, 'utf8');
  assert.equal(text.split('\n')[0], TRADE_LOG_COLUMNS.join(','));
  assert.deepEqual(
    (parse(text, { columns: true }) as Array<Record<string, string>>).map((r) => [r.client_order_id, r.parent_id]),
    [
      ['entry-1', ''],
      ['leg-1', 'entry-1'],
    ],
  );
  const { rows, warnings } = await review(log.file);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    rows.map((r) => [r.id, r.parent]),
    [
      ['entry-1', ''],
      ['leg-1', 'entry-1'],
    ],
  );
});

test('an old log (13 columns) appended to keeps 13 columns, and review reads it without a warning', async () => {
  const file = path.join(dir, 'old.csv');
  fs.writeFileSync(file, `${OLD_HEADER}\nexecution,old-1,AAPL,0,0,new,buy,buy_long,1700000000.000000,new,1,b-0,\n`);
  const log = TradeLog.open(dir, 'old');
  log.record(event(order('leg-2', 'entry-2')));
  log.close();
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], OLD_HEADER, 'the header is not rewritten');
  for (const line of lines) assert.equal((parse(line) as string[][])[0].length, 13, line);
  const { rows, warnings } = await review(file);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    rows.map((r) => [r.id, r.parent]),
    [
      ['old-1', ''],
      ['leg-2', ''],
    ],
  );
});

test('the parallel reader carries parent_id too', async () => {
  const file = path.join(dir, 'many.csv');
  const body = Array.from(
    { length: 2000 },
    (_, i) =>
      `execution,o-${i},AAPL,0,0,new,sell,sell_long,1700000000.000000,new,1,b-${i},,${i % 2 ? `o-${i - 1}` : ''}`,
  );
  fs.writeFileSync(file, `${TRADE_LOG_COLUMNS.join(',')}\n${body.join('\n')}\n`);
  process.env.SALVO_REVIEW_PARALLEL_BYTES = '1';
  process.env.SALVO_REVIEW_SEGMENT_BYTES = '20000';
  try {
    const { rows, warnings } = await review(file);
    assert.deepEqual(warnings, []);
    assert.equal(rows.length, 2000);
    assert.deepEqual(
      rows.slice(0, 4).map((r) => r.parent),
      ['', 'o-0', '', 'o-2'],
    );
    assert.ok(rows.every((r, i) => r.parent === (i % 2 ? `o-${i - 1}` : '')));
  } finally {
    delete process.env.SALVO_REVIEW_PARALLEL_BYTES;
    delete process.env.SALVO_REVIEW_SEGMENT_BYTES;
  }
});

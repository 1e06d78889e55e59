// SIGINT as a trader sends it (Ctrl-C), and SIGTERM as a supervisor does, to a real session process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRADE_LOG_COLUMNS } from '../src/journal/trade-log.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { until, untilText, within } from './helpers/until.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-signal-'));

function startSession(name: string, latencyMs = 0) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/long-session.ts', dir, name, String(latencyMs)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const csv = path.join(dir, `${name}.csv`);
  return {
    child,
    csv,
    out: () => stdout,
    err: () => stderr,
    seen: (text: string) =>
      untilText(() => stderr, text, { timeoutMs: 60_000, what: `"${text}" in the session's log` }),
    /** the process's exit code; fails naming the session if it does not exit */
    exit: (timeoutMs = 60_000) =>
      within(exited, { timeoutMs, what: `the ${name} session process to exit`, detail: () => stderr.slice(-2000) }),
    /** until the trade log holds at least `n` orders */
    orders: (n: number) =>
      until(() => fs.existsSync(csv) && byOrder(readLog(csv)).size >= n, {
        timeoutMs: 60_000,
        what: `${n} orders in ${name}.csv`,
      }),
  };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} runs the end of session once: open orders canceled, positions liquidated, complete CSV, exit 0`, async () => {
    const s = startSession(signal.toLowerCase());
    await s.seen('trading for');
    await s.orders(10);
    s.child.kill(signal);
    const code = await s.exit();
    assert.equal(code, 0, s.err());
    const report = JSON.parse(s.out().trim());
    assert.equal(report.endReason, 'signal');
    assert.deepEqual(report.positions, []);
    assert.equal(report.orders.open, 0);
    const orders = byOrder(readLog(s.csv));
    assert.ok(orders.size >= 10);
    for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
    assert.ok(
      [...orders.values()].some((h) => h.terminal[0].action === 'liquidate' && h.terminal[0].status === 'filled'),
      'liquidated at the end',
    );
    assert.equal(
      s.err().match(new RegExp(`${signal}: ending the session`, 'g'))?.length,
      1,
      'the end of session ran once',
    );
  });
}

test('a second SIGINT exits before the end of session could finish, and leaves only whole rows in the CSV', async () => {
  // a venue answering after 2 s: cancelling the resting orders alone keeps the end of session busy that long
  const s = startSession('twice', 2000);
  await s.seen('trading for');
  await s.orders(2);
  s.child.kill('SIGINT');
  await s.seen('SIGINT: ending the session'); // two signals sent at once would be merged into one by the OS
  s.child.kill('SIGINT');
  const code = await s.exit();
  assert.equal(code, 130);
  assert.equal(s.out(), '', 'no report: the end of session never finished');
  const text = fs.readFileSync(s.csv, 'utf8');
  assert.ok(text.endsWith('\n'), 'last row is complete');
  const rows = readLog(s.csv); // throws on a torn row
  assert.ok(rows.length > 0);
  for (const r of rows) assert.equal(Object.keys(r).length, TRADE_LOG_COLUMNS.length);
  const open = [...byOrder(rows).values()].filter((h) => h.terminal.length === 0);
  assert.ok(open.length > 0, 'orders the end of session would have closed are still open: it was cut short');
  assert.ok(!rows.some((r) => r.action === 'liquidate' && r.status === 'filled'), 'no liquidation filled');
});

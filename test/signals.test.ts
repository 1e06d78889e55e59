// SIGINT as a trader sends it (Ctrl-C) to a real session process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { byOrder, readLog } from './helpers/trade-log.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-signal-'));

function startSession(name: string, latencyMs = 0) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/long-session.ts', dir, name, String(latencyMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const seen = (text: string) => new Promise<void>((resolve) => {
    const check = () => { if (stderr.includes(text)) { child.stderr.off('data', check); resolve(); } };
    child.stderr.on('data', check);
    check();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, trading: seen('trading for'), seen, exited, out: () => stdout, err: () => stderr };
}

test('SIGINT runs the end of session once: open orders canceled, positions liquidated, complete CSV, exit 0', async () => {
  const s = startSession('sigint');
  await s.trading;
  await new Promise((r) => setTimeout(r, 600));
  s.child.kill('SIGINT');
  const code = await s.exited;
  assert.equal(code, 0, s.err());
  const report = JSON.parse(s.out().trim());
  assert.equal(report.endReason, 'signal');
  assert.deepEqual(report.positions, []);
  assert.equal(report.orders.open, 0);
  const orders = byOrder(readLog(path.join(dir, 'sigint.csv')));
  assert.ok(orders.size >= 10);
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
  assert.match(s.err(), /SIGINT: ending the session/);
});

test('a second SIGINT exits at once and leaves only whole rows in the CSV', async () => {
  const s = startSession('twice', 300); // a slow venue keeps the end of session busy long enough
  await s.trading;
  await new Promise((r) => setTimeout(r, 400));
  s.child.kill('SIGINT');
  await s.seen('SIGINT: ending the session'); // two signals sent at once would be merged into one by the OS
  s.child.kill('SIGINT');
  const code = await s.exited;
  assert.equal(code, 130);
  const text = fs.readFileSync(path.join(dir, 'twice.csv'), 'utf8');
  assert.ok(text.endsWith('\n'), 'last row is complete');
  const rows = readLog(path.join(dir, 'twice.csv')); // throws on a torn row
  assert.ok(rows.length > 0);
  for (const r of rows) assert.equal(Object.keys(r).length, 13);
});

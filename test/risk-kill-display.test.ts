// The kill switch from the live display: `salvo run` in a tmux pane, orders resting and a limiter
// backlog waiting; K asks for confirmation (any other key cancels), K then y kills. The run exits
// with the kill's exit code and every order has exactly one terminal row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SALVO, strategyDir } from './helpers/cli.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { writeBusyStrategyFile } from './helpers/busy-strategy.js';

const socket = `salvo-kill-${process.pid}`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function until<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; screen:\n${tmux('capture-pane', '-p', '-t', 'kill')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('display: K asks, another key cancels; K then y kills — exit code 3, every order closed out', {
  timeout: 120_000,
}, async (t) => {
  t.after(() => {
    try {
      tmux('kill-server');
    } catch {
      /* gone */
    }
  });
  const dir = strategyDir('kill-display');
  writeBusyStrategyFile(dir, 120);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  tmux(
    'new-session',
    '-d',
    '-s',
    'kill',
    '-x',
    '140',
    '-y',
    '40',
    '-c',
    dir,
    `${q(process.execPath)} ${q(SALVO)} run busy.ts --display --log-path ${q(dir)} --log-name shown 2>${q(path.join(dir, 'stderr.txt'))}; echo "EXITED $?"; sleep 600`,
  );
  const screen = () => tmux('capture-pane', '-p', '-t', 'kill');
  const csv = path.join(dir, 'shown.csv');
  // the header is redrawn every displayRefreshRate: wait for a frame of the running session, not the warm-up's
  await until(
    "three blocks out and the kill key on a running session's screen",
    () =>
      fs.existsSync(csv) &&
      new Set(readLog(csv).map((r) => r.block_id)).size >= 3 &&
      /phase RUNNING +q: stop {2}K: kill/.test(screen()),
  );

  tmux('send-keys', '-t', 'kill', 'K');
  await until('the confirmation', () => screen().includes('KILL: cancel every open order and flatten? y = yes'));
  tmux('send-keys', '-t', 'kill', 'n');
  await until('the confirmation gone', () => !screen().includes('KILL: cancel every open order'));
  assert.match(screen(), /phase RUNNING/, 'a key other than y cancels the kill');
  assert.doesNotMatch(screen(), /trading HALTED/);

  tmux('send-keys', '-t', 'kill', 'K');
  await until('the confirmation again', () => screen().includes('y = yes'));
  tmux('send-keys', '-t', 'kill', 'y');
  const end = await until('the run to exit', () => /EXITED (\d+)/.exec(screen()));
  assert.equal(end[1], '3', fs.readFileSync(path.join(dir, 'stderr.txt'), 'utf8'));
  const rows = readLog(csv);
  const state = rows.filter((r) => r.action === 'risk_state');
  assert.deepEqual(
    state.map((r) => [r.status, r.reason]),
    [['halted', 'kill switch (display key K)']],
  );
  const orders = byOrder(rows.filter((r) => r.action !== 'risk_state'));
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
  assert.ok(
    [...orders.values()].some((h) => h.terminal[0].raw_status === 'not_sent'),
    'the backlog was dropped with rows',
  );
  assert.ok(
    [...orders.values()].some((h) => h.terminal[0].action === 'liquidate' && h.terminal[0].status === 'filled'),
    'positions flattened',
  );
});

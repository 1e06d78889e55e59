// The kill switch from each trigger — the startTrading handle, the kill file, `salvo kill` from
// another process — always with orders resting at the venue and a limiter backlog waiting: the
// strategy is not called again, the backlog is dropped with a row each, open orders are canceled,
// positions are flattened (or kept with kill: { flatten: false }), and every order ends in exactly
// one terminal row. A second kill, or one after the end, does nothing and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startTrading } from '../src/index.js';
import { busyStrategy, throttled, writeBusyStrategyFile } from './helpers/busy-strategy.js';
import { byOrder, readLog, type OrderHistory } from './helpers/trade-log.js';
import { SALVO, salvo, strategyDir } from './helpers/cli.js';

const quiet = () => undefined;

/** what every kill must leave behind, read from the CSV alone */
function checkKilled(file: string): Map<string, OrderHistory> {
  const rows = readLog(file);
  const orders = byOrder(rows.filter((r) => r.action !== 'risk_state'));
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
  const dropped = [...orders.values()].filter((h) => h.terminal[0].raw_status === 'not_sent');
  assert.ok(dropped.length > 0, 'the limiter backlog was dropped, a canceled row each');
  for (const h of dropped) assert.equal(h.terminal[0].status, 'canceled');
  assert.ok(
    [...orders.values()].some((h) => h.terminal[0].status === 'canceled' && h.terminal[0].type === 'execution'),
    'resting orders canceled at the venue',
  );
  const state = rows.filter((r) => r.action === 'risk_state');
  assert.equal(state.length, 1);
  assert.equal(state[0].status, 'halted');
  assert.match(state[0].reason, /^kill switch \(/);
  return orders;
}

test('the startTrading handle: kill with orders in flight and a backlog; a second kill and a kill after the end say so', async () => {
  const dir = strategyDir('kill-handle');
  let calls = 0;
  const said: string[] = [];
  const handle = startTrading({
    ...throttled,
    strategy: (ctx) => {
      calls++;
      if (ctx.tick === 3)
        setImmediate(() => {
          said.push(handle.kill(), handle.kill());
        }); // right after this block is handed on
      return busyStrategy(ctx);
    },
    tradeLogPath: dir,
    tradeLogName: 'handle',
    logger: quiet,
  });
  const report = await handle.done;
  assert.equal(report.endReason, 'killed');
  assert.equal(calls, 3, 'no strategy call after the kill');
  assert.equal(report.risk.killedBy, 'handle');
  assert.equal(report.risk.state, 'HALTED');
  assert.deepEqual(said, [
    'kill (handle): trading stopped; canceling open orders and flattening every position',
    'kill (handle): already killed by handle; nothing more to do',
  ]);
  assert.equal(handle.kill(), 'kill (handle): the session is already over; nothing to do');
  checkKilled(report.tradeLogFile);
  assert.deepEqual(report.positions, [], 'flattened although eosBehavior is hold');
  assert.deepEqual(report.brokerPositions, [], 'the venue is flat');
  assert.equal(report.orders.open, 0);
  assert.deepEqual(report.stillOpen, []);
});

test('the kill file, with kill: { flatten: false }: open orders canceled, positions kept; a stale kill file refuses to start', async () => {
  const dir = strategyDir('kill-file');
  const killFile = path.join(dir, 'KILL');
  const handle = startTrading({
    ...throttled,
    strategy: (ctx) => {
      if (ctx.tick === 3) setImmediate(() => fs.writeFileSync(killFile, 'stop\n'));
      return busyStrategy(ctx);
    },
    killFile,
    kill: { flatten: false },
    tradeLogPath: dir,
    tradeLogName: 'file',
    logger: quiet,
  });
  const report = await handle.done;
  assert.equal(report.endReason, 'killed');
  assert.equal(report.risk.killedBy, `kill file ${killFile}`);
  checkKilled(report.tradeLogFile);
  assert.ok(
    report.positions.some((p) => p.ticker === 'AAPL' && p.quantity > 0),
    'positions kept',
  );
  assert.equal(report.orders.open, 0, 'nothing left open');
  await assert.rejects(
    startTrading({
      ...throttled,
      strategy: busyStrategy,
      killFile,
      tradeLogPath: dir,
      tradeLogName: 'stale',
      logger: quiet,
    }).done,
    new RegExp(
      `session did not start: killFile ${killFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already exists: remove it to start`,
    ),
  );
});

test('`salvo kill <name>` from another terminal: the run ends with its own exit code 3, every order closed out', async () => {
  const dir = strategyDir('kill-cli');
  const strategyFile = writeBusyStrategyFile(dir, 60);
  const run = spawn(
    process.execPath,
    [SALVO, 'run', strategyFile, '--no-display', '--log-path', dir, '--log-name', 'cli'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  run.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => run.on('close', resolve));
  const csv = path.join(dir, 'cli.csv');
  const deadline = Date.now() + 30_000;
  // resting orders at the venue and a backlog behind them: the third block is out
  while (!(fs.existsSync(csv) && new Set(readLog(csv).map((r) => r.block_id)).size >= 3)) {
    assert.ok(Date.now() < deadline, `the session did not get going: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(fs.existsSync(path.join(dir, 'cli.pid')), 'the pid file beside the trade log');
  const kill = await salvo(['kill', 'cli', '--log-path', dir]);
  assert.equal(kill.code, 0, kill.stderr);
  assert.match(kill.stdout, /sent the kill to cli \(pid \d+\).*\n.*the session ended/);
  assert.equal(await exited, 3, stderr);
  assert.match(stderr, /salvo run: killed \(salvo kill\): open orders canceled, positions flattened/);
  checkKilled(csv);
  assert.ok(!fs.existsSync(path.join(dir, 'cli.pid')), 'the pid file is gone with the session');
  const again = await salvo(['kill', 'cli', '--log-path', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no running salvo session 'cli'/);
  const byPid = await salvo(['kill', String(run.pid), '--log-path', dir]);
  assert.equal(byPid.code, 1, 'a pid no pid file lists is never signalled');
  assert.match(byPid.stderr, new RegExp(`no salvo session with pid ${run.pid} in `));
});

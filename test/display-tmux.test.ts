// The live display end to end: a real session (sim quotes, paper venue) with liveDisplay on, in a
// tmux pane of fixed size, read back with capture-pane and driven with send-keys.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionReport } from '../src/types.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { until } from './helpers/until.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// one tmux server per test (its own socket): a server shutting down after the previous test's
// last session was killed cannot take the next test's new session with it
const socketOf = (session: string) => `salvo-display-${process.pid}-${session}`;
// never skipped: without tmux every test here fails with the command that installs it
before(() =>
  assert.equal(
    spawnSync('tmux', ['-V']).status,
    0,
    'tmux is not installed: apt-get update && apt-get install -y tmux (npm test does, as root)',
  ),
);

/** tmux on the server of the session named after -t or -s */
function tmux(...args: string[]): string {
  const session = args[args.findIndex((a) => a === '-t' || a === '-s') + 1];
  const r = spawnSync('tmux', ['-L', socketOf(session), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const killServer = (session: string) => spawnSync('tmux', ['-L', socketOf(session), 'kill-server']);
const screen = (target: string) => tmux('capture-pane', '-p', '-t', target);
/** the screen and what scrolled off above it */
const history = (target: string) => tmux('capture-pane', '-p', '-S', '-200', '-t', target);

async function waitFor(
  target: string,
  what: string,
  ok: (text: string) => boolean,
  timeoutMs = 20_000,
): Promise<string> {
  let text = '';
  await until(() => ok((text = screen(target))), {
    what,
    timeoutMs,
    intervalMs: 100,
    detail: () => `screen:\n${text}`,
  });
  return text;
}

/** starts the display session helper in a new tmux session of `w` × `h`; it stays open after exit */
function start(name: string, w: number, h: number, seconds: number, tickers: number, mode = '') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `salvo-display-${name}-`));
  const report = path.join(dir, 'report.json');
  const stderr = path.join(dir, 'stderr.txt');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = `${q(process.execPath)} --import tsx test/helpers/display-session.ts ${q(dir)} ${name} ${seconds} ${tickers} ${mode} 3>${q(report)} 2>${q(stderr)}; echo "EXITED $?"; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', String(w), '-y', String(h), '-c', root, cmd);
  return {
    dir,
    target: name,
    stderr,
    report: async (timeoutMs = 30_000): Promise<SessionReport> => {
      await waitFor(name, 'the session to end', (t) => /EXITED \d+/.test(t), timeoutMs);
      const text = fs.readFileSync(report, 'utf8');
      assert.ok(text.trim(), `no report; stderr: ${fs.readFileSync(stderr, 'utf8')}`);
      return JSON.parse(text) as SessionReport;
    },
  };
}

/** a ticker's row in the positions pane (the left 71 columns in the wide layout) */
const row = (text: string, ticker: string) =>
  (text.split('\n').find((l) => l.startsWith(`${ticker} `)) ?? '').slice(0, 71).trimEnd();
const remaining = (text: string) => {
  const m = /remaining (\d+):(\d\d)/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
};

test('120×40: positions after known fills, trade updates, a clock counting down; q ends the session through the end of session', {
  timeout: 90_000,
}, async (t) => {
  t.after(() => killServer('wide'));
  const run = start('wide', 120, 40, 60, 4);
  // tick 1 buys 5 AAPL, tick 2 buys 3 MSFT and rests a limit buy for 1 NVDA at $1
  const first = await waitFor(
    run.target,
    'both fills on screen',
    (s) => /^AAPL +5 /m.test(s) && /^MSFT +3 /m.test(s) && s.includes('phase RUNNING'),
  );
  assert.match(first, /salvo wide +broker paper +quotes sim +phase RUNNING/);
  for (const title of ['positions (2)', 'execution', 'trade updates', 'quotes (4)', 'log, newest first'])
    assert.ok(first.includes(title), `pane '${title}' missing:\n${first}`);
  assert.match(
    row(first, 'AAPL'),
    /^AAPL +5 +1\d\d\.\d\d +1\d\d\.\d\d +\S+ +[+-]?\d+\.\d\d +[+-]?\d+\.\d\d$/,
    'AAPL: qty, avg, last, value, P&L, %',
  );
  assert.match(first, /^TOTAL +[\d,]+\.\d\d/m);
  assert.match(first, /realized .* cash [\d,]+\.\d\d +equity [\d,]+\.\d\d/);
  assert.match(
    first,
    /\d\d:\d\d:\d\d\.\d{3} buy_long-\d-[0-9a-f]{8} +AAPL +buy +buy_long +filled +1\d\d\.\d\d +5\/5/,
    'a trade-update line for the AAPL fill',
  );
  assert.match(first, /buy_long-\d-[0-9a-f]{8} +NVDA +buy +buy_long +new +1\.00 +0\/1/, 'the resting limit order');
  assert.match(first, /queue 0 +in flight 0 +budget \d+\/\d+/);
  assert.match(first, /workers w1 \d+\/\d+ w2 \d+\/\d+/);
  assert.match(first, /^AMZN +[\d,.]+ +[\d,.]+ +\d/m, 'a quote row with its age');

  const r1 = remaining(first);
  assert.ok(r1 > 0, `a remaining time on screen:\n${first}`);
  const later = await waitFor(run.target, `the remaining time to count down from ${r1} s`, (x) => remaining(x) < r1);
  assert.equal(
    tmux('display-message', '-p', '-t', run.target, '#{alternate_on}').trim(),
    '1',
    'the dashboard owns the alternate screen',
  );

  tmux('send-keys', '-t', run.target, 'q');
  const report = await run.report();
  assert.equal(report.endReason, 'display');
  assert.ok(remaining(later) > 30, 'stopped long before the clock ran out');
  // the end of session ran: liquidated, the resting order canceled, flat at the venue
  assert.deepEqual(report.positions, []);
  assert.deepEqual(report.stillOpen, []);
  assert.equal(report.reconciled, true);
  const orders = byOrder(readLog(report.tradeLogFile));
  for (const h of orders.values())
    assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status).join(' → ')}`);
  const finals = [...orders.values()]
    .map((h) => `${h.terminal[0].ticker} ${h.terminal[0].action} ${h.terminal[0].status}`)
    .sort();
  assert.deepEqual(finals, [
    'AAPL buy_long filled',
    'AAPL liquidate filled',
    'MSFT buy_long filled',
    'MSFT liquidate filled',
    'NVDA buy_long canceled',
  ]);

  // the terminal is back: normal screen, the last state printed as text, no log line went to stderr while the display ran
  const after = history(run.target);
  assert.equal(tmux('display-message', '-p', '-t', run.target, '#{alternate_on}').trim(), '0');
  assert.match(after, /phase DONE/);
  assert.match(after, /EXITED 0/);
  const stderr = fs.readFileSync(run.stderr, 'utf8');
  assert.doesNotMatch(
    stderr,
    /trading for|end of session/,
    `session log lines reached stderr under the display:\n${stderr}`,
  );
});

test('80×24 shows every pane; 300 tickers scroll instead of overflowing; a resize reflows', {
  timeout: 90_000,
}, async (t) => {
  t.after(() => killServer('narrow'));
  const run = start('narrow', 80, 24, 60, 300);
  const s = await waitFor(run.target, 'the AAPL fill', (x) => /^AAPL +5 /m.test(x) && x.includes('phase RUNNING'));
  const lines = s.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 24);
  for (const l of lines) assert.ok(l.length <= 80);
  for (const title of ['positions (', 'execution', 'quotes (300', 'trade updates', 'log, newest first'])
    assert.ok(s.includes(title), `pane '${title}' missing at 80×24:\n${s}`);
  assert.match(s, /remaining \d+:\d\d/);
  assert.match(s, /queue 0 +in flight \d+ +budget/);
  assert.match(s, /buy_long-\d-[0-9a-f]{8} +AAPL/);
  assert.doesNotMatch(s, /^T299 /m, 'the last ticker is below the fold');
  // Tab to the quotes pane (positions → trades → quotes), End scrolls it to the last ticker
  tmux('send-keys', '-t', run.target, 'Tab', 'Tab', 'End');
  await waitFor(run.target, 'the quotes pane scrolled to T295', (x) => /(^|\s)T295 /m.test(x));

  tmux('resize-window', '-t', run.target, '-x', '120', '-y', '40');
  const wide = await waitFor(run.target, 'the wide layout', (x) =>
    x.split('\n').some((l) => /positions \(\d\).*execution/.test(l)),
  );
  assert.ok(wide.split('\n').filter((l) => l.length > 80).length > 5, 'lines use the new width');

  tmux('send-keys', '-t', run.target, 'C-c');
  const report = await run.report();
  assert.equal(report.endReason, 'display', 'Ctrl-C is the same graceful stop as q');
  assert.deepEqual(report.positions, []);
});

test("a crash gives the terminal back, with node's own error report on it", { timeout: 60_000 }, async (t) => {
  t.after(() => killServer('crash'));
  const run = start('crash', 100, 30, 60, 4, 'crash');
  await waitFor(run.target, 'the process to die', (x) => /EXITED \d+/.test(x), 30_000);
  const text = history(run.target);
  assert.match(text, /EXITED 1/);
  assert.equal(
    tmux('display-message', '-p', '-t', run.target, '#{alternate_on}').trim(),
    '0',
    'back on the normal screen',
  );
  assert.match(
    fs.readFileSync(run.stderr, 'utf8'),
    /Error: display test: crash outside the strategy/,
    'node printed the crash',
  );
  const mode = spawnSync(
    'tmux',
    ['-L', socketOf(run.target), 'display-message', '-p', '-t', run.target, '#{cursor_flag}'],
    { encoding: 'utf8' },
  ).stdout.trim();
  assert.equal(mode, '1', 'cursor visible again');
});

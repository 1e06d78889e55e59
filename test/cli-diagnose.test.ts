// `salvo diagnose`: a pass / fail table, a fix per failure, exit 0 only when everything passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { salvo, tmpDir } from './helpers/cli.js';

/** a loopback port nothing listens on */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const row = (stdout: string, name: string) => stdout.split('\n').find((l) => l.startsWith(`  ${name} `)) ?? '';

test('the embedded default (paper venue, simulated quotes): every check passes, exit 0', async () => {
  const dir = tmpDir('diagnose-ok');
  const r = await salvo(['diagnose', '--tickers', 'AAPL,MSFT', '--log-path', 'out'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^salvo diagnose \(no config file, no \.env\)\n {2}check +result +detail\n/);
  assert.match(row(r.stdout, 'config'), /pass +broker paper, quotes sim, 2 ticker\(s\): AAPL, MSFT/);
  assert.match(
    row(r.stdout, 'log folder'),
    new RegExp(`pass +${path.join(dir, 'out').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is writable`),
  );
  assert.match(row(r.stdout, 'quote source'), /pass +sim: first quote for 2\/2 ticker\(s\) after \d+ ms/);
  assert.match(row(r.stdout, 'broker'), /pass +paper: connected; cash 100,000\.00 USD/);
  assert.match(row(r.stdout, 'clock'), /pass +broker clock \d+ ms (ahead of|behind) local .*market (open|closed)/);
  assert.match(r.stdout, /all 5 checks passed\n$/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'out')), [], 'the write probe is removed');
});

test('unreachable Redis, unknown broker type, unwritable log folder: FAIL rows with fixes, exit 1', async () => {
  const dir = tmpDir('diagnose-fail');
  const port = await closedPort();
  fs.writeFileSync(path.join(dir, 'blocker'), 'a file where a folder should be');
  fs.writeFileSync(
    path.join(dir, 'salvo.config.yaml'),
    [
      'tickers: [AAPL]',
      'tradeLogPath: blocker/logs',
      'broker: { type: carrier-pigeon }',
      `quotes: { type: redis, host: 127.0.0.1, port: ${port}, connectTimeoutMs: 1500 }`,
      '',
    ].join('\n'),
  );
  const r = await salvo(['diagnose', '--timeout', '3'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^salvo diagnose \(salvo\.config\.yaml, no \.env\)/);
  assert.match(row(r.stdout, 'config'), /pass/);
  // named before any mkdir: a file where a folder should be
  assert.match(row(r.stdout, 'log folder'), /FAIL .*blocker\/logs: must be a folder: .*blocker is not one/);
  assert.match(
    row(r.stdout, 'redis'),
    new RegExp(`FAIL +127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\)`),
  );
  assert.match(row(r.stdout, 'quote source'), /FAIL/);
  assert.match(row(r.stdout, 'broker'), /FAIL +unknown type: broker type must be one of 'paper'.*got 'carrier-pigeon'/);
  assert.match(row(r.stdout, 'clock'), /FAIL +not checked/);
  const fixes = r.stdout.slice(r.stdout.indexOf('to fix:'));
  assert.match(fixes, / {2}log folder: create the folder or make it writable/);
  assert.match(fixes, / {2}redis: start the server at that address/);
  assert.match(fixes, / {2}broker: use a broker type this build knows: .*paper/);
  assert.match(r.stdout, /5 of 6 checks failed\n$/);
});

test('an unknown quote source type and a bad config key are reported, not thrown', async () => {
  const dir = tmpDir('diagnose-unknown');
  fs.writeFileSync(
    path.join(dir, 'salvo.config.json'),
    JSON.stringify({ tickers: ['AAPL'], quotes: { type: 'telepathy' } }),
  );
  const r = await salvo(['diagnose', '--timeout', '3'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(row(r.stdout, 'quote source'), /FAIL +unknown type: quotes type must be one of .*got 'telepathy'/);
  assert.match(row(r.stdout, 'broker'), /pass +paper: connected/, 'the broker is still checked');

  fs.writeFileSync(path.join(dir, 'salvo.config.json'), JSON.stringify({ tickers: ['AAPL'], trade_log_path: 'x' }));
  const bad = await salvo(['diagnose'], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.match(row(bad.stdout, 'config'), /FAIL +unknown option 'trade_log_path' \(did you mean 'tradeLogPath'\?\)/);
});

test('regression (issue 10, finding 5): --timeout 0.2 prints its table and exits (what it started is closed)', async () => {
  const dir = tmpDir('diagnose-short');
  // the helper fails the test if the process has not exited within its deadline
  const r = await salvo(['diagnose', '--timeout', '0.2'], { cwd: dir, timeoutMs: 30_000 });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.match(r.stdout, /\n(all 5 checks passed|\d of 5 checks failed)\n$/);
});

test('regression (issue 10, finding 5): a --timeout that is not a positive number of seconds is a one-line error, exit 2', async () => {
  for (const value of ['-1', 'abc', '0', '']) {
    const r = await salvo(['diagnose', '--timeout', value]);
    assert.equal(r.code, 2, value);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `salvo diagnose: --timeout must be a number of seconds above 0 and at most 3600; got ${JSON.stringify(value)}\n`,
    );
  }
});

test('regression (issue 10, finding 9): a log folder under /proc is a FAIL row, and diagnose exits (recursive mkdir there never returns)', async () => {
  const dir = tmpDir('diagnose-proc');
  const r = await salvo(['diagnose', '--tickers', 'AAPL', '--log-path', '/proc/salvo-diagnose', '--timeout', '3'], {
    cwd: dir,
  });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(
    row(r.stdout, 'log folder'),
    /FAIL +\/proc\/salvo-diagnose: must be a folder on a disk: \/proc is a kernel file system/,
  );
});

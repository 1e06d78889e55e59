// `salvo exchange` as a server in its own process, checked by `salvo diagnose` and traded against
// by `salvo run` with the alpaca broker, from two other processes; Ctrl-C stops it (exit 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, salvo, startSalvo, tmpDir } from './helpers/cli.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { untilText, within } from './helpers/until.js';

test('salvo exchange serves the paper venue until SIGINT; diagnose and run reach it as an Alpaca broker', async () => {
  const exchange = startSalvo([
    'exchange',
    '--http-port',
    '0',
    '--tickers',
    'AAPL,MSFT',
    '--key-id',
    'k1',
    '--secret-key',
    's1',
  ]);
  try {
    await untilText(() => exchange.stdout + exchange.stderr, /Ctrl-C stops it/, {
      timeoutMs: 30_000,
      what: 'salvo exchange to say it is serving',
    });
    const url = /Alpaca REST +(\S+)/.exec(exchange.stdout)?.[1];
    assert.ok(url, `exchange started: ${exchange.stdout}${exchange.stderr}`);
    assert.match(exchange.stdout, /credentials +keyId k1, secretKey \*\*\* \(as given\)/);

    const dir = tmpDir('exchange-client');
    fs.writeFileSync(
      path.join(dir, 'salvo.config.json'),
      JSON.stringify({
        tickers: ['AAPL', 'MSFT'],
        broker: { type: 'alpaca', baseUrl: url, keyId: 'k1', secretKey: 's1' },
      }),
    );
    const diagnose = await salvo(['diagnose'], { cwd: dir });
    assert.equal(diagnose.code, 0, diagnose.stdout + diagnose.stderr);
    assert.match(diagnose.stdout, /broker +pass +alpaca: connected; cash 100,000\.00 USD/);

    const run = await salvo(
      [
        'run',
        path.join(ROOT, 'strategies/basket.ts'),
        '--frequency',
        '100ms',
        '--run',
        '1s',
        '--log-path',
        dir,
        '--log-name',
        'remote',
      ],
      { cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr);
    const orders = byOrder(readLog(path.join(dir, 'remote.csv')));
    assert.ok(orders.size > 0, 'the remote session traded');
    for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status)}`);
    assert.ok(
      [...orders.values()].some((h) => h.terminal[0].status === 'filled'),
      'the exchange filled orders',
    );

    fs.writeFileSync(
      path.join(dir, 'salvo.config.json'),
      JSON.stringify({ tickers: ['AAPL'], broker: { type: 'alpaca', baseUrl: url, keyId: 'k1', secretKey: 'wrong' } }),
    );
    const refused = await salvo(['diagnose'], { cwd: dir });
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /broker +FAIL +alpaca: /);
  } finally {
    exchange.child.kill('SIGINT');
  }
  assert.equal(
    await within(exchange.closed, {
      timeoutMs: 30_000,
      what: 'salvo exchange to exit after SIGINT',
      detail: () => exchange.stderr,
    }),
    0,
    exchange.stderr,
  );
  assert.match(exchange.stderr, /SIGINT, closing/);
});

test('salvo exchange: bad flags exit 2, a port in use exits 1', async () => {
  const bad = await salvo(['exchange', '--http-port', 'eighty', '--latency-ms', '-5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--http-port must be a whole number from 0 to 65535; got "eighty"/);
  assert.match(bad.stderr, /--latency-ms must be a number of at least 0; got "-5"/);

  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const busy = await salvo([
      'exchange',
      '--http-port',
      String((server.address() as net.AddressInfo).port),
      '--tickers',
      'AAPL',
    ]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /salvo exchange: could not start: .*(EADDRINUSE|in use)/);
  } finally {
    server.close();
  }
});

test("regression (issue 10, finding 9): --http-port 70000 and --fix-port -1 are one-line errors (exit 2), not Node's own message", async () => {
  const r = await salvo(['exchange', '--http-port', '70000', '--fix-port', '-1']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    [
      'salvo exchange: --http-port must be a whole number from 0 to 65535; got "70000"',
      'salvo exchange: --fix-port must be a whole number from 0 to 65535; got "-1"',
      '',
    ].join('\n'),
  );
});

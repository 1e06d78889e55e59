// Issue 10, findings 4, 5 and 9 as a hostile user met them: credentials in messages, `salvo run`
// that never exits, and unclear or missing option errors. Each case is the reproduction of the
// finding, checked the way the user saw it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseOptions, runTrading, SalvoOptionsError } from '../src/index.js';
import { salvo, strategyDir, tmpDir } from './helpers/cli.js';
import { base, problemsOf } from './helpers/options.js';

const onlyProblem = (options: Record<string, unknown>) => {
  const problems = problemsOf({ ...base, ...options });
  assert.equal(problems.length, 1, problems.join('\n'));
  return problems[0];
};

// a strategy module that keeps the event loop alive from its import on
const TIMER_AT_IMPORT = `
setInterval(() => {}, 1000);
export const config = { tickers: ['AAPL'] };
export default function strategy() { return []; }
`;

test('finding 4: broker { keyId, secretKey } without a type names the problem, never the keys (runTrading and salvo run --dry-run)', async () => {
  const keyId = 'PKFINDING4KEYID77';
  const secretKey = 'finding4-secret-b1e0c7';
  const error = await runTrading({ ...base, broker: { keyId, secretKey } as never }).then(
    () => assert.fail('accepted'),
    (e: Error) => e,
  );
  assert.ok(error instanceof SalvoOptionsError);
  assert.deepEqual(error.problems, ["broker needs a type: 'paper' | 'alpaca' | 'fix'"]);
  assert.ok(!error.message.includes(secretKey) && !error.message.includes(keyId), error.message);

  const dir = strategyDir('f4-no-type');
  fs.writeFileSync(path.join(dir, 'strat.ts'), TIMER_AT_IMPORT);
  fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ broker: { keyId, secretKey } }));
  for (const extra of [[], ['--dry-run']]) {
    const r = await salvo(['run', 'strat.ts', '--config', 'c.json', ...extra], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim(), "salvo run: c.json: broker needs a type: 'paper' | 'alpaca' | 'fix'");
    assert.ok(!(r.stdout + r.stderr).includes(secretKey));
  }
});

test('finding 4: numeric secrets (YAML 0012345678, ${VAR} holding digits) are never shown', async () => {
  const problem = onlyProblem({ broker: { type: 'alpaca', keyId: 'k-1', secretKey: 12345678 } });
  assert.equal(problem, 'broker.secretKey must be a string; got a number (not shown: a credential)');

  const dir = strategyDir('f4-numeric');
  fs.writeFileSync(path.join(dir, 'strat.ts'), TIMER_AT_IMPORT);
  fs.writeFileSync(path.join(dir, 'yaml.yaml'), 'broker: { type: alpaca, keyId: k-1, secretKey: 0012345678 }\n');
  fs.writeFileSync(
    path.join(dir, 'env.yaml'),
    'broker: { type: alpaca, keyId: k-1, secretKey: "${F4_SECRET}" }\nquotes: { type: sim, seed: "${F4_SECRET}", volatility: "${F4_SECRET}" }\n',
  );
  for (const file of ['yaml.yaml', 'env.yaml']) {
    const r = await salvo(['run', 'strat.ts', '--config', file, '--dry-run'], {
      cwd: dir,
      env: { F4_SECRET: '0098765432' },
    });
    assert.equal(r.code, 2, r.stderr);
    const shown = r.stdout + r.stderr;
    for (const digits of ['12345678', '0012345678', '98765432', '0098765432'])
      assert.ok(!shown.includes(digits), `${file}: ${shown}`);
    assert.match(r.stderr, /broker\.secretKey must be a string; got a number \(not shown: a credential\)/);
    for (const line of r.stderr.trim().split('\n')) assert.match(line, /^salvo run: /);
  }
});

test('finding 4: passwords inside bad URLs (quotes.url, baseUrl) are masked in the option error', () => {
  const pw = 'url-pw-5e8a0f';
  const problems = problemsOf({
    ...base,
    broker: { type: 'alpaca', baseUrl: `ftp://trader:${pw}@example.test/x` },
  });
  assert.deepEqual(problems, ['broker.baseUrl must be an http(s) URL; got "ftp://trader:***@example.test/x"']);
  const redis = problemsOf({ ...base, quotes: { type: 'redis', url: `http://:${pw}@127.0.0.1:6379/0` } });
  assert.deepEqual(redis, ['quotes.url must start with redis:// or rediss://; got "http://:***@127.0.0.1:6379/0"']);
});

test('finding 4: salvo run --dry-run masks the redis url and baseUrl passwords and every configured secret', async () => {
  const dir = strategyDir('f4-dry-run');
  fs.writeFileSync(path.join(dir, 'strat.ts'), TIMER_AT_IMPORT);
  fs.writeFileSync(
    path.join(dir, 'salvo.config.yaml'),
    [
      'broker: { type: alpaca, keyId: "${F4_KEY}", secretKey: "${F4_SECRET}", baseUrl: "http://desk:base-pw-1f2e@127.0.0.1:9/" }',
      'quotes: { type: redis, url: "redis://:redis-pw-9c8b@127.0.0.1:6379/0", channel: "md.{ticker}" }',
      '',
    ].join('\n'),
  );
  const r = await salvo(['run', 'strat.ts', '--dry-run'], {
    cwd: dir,
    env: { F4_KEY: 'PKDRYRUNKEY42', F4_SECRET: 'dry-run-secret-77aa' },
  });
  assert.equal(r.code, 0, r.stderr);
  const { options } = JSON.parse(r.stdout);
  assert.equal(options.quotes.url, 'redis://:***@127.0.0.1:6379/0');
  assert.equal(options.broker.baseUrl, 'http://desk:***@127.0.0.1:9/');
  assert.equal(options.broker.keyId, '***');
  assert.equal(options.broker.secretKey, '***');
  assert.equal(options.quotes.channel, 'md.{ticker}', 'what is not a credential is shown');
  for (const s of ['base-pw-1f2e', 'redis-pw-9c8b', 'PKDRYRUNKEY42', 'dry-run-secret-77aa'])
    assert.ok(!(r.stdout + r.stderr).includes(s), s);
});

test('finding 4: a Kafka broker written u:pw@host:port never reaches the runtime error, the logger or the .log', async () => {
  const pw = 'kafka-pw-3d4c2b';
  const logs = tmpDir('f4-kafka');
  const lines: string[] = [];
  const error = await runTrading({
    ...base,
    quotes: { type: 'kafka', brokers: `trader:${pw}@127.0.0.1:1`, envId: 'test', connectTimeoutMs: 1000 },
    tradeLogPath: logs,
    tradeLogName: 'kafka-secret',
    logger: (_l, m) => lines.push(m),
  }).then(
    () => assert.fail('a session without its quote source must not start'),
    (e: Error) => e,
  );
  assert.match(error.message, /session did not start/);
  const everything = [
    error.message,
    error.stack ?? '',
    ...lines,
    fs.readFileSync(path.join(logs, 'kafka-secret.log'), 'utf8'),
  ].join('\n');
  assert.match(everything, /trader:\*\*\*@127\.0\.0\.1:1/, 'the broker address is still named');
  assert.ok(!everything.includes(pw), everything);
});

test('finding 9: NaN, Infinity and bigints are reported exactly', () => {
  assert.equal(onlyProblem({ frequency: Number.NaN }), 'frequency must be a finite number of seconds; got NaN');
  assert.equal(
    onlyProblem({ runSeconds: Number.POSITIVE_INFINITY }),
    'runSeconds must be a finite number of seconds; got Infinity',
  );
  assert.equal(
    onlyProblem({ ordersPerMinute: Number.NEGATIVE_INFINITY }),
    'ordersPerMinute must be a finite number; got -Infinity',
  );
  assert.equal(onlyProblem({ numWorkers: 10n }), 'numWorkers must be a number; got 10n (a bigint)');
  assert.equal(
    onlyProblem({ frequency: 10n }),
    "frequency must be a positive number of seconds or a duration like '250ms', '10s', '1m', '1h'; got 10n (a bigint)",
  );
  assert.equal(
    onlyProblem({ broker: { type: 'paper', cash: Number.NaN } }),
    'broker.cash must be a finite number; got NaN',
  );
});

test('finding 9: broker: 5 gets a real message; numWorkers names itself once', () => {
  assert.equal(
    onlyProblem({ broker: 5 }),
    "broker must be 'paper' | 'alpaca' | 'fix' or an object { type: 'paper' | 'alpaca' | 'fix', … }; got 5",
  );
  assert.equal(
    onlyProblem({ quotes: [] }),
    "quotes must be 'sim' | 'redis' | 'kafka' | 'replay' | 'alpaca' or an object { type: 'sim' | 'redis' | 'kafka' | 'replay' | 'alpaca', … }; got an array of 0",
  );
  assert.equal(onlyProblem({ numWorkers: 0 }), 'numWorkers must be at least 1; got 0');
  assert.equal(onlyProblem({ numWorkers: 100 }), 'numWorkers must be at most 64; got 100');
  assert.equal(onlyProblem({ numWorkers: 2.5 }), 'numWorkers must be a whole number; got 2.5');
});

test('found by the property suite: a broker or quotes type named like an Object method is a problem line, not a TypeError', () => {
  for (const type of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    assert.equal(onlyProblem({ broker: type }), `broker type must be one of 'paper' | 'alpaca' | 'fix'; got '${type}'`);
    assert.match(onlyProblem({ quotes: { type } }), /^quotes type must be one of 'sim'/);
  }
});

test('finding 9: absurd values are refused with their bound (the README lists each)', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ frequency: 1e-9 }, 'frequency must be at least 1 ms; got 1e-9'],
    [
      { frequency: '2d' },
      "frequency must be a positive number of seconds or a duration like '250ms', '10s', '1m', '1h'; got \"2d\"",
    ],
    [{ frequency: 86_401 }, 'frequency must be at most 1 day; got 86401'],
    [{ runSeconds: 1e308 }, 'runSeconds must be at most 7 days; got 1e+308'],
    [{ warmUpPeriod: '2h' }, 'warmUpPeriod must be at most 1 hour; got "2h"'],
    [{ eosTimeout: 1e12 }, 'eosTimeout must be at most 10 minutes; got 1000000000000'],
    [{ ordersPerMinute: 2e6 }, 'ordersPerMinute must be at most 1000000; got 2000000'],
    [{ burst: 1e9 }, 'burst must be at most 1000000; got 1000000000'],
    [{ burst: 500 }, 'burst must be at most ordersPerMinute (200); got 500'],
    [{ retryBaseMs: 1e9 }, 'retryBaseMs must be at most 600000; got 1000000000'],
    [{ displayRefreshRate: 0.001 }, 'displayRefreshRate must be at least 0.05; got 0.001'],
    [{ displayRefreshRate: 1e6 }, 'displayRefreshRate must be at most 60; got 1000000'],
    [{ maxTradeUpdates: 1e7 }, 'maxTradeUpdates must be at most 1000; got 10000000'],
    [{ maxRetries: 21 }, 'maxRetries must be at most 20; got 21'],
    [{ broker: { type: 'paper', latencyMs: 1e9 } }, 'broker.latencyMs must be at most 60000; got 1000000000'],
  ];
  for (const [options, expected] of cases) assert.equal(onlyProblem(options), expected);
  // the bounds themselves are accepted
  const edge = parseOptions({
    ...base,
    frequency: '1ms',
    runSeconds: 7 * 86_400,
    warmUpPeriod: '1h',
    eosTimeout: '10m',
    ordersPerMinute: 1_000_000,
    burst: 1_000_000,
    displayRefreshRate: 60,
    maxTradeUpdates: 1000,
  });
  assert.equal(edge.periodMs, 1);
  assert.equal(edge.eosTimeoutMs, 600_000);
});

test('finding 9: tradeLogPath under /proc, on a file or on a kernel file system is refused before anything starts, creating nothing', async () => {
  const refused = async (tradeLogPath: string) => {
    const error = await runTrading({ ...base, tradeLogPath, runSeconds: 0.2 }).then(
      () => assert.fail(`${tradeLogPath} was accepted`),
      (e: Error) => e,
    );
    assert.ok(error instanceof SalvoOptionsError, String(error));
    assert.equal(error.problems.length, 1);
    return error.problems[0];
  };
  // the finding: Node's recursive mkdir never returns there; a hang here fails the test by its timeout
  assert.equal(
    await refused('/proc/self/salvo-logs'),
    'tradeLogPath must be a folder on a disk: /proc/self is a kernel file system',
  );
  assert.equal(
    await refused('/sys/kernel'),
    'tradeLogPath must be a folder on a disk: /sys/kernel is a kernel file system',
  );
  const dir = strategyDir('f9-file');
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'not a folder');
  assert.equal(await refused(path.join(file, 'logs')), `tradeLogPath must be a folder: ${file} is not one`);
  assert.equal(
    onlyProblem({ tradeLogPath: 'logs\nx' }),
    'tradeLogPath must be a folder path without control characters; got "logs\\nx"',
  );

  // salvo run: bad input, exit 2, one line naming the flag; nothing created
  fs.writeFileSync(path.join(dir, 'strat.ts'), TIMER_AT_IMPORT);
  const r = await salvo(['run', 'strat.ts', '--run', '1s', '--log-path', '/proc/self/salvo-logs'], {
    cwd: dir,
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stderr.trim(),
    'salvo run: tradeLogPath must be a folder on a disk: /proc/self is a kernel file system (from --log-path)',
  );
  const fresh = path.join(dir, 'new', 'logs');
  assert.equal(
    parseOptions({ ...base, tradeLogPath: fresh }).tradeLogPath,
    fresh,
    'a folder that does not exist yet is fine',
  );
  assert.equal(fs.existsSync(path.join(dir, 'new')), false, 'checking creates nothing');
});

test('finding 9: a ticker must be a symbol; a control character in any log message stays on its line', async () => {
  assert.equal(
    onlyProblem({ tickers: ['AAPL\nINFO forged line'] }),
    'tickers[0] must be a symbol of 1 to 32 letters, digits or . / - _ ^ = : # +; got "AAPL\\nINFO forged line"',
  );
  assert.match(onlyProblem({ tickers: ['X'.repeat(33)] }), /^tickers\[0\] must be a symbol/);
  for (const ok of ['BRK.B', 'BTC/USD', '^GSPC', 'ES=F', '6E:CME'])
    assert.deepEqual(parseOptions({ ...base, tickers: [ok] }).tickers, [ok]);

  const logs = tmpDir('f9-one-line');
  const lines: string[] = [];
  await runTrading({
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 0.35,
    warmUpPeriod: 0,
    eosBehavior: 'hold',
    numWorkers: 1,
    tradeLogPath: logs,
    tradeLogName: 'one-line',
    logger: (_l, m) => lines.push(m),
    handleSignals: false,
    strategy: (ctx) => {
      ctx.log('first\nINFO forged\r\x1b[2Jcleared');
      if (ctx.tick === 1) throw new Error('multi\nline failure');
    },
  });
  const file = fs.readFileSync(path.join(logs, 'one-line.log'), 'utf8').trimEnd().split('\n');
  for (const line of file)
    assert.match(
      line,
      /^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO|WARN|ERROR) /,
      `every .log line is one whole message: ${JSON.stringify(line)}`,
    );
  assert.ok(
    file.some((l) => l.includes('[strategy] first\\nINFO forged\\r\\x1b[2Jcleared')),
    file.join('\n'),
  );
  assert.ok(
    file.some((l) => /ERROR strategy threw on tick 1: Error: multi\\nline failure\\n {4}at /.test(l)),
    'the stack stays on its line',
  );
  for (const m of lines) assert.ok(!/[\n\r\x1b]/.test(m), JSON.stringify(m));
});

test('finding 5: salvo run exits when its work is done, even if the strategy module holds a timer', async () => {
  const dir = strategyDir('f5-exit');
  fs.writeFileSync(path.join(dir, 'strat.ts'), TIMER_AT_IMPORT);
  const logs = tmpDir('f5-logs');
  // a bad flag after the module was imported, a dry run, a completed session
  const bad = await salvo(['run', 'strat.ts', '--status-every', 'abc'], { cwd: dir, timeoutMs: 30_000 });
  assert.equal(bad.code, 2, bad.stderr);
  assert.equal(bad.stderr.trim(), 'salvo run: --status-every must be a positive number of seconds; got "abc"');
  const dry = await salvo(['run', 'strat.ts', '--dry-run'], { cwd: dir, timeoutMs: 30_000 });
  assert.equal(dry.code, 0, dry.stderr);
  const done = await salvo(
    ['run', 'strat.ts', '--run', '300ms', '--frequency', '100ms', '--log-path', logs, '--log-name', 'timer'],
    { cwd: dir, timeoutMs: 60_000 },
  );
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /strat\.ts ended \(completed\)/);
  assert.match(done.stdout, /trade log\s+.*timer\.csv/, 'the report was printed in full before the exit');
  assert.ok(
    fs.readFileSync(path.join(logs, 'timer.log'), 'utf8').includes('end of session (completed)'),
    'the session log was written before the exit',
  );
});

test('finding 4: salvo diagnose names the failing Kafka and FIX peers without their passwords, and exits', async () => {
  const dir = tmpDir('f4-diagnose');
  fs.writeFileSync(
    path.join(dir, 'salvo.config.yaml'),
    [
      'tickers: [AAPL]',
      'broker: { type: fix, host: 127.0.0.1, port: 1, senderCompId: S, targetCompId: T, username: u, password: "fix-pw-0a9b8c" }',
      'quotes: { type: kafka, brokers: "trader:kafka-pw-7e6d5c@127.0.0.1:1", envId: e, username: u, password: "sasl-pw-4f3e2d" }',
      '',
    ].join('\n'),
  );
  const r = await salvo(['diagnose', '--timeout', '2'], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /trader:\*\*\*@127\.0\.0\.1:1/, 'the Kafka address is still named');
  for (const s of ['fix-pw-0a9b8c', 'kafka-pw-7e6d5c', 'sasl-pw-4f3e2d'])
    assert.ok(!(r.stdout + r.stderr).includes(s), `${s} leaked:\n${r.stdout}${r.stderr}`);
});

// `salvo run`, driven as a user would: spawned processes, exit codes, stdout / stderr, files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TRADE_LOG_COLUMNS } from '../src/journal/trade-log.js';
import { BASKET, ROOT, salvo, startSalvo, strategyDir, tmpDir } from './helpers/cli.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { until, within } from './helpers/until.js';

const BUY_EVERY_TICK = `
export default function strategy(ctx) {
  return [{ ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'market' }];
}
`;

/** `salvo run strategies/basket.ts` for `run`, its trade log in `logs` under `name` */
const basketRun = (run: string, logs: string, name: string, tickers = BASKET) => [
  'run',
  'strategies/basket.ts',
  '--tickers',
  tickers,
  '--frequency',
  '100ms',
  '--run',
  run,
  '--log-path',
  logs,
  '--log-name',
  name,
];

test('salvo run strategies/basket.ts --run 1s: exit 0, a trade log, status lines without a terminal', async () => {
  const logs = tmpDir('run-logs');
  const r = await salvo([...basketRun('1s', logs, 'basket'), '--status-every', '0.5']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /basket\.ts ended \(completed\) after \d+ strategy call/);
  assert.match(r.stdout, /trade log\s+.*basket\.csv/);
  assert.match(
    r.stderr,
    /\[salvo\] 0:0\d (warm-up|running|end of session) · orders \d+ \(\d+ open\) · fills \d+/,
    'a status line (stdout is not a terminal)',
  );
  const file = path.join(logs, 'basket.csv');
  assert.equal(fs.readFileSync(file, 'utf8').split('\n')[0], TRADE_LOG_COLUMNS.join(','));
  const orders = byOrder(readLog(file));
  assert.ok(orders.size >= 1, `orders: ${orders.size}`);
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id} ends once`);
  const total = Number(/orders\s+(\d+) total/.exec(r.stdout)?.[1]);
  assert.equal(total, orders.size, 'the printed report agrees with the CSV');
});

test('precedence: flags over the config file over the strategy file exports over defaults; .env is loaded', async () => {
  const dir = strategyDir('precedence');
  fs.writeFileSync(
    path.join(dir, 'strat.ts'),
    `
export const config = { tickers: ['AAPL', 'MSFT'], frequency: '200ms', runSeconds: 30, tradeLogName: 'from-export', eosBehavior: 'hold', numWorkers: 3 };
${BUY_EVERY_TICK}`,
  );
  fs.writeFileSync(
    path.join(dir, 'salvo.config.yaml'),
    'runSeconds: 1\ntradeLogName: from-config\nnumWorkers: 2\nquotes:\n  type: sim\n  seed: ${SALVO_TEST_SEED}\n',
  );
  fs.writeFileSync(path.join(dir, '.env'), 'SALVO_TEST_SEED=7\n');
  const dry = await salvo(['run', 'strat.ts', '--log-name', 'from-flag', '--dry-run'], { cwd: dir });
  assert.equal(dry.code, 0, dry.stderr);
  const { options, from, configFile, envFile } = JSON.parse(dry.stdout);
  assert.equal(options.tradeLogName, 'from-flag');
  assert.equal(from.tradeLogName, 'flags');
  assert.equal(options.strategyId, 'strat', "the strategy file's name: one id across its runs");
  const named = await salvo(['run', 'strat.ts', '--strategy-id', 'mean-rev.2', '--dry-run'], { cwd: dir });
  assert.equal(JSON.parse(named.stdout).options.strategyId, 'mean-rev.2');
  const bad = await salvo(['run', 'strat.ts', '--strategy-id', 'no spaces', '--dry-run'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^salvo run: .*strategyId must be 1 to 32 letters, digits, _ \. - starting with a letter or digit/m,
  );
  assert.equal(options.runMs, 1000);
  assert.equal(from.runSeconds, 'salvo.config.yaml');
  assert.equal(options.numWorkers, 2);
  assert.deepEqual(options.tickers, ['AAPL', 'MSFT']);
  assert.equal(from.tickers, 'strat.ts (export config)');
  assert.equal(options.eosBehavior, 'hold');
  assert.equal(options.periodMs, 200);
  assert.equal(options.ordersPerMinute, 200, 'a default');
  assert.equal(options.quotes.seed, 7);
  assert.equal(options.quotes.volatility, 0.5, 'quotes from the file merge over the sim defaults');
  assert.equal(configFile, path.join(dir, 'salvo.config.yaml'));
  assert.equal(envFile, path.join(dir, '.env'));

  // and for real: the flag's log name, the file's 1 s, the export's hold (a position is kept)
  const logs = tmpDir('precedence-logs');
  const run = await salvo(['run', 'strat.ts', '--log-name', 'from-flag', '--log-path', logs, '--no-display'], {
    cwd: dir,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(fs.existsSync(path.join(logs, 'from-flag.csv')));
  assert.match(run.stdout, /ended \(completed\) after [1-7] strategy call/, 'about 1 s at 200 ms');
  assert.match(run.stdout, /positions\s+AAPL \d+/, 'hold kept the position');
  const workers = new Set(readLog(path.join(logs, 'from-flag.csv')).map((row) => row.worker_id));
  for (const w of workers) assert.ok(['0', '1', '2'].includes(w), `worker ${w} with numWorkers 2`);
});

test('bad config: one line per problem, with "did you mean" and where it came from; exit 2', async () => {
  const dir = strategyDir('bad-config');
  fs.writeFileSync(path.join(dir, 'strat.ts'), `export const config = { tickers: ['AAPL'] };\n${BUY_EVERY_TICK}`);
  fs.writeFileSync(
    path.join(dir, 'bad.json'),
    JSON.stringify({ trade_log_name: 'x', frequncy: 1, eosBehavior: 'sell', numWorkers: 'four' }),
  );
  const r = await salvo(['run', 'strat.ts', '--config', 'bad.json', '--run', 'soon'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.ok(
    lines.includes("salvo run: bad.json: unknown key 'trade_log_name' (did you mean 'tradeLogName'?)"),
    r.stderr,
  );
  assert.ok(lines.includes("salvo run: bad.json: unknown key 'frequncy' (did you mean 'frequency'?)"), r.stderr);
  assert.ok(
    lines.some((l) =>
      /^salvo run: bad\.json: eosBehavior must be one of 'liquidate' \| 'hold' \| 'custom'; got "sell"$/.test(l),
    ),
    r.stderr,
  );
  assert.ok(
    lines.some((l) => /^salvo run: bad\.json: numWorkers must be a number; got "four"$/.test(l)),
    r.stderr,
  );
  assert.ok(
    lines.some((l) => /^salvo run: runSeconds.*got "soon" \(from --run\)$/.test(l)),
    r.stderr,
  );
  assert.equal(lines.length, 5, r.stderr);

  const yaml = await salvo(['run', 'strat.ts', '--config', 'broken.yaml'], { cwd: dir });
  assert.equal(yaml.code, 2);
  assert.match(yaml.stderr, /config file .*broken\.yaml: no such file/);
  fs.writeFileSync(path.join(dir, 'broken.yaml'), 'tickers: [AAPL\nfrequency: 1\n');
  const broken = await salvo(['run', 'strat.ts', '--config', 'broken.yaml'], { cwd: dir });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /broken\.yaml: line \d+: not valid YAML/);

  const flag = await salvo(['run', 'strat.ts', '--eos', 'sell'], { cwd: dir });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /argument 'sell' is invalid\. Allowed choices are liquidate, hold, custom/);
  const unknownFlag = await salvo(['run', 'strat.ts', '--tickerz', 'AAPL'], { cwd: dir });
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /unknown option '--tickerz'\n\(Did you mean --tickers\?\)/);
});

test('a strategy file without a default function export, or missing, or throwing at import: exit 2, one line', async () => {
  const dir = strategyDir('no-default');
  fs.writeFileSync(
    path.join(dir, 'named.ts'),
    `export function strategy() { return []; }\nexport const config = { tickers: ['AAPL'] };\n`,
  );
  const r = await salvo(['run', 'named.ts'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr.trim(),
    "salvo run: named.ts has no default export: export the strategy function with `export default function strategy(ctx) { … }` (it exports 'strategy'; make one of them the default export)",
  );

  fs.writeFileSync(path.join(dir, 'object.ts'), `export default { tickers: ['AAPL'] };\n`);
  const o = await salvo(['run', 'object.ts', '--tickers', 'AAPL'], { cwd: dir });
  assert.equal(o.code, 2);
  assert.match(o.stderr, /object\.ts: the default export must be the strategy function \(ctx\) => orders; got object/);

  const missing = await salvo(['run', 'nowhere.ts'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /strategy file nowhere\.ts: no such file/);

  fs.writeFileSync(path.join(dir, 'throws.ts'), `throw new Error('boom at import');\nexport default () => [];\n`);
  const throws = await salvo(['run', 'throws.ts', '--tickers', 'AAPL'], { cwd: dir });
  assert.equal(throws.code, 2);
  assert.match(throws.stderr, /strategy file throws\.ts failed to load: boom at import/);

  // no tickers anywhere
  fs.writeFileSync(path.join(dir, 'bare.ts'), BUY_EVERY_TICK);
  const bare = await salvo(['run', 'bare.ts'], { cwd: dir });
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /no tickers: pass --tickers A,B/);
});

test('a strategy file outside an ES module package (CommonJS TypeScript) still loads', async () => {
  const dir = tmpDir('cjs-strategy'); // no package.json
  fs.writeFileSync(path.join(dir, 'strat.ts'), `export const config = { tickers: ['MSFT'] };\n${BUY_EVERY_TICK}`);
  const r = await salvo(['run', 'strat.ts', '--dry-run'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).options.tickers, ['MSFT']);
});

test('a session that cannot start exits 1 with the reason', async () => {
  const dir = strategyDir('no-start');
  fs.writeFileSync(path.join(dir, 'strat.ts'), BUY_EVERY_TICK);
  // (a log folder that cannot be written is now bad input, exit 2: test/options-hardening.test.ts)
  fs.writeFileSync(
    path.join(dir, 'no-redis.json'),
    JSON.stringify({ quotes: { type: 'redis', host: '127.0.0.1', port: 1, connectTimeoutMs: 1000 } }),
  );
  const r = await salvo(
    [
      'run',
      'strat.ts',
      '--tickers',
      'AAPL',
      '--run',
      '1s',
      '--config',
      'no-redis.json',
      '--log-path',
      tmpDir('no-start-logs'),
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /salvo run: session did not start: .*127\.0\.0\.1:1/);
});

test('the built CLI runs as well (SALVO_FROM_DIST=1 → dist/cli/main.js)', async () => {
  assert.ok(
    fs.existsSync(path.join(ROOT, 'dist/cli/main.js')),
    'dist/ is not built: npm run build (npm test builds it first)',
  );
  const logs = tmpDir('dist-logs');
  const r = await salvo(basketRun('1s', logs, 'dist', 'AAPL,MSFT'), { env: { SALVO_FROM_DIST: '1' } });
  assert.equal(r.code, 0, r.stderr);
  const review = await salvo(['review', path.join(logs, 'dist.csv'), '--json'], { env: { SALVO_FROM_DIST: '1' } });
  assert.equal(review.code, 0, review.stderr);
  assert.equal(JSON.parse(review.stdout).files[0].format, 'salvo');
});

test('Ctrl-C (SIGINT) ends the session through its end of session: report, trade log, exit 130', async () => {
  const logs = tmpDir('sigint-logs');
  const run = startSalvo(basketRun('60s', logs, 'sigint'));
  const csv = path.join(logs, 'sigint.csv');
  // interrupted while trading, once the first block's fills are in the log
  await until(
    () => /trading for/.test(run.stderr) && fs.existsSync(csv) && readLog(csv).some((r) => r.status === 'filled'),
    { timeoutMs: 60_000, what: 'a filled row in sigint.csv', detail: () => run.stderr },
  );
  run.child.kill('SIGINT'); // once: a second SIGINT exits at once, without the end of session
  const code = await within(run.closed, {
    timeoutMs: 60_000,
    what: 'salvo run to exit after SIGINT',
    detail: () => run.stderr,
  });
  assert.equal(code, 130, run.stderr);
  assert.match(run.stdout, /basket\.ts ended \(signal\)/);
  assert.match(run.stderr, /SIGINT: ending the session/);
  const orders = byOrder(readLog(csv));
  assert.ok(orders.size > 0, 'the session traded before the interrupt');
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id} ended`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading, SalvoOptionsError, parseOptions } from '../src/index.js';
import { parseDurationMs } from '../src/session/durations.js';
import { base, problemsOf, strategy } from './helpers/options.js';

test('durations: numbers are seconds, strings carry their unit', () => {
  assert.equal(parseDurationMs(1.5), 1500);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('10s'), 10_000);
  assert.equal(parseDurationMs('15m'), 900_000);
  assert.equal(parseDurationMs('2h'), 7_200_000);
  assert.equal(parseDurationMs('soon'), undefined);
  assert.equal(parseDurationMs(Number.NaN), undefined);
});

test('defaults are what a blockpaca user expects', () => {
  const o = parseOptions(base);
  assert.equal(o.periodMs, 1000);
  assert.equal(o.runMs, 60_000);
  assert.equal(o.eosBehavior, 'liquidate');
  assert.equal(o.ordersPerMinute, 200);
  assert.equal(o.maxRetries, 3);
  assert.deepEqual(o.broker, parseOptions({ ...base, broker: 'paper' }).broker);
  assert.equal(o.broker.type, 'paper');
  assert.equal(o.quotes.type, 'sim');
  assert.ok(o.numWorkers >= 1);
  assert.match(o.tradeLogName, /^session-/);
});

test('each invalid option is named with what it accepts', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ eosBehavior: 'sell' }, /eosBehavior must be one of 'liquidate' \| 'hold' \| 'custom'; got "sell"/],
    [{ eosBehavior: 'custom' }, /customShutdownAction is required when eosBehavior is 'custom'/],
    [{ tickers: [] }, /tickers must list at least one ticker/],
    [{ tickers: ['AAPL', 'AAPL'] }, /tickers must not repeat a ticker/],
    [{ frequency: 0 }, /frequency must be a positive number of seconds or a duration like '250ms'.*got 0/],
    [{ frequency: -1 }, /frequency must be a positive/],
    [{ runSeconds: 'ten minutes' }, /runSeconds must be a positive number of seconds or a duration.*got "ten minutes"/],
    [{ numWorkers: 0 }, /numWorkers must be at least 1/],
    [{ strategy: 'buy low' }, /strategy must be a function/],
    [{ trade_log_name: 'x' }, /unknown option 'trade_log_name' \(did you mean 'tradeLogName'\?\)/],
    [{ broker: 'ibkr' }, /broker type must be one of 'paper'.*got 'ibkr'/],
    [{ broker: { type: 'paper', cash: -5 } }, /broker\.cash/],
  ];
  for (const [bad, expected] of cases) {
    const problems = problemsOf({ ...base, ...bad });
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${JSON.stringify(bad)} → ${JSON.stringify(problems)}`,
    );
  }
});

test('several problems are all reported at once', () => {
  const problems = problemsOf({ strategy, tickers: [], frequency: 'often', numWorkers: 0 });
  assert.equal(problems.length, 3, problems.join('\n'));
});

test('invalid options fail before anything starts: no log folder, no workers', async () => {
  const dir = path.join(os.tmpdir(), `salvo-never-${process.pid}`);
  await assert.rejects(
    runTrading({ ...base, eosBehavior: 'hold', numWorkers: 0, tradeLogPath: dir }),
    SalvoOptionsError,
  );
  assert.equal(fs.existsSync(dir), false);
});

// Several runner processes on one account share its rate limit through a real redis-server: at the
// exchange no window holds more than the limit, the limit is used, fair sharing splits it, a killed
// runner's share goes to the others, and a Redis restart does not open a burst. The window is
// scaled down (4 s) so the run stays short; the one-minute version is in bench/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, type RedisService } from './helpers/services.js';
import { quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';
import { runTrading } from '../src/index.js';

const WINDOW_S = 4;
const PER_MINUTE = 900; // 60 in any 4 s window
const LIMIT = (PER_MINUTE * WINDOW_S) / 60;
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-shared-rate-'));
const opened: Array<{ close(): Promise<void> } | RedisService> = [];
after(async () => {
  for (const o of opened) await ('stop' in o ? o.stop() : o.close());
});

async function setUp(): Promise<{
  ex: TestExchange;
  redis: RedisService;
  arrivals: Array<{ at: number; id: string }>;
}> {
  const redis = await startRedis();
  const ex = await startAlpacaExchange({ tickers: ['AAPL'], server: { ordersPerMinute: PER_MINUTE } });
  opened.push(redis, ex);
  await quoted(ex.board);
  const arrivals: Array<{ at: number; id: string }> = [];
  ex.venue.onUpdate((u) => {
    if (u.event === 'pending_new') arrivals.push({ at: Date.now(), id: u.order.clientOrderId });
  });
  return { ex, redis, arrivals };
}

function runner(name: string, ex: TestExchange, redis: RedisService, share: string, runSeconds: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/helpers/rate-runner.ts',
      logDir,
      name,
      ex.server.restUrl,
      ex.server.streamUrl,
      redis.url,
      share,
      String(PER_MINUTE),
      String(WINDOW_S),
      String(runSeconds),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const trading = new Promise<void>((resolve) =>
    child.stderr!.on('data', () => {
      if (err.includes('trading for')) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { name, child, trading, exited, err: () => err };
}

/** the most arrivals in any window of WINDOW_S seconds */
const busiestWindow = (times: number[]) => busiestOver(times, WINDOW_S * 1000);

function busiestOver(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

test('four runners, fair share: no window over the limit at the exchange, no 429, the limit used, each runner a fair part', async () => {
  const { ex, redis, arrivals } = await setUp();
  const runners = ['r1', 'r2', 'r3', 'r4'].map((n) => runner(`fair-${n}`, ex, redis, 'fair', 12));
  const codes = await Promise.all(runners.map((r) => r.exited));
  assert.deepEqual(codes, [0, 0, 0, 0], runners.map((r) => r.err()).join('\n'));
  assert.equal(ex.server.stats().rateLimited, 0, 'no 429 from the exchange');
  const times = arrivals.map((a) => a.at);
  assert.ok(busiestWindow(times) <= LIMIT, `busiest ${WINDOW_S} s window: ${busiestWindow(times)} > ${LIMIT}`);
  // use: every full window between the first and the last arrival was filled to the limit
  // use: the limit was used, every (window + margin) of the run — the margin is the runners' 1 s
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  assert.ok(
    arrivals.length >= LIMIT * Math.floor(span / (WINDOW_S + 1)),
    `${arrivals.length} sends over ${span.toFixed(1)} s: the limit was not used`,
  );
  // fairness while all four were trading (they start and stop a little apart)
  const mine = runners.map((r) => {
    const csv = fs.readFileSync(path.join(logDir, `${r.name}.csv`), 'utf8');
    return arrivals.filter((a) => csv.includes(a.id)).map((a) => a.at);
  });
  assert.ok(
    mine.every((m) => m.length > 0),
    'every runner sent',
  );
  const [from, to] = [Math.max(...mine.map((m) => m[0])), Math.min(...mine.map((m) => m[m.length - 1]))];
  const per = mine.map((m) => m.filter((t) => t >= from && t <= to).length);
  const fairShare = per.reduce((a, b) => a + b, 0) / 4;
  assert.ok(to - from >= WINDOW_S * 1000, `all four traded together for ${to - from} ms`);
  for (const n of per)
    assert.ok(Math.abs(n - fairShare) <= fairShare * 0.2, `per runner ${per.join(', ')} vs a fair ${fairShare}`);
});

test('a runner killed mid-run: the others absorb its share; a Redis restart mid-run opens no burst', async () => {
  const { ex, redis, arrivals } = await setUp();
  const runners = ['k1', 'k2', 'k3'].map((n) => runner(`kill-${n}`, ex, redis, 'fair', 24));
  await Promise.all(runners.map((r) => r.trading));
  await new Promise((r) => setTimeout(r, 4000)); // lets the three settle into sharing before the kill
  runners[0].child.kill('SIGKILL');
  const killedAt = Date.now();
  await new Promise((r) => setTimeout(r, 10_000)); // a schedule, not a wait: the two left share the limit for 10 s, then Redis restarts
  await redis.restart();
  const codes = await Promise.all(runners.slice(1).map((r) => r.exited));
  assert.deepEqual(codes, [0, 0], runners.map((r) => r.err()).join('\n'));
  const times = arrivals.map((a) => a.at);
  assert.ok(busiestWindow(times) <= LIMIT, `busiest window ${busiestWindow(times)} > ${LIMIT}`);
  assert.equal(ex.server.stats().rateLimited, 0);
  // from the kill's LIVE_MS on, the two left send the whole limit between them
  const after = times.filter((t) => t >= killedAt + 3500 && t < killedAt + 3500 + (WINDOW_S + 1) * 1000).length;
  assert.ok(after >= LIMIT * 0.9, `${after} sends in the window after the kill, the limit is ${LIMIT}`);
  assert.ok(
    runners.slice(1).some((r) => r.err().includes('the shared rate limit in Redis was reset')),
    'the restart was noticed',
  );
});

test('bad rateLimit input: a wrong url is a one-line options error; an unreachable Redis stops the start with a masked url', async () => {
  await assert.rejects(
    runTrading({ strategy: () => undefined, tickers: ['AAPL'], rateLimit: { redis: 'http://x' } }),
    /rateLimit\.redis must be a redis:\/\/ or rediss:\/\/ url/,
  );
  const lines: string[] = [];
  const error = await runTrading({
    strategy: () => undefined,
    tickers: ['AAPL'],
    rateLimit: { redis: 'redis://:hunter2-secret@127.0.0.1:1' },
    tradeLogPath: logDir,
    tradeLogName: 'bad-redis',
    logger: (_l, m) => lines.push(m),
  }).then(
    () => assert.fail('must not start'),
    (e: Error) => e,
  );
  assert.match(
    error.message,
    /session did not start: rateLimit\.redis: cannot use the shared rate limit at redis:\/\/:\*\*\*@127\.0\.0\.1:1/,
  );
  assert.ok(!error.message.includes('hunter2-secret') && !lines.join('\n').includes('hunter2-secret'));
});

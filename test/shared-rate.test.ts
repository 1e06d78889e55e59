// Several runner processes on one account share its rate limit through a real redis-server: at the
// exchange no window holds more than the limit, the limit is used, fair sharing splits it, a killed
// runner's share goes to the others, and a Redis restart does not open a burst. The window is
// scaled down (4 s) so the run stays short; the one-minute version is in bench/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { startRedis, type RedisService } from './helpers/services.js';
import { quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';
import { runTrading } from '../src/index.js';
import { Redis } from 'ioredis';
import { SharedRate } from '../src/execution/shared-rate.js';
import { until } from './helpers/until.js';

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

/** one send granted: a new key (like a restarted Redis) holds every runner for its first second */
const granted = (rate: SharedRate) => until(async () => (await rate.take(1)) === 0, { what: 'a send granted' });

/** the busiest window, where it began and whose sends filled it: what a failure needs to be read */
function whereBusiest(arrivals: Array<{ at: number; id: string }>, marks: Record<string, number>): string {
  const sorted = [...arrivals].sort((x, y) => x.at - y.at);
  const inWindow = (from: number) => sorted.filter((y) => y.at >= from && y.at < from + WINDOW_S * 1000);
  const start = sorted.reduce((best, x) => (inWindow(x.at).length > inWindow(best).length ? x.at : best), 0);
  const by = new Map<string, number>();
  for (const y of inWindow(start)) {
    const runner = y.id.split('-').slice(-2).join('-');
    by.set(runner, (by.get(runner) ?? 0) + 1);
  }
  const when = Object.entries(marks).map(([k, t]) => `${start - t} ms after the ${k}`);
  return `busiest ${WINDOW_S} s window ${inWindow(start).length} > ${LIMIT}, from ${when.join(', ')}: ${[...by].map(([k, n]) => `${k} ${n}`).join(', ')}`;
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
  const restartAt = Date.now();
  await redis.restart();
  const codes = await Promise.all(runners.slice(1).map((r) => r.exited));
  assert.deepEqual(codes, [0, 0], runners.map((r) => r.err()).join('\n'));
  const times = arrivals.map((a) => a.at);
  assert.ok(busiestWindow(times) <= LIMIT, whereBusiest(arrivals, { kill: killedAt, restart: restartAt }));
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

test('a runner stalled across a Redis restart: its sends of the last window still count when it comes back late', async () => {
  // the runner is stopped (SIGSTOP) while Redis restarts and for longer than a fixed recovery period
  // would wait; the other runner must not spend the stalled one's sends of the window again
  const redis = await startRedis();
  opened.push(redis);
  const windowMs = 4_000;
  const marginMs = 250;
  const common = { url: redis.url, key: 'stall-test', share: 'fair' as const, limit: LIMIT, windowMs, marginMs };
  const lines: string[] = [];
  const a = await SharedRate.connect({ ...common, runner: 'a', log: (_l, m) => lines.push(m) });
  const b = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/helpers/rate-taker.ts',
      redis.url,
      'stall-test',
      'b',
      String(LIMIT),
      String(windowMs),
      String(marginMs),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const grants: number[] = [];
  let out = '';
  let err = '';
  // whole lines only: a grant's time split across two reads must not count as two wrong times
  readline.createInterface({ input: b.stdout! }).on('line', (line) => {
    out += `${line}\n`;
    const grant = /^grant (\d+)$/.exec(line);
    if (grant) grants.push(Number(grant[1]));
  });
  b.stderr!.on('data', (d) => (err += d));
  try {
    await until(() => out.includes('ready'), { timeoutMs: 20_000, what: 'runner b started', detail: () => err });
    // b alone fills most of the window, then holds (its heartbeat goes on)
    await until(() => grants.length >= LIMIT - 10, { what: `b granted ${LIMIT - 10}`, detail: () => err });
    // runners that trade together have heard of each other (heartbeats every 500 ms)
    await until(() => a.runnersOnKey === 2, { what: 'runner a hearing of b' });
    b.stdin!.write('hold\n');
    await until(() => out.includes('held'), { what: 'b holding' });
    b.kill('SIGSTOP');
    await redis.restart();
    let running = true;
    const taking = (async () => {
      while (running) {
        const wait = await a.take(1);
        if (wait === 0) grants.push(Date.now());
        else await new Promise((r) => setTimeout(r, Math.min(wait, 20)));
      }
    })();
    await new Promise((r) => setTimeout(r, 2_500)); // a schedule: b stays stopped past a fixed 1.5 s recovery
    b.kill('SIGCONT');
    await until(() => err.includes('was reset'), { what: 'b noticing the restart', detail: () => err });
    await new Promise((r) => setTimeout(r, windowMs + 1_000)); // a schedule: a runs on for more than a window
    running = false;
    await taking;
    assert.ok(
      lines.some((l) => l.includes('was reset')),
      'a noticed the restart',
    );
    assert.ok(busiestWindow(grants) <= LIMIT, `busiest ${WINDOW_S} s window: ${busiestWindow(grants)} > ${LIMIT}`);
    assert.ok(grants.length > LIMIT, `${grants.length} grants: the window after the restart was used`);
  } finally {
    a.close();
    b.kill('SIGKILL');
  }
});

test('after a Redis restart, the sends a runner puts back and the ones it takes next are all counted', async () => {
  const redis = await startRedis();
  opened.push(redis);
  const rate = await SharedRate.connect({
    url: redis.url,
    key: 'count-test',
    runner: 'solo',
    share: 'fair',
    limit: LIMIT,
    windowMs: 60_000,
    log: () => undefined,
  });
  const inRedis = new Redis(redis.url, { lazyConnect: true });
  try {
    for (let i = 0; i < 5; i++) await granted(rate);
    await redis.restart();
    await until(async () => (await rate.take(1)) === 0, { what: 'a send granted after the restart' });
    for (let i = 0; i < 3; i++) assert.equal(await rate.take(1), 0);
    await inRedis.connect();
    // 5 put back + 4 taken: a send named like a restored one would replace it instead (8)
    assert.equal(await inRedis.zcard('salvo:rate:{count-test}:log'), 9);
  } finally {
    rate.close();
    inRedis.disconnect();
  }
});

test('a runner started just after a Redis restart waits for the others to put their sends back', async () => {
  // the new runner meets an empty Redis first and cannot tell a restart from a new key
  const redis = await startRedis();
  opened.push(redis);
  const common = { url: redis.url, key: 'late-joiner', share: 'fair' as const, limit: LIMIT, windowMs: 60_000 };
  const a = await SharedRate.connect({ ...common, runner: 'a', log: () => undefined });
  let d: SharedRate | undefined;
  try {
    for (let i = 0; i < 40; i++) await granted(a);
    await redis.restart();
    d = await SharedRate.connect({ ...common, runner: 'd', log: () => undefined });
    let sent = 0;
    for (const end = Date.now() + 2_500; Date.now() < end; ) {
      const wait = await d.take(1);
      if (wait === 0) sent++;
      else await new Promise((r) => setTimeout(r, Math.min(wait, 20)));
    }
    assert.equal(sent, LIMIT - 40, `the new runner was granted ${sent}; ${LIMIT - 40} were left`);
  } finally {
    a.close();
    d?.close();
  }
});

test('a second Redis restart before the first recovery is over: a dead runner’s sends still count', async () => {
  const redis = await startRedis();
  opened.push(redis);
  const common = { url: redis.url, key: 'twice', share: 'fair' as const, limit: LIMIT, windowMs: 60_000 };
  const said: string[] = [];
  const a = await SharedRate.connect({ ...common, runner: 'a', log: (_l, m) => said.push(m) });
  const b = await SharedRate.connect({ ...common, runner: 'b', log: () => undefined });
  try {
    for (let i = 0; i < 40; i++) await granted(b);
    // a schedule, not a wait: a's next heartbeat (every 500 ms) sees b and its 40 sends in the log
    await new Promise((r) => setTimeout(r, 700));
    b.close(); // b dies with Redis: nobody will put its 40 back
    await redis.restart();
    const resets = () => said.filter((m) => m.includes('was reset')).length;
    await until(async () => (await a.take(1)) > 0 && resets() === 1, { what: 'a meeting the restarted Redis' });
    await redis.restart(); // again, while the first recovery still waits for b
    let sent = 0;
    for (const end = Date.now() + 8_000; Date.now() < end; ) {
      const wait = await a.take(1);
      if (wait === 0) sent++;
      else await new Promise((r) => setTimeout(r, Math.min(wait, 50)));
    }
    assert.equal(sent, LIMIT - 40, `a was granted ${sent} after two restarts; ${LIMIT - 40} were left`);
  } finally {
    a.close();
    b.close();
  }
});

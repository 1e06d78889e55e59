// Redis quotes against a real redis-server (started here on a free port): publisher → Redis →
// quote worker → strategy → paper fill; bad messages; a Redis restart in the middle of a session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { runTrading } from '../src/index.js';
import { createPublisher, type QuotePublisher } from '../src/market/publisher.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BoardSink } from '../src/market/quote-sink.js';
import { redisQuotesSchema } from '../src/market/sources/feed-schemas.js';
import { RedisQuoteSource } from '../src/market/sources/redis.js';
import { assertBadMessagesRefused, badMessagesSession } from './helpers/bad-feed-session.js';
import { assertFilledAtMarker, assertSurvivedOutage, markerSession, outageSession } from './helpers/feed-session.js';
import { startRedis, type RedisService } from './helpers/services.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { freePort } from './helpers/ports.js';
import { until } from './helpers/until.js';

const PASSWORD = 'redis-test-secret';
const TICKERS = ['HNXDS:VN30F2606', 'HNXDS:VN30F2609'];
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-redis-'));
let redis: RedisService;
const publishers: QuotePublisher[] = [];
const publisher = async (format: 'snapshot' | 'compact' = 'snapshot', extra = {}) => {
  const p = await createPublisher({ to: 'redis', url: redis.url, format, ...extra }, TICKERS);
  publishers.push(p);
  return p;
};

before(async () => {
  redis = await startRedis({ password: PASSWORD });
});
after(async () => {
  for (const p of publishers) await p.close();
  await redis?.stop();
});

test('end to end: a snapshot published to Redis reaches the strategy field for field and a paper buy fills at its ask', async () => {
  const p = await publisher('snapshot');
  const r = await markerSession({
    tickers: TICKERS,
    logDir,
    name: 'redis-marker',
    quotes: { type: 'redis', host: '127.0.0.1', port: redis.port, password: PASSWORD },
    publish: async (t, u) => {
      p.send(t, u);
    },
  });
  assertFilledAtMarker(r);
  assert.ok(!r.logs.join('\n').includes(PASSWORD), 'the password is never logged');
});

test('end to end with compact deltas: only the fields that changed travel, mergeUpdates rebuilds the quote', async () => {
  const p = await publisher('compact', { deltas: true, channel: 'md.{symbol}' });
  const r = await markerSession({
    tickers: TICKERS,
    logDir,
    name: 'redis-deltas',
    quotes: { type: 'redis', url: redis.url, format: 'compact', channel: 'md.{symbol}', mergeUpdates: true },
    publish: async (t, u) => {
      p.send(t, u);
    },
  });
  assertFilledAtMarker(r);
});

test('npm run publish-quotes feeds a session from the simulated market; fills are at published asks', async () => {
  const sub = new Redis(redis.url);
  const asks = new Set<number>();
  await sub.subscribe(...TICKERS);
  const published = new Set<string>();
  sub.on('message', (channel: string, m: string) => {
    asks.add(JSON.parse(m).ask_price_1);
    published.add(channel);
  });
  const cli = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/market/publish-cli.ts',
      '--to',
      'redis',
      '--url',
      redis.url,
      '--tickers',
      TICKERS.join(','),
      '--rate',
      '20',
      '--duration',
      '30',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  cli.stderr.on('data', (d) => {
    stderr += d;
  });
  try {
    // the earlier tests' quotes are still stored as the tickers' snapshots, which a session reads at
    // its start: it starts once this publisher has replaced every one of them
    await until(() => TICKERS.every((t) => published.has(t)), {
      what: 'the publisher to quote every ticker',
      timeoutMs: 30_000,
      detail: () => stderr,
    });
    const report = await runTrading({
      strategy: (ctx) =>
        ctx.tick % 3 === 1 ? [{ ticker: TICKERS[1], quantity: 1, side: 'buy', orderType: 'market' }] : undefined,
      tickers: TICKERS,
      quotes: { type: 'redis', url: redis.url },
      frequency: '100ms',
      runSeconds: 1.5,
      warmUpPeriod: '20s',
      eosBehavior: 'liquidate',
      tradeLogPath: logDir,
      tradeLogName: 'redis-cli',
      handleSignals: false,
      logger: () => undefined,
    });
    const rows = readLog(report.tradeLogFile);
    const buys = rows.filter((r) => r.status === 'filled' && r.side === 'buy');
    assert.ok(buys.length >= 3, `${buys.length} buys filled; publisher said: ${stderr}`);
    for (const b of buys) assert.ok(asks.has(Number(b.executed_price)), `${b.executed_price} was published as an ask`);
    assert.deepEqual(report.positions, []);
  } finally {
    cli.kill('SIGTERM');
    await new Promise((r) => cli.once('exit', r));
    sub.disconnect();
  }
  assert.match(stderr, /done: \d+ quotes published/);
});

test('bad messages are counted per reason, never reach the board, and the session goes on', async () => {
  const raw = new Redis(redis.url);
  const channel = 'md.hnx'; // one channel for both instruments: the message names its symbol
  const r = await badMessagesSession({
    ticker: TICKERS[0],
    quotes: { type: 'redis', url: redis.url, format: 'compact', channel },
    logDir,
    name: 'redis-bad',
    send: (messages) => Promise.all(messages.map((m) => raw.publish(channel, m))),
  }).finally(() => raw.disconnect());
  assertBadMessagesRefused(r);
  assert.ok(Math.max(...r.seenBids) > 100 + r.goodSent - 10, 'good quotes kept flowing after the bad ones');
});

test('redis-server stopped and restarted mid-session: the ticker goes stale, quotes resume, every order ends', async () => {
  const p = await publisher('snapshot');
  const r = await outageSession({
    tickers: TICKERS,
    logDir,
    name: 'redis-outage',
    runSeconds: 5,
    quotes: { type: 'redis', url: redis.url },
    publish: async (t, u) => {
      p.send(t, u);
    },
    // redis-server stays down 1.5 s on purpose: the outage the session must ride out
    outage: async () => {
      await redis.stop();
      await new Promise((x) => setTimeout(x, 1500));
      await redis.restart();
    },
  });
  assertSurvivedOutage(r, 1200);
  assert.ok(byOrder(r.rows).size > 30);
});

test('wrong password or no server: runTrading fails before the session, naming host and cause, never the password', async () => {
  const attempt = (quotes: Record<string, unknown>) =>
    runTrading({
      strategy: () => undefined,
      tickers: TICKERS,
      quotes: { type: 'redis', ...quotes },
      runSeconds: 1,
      tradeLogPath: logDir,
      tradeLogName: 'redis-fail',
      handleSignals: false,
      logger: () => undefined,
    }).then(
      () => assert.fail('started'),
      (e: Error) => e.message,
    );
  const wrong = await attempt({ host: '127.0.0.1', port: redis.port, password: 'not-the-password' });
  assert.match(wrong, new RegExp(`127\\.0\\.0\\.1:${redis.port}.*authentication failed`));
  assert.ok(!wrong.includes('not-the-password'));
  assert.match(await attempt({ port: redis.port }), /authentication required/);
  const nobody = await freePort(); // nothing listens there
  assert.match(
    await attempt({ url: `redis://:hunter2@127.0.0.1:${nobody}` }),
    new RegExp(`127\\.0\\.0\\.1:${nobody}: connection refused`),
  );
});

test('many instruments: one pattern subscription, the board filled from stored snapshots before any publish', async () => {
  const tickers = Array.from({ length: 150 }, (_, i) => `HSX:S${String(i).padStart(3, '0')}`);
  const p = await createPublisher({ to: 'redis', url: redis.url, format: 'compact', channel: 'q.{symbol}' }, tickers);
  tickers.forEach((t, i) => {
    p.send(t, { bid: 10 + i, ask: 11 + i, timestamp: Date.now() });
  });
  await p.flush();
  const board = new QuoteBoard(tickers);
  const statuses: string[] = [];
  const sink = new BoardSink(board, { onStatus: (s, d) => statuses.push(`${s} ${d}`) });
  const source = new RedisQuoteSource(
    redisQuotesSchema.parse({ type: 'redis', url: redis.url, format: 'compact', channel: 'q.{symbol}' }),
  );
  await source.start(tickers, sink);
  try {
    assert.deepEqual(board.missing(), [], 'every ticker on the board as soon as start() resolves');
    assert.match(statuses[0], /pattern q\.S\*/);
    const raw = new Redis(redis.url);
    await raw.publish('q.S999', JSON.stringify({ symbol: 'S999', bid: 1, ask: 2 })); // matches the pattern, not ours
    p.send(tickers[42], { bid: 500, ask: 501, timestamp: Date.now() });
    await p.flush();
    raw.disconnect();
    await until(() => board.read(42).bid === 500, { what: `bid 500 on ${tickers[42]}` });
    assert.deepEqual(sink.malformedCounts(), {}, 'other instruments on the pattern are not bad data');
  } finally {
    await source.close();
    await p.close();
  }
});

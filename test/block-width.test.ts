// Blocks at full width over real brokers: a 100-leg block from a session with default options
// reaches salvo's exchange over Alpaca's HTTP API and over FIX with every leg in flight at once.
// The proof needs no clock: the exchange answers each order only after an injected latency, so a
// leg that waited for a free connection (or for the answer to an earlier order) would arrive
// after the first answer left. The exchange records both itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading, startExchange, type OrderRequest, type SessionReport } from '../src/index.js';
import type { Exchange } from '../src/exchange/exchange.js';
import { KEY_ID, SECRET, quoted } from './helpers/alpaca-exchange.js';

const TICKERS = Array.from({ length: 20 }, (_, i) => `W${String(i).padStart(2, '0')}`);
const LEGS = 100;
// long enough that 100 legs written back to back cannot straddle it on a loaded 2-core machine
const LATENCY_MS = 1500;
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-block-width-'));
const exchanges: Exchange[] = [];
after(async () => {
  await Promise.all(exchanges.map((e) => e.close()));
});

async function exchange(fix: boolean): Promise<Exchange> {
  const ex = await startExchange({
    tickers: TICKERS,
    keyId: KEY_ID,
    secretKey: SECRET,
    latencyMs: LATENCY_MS,
    cash: 1e9,
    ...(fix ? { fixPort: 0 } : {}),
    quotes: { type: 'sim', seed: 3, updatesPerSecond: 5, size: 1000 },
  });
  exchanges.push(ex);
  await quoted(ex.board);
  return ex;
}

const block = (): OrderRequest[] =>
  Array.from({ length: LEGS }, (_, i) => ({
    ticker: TICKERS[i % TICKERS.length],
    quantity: 1,
    side: 'buy',
    orderType: 'market',
  }));

/** one 100-leg block at the first tick, default numWorkers, ordersPerMinute and connections */
async function oneBlock(
  name: string,
  broker: Record<string, unknown>,
  extra: { numWorkers?: number } = {},
): Promise<{ report: SessionReport; lines: string[] }> {
  const lines: string[] = [];
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? block() : undefined),
    tickers: TICKERS,
    frequency: '100ms',
    runSeconds: 0.5,
    eosBehavior: 'hold',
    tradeLogPath: logDir,
    tradeLogName: name,
    logger: (_level, m) => lines.push(m),
    broker: broker as never,
    handleSignals: false,
    ...extra,
  });
  return { report, lines };
}

/** every leg at the venue before the venue answered any: all of them were on the wire at once */
function allInFlightAtOnce(tape: ReturnType<Exchange['venue']['tape']>, report: SessionReport): void {
  assert.equal(tape.arrived.size, LEGS, `the exchange received ${tape.arrived.size} of ${LEGS} legs`);
  const lastArrival = Math.max(...tape.arrived.values());
  const firstAnswer = Math.min(...tape.answered.values());
  const before = [...tape.arrived.values()].filter((t) => t < firstAnswer).length;
  assert.equal(
    before,
    LEGS,
    `${before} of ${LEGS} legs reached the exchange before its first answer (last arrival ${(lastArrival - firstAnswer).toFixed(1)} ms after it)`,
  );
  assert.equal(report.orders.total, LEGS);
  assert.equal(report.orders.open, 0);
  // the report's block timing is about the wire: one block, every leg written, skew within wire time
  assert.equal(report.blocks.length, 1);
  const [b] = report.blocks;
  assert.equal(b.legs, LEGS);
  assert.ok(b.skewMs >= 0 && b.skewMs <= b.wireMs && b.wireMs <= b.ackMs, JSON.stringify(b));
  assert.ok(b.handoffSkewMs >= 0, JSON.stringify(b));
}

test('Alpaca face: a 100-leg block with default options has all 100 legs at the exchange before its first answer', async () => {
  const ex = await exchange(false);
  const tape = ex.venue.tape();
  const { report, lines } = await oneBlock('width-alpaca', {
    type: 'alpaca',
    baseUrl: ex.restUrl,
    streamUrl: ex.streamUrl,
    keyId: KEY_ID,
    secretKey: SECRET,
  });
  allInFlightAtOnce(tape, report);
  // default burst 199 over the default 2 workers: 100 connections each, opened before the first tick
  const width = lines.find((l) => l.startsWith('block width:'));
  assert.ok(width, `no block width line in the session log:\n${lines.join('\n')}`);
  assert.match(width, /burst 199, \d+ worker\(s\): (\d+) connections \(\1 open\) per worker/);
  const [, perWorker] = /: (\d+) connections/.exec(width)!;
  const workers = Number(/(\d+) worker\(s\)/.exec(width)![1]);
  assert.ok(Number(perWorker) * workers >= LEGS, width);
});

test('an explicit connections option still decides the width (and a narrow pool sends in waves)', async () => {
  const ex = await exchange(false);
  const tape = ex.venue.tape();
  const { report, lines } = await oneBlock(
    'width-alpaca-narrow',
    {
      type: 'alpaca',
      baseUrl: ex.restUrl,
      streamUrl: ex.streamUrl,
      keyId: KEY_ID,
      secretKey: SECRET,
      connections: 25,
    },
    { numWorkers: 2 },
  );
  assert.match(lines.find((l) => l.startsWith('block width:')) ?? '', /25 connections \(25 open\) per worker/);
  const firstAnswer = Math.min(...tape.answered.values());
  const before = [...tape.arrived.values()].filter((t) => t < firstAnswer).length;
  assert.equal(before, 50, `${before} legs before the first answer through 2 × 25 connections`);
  assert.equal(report.orders.open, 0);
});

test('FIX: a 100-leg block is pipelined through the one session: all 100 legs at the acceptor before its first answer', async () => {
  const ex = await exchange(true);
  const tape = ex.venue.tape();
  const { report, lines } = await oneBlock('width-fix', {
    type: 'fix',
    host: '127.0.0.1',
    port: ex.fixPort,
    senderCompId: 'SALVO',
    targetCompId: 'PAPER',
    requestTimeoutMs: 10_000,
  });
  allInFlightAtOnce(tape, report);
  assert.match(
    lines.find((l) => l.startsWith('block width:')) ?? '',
    /one FIX session, every leg pipelined per worker/,
  );
});

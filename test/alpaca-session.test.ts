// Whole sessions over Alpaca's API: runTrading with broker and quotes of type 'alpaca' against the
// paper exchange's Alpaca server on 127.0.0.1 — the core integration session unchanged, the same
// with failures injected (5xx, lost answers, a dropped trade stream), and a hunt for credentials in
// everything a session writes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTrading, type StrategyContext } from '../src/index.js';
import { byOrder, readLog } from './helpers/trade-log.js';
import { TICKERS, checkCoreSession, coreRun, coreStrategy } from './helpers/integration.js';
import { alpacaVenue, quoted, startAlpacaExchange, type TestExchange } from './helpers/alpaca-exchange.js';

const strategy = coreStrategy();
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-alpaca-session-'));
const opened: TestExchange[] = [];

async function exchange(options: Parameters<typeof startAlpacaExchange>[0]): Promise<TestExchange> {
  const ex = await startAlpacaExchange(options);
  opened.push(ex);
  await quoted(ex.board);
  return ex;
}
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
});

/** the core session's checks, and the exchange's side of them */
function checkSession(ex: TestExchange, report: Awaited<ReturnType<typeof runTrading>>) {
  const { rows, orders } = checkCoreSession(report);
  // the exchange's side: exactly one venue order per client order id, and each one is in the CSV
  const created = ex.server.createdPerClientOrderId();
  for (const [id, n] of created) assert.equal(n, 1, `${id} created ${n} times at the venue`);
  const sent = [...orders.values()].filter((h) => h.terminal[0].worker_id !== '0');
  assert.deepEqual(
    new Set(created.keys()),
    new Set(sent.map((h) => h.id)),
    'the venue holds exactly the orders salvo sent',
  );
  for (const h of sent) {
    const venue = ex.venue.getOrder(h.id)!;
    assert.equal(venue.status, h.terminal[0].status, `${h.id}: venue ${venue.status}, CSV ${h.terminal[0].status}`);
    assert.equal(venue.filledQty, Number(h.terminal[0].executed_qty), h.id);
  }
  return { rows, orders };
}

test("the core integration session over Alpaca's API: blocks of 12 legs, one invalid each, 4 workers, liquidate", async () => {
  const ex = await exchange({ tickers: TICKERS });
  const report = await runTrading({
    ...coreRun,
    strategy,
    eosBehavior: 'liquidate',
    tradeLogPath: logDir,
    tradeLogName: 'alpaca-integration',
    ...alpacaVenue(ex),
  });
  const { rows } = checkSession(ex, report);
  assert.ok(
    rows.some((r) => r.raw_status === 'fill'),
    "Alpaca's event words in raw_status",
  );
  for (const b of report.blocks) assert.ok(b.ackMs > 0 && b.skewMs >= 0 && b.skewMs <= b.ackMs, JSON.stringify(b));
});

test('with 10 % 5xx, 5 % lost answers and one dropped trade stream: every order final, no duplicate at the venue', async () => {
  const ex = await exchange({ tickers: TICKERS, venue: { failureRate: 0.1, timeoutRate: 0.05 } });
  const lines: string[] = [];
  const { broker, quotes } = alpacaVenue(ex);
  let dropped = 0;
  // the server lives in this thread: cut the trade stream just before block 6 goes out, so the
  // updates of its orders are sent while salvo is away and only a resync can bring them back
  const dropping = (ctx: StrategyContext) => {
    if (ctx.tick === 6) dropped += ex.server.dropStreams();
    return strategy(ctx);
  };
  const report = await runTrading({
    ...coreRun,
    strategy: dropping,
    eosBehavior: 'liquidate',
    maxRetries: 8,
    retryBaseMs: 5,
    tradeLogPath: logDir,
    tradeLogName: 'alpaca-failures',
    logger: (_l, m) => lines.push(m),
    broker: { ...broker, requestTimeoutMs: 300 },
    quotes,
  });
  checkSession(ex, report);
  const stats = ex.server.stats();
  assert.equal(dropped, 1, 'the trade stream was cut once');
  assert.ok(stats.updatesUnheard > 0, 'updates were sent while salvo was disconnected');
  assert.ok(stats.swallowed > 0, `lost answers: ${stats.swallowed}`);
  assert.ok(stats.submitRequests > ex.server.createdPerClientOrderId().size, 'retries happened');
  assert.ok(
    lines.some((l) => l.includes('retrying') && l.includes('503')),
    'a 5xx was retried',
  );
});

test('credentials never appear in the CSV, the log, logger lines or error messages', async () => {
  const keyId = 'PKLEAKCHECK7Q2W9E4R';
  const secretKey = 'S3cr3t-leak-check-a7f19c02-never-print-me';
  const ex = await exchange({ tickers: TICKERS.slice(0, 2), server: { keyId, secretKey } });
  const outputs: string[] = [];
  const logger = (_l: string, m: string) => outputs.push(m);
  const run = (name: string, extra: Record<string, unknown>) =>
    runTrading({
      strategy: (ctx) =>
        ctx.tick <= 2
          ? [
              { ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'market' },
              { ticker: 'MSFT', quantity: 1e9, side: 'buy', orderType: 'market' },
            ]
          : undefined,
      tickers: TICKERS.slice(0, 2),
      frequency: '100ms',
      runSeconds: 0.5,
      numWorkers: 2,
      eosBehavior: 'liquidate',
      tradeLogPath: logDir,
      tradeLogName: name,
      logger,
      ...extra,
    });
  // keys in the options, then keys from the environment only (which the session cannot mask)
  const report = await run('leak-options', alpacaVenue(ex, { keyId, secretKey }));
  assert.ok(report.orders.filled > 0 && report.orders.rejected > 0, JSON.stringify(report.orders));
  process.env.APCA_API_KEY_ID = keyId;
  process.env.APCA_API_SECRET_KEY = secretKey;
  try {
    await run('leak-env', alpacaVenue(ex, {} as never));
    const wrong = secretKey.replace('never', 'NEVER');
    await assert.rejects(run('leak-wrong', alpacaVenue(ex, { keyId, secretKey: wrong })), (e: Error) => {
      outputs.push(e.message, String(e.stack));
      return /40[12]/.test(e.message) && e.message.includes(new URL(ex.server.restUrl).host);
    });
    outputs.push(wrong);
  } finally {
    delete process.env.APCA_API_KEY_ID;
    delete process.env.APCA_API_SECRET_KEY;
  }
  const wrongSecret = outputs.pop()!;
  for (const name of ['leak-options', 'leak-env', 'leak-wrong']) {
    for (const ext of ['.csv', '.log', '.journal']) {
      const file = path.join(logDir, name + ext);
      if (fs.existsSync(file)) outputs.push(fs.readFileSync(file, 'utf8'));
    }
  }
  const text = outputs.join('\n');
  assert.ok(text.length > 1000 && text.includes('insufficient buying power'), 'the outputs were captured');
  for (const secret of [secretKey, wrongSecret, keyId])
    assert.ok(!text.includes(secret), `${secret.slice(0, 6)}… leaked`);
});

test('several runner processes trade against one server at once', async () => {
  const ex = await exchange({ tickers: TICKERS });
  const { spawn } = await import('node:child_process');
  const runner = (tickers: string[], name: string) =>
    new Promise<{ orders: Record<string, number>; positions: unknown[]; file: string }>((resolve, reject) => {
      const args = JSON.stringify({ tickers, ...alpacaVenue(ex), tradeLogPath: logDir, tradeLogName: name });
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('./helpers/alpaca-runner.ts', import.meta.url)), args],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`runner ${name} exited ${code}: ${err}`)),
      );
    });
  const [a, b] = await Promise.all([runner(TICKERS.slice(0, 3), 'multi-a'), runner(TICKERS.slice(3), 'multi-b')]);
  let sent = 0;
  for (const r of [a, b]) {
    const orders = byOrder(readLog(r.file));
    for (const h of orders.values()) assert.equal(h.terminal.length, 1, h.id);
    assert.equal(r.orders.open, 0);
    assert.equal(r.orders.filled, orders.size, JSON.stringify(r.orders));
    assert.deepEqual(r.positions, []);
    sent += orders.size;
  }
  const created = ex.server.createdPerClientOrderId();
  assert.equal(created.size, sent, "the venue holds both runners' orders");
  assert.ok([...created.values()].every((n) => n === 1));
  assert.deepEqual(ex.venue.positions(), [], 'both liquidated');
});

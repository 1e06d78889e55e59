// Every way out runs the end of session, and every order ends in exactly one terminal row: the
// regression tests of the hardening pass (a hung or hostile strategy, a backlog or a retry at the
// end, positions the session did not open).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrading, type OrderRequest, type SessionReport } from '../src/index.js';
import { byOrder, readLog } from './helpers/trade-log.js';

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-hardening-'));
const buy = (quantity: number, ticker = 'AAPL'): OrderRequest => ({
  ticker,
  quantity,
  side: 'buy',
  orderType: 'market',
});

/** every order of the session has exactly one terminal row; returns the orders */
function oneTerminalRowEach(report: SessionReport) {
  const orders = byOrder(readLog(report.tradeLogFile));
  assert.ok(orders.size > 0, 'the trade log has orders');
  for (const h of orders.values())
    assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((r) => r.status).join(' → ')}`);
  assert.equal(report.orders.open, 0, 'nothing open in the report');
  return orders;
}

test('a strategy call that never settles is abandoned after strategyTimeout; the session goes on and liquidates', async () => {
  const lines: string[] = [];
  const report = await runTrading({
    strategy: (ctx) => {
      if (ctx.tick === 1) return buy(5);
      if (ctx.tick === 2) return new Promise(() => undefined);
      if (ctx.tick === 3) return buy(2);
    },
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 1,
    strategyTimeout: '300ms',
    tradeLogPath: logDir,
    tradeLogName: 'hung-call',
    logger: (_l, m) => lines.push(m),
  });
  assert.equal(report.strategyErrors, 1);
  assert.ok(
    lines.some((l) => /strategy call on tick 2 abandoned: no answer within strategyTimeout \(300 ms\)/.test(l)),
    lines.join('\n'),
  );
  assert.ok(report.ticks >= 3, 'the clock went on after the hung call');
  assert.deepEqual(report.positions, [], 'the end of session liquidated');
  const orders = oneTerminalRowEach(report);
  assert.ok([...orders.values()].some((h) => h.rows[0].action === 'liquidate' && h.terminal[0].status === 'filled'));
});

test('haltOnError: an abandoned call halts the session through its end of session', async () => {
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? buy(3) : new Promise(() => undefined)),
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 600,
    strategyTimeout: '200ms',
    haltOnError: true,
    tradeLogPath: logDir,
    tradeLogName: 'hung-halt',
    logger: () => undefined,
  });
  assert.equal(report.endReason, 'halted');
  assert.equal(report.ticks, 2);
  assert.deepEqual(report.positions, []);
});

test('a late ctx.submitOrder from an abandoned call, or after the session, sends nothing and says so', async () => {
  const lines: string[] = [];
  let late: ((o: OrderRequest) => void) | undefined;
  const report = await runTrading({
    strategy: (ctx) => {
      if (ctx.tick !== 1) return;
      late = (o) => ctx.submitOrder(o);
      return new Promise(() => undefined);
    },
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 0.5,
    strategyTimeout: '150ms',
    eosBehavior: 'hold',
    tradeLogPath: logDir,
    tradeLogName: 'late-submit',
    logger: (_l, m) => lines.push(m),
  });
  late!(buy(1));
  assert.ok(
    lines.some((l) => l.includes('ctx.submitOrder on tick 1 after its call was abandoned: nothing was sent')),
    lines.join('\n'),
  );
  assert.equal(report.orders.total, 0);
  assert.equal(readLog(report.tradeLogFile).length, 0, 'no row for the late order');
});

test('SIGINT while a strategy call hangs: the end of session still runs and liquidates (child process)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/hung-session.ts', logDir, 'hung-sigint'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  const hanging = new Promise<void>((resolve) =>
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('hanging now')) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await hanging;
  child.kill('SIGINT');
  assert.equal(await exited, 0, err);
  assert.match(err, /strategy call on tick 2 abandoned: still running 1000 ms after the session began to stop/);
  const report = JSON.parse(out) as SessionReport;
  assert.equal(report.endReason, 'signal');
  assert.deepEqual(report.positions, [], 'liquidated');
  oneTerminalRowEach(report);
});

test('a customShutdownAction that never settles is abandoned at eosTimeout and runTrading resolves', async () => {
  const lines: string[] = [];
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? buy(2) : undefined),
    customShutdownAction: () => new Promise(() => undefined),
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 0.3,
    eosBehavior: 'custom',
    eosTimeout: '500ms',
    tradeLogPath: logDir,
    tradeLogName: 'hung-custom',
    logger: (_l, m) => lines.push(m),
  });
  assert.ok(
    lines.some((l) => l.includes('customShutdownAction abandoned')),
    lines.join('\n'),
  );
  assert.deepEqual(
    report.positions.map((p) => [p.ticker, p.quantity]),
    [['AAPL', 2]],
    'nothing liquidated: custom did not decide',
  );
});

test('hostile orders: a throwing getter, a Proxy, a thrown null-prototype object — one rejected row each, the session goes on', async () => {
  const lines: string[] = [];
  const trap = () => {
    throw new Error('trap sprung');
  };
  const report = await runTrading({
    strategy: (ctx) => {
      if (ctx.tick === 1)
        return [
          {
            get ticker(): string {
              throw new Error('getter says no');
            },
            quantity: 1,
            side: 'buy',
            orderType: 'market',
          } as OrderRequest,
          buy(4),
        ];
      if (ctx.tick === 2)
        return [
          new Proxy({}, { get: trap, ownKeys: trap, has: trap, getOwnPropertyDescriptor: trap }) as OrderRequest,
          buy(1, 'MSFT'),
        ];
      if (ctx.tick === 3) throw Object.create(null);
      if (ctx.tick === 4) return new Proxy([], { get: trap }) as never;
      if (ctx.tick === 5)
        return {
          ticker: 'AAPL',
          quantity: 1,
          side: 'buy',
          orderType: 'limit',
          limitPrice: new Proxy({}, { get: trap }),
        } as never;
    },
    tickers: ['AAPL', 'MSFT'],
    frequency: '100ms',
    runSeconds: 0.8,
    tradeLogPath: logDir,
    tradeLogName: 'hostile',
    logger: (_l, m) => lines.push(m),
  });
  const orders = oneTerminalRowEach(report);
  const rejected = [...orders.values()]
    .filter((h) => h.terminal[0].status === 'rejected')
    .map((h) => h.terminal[0].reason);
  assert.ok(
    rejected.some((r) => r.includes('the order could not be read: getter says no')),
    rejected.join('\n'),
  );
  assert.ok(
    rejected.some((r) => r.includes('the order could not be read: trap sprung')),
    rejected.join('\n'),
  );
  assert.ok(
    rejected.some((r) => r.startsWith('the order could not be checked') || r.includes('limitPrice')),
    rejected.join('\n'),
  );
  assert.ok(
    lines.some((l) => l.includes('strategy threw on tick 3: a thrown Object that cannot be printed')),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => l.includes('tick 4: strategy returned something that cannot be read (trap sprung)')),
    lines.join('\n'),
  );
  assert.equal(report.strategyErrors, 1);
  assert.deepEqual(report.positions, [], 'the valid legs filled and the end of session liquidated them');
  assert.ok([...orders.values()].some((h) => h.rows[0].ticker === 'MSFT' && h.rows[0].action === 'liquidate'));
});

test('a 10,000-leg backlog at the end of session is canceled at once, not after the limiter refills', {
  timeout: 30_000,
}, async () => {
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? Array.from({ length: 10_000 }, () => buy(1)) : undefined),
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 0.5,
    ordersPerMinute: 200,
    eosBehavior: 'hold',
    tradeLogPath: logDir,
    tradeLogName: 'backlog',
    logger: () => undefined,
  });
  const orders = oneTerminalRowEach(report);
  const notSent = [...orders.values()].filter(
    (h) => h.terminal[0].status === 'canceled' && h.terminal[0].raw_status === 'not_sent',
  );
  assert.equal(orders.size, 10_000);
  assert.ok(notSent.length >= 10_000 - 200, `${notSent.length} canceled before sending`);
});

test('an order backing off between retries at the end of session gets one terminal row: canceled, not sent again', async () => {
  const report = await runTrading({
    strategy: (ctx) => (ctx.tick === 1 ? buy(1) : undefined),
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 0.3,
    retryBaseMs: 600_000,
    maxRetries: 3,
    broker: { type: 'paper', failureRate: 1 },
    eosTimeout: 2,
    tradeLogPath: logDir,
    tradeLogName: 'backoff',
    logger: () => undefined,
  });
  const [h] = oneTerminalRowEach(report).values();
  assert.deepEqual([h.terminal[0].status, h.terminal[0].raw_status], ['canceled', 'not_sent']);
  assert.match(
    h.terminal[0].reason,
    /not sent again: the session ended while the order waited to retry \(attempt 1 failed/,
  );
  assert.deepEqual(report.stillOpen, []);
});

test('positions held before the session are adopted, said in the log, and not liquidated at its end', async () => {
  const { startAlpacaExchange, quoted, KEY_ID, SECRET } = await import('./helpers/alpaca-exchange.js');
  const ex = await startAlpacaExchange({ tickers: ['AAPL'] });
  try {
    await quoted(ex.board);
    const broker = {
      type: 'alpaca',
      baseUrl: ex.server.restUrl,
      streamUrl: ex.server.streamUrl,
      keyId: KEY_ID,
      secretKey: SECRET,
    };
    const common = { tickers: ['AAPL'], frequency: '100ms', runSeconds: 0.4, broker, logger: () => undefined };
    await runTrading({
      ...common,
      strategy: (ctx) => (ctx.tick === 1 ? buy(7) : undefined),
      eosBehavior: 'hold',
      tradeLogPath: logDir,
      tradeLogName: 'other-client',
    });
    const lines: string[] = [];
    const report = await runTrading({
      ...common,
      strategy: (ctx) => (ctx.tick === 1 ? buy(3) : undefined),
      eosBehavior: 'liquidate',
      tradeLogPath: logDir,
      tradeLogName: 'adopting',
      logger: (_l, m) => lines.push(m),
    });
    assert.ok(
      lines.some((l) => l.includes('the account already holds AAPL 7: adopted as held before this session')),
      lines.join('\n'),
    );
    const liquidation = [...oneTerminalRowEach(report).values()].filter((h) => h.rows[0].action === 'liquidate');
    assert.deepEqual(
      liquidation.map((h) => [h.terminal[0].status, h.terminal[0].executed_qty]),
      [['filled', '3']],
      'only its own 3 sold',
    );
    assert.deepEqual(
      ex.venue.positions().map((p) => [p.ticker, p.quantity]),
      [['AAPL', 7]],
      "the other client's 7 untouched at the venue",
    );
    assert.equal(report.reconciled, true);
  } finally {
    await ex.close();
  }
});

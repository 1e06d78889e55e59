// The order journal's cost and the resume's speed:
// 1. decision-to-wire (strategy return → leg handed to the broker adapter) with journal sync
//    'off' / 'block' / 'always', 1- and 10-leg blocks, paper venue, the journal on this disk;
// 2. time to resume a session whose journal holds 1,000 orders resting at salvo's exchange over
//    Alpaca's API and over FIX (read + replay, then one order lookup each — an OrderStatusRequest
//    over FIX — then the start check).
// Run: npx tsx bench/journal.ts   (prints a table; figures for bench/RESULTS.md)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAlpacaBrokerConfig } from '../src/brokers/alpaca/config.js';
import { brokerDriver } from '../src/brokers/index.js';
import { parseFixBrokerConfig } from '../src/brokers/fix/config.js';
import { FixSessionOwner } from '../src/brokers/fix/session-owner.js';
import type { Order } from '../src/orders/order.js';
import { accountIdentity, OrderJournal, readJournal } from '../src/journal/journal.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { KEY_ID, SECRET, quoted, startAlpacaExchange } from '../test/helpers/alpaca-exchange.js';
import { percentile, round, session, type Row } from './lib.js';

const TICKERS = Array.from({ length: 20 }, (_, i) => `T${String(i).padStart(2, '0')}`);
const dir = fs.mkdtempSync(path.join(process.cwd(), 'logs', 'bench-journal-'));

async function decisionToWire(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [1, 10]) {
    for (const sync of ['off', 'block', 'always'] as const) {
      const { orders } = await session({
        strategy: () =>
          Array.from({ length: n }, (_, i) => ({ ticker: TICKERS[i], quantity: 1, side: 'buy', orderType: 'market' })),
        tickers: TICKERS,
        frequency: '20ms',
        runSeconds: 3,
        numWorkers: 4,
        eosBehavior: 'hold',
        ordersPerMinute: 1_000_000,
        broker: { type: 'paper', cash: 1e12 },
        tradeLogPath: dir,
        tradeLogName: `d2w-${n}-${sync}`,
        journal: { sync },
      });
      const d2w = orders.filter((o) => o.handedAt !== undefined).map((o) => o.handedAt! - o.decidedAt);
      const c = `${n}-leg blocks every 20 ms, journal sync '${sync}' (${d2w.length} orders)`;
      rows.push({
        bench: 'journal: decision-to-wire',
        case: c,
        metric: 'p50',
        value: round(percentile(d2w, 50)),
        unit: 'ms',
      });
      rows.push({
        bench: 'journal: decision-to-wire',
        case: c,
        metric: 'p99',
        value: round(percentile(d2w, 99)),
        unit: 'ms',
      });
    }
  }
  return rows;
}

async function resume1000(type: 'alpaca' | 'fix'): Promise<Row[]> {
  const N = 1000;
  const ex = await startAlpacaExchange({
    tickers: ['AAPL'],
    server: { ordersPerMinute: 1_000_000 },
    fixPort: type === 'fix' ? 0 : undefined,
  });
  await quoted(ex.board);
  const broker =
    type === 'fix'
      ? { type, host: '127.0.0.1', port: ex.fixPort, senderCompId: 'SALVO', targetCompId: 'PAPER' }
      : { type, baseUrl: ex.server.restUrl, streamUrl: ex.server.streamUrl, keyId: KEY_ID, secretKey: SECRET };
  // the crashed session's orders, placed by a client of the same account (over FIX: the same CompID)
  const client =
    type === 'fix'
      ? new FixSessionOwner(parseFixBrokerConfig(broker))
      : (await brokerDriver('alpaca')).create(parseAlpacaBrokerConfig(broker), { workerId: 0 });
  await client.connect();
  const name = `resume-1000-${type}`;
  const journal = OrderJournal.open(path.join(dir, `${name}.journal`), 'block');
  journal.header({
    broker: type,
    account: accountIdentity(broker),
    session: name,
    sessionTag: 'be9c',
    startedAt: Date.now(),
    positions: [],
  });
  const legs: Order[] = Array.from({ length: N }, (_, i) => ({
    clientOrderId: `buy_long-1-${i.toString(16).padStart(8, '0')}`,
    ticker: 'AAPL',
    quantity: 1,
    side: 'buy',
    orderType: 'limit',
    limitPrice: 1,
    timeInForce: 'day',
    action: 'buy_long',
    blockId: `be9c-${Math.floor(i / 10) + 1}`,
    leg: i % 10,
    workerId: 1,
    status: 'queued',
    filledQty: 0,
    filledAvgPrice: 0,
    decidedAt: Date.now(),
    attempts: 0,
  }));
  for (let i = 0; i < N; i += 10) {
    journal.intents(legs.slice(i, i + 10));
    await Promise.all(legs.slice(i, i + 10).map((o) => client.submit(o)));
  }
  journal.close();
  await client.close();
  const t0 = performance.now();
  readJournal(path.join(dir, `${name}.journal`));
  const readMs = performance.now() - t0;
  const fresh = await session({
    strategy: () => undefined,
    tickers: ['AAPL'],
    runSeconds: 0.1,
    warmUpPeriod: 0,
    broker,
    tradeLogPath: dir,
    tradeLogName: `fresh-start-${type}`,
    cancelOpenOrdersAtEnd: false,
    eosBehavior: 'hold',
  });
  const resumed = await session({
    strategy: () => undefined,
    tickers: ['AAPL'],
    runSeconds: 0.1,
    warmUpPeriod: 0,
    broker,
    tradeLogPath: dir,
    tradeLogName: name,
    resume: true,
    cancelOpenOrdersAtEnd: false,
    eosBehavior: 'hold',
  });
  await ex.close();
  const c = `${N} journaled orders resting at the exchange (${type === 'fix' ? 'FIX 4.4' : 'Alpaca API'}, loopback)`;
  return [
    { bench: 'journal: resume', case: c, metric: 'read + check the journal', value: round(readMs, 1), unit: 'ms' },
    {
      bench: 'journal: resume',
      case: c,
      metric: 'runTrading() → ready, resuming',
      value: resumed.report.startupMs,
      unit: 'ms',
    },
    {
      bench: 'journal: resume',
      case: c,
      metric: 'runTrading() → ready, a fresh start on the same account',
      value: fresh.report.startupMs,
      unit: 'ms',
    },
    {
      bench: 'journal: resume',
      case: c,
      metric: 'orders adopted',
      value: resumed.report.resumed?.adopted ?? 0,
      unit: '',
    },
  ];
}

export async function benchJournal(): Promise<Row[]> {
  return [...(await decisionToWire()), ...(await resume1000('alpaca')), ...(await resume1000('fix'))];
}

if (isEntryPoint(import.meta.url)) {
  const rows = await benchJournal();
  console.log(
    `machine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.table(
    rows.map(({ bench, case: c, metric, value, unit }) => ({ bench, case: c, metric, value: `${value} ${unit}` })),
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

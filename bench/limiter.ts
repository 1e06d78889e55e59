// 3. Rate limiter: a backlog of 1,000 orders (100 blocks of 10) with ordersPerMinute 200 against a
//    paper exchange enforcing 200 per minute, side by side (same run, concurrently) with blockpaca's
//    scheme: a semaphore of 200 refilled once a minute, through the same paper adapter.
import { BrokerTransientError } from '../src/brokers/broker.js';
import type { OrderRequest } from '../src/types.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { paperClient, round, session, type Row } from './lib.js';

const PER_MINUTE = 200;
const ORDERS = Number(process.env.BENCH_LIMITER_ORDERS ?? 1000);
const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AVGO', 'JPM', 'V'];
const block = (): OrderRequest[] =>
  TICKERS.map((ticker) => ({ ticker, quantity: 1, side: 'buy', orderType: 'market' }));

export async function benchLimiter(): Promise<Row[]> {
  const expectedMs = ((ORDERS - PER_MINUTE) / PER_MINUTE) * 60_000;
  const [ours, semaphore] = await Promise.all([salvoSide(expectedMs), semaphoreSide()]);
  const rows: Row[] = [];
  for (const [name, r] of [
    ['salvo token bucket', ours],
    ['semaphore refilled each minute', semaphore],
  ] as const) {
    const c = `${ORDERS} orders, ${PER_MINUTE}/min at client and venue`;
    const minutes = (r.sends[r.sends.length - 1] - r.sends[0]) / 60_000;
    const burst = Math.min(r.sends.length, name.startsWith('salvo') ? PER_MINUTE - 1 : PER_MINUTE);
    const utilization = minutes > 0 ? (r.sends.length - burst) / (minutes * PER_MINUTE) : 1;
    const ourSide = name.startsWith('salvo');
    rows.push({ bench: 'limiter', case: c, metric: `${name}: orders accepted`, value: r.sends.length, unit: 'orders' });
    rows.push({
      bench: 'limiter',
      case: c,
      metric: `${name}: orders per minute after the first burst`,
      value: round(minutes > 0 ? (r.sends.length - burst) / minutes : 0, 1),
      unit: '/min',
    });
    rows.push({
      bench: 'limiter',
      case: c,
      metric: `${name}: 429 answers`,
      value: r.throttled,
      unit: 'answers',
      ...(ourSide ? { target: '0', met: r.throttled === 0 } : {}),
    });
    rows.push({
      bench: 'limiter',
      case: c,
      metric: `${name}: utilization of the allowed rate`,
      value: round(utilization * 100, 1),
      unit: '%',
      ...(ourSide ? { target: '>= 98 %', met: utilization >= 0.98 } : {}),
    });
    rows.push({
      bench: 'limiter',
      case: c,
      metric: `${name}: most orders in any 1 s (after the first minute)`,
      value: maxInWindow(
        r.sends.filter((t) => t - r.sends[0] > 60_500),
        1000,
      ),
      unit: 'orders',
    });
  }
  return rows;
}

async function salvoSide(expectedMs: number) {
  const lines: string[] = [];
  const { orders } = await session({
    strategy: (ctx) => (ctx.tick <= ORDERS / 10 ? block() : undefined),
    tickers: TICKERS,
    frequency: '10ms',
    runSeconds: (expectedMs + 15_000) / 1000,
    eosBehavior: 'hold',
    numWorkers: 4,
    ordersPerMinute: PER_MINUTE,
    maxRetries: 10,
    broker: { type: 'paper', rateLimitPerMinute: PER_MINUTE, cash: 1e12 },
    tradeLogName: 'bench-limiter',
    logger: (_l, m) => lines.push(m),
  });
  const sends = orders
    .filter((o) => o.status === 'filled')
    .map((o) => o.ackAt!)
    .sort((a, b) => a - b);
  return { sends, throttled: lines.filter((l) => l.includes('too many requests')).length };
}

async function semaphoreSide() {
  const { broker, close } = await paperClient(TICKERS, { rateLimitPerMinute: PER_MINUTE });
  let permits = PER_MINUTE;
  const refill = setInterval(() => (permits = PER_MINUTE), 60_000);
  const sends: number[] = [];
  let throttled = 0;
  for (let i = 0; i < ORDERS; ) {
    if (permits === 0) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    permits--;
    const o = block()[i % TICKERS.length];
    try {
      await broker.submit({ ...o, clientOrderId: `sem-${i}`, timeInForce: 'day', action: 'buy_long' });
      sends.push(Date.now());
      i++;
    } catch (error) {
      if (error instanceof BrokerTransientError && error.status === 429) throttled++;
      else throw error;
    }
  }
  clearInterval(refill);
  await close();
  return { sends, throttled };
}

function maxInWindow(times: number[], ms: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

if (isEntryPoint(import.meta.url)) console.table(await benchLimiter());

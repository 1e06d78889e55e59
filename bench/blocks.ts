// 1. Multi-leg blocks: strategy return → last ack and leg skew for N legs against the paper
//    exchange with 50 ms latency, side by side with a sequential loop through the same adapter.
// 2. Decision-to-wire: strategy return → order handed to the broker adapter (limiter on, not saturated).
import type { OrderRequest } from '../src/types.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { median, paperClient, percentile, round, session, type Row } from './lib.js';

const LATENCY_MS = 50;
const SIZES = [1, 10, 50, 100, 200];
const REPEATS = 5;
const TICKERS = Array.from({ length: 20 }, (_, i) => `T${String(i).padStart(2, '0')}`);

const legs = (n: number): OrderRequest[] =>
  Array.from({ length: n }, (_, i) => ({ ticker: TICKERS[i % TICKERS.length], quantity: 1, side: 'buy', orderType: 'market' }));

export async function benchBlocks(): Promise<Row[]> {
  const rows: Row[] = [];
  const parallel = new Map<number, { ack: number; skew: number }>();
  for (const n of SIZES) {
    const { report } = await session({
      strategy: (ctx) => (ctx.tick <= REPEATS ? legs(n) : undefined),
      tickers: TICKERS, frequency: '500ms', runSeconds: (REPEATS + 1) * 0.5, numWorkers: 4, eosBehavior: 'hold',
      ordersPerMinute: 1_000_000, broker: { type: 'paper', latencyMs: LATENCY_MS, cash: 1e12 }, tradeLogName: `bench-blocks-${n}`,
    });
    const ack = median(report.blocks.map((b) => b.ackMs));
    const skew = median(report.blocks.map((b) => b.skewMs));
    parallel.set(n, { ack, skew });
  }
  const t1 = parallel.get(1)!.ack;
  for (const n of SIZES) {
    const { ack, skew } = parallel.get(n)!;
    const sequential = await sequentialLoop(n);
    rows.push({ bench: 'blocks', case: `N=${n}`, metric: 'salvo: return → last ack (median)', value: round(ack, 2), unit: 'ms', ...(n === 100 ? { target: '<= 1.2 x t(1)', met: ack <= 1.2 * t1 } : {}) });
    rows.push({ bench: 'blocks', case: `N=${n}`, metric: 'sequential loop: first send → last ack', value: round(sequential, 1), unit: 'ms' });
    rows.push({ bench: 'blocks', case: `N=${n}`, metric: 'salvo: leg skew (median)', value: round(skew, 3), unit: 'ms', ...(n === 100 ? { target: '<= 2 ms', met: skew <= 2 } : {}) });
  }
  rows.push(...(await decisionToWire()));
  return rows;
}

/** blockpaca's baseline: the same adapter, one order after another */
async function sequentialLoop(n: number): Promise<number> {
  const { broker, close } = await paperClient(TICKERS, { latencyMs: LATENCY_MS });
  const start = performance.now();
  for (const [i, o] of legs(n).entries()) {
    await broker.submit({ ...o, clientOrderId: `seq-${n}-${i}`, timeInForce: 'day', action: 'buy_long' });
  }
  const elapsed = performance.now() - start;
  await close();
  return elapsed;
}

async function decisionToWire(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [1, 10]) {
    const { orders } = await session({
      strategy: () => legs(n), tickers: TICKERS, frequency: '20ms', runSeconds: 4, numWorkers: 4, eosBehavior: 'hold',
      ordersPerMinute: 1_000_000, broker: { type: 'paper', cash: 1e12 }, tradeLogName: `bench-d2w-${n}`,
    });
    const d2w = orders.filter((o) => o.handedAt !== undefined).map((o) => o.handedAt! - o.decidedAt);
    const c = `${n}-leg blocks every 20 ms (${d2w.length} orders)`;
    rows.push({ bench: 'decision-to-wire', case: c, metric: 'p50', value: round(percentile(d2w, 50)), unit: 'ms', target: '<= 0.2 ms', met: percentile(d2w, 50) <= 0.2 });
    rows.push({ bench: 'decision-to-wire', case: c, metric: 'p99', value: round(percentile(d2w, 99)), unit: 'ms', target: '<= 1 ms', met: percentile(d2w, 99) <= 1 });
    rows.push({ bench: 'decision-to-wire', case: c, metric: 'max', value: round(Math.max(...d2w)), unit: 'ms' });
  }
  return rows;
}

if (isEntryPoint(import.meta.url)) console.table(await benchBlocks());

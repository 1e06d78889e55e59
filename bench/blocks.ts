// 1. Multi-leg blocks: strategy return → last ack and leg skew for N legs against the paper
//    exchange with 50 ms latency, side by side with a sequential loop through the same adapter.
// 2. Decision-to-wire: strategy return → order handed to the broker adapter, and → at the venue
//    thread (limiter on, not saturated); beside it the idle-wake floor of a worker thread measured
//    in the same run (postMessage; Atomics.notify + waitAsync).
import type { OrderRequest } from '../src/types.js';
import { preciseNow } from '../src/orders/order.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { spawnWorker } from '../src/util/worker-entry.js';
import { median, paperClient, percentile, round, session, type Row } from './lib.js';

const LATENCY_MS = 50;
const SIZES = [1, 10, 50, 100, 200];
const REPEATS = 5;
const TICKERS = Array.from({ length: 20 }, (_, i) => `T${String(i).padStart(2, '0')}`);

const legs = (n: number): OrderRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    ticker: TICKERS[i % TICKERS.length],
    quantity: 1,
    side: 'buy',
    orderType: 'market',
  }));

export async function benchBlocks(): Promise<Row[]> {
  const rows: Row[] = [];
  const parallel = new Map<number, { ack: number; skew: number; handoff: number }>();
  for (const n of SIZES) {
    const { report } = await session({
      strategy: (ctx) => (ctx.tick <= REPEATS ? legs(n) : undefined),
      tickers: TICKERS,
      frequency: '500ms',
      runSeconds: (REPEATS + 1) * 0.5,
      numWorkers: 4,
      eosBehavior: 'hold',
      ordersPerMinute: 1_000_000,
      broker: { type: 'paper', latencyMs: LATENCY_MS, cash: 1e12 },
      tradeLogName: `bench-blocks-${n}`,
    });
    const ack = median(report.blocks.map((b) => b.ackMs));
    const skew = median(report.blocks.map((b) => b.skewMs));
    parallel.set(n, { ack, skew, handoff: median(report.blocks.map((b) => b.handoffSkewMs)) });
  }
  const t1 = parallel.get(1)!.ack;
  for (const n of SIZES) {
    const { ack, skew, handoff } = parallel.get(n)!;
    const sequential = await sequentialLoop(n);
    rows.push({
      bench: 'blocks',
      case: `N=${n}`,
      metric: 'salvo: return → last ack (median)',
      value: round(ack, 2),
      unit: 'ms',
      ...(n === 100 ? { target: '<= 1.2 x t(1)', met: ack <= 1.2 * t1 } : {}),
    });
    rows.push({
      bench: 'blocks',
      case: `N=${n}`,
      metric: 'sequential loop: first send → last ack',
      value: round(sequential, 1),
      unit: 'ms',
    });
    rows.push({
      bench: 'blocks',
      case: `N=${n}`,
      metric: 'salvo: leg skew at the venue thread, skewMs (median)',
      value: round(skew, 3),
      unit: 'ms',
      ...(n === 100 ? { target: '<= 2 ms', met: skew <= 2 } : {}),
    });
    rows.push({
      bench: 'blocks',
      case: `N=${n}`,
      metric: 'salvo: leg skew at the hand-off to the adapters, handoffSkewMs (median)',
      value: round(handoff, 3),
      unit: 'ms',
    });
  }
  rows.push(...(await decisionToWire()));
  rows.push(...(await idleWakeFloor()));
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
      strategy: () => legs(n),
      tickers: TICKERS,
      frequency: '20ms',
      runSeconds: 4,
      numWorkers: 4,
      eosBehavior: 'hold',
      ordersPerMinute: 1_000_000,
      broker: { type: 'paper', cash: 1e12 },
      tradeLogName: `bench-d2w-${n}`,
    });
    const d2w = orders.filter((o) => o.handedAt !== undefined).map((o) => o.handedAt! - o.decidedAt);
    const atVenue = orders.filter((o) => o.wiredAt !== undefined).map((o) => o.wiredAt! - o.decidedAt);
    const c = `${n}-leg blocks every 20 ms (${d2w.length} orders)`;
    rows.push({
      bench: 'decision-to-wire',
      case: c,
      metric: 'return → venue thread has it: p50 / p99',
      value: round(percentile(atVenue, 50)),
      unit: `ms / ${round(percentile(atVenue, 99))} ms`,
    });
    rows.push({
      bench: 'decision-to-wire',
      case: c,
      metric: 'p50',
      value: round(percentile(d2w, 50)),
      unit: 'ms',
      target: '<= 0.2 ms',
      met: percentile(d2w, 50) <= 0.2,
    });
    rows.push({
      bench: 'decision-to-wire',
      case: c,
      metric: 'p99',
      value: round(percentile(d2w, 99)),
      unit: 'ms',
      target: '<= 1 ms',
      met: percentile(d2w, 99) <= 1,
    });
    rows.push({ bench: 'decision-to-wire', case: c, metric: 'max', value: round(Math.max(...d2w)), unit: 'ms' });
  }
  return rows;
}

/**
 * An idle worker thread woken every 20 ms (as by a strategy tick), 200 times per way, and the
 * candidate that polls a doorbell around each due tick (with its CPU cost); then every 100 and
 * 500 ms: on this VM a thread asleep longer wakes later (an idle vCPU is halted), and a session
 * pays that once per thread on its path (main → execution worker → venue thread).
 */
async function idleWakeFloor(): Promise<Row[]> {
  return [
    ...(await wakeEvery(20, 200, ['post', 'doorbell', 'spin'], 1)),
    // the sleep before the polling wakes as late as any: a longer lead at a slower cadence
    ...(await wakeEvery(100, 60, ['post', 'spin'], 5)),
    ...(await wakeEvery(500, 20, ['post', 'spin'], 6)),
  ];
}

async function wakeEvery(
  periodMs: number,
  samples: number,
  modes: Array<'post' | 'doorbell' | 'spin'>,
  leadMs: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of modes) {
    const shared = new SharedArrayBuffer(32 + 8 * (samples + 1));
    const bell = new Int32Array(shared, 0, 2);
    const sentAt = new Float64Array(shared, 8, 1);
    const startAt = new Float64Array(shared, 16, 1);
    const worker = spawnWorker(new URL('./helpers/wake-worker.ts', import.meta.url), {
      workerData: { mode, shared, periodMs, leadMs },
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await new Promise((resolve) => worker.once('message', resolve));
    startAt[0] = preciseNow();
    for (let i = 0; i < samples; i++) {
      // a fixed-rate schedule, as the strategy clock's: the ring goes at (or just after) each due time
      const due = startAt[0] + (i + 1) * periodMs;
      await new Promise((r) => setTimeout(r, Math.max(0, due - preciseNow())));
      sentAt[0] = preciseNow();
      if (mode === 'post') worker.postMessage('ring');
      else {
        Atomics.add(bell, 0, 1);
        Atomics.notify(bell, 0);
      }
      for (const deadline = Date.now() + 1000; Atomics.load(bell, 1) <= i && Date.now() < deadline; )
        await new Promise((r) => setImmediate(r));
    }
    const delays = Array.from(new Float64Array(shared, 32, Atomics.load(bell, 1)));
    if (mode === 'post') worker.postMessage('stop');
    else {
      Atomics.store(bell, 0, -1);
      Atomics.notify(bell, 0);
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    await worker.terminate();
    const c = `${
      {
        post: 'idle worker, postMessage',
        doorbell: 'idle worker, Atomics.notify + waitAsync',
        spin: `candidate: worker polls a doorbell ${leadMs} ms before → 3 ms after each due tick`,
      }[mode]
    }, every ${periodMs} ms`;
    rows.push({
      bench: 'decision-to-wire',
      case: c,
      metric: 'wake-up: p50',
      value: round(percentile(delays, 50)),
      unit: 'ms',
    });
    rows.push({
      bench: 'decision-to-wire',
      case: c,
      metric: samples >= 100 ? 'wake-up: p99' : `wake-up: max of ${samples}`,
      value: round(samples >= 100 ? percentile(delays, 99) : Math.max(...delays)),
      unit: 'ms',
    });
    if (mode === 'spin')
      rows.push({
        bench: 'decision-to-wire',
        case: c,
        metric: 'CPU spent polling',
        value: round(100 * new Float64Array(shared, 32 + 8 * samples, 1)[0], 1),
        unit: '% of a core',
      });
  }
  return rows;
}

if (isEntryPoint(import.meta.url))
  console.table(process.argv[2] === 'wake' ? await idleWakeFloor() : await benchBlocks());

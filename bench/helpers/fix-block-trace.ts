// Where a FIX block spreads out between salvo's writes and the venue's arrivals: a salvo session
// (default options, FIX broker) sends N-leg blocks to the exchange running in a thread of its own,
// which records every read of its FIX sockets (time, NewOrderSingles in it) and the turns in which
// the venue took the orders. Per block: salvo's skew on the wire, the acceptor's reads, the venue's
// arrival spread and turns.
//   node --import tsx bench/helpers/fix-block-trace.ts [legs] [blocks] [execution workers]
import diagnostics from 'node:diagnostics_channel';
import type net from 'node:net';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startFixExchange } from './fix-exchange.js';
import { spawnWorker } from '../../src/util/worker-entry.js';
import { session } from '../lib.js';

const now = () => performance.timeOrigin + performance.now();
const TICKERS = ['A', 'B', 'C', 'D'];

interface Trace {
  reads: Array<{ at: number; orders: number }>;
  arrivals: Map<string, { at: number; turn: number }>;
  /** per turn that took orders: this thread's time on a core and waiting for one (ms, schedstat) */
  turns: Map<number, { cpu: number; waited: number; orders: number }>;
}

/** this thread's time on a core and time runnable but waiting for one, ms (Linux schedstat) */
function schedstat(): { cpu: number; waited: number } {
  const [cpu, waited] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
  return { cpu: cpu / 1e6, waited: waited / 1e6 };
}

async function exchangeThread(): Promise<void> {
  const ex = await startFixExchange(TICKERS);
  const trace: Trace = { reads: [], arrivals: new Map(), turns: new Map() };
  diagnostics.subscribe('net.server.socket', (m) => {
    const socket = (m as { socket: net.Socket }).socket;
    if (socket.localPort !== ex.fixPort) return;
    socket.on('data', (d: Buffer) =>
      trace.reads.push({ at: now(), orders: d.toString('latin1').split('\x0135=D\x01').length - 1 }),
    );
  });
  // a turn ends at the next microtask checkpoint: arrivals sharing one were taken in one go
  let turn = 0;
  let inTurn = false;
  const submit = ex.venue.submit.bind(ex.venue);
  ex.venue.submit = (order) => {
    if (!inTurn) {
      inTurn = true;
      turn++;
      const before = schedstat();
      const stats = { cpu: 0, waited: 0, orders: 0 };
      trace.turns.set(turn, stats);
      queueMicrotask(() => {
        inTurn = false;
        const after = schedstat();
        stats.cpu = after.cpu - before.cpu;
        stats.waited = after.waited - before.waited;
      });
    }
    trace.turns.get(turn)!.orders++;
    trace.arrivals.set(order.clientOrderId, { at: now(), turn });
    return submit(order);
  };
  parentPort!.on('message', async (m: string) => {
    if (m === 'trace') parentPort!.postMessage(trace);
    if (m === 'close') {
      await ex.close();
      parentPort!.close();
    }
  });
  parentPort!.postMessage({ fixPort: ex.fixPort });
}

async function main(): Promise<void> {
  const legs = Number(process.argv[2] ?? 10);
  const blocks = Number(process.argv[3] ?? 6);
  const numWorkers = Number(process.argv[4]) || undefined;
  const worker = spawnWorker(new URL(import.meta.url), { workerData: { exchangeThread: true } });
  const { fixPort } = await new Promise<{ fixPort: number }>((resolve) => worker.once('message', resolve));
  const { orders } = await session({
    strategy: (ctx) =>
      ctx.tick <= blocks
        ? Array.from({ length: legs }, (_, i) => ({
            ticker: TICKERS[i % 4],
            quantity: 1,
            side: 'buy' as const,
            orderType: 'market' as const,
          }))
        : undefined,
    tickers: TICKERS,
    frequency: '500ms',
    runSeconds: (blocks + 1) * 0.5,
    eosBehavior: 'hold',
    ordersPerMinute: 1_000_000,
    burst: 1000,
    broker: { type: 'fix', host: '127.0.0.1', port: fixPort, senderCompId: 'TRACE', targetCompId: 'PAPER' } as never,
    tradeLogName: 'bench-fix-trace',
    ...(numWorkers ? { numWorkers } : {}),
  });
  worker.postMessage('trace');
  const trace = await new Promise<Trace>((resolve) => worker.once('message', resolve));
  worker.postMessage('close');
  const byBlock = new Map<string, typeof orders>();
  for (const o of orders) byBlock.set(o.blockId, [...(byBlock.get(o.blockId) ?? []), o]);
  console.log(
    `load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${legs}-leg blocks over FIX`,
  );
  for (const [id, os_] of byBlock) {
    const wired = os_.map((o) => o.wiredAt!).filter(Number.isFinite);
    const arrivals = os_.map((o) => trace.arrivals.get(o.clientOrderId)).filter((a) => a !== undefined);
    const first = Math.min(...wired);
    const lastArrival = Math.max(...arrivals.map((a) => a.at));
    const reads = trace.reads.filter((r) => r.at >= first - 1 && r.at <= lastArrival + 1 && r.orders > 0);
    const f = (x: number) => x.toFixed(2);
    const turnsOf = [...new Set(arrivals.map((a) => a.turn))].map((t) => trace.turns.get(t)!);
    console.log(
      `${id}: wired over ${f(Math.max(...wired) - first)} ms; acceptor read ${reads.reduce((n, r) => n + r.orders, 0)} orders in ${reads.length} read(s) at +${reads.map((r) => f(r.at - first)).join(', +')} ms; ` +
        `arrivals +${f(Math.min(...arrivals.map((a) => a.at)) - first)} … +${f(lastArrival - first)} ms in ${turnsOf.length} turn(s); ` +
        turnsOf
          .map((t) => `turn of ${t.orders}: ${f(t.cpu)} ms on a core, ${f(t.waited)} ms waiting for one`)
          .join('; '),
    );
  }
}

if (isMainThread) await main();
else if ((workerData as { exchangeThread?: boolean })?.exchangeThread) await exchangeThread();

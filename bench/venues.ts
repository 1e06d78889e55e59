// Blocks over real broker protocols: salvo sessions (default widths) sending N-leg blocks to the
// paper exchange over Alpaca's HTTP API and over FIX 4.4, the exchange in a thread of its own with
// 50 ms latency; beside them a sequential client (one order after another through salvo's adapter)
// and, over Alpaca, the official SDK firing the N orders with Promise.all. The venue-side skew is
// the spread of the legs' arrival times as the exchange itself recorded them.
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { OrdersApi, trading } from '@alpacahq/alpaca-trade-api';
import { alpacaDriver } from '../src/brokers/alpaca/driver.js';
import { fixDriver } from '../src/brokers/fix/driver.js';
import { parseBrokerConfig } from '../src/brokers/index.js';
import type { Broker } from '../src/brokers/broker.js';
import type { OrderRequest } from '../src/types.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { spawnWorker } from '../src/util/worker-entry.js';
import { median, percentile, round, session, type Row } from './lib.js';

const LATENCY_MS = 50;
const SIZES = [1, 10, 50, 100, 200];
const REPEATS = 6;
const TICKERS = Array.from({ length: 20 }, (_, i) => `V${String(i).padStart(2, '0')}`);
const KEYS = { keyId: 'PKBENCH0000000000001', secretKey: 'bench-secret-0c1d2e3f' };
/** a burst of 200 (the default for 201 orders a minute): every size here fits one dispatch */
const RATE = { ordersPerMinute: 1_000_000, burst: 200 };

type Tape = { arrived: Map<string, number>; answered: Map<string, number>; busy: number };
interface Remote {
  restUrl: string;
  streamUrl: string;
  fixPort: number;
  tape(): Promise<Tape>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** the exchange in its own thread, so its work does not share the session's main thread */
async function remoteExchange(): Promise<Remote> {
  const worker: Worker = spawnWorker(new URL('./helpers/exchange-worker.ts', import.meta.url), {
    workerData: {
      tickers: TICKERS,
      ...KEYS,
      latencyMs: LATENCY_MS,
      cash: 1e12,
      fixPort: 0,
      fix: { targetCompId: '*' },
      quotes: { type: 'sim', seed: 5, updatesPerSecond: 5, size: 1e6 },
    },
  });
  const next = (type: string) =>
    new Promise<unknown>((resolve, reject) => {
      const on = (m: { type: string }) => {
        if (m.type === type) {
          worker.off('message', on).off('error', fail);
          resolve(m);
        }
      };
      const fail = (e: Error) => {
        worker.off('message', on);
        reject(e);
      };
      worker.on('message', on).once('error', fail);
    });
  const ready = (await next('ready')) as Pick<Remote, 'restUrl' | 'streamUrl' | 'fixPort'>;
  const ask = async <T>(type: string, answer: string): Promise<T> => {
    const a = next(answer);
    worker.postMessage({ type });
    return (await a) as T;
  };
  return {
    restUrl: ready.restUrl,
    streamUrl: ready.streamUrl,
    fixPort: ready.fixPort,
    tape: () => ask<Tape>('tape', 'tape'),
    clear: () => ask('clear', 'cleared'),
    close: async () => {
      await ask('close', 'closed');
      await worker.terminate();
    },
  };
}

const legs = (n: number): OrderRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    ticker: TICKERS[i % TICKERS.length],
    quantity: 1,
    side: 'buy',
    orderType: 'market',
  }));
const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

type Face = 'alpaca' | 'fix';
const brokerFor = (ex: Remote, face: Face, tag: string) =>
  face === 'alpaca'
    ? { type: 'alpaca', baseUrl: ex.restUrl, streamUrl: ex.streamUrl, ...KEYS }
    : {
        type: 'fix',
        host: '127.0.0.1',
        port: ex.fixPort,
        senderCompId: `BENCH_${tag}`,
        targetCompId: 'PAPER',
        requestTimeoutMs: 10_000,
      };

interface SalvoFigures {
  startupMs: number;
  ack: number;
  wire: number;
  skew: number;
  venueSkew: number;
  lateP50: number;
  lateMax: number;
  exchangeBusy: number;
  widths: string;
}

/** REPEATS blocks of n legs from a session with default widths; medians over the blocks */
async function salvoBlocks(ex: Remote, face: Face, n: number): Promise<SalvoFigures> {
  await ex.clear();
  const lines: string[] = [];
  const { report, orders } = await session({
    strategy: (ctx) => (ctx.tick <= REPEATS ? legs(n) : undefined),
    tickers: TICKERS,
    frequency: '500ms',
    runSeconds: (REPEATS + 1) * 0.5,
    eosBehavior: 'hold',
    ...RATE,
    broker: brokerFor(ex, face, `${n}`) as never,
    tradeLogName: `bench-venues-${face}-${n}`,
    logger: (_l, m) => lines.push(m),
  });
  const tape = await ex.tape();
  const byBlock = new Map<string, number[]>();
  for (const o of orders) {
    const at = tape.arrived.get(o.clientOrderId);
    if (at !== undefined) byBlock.set(o.blockId, [...(byBlock.get(o.blockId) ?? []), at]);
  }
  // what the exchange added to its 50 ms, as the client saw it: written → answered, less the latency
  const late = orders
    .filter((o) => o.wiredAt !== undefined && o.ackAt !== undefined)
    .map((o) => o.ackAt! - o.wiredAt! - LATENCY_MS);
  return {
    startupMs: report.startupMs,
    ack: median(report.blocks.map((b) => b.ackMs)),
    wire: median(report.blocks.map((b) => b.wireMs)),
    skew: median(report.blocks.map((b) => b.skewMs)),
    venueSkew: median([...byBlock.values()].map(spread)),
    lateP50: percentile(late, 50),
    lateMax: Math.max(...late),
    exchangeBusy: tape.busy,
    widths: lines.find((l) => l.startsWith('block width:')) ?? '',
  };
}

/** one order after another through salvo's own adapter: first send → last answer */
async function sequential(ex: Remote, face: Face, n: number): Promise<number> {
  const config = parseBrokerConfig(brokerFor(ex, face, `SEQ${n}`));
  const hub =
    face === 'fix'
      ? await fixDriver.prepare!(config as never, { boardBuffer: new SharedArrayBuffer(8), tickers: [] })
      : undefined;
  const broker: Broker =
    face === 'fix'
      ? fixDriver.create(config as never, hub!.link(1).link)
      : alpacaDriver.create(config as never, { workerId: 1, width: 1 });
  await broker.connect();
  const start = performance.now();
  for (const [i, o] of legs(n).entries()) {
    await broker.submit({
      ...o,
      clientOrderId: `seq-${face}-${n}-${i}-${randomUUID().slice(0, 8)}`,
      timeInForce: 'day',
      action: 'buy_long',
    });
  }
  const elapsed = performance.now() - start;
  await broker.close();
  await hub?.close();
  return elapsed;
}

/** what a user would write by hand: the official SDK, N orders with Promise.all; medians of REPEATS */
async function sdkBlocks(ex: Remote, n: number): Promise<{ ack: number; venueSkew: number }> {
  const orders = new OrdersApi(
    new trading.Configuration({ keyId: KEYS.keyId, secret: KEYS.secretKey, basePath: ex.restUrl, timeoutMs: 0 }),
  );
  const acks: number[] = [];
  const skews: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    await ex.clear();
    const ids = legs(n).map(() => `sdk-${randomUUID().slice(0, 12)}`);
    const start = performance.now();
    await Promise.all(
      legs(n).map((o, i) => orders.market({ symbol: o.ticker, qty: 1, side: 'buy', clientOrderId: ids[i] })),
    );
    acks.push(performance.now() - start);
    const tape = await ex.tape();
    skews.push(spread(ids.map((id) => tape.arrived.get(id)!)));
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ack: median(acks), venueSkew: median(skews) };
}

export async function benchVenues(): Promise<Row[]> {
  const rows: Row[] = [];
  const ex = await remoteExchange();
  try {
    for (const face of ['alpaca', 'fix'] as Face[]) {
      const bench = `blocks over ${face === 'alpaca' ? 'Alpaca HTTP' : 'FIX 4.4'}`;
      const salvo = new Map<number, SalvoFigures>();
      for (const n of SIZES) salvo.set(n, await salvoBlocks(ex, face, n));
      const t1 = salvo.get(1)!.ack;
      for (const n of SIZES) {
        const s = salvo.get(n)!;
        const at100 = n === 100;
        const c = `N=${n}`;
        rows.push({
          bench,
          case: c,
          metric: 'salvo: return → last ack (median)',
          value: round(s.ack, 2),
          unit: 'ms',
          ...(at100 ? { target: `<= 1.3 x t(1) = ${round(1.3 * t1, 1)}`, met: s.ack <= 1.3 * t1 } : {}),
        });
        rows.push({
          bench,
          case: c,
          metric: 'salvo: wireMs, return → last leg on the wire (median)',
          value: round(s.wire, 2),
          unit: 'ms',
        });
        rows.push({
          bench,
          case: c,
          metric: 'salvo: skewMs, first → last leg on the wire (median)',
          value: round(s.skew, 2),
          unit: 'ms',
        });
        rows.push({
          bench,
          case: c,
          metric: 'salvo: venue-side skew, first → last arrival (median)',
          value: round(s.venueSkew, 2),
          unit: 'ms',
          ...(at100 ? { target: '<= 5 ms', met: s.venueSkew <= 5 } : {}),
        });
        rows.push({
          bench,
          case: c,
          metric: 'exchange: answer late beyond its 50 ms (client: written → answer), p50 / max',
          value: round(s.lateP50, 1),
          unit: `ms / ${round(s.lateMax, 1)} ms`,
        });
        rows.push({
          bench,
          case: c,
          metric: 'exchange: its thread busy during the session (event-loop utilization, its quotes included)',
          value: round(100 * s.exchangeBusy, 1),
          unit: '%',
        });
        rows.push({
          bench,
          case: c,
          metric: 'sequential client (salvo adapter): first send → last ack',
          value: round(await sequential(ex, face, n), 1),
          unit: 'ms',
        });
        if (face === 'alpaca') {
          const sdk = await sdkBlocks(ex, n);
          rows.push({
            bench,
            case: c,
            metric: 'official SDK, Promise.all: first call → last answer (median)',
            value: round(sdk.ack, 2),
            unit: 'ms',
          });
          rows.push({
            bench,
            case: c,
            metric: 'official SDK, Promise.all: venue-side skew (median)',
            value: round(sdk.venueSkew, 2),
            unit: 'ms',
          });
        }
      }
      const line = salvo.get(100)!.widths;
      rows.push({
        bench,
        case: 'default width',
        metric: 'session start-up with it (runTrading → ready to trade, under tsx)',
        value: salvo.get(100)!.startupMs,
        unit: 'ms',
      });
      rows.push({
        bench,
        case: 'default width',
        metric: `session log: "${line || 'no width line'}"`,
        value: Number(/(\d+) connections/.exec(line)?.[1] ?? 1),
        unit: face === 'alpaca' ? 'connections per worker' : 'session, pipelined',
      });
    }
  } finally {
    await ex.close();
  }
  return rows;
}

if (isEntryPoint(import.meta.url)) console.table(await benchVenues());

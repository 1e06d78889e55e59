// 4. Quote board: writes/s from one writer, reads/s from a concurrent reader, torn reads (must be 0),
//    and ctx.getCurrentData() at 10, 1,000 and 10,000 tickers.
import { QuoteBoard } from '../src/market/quote-board.js';
import { Portfolio } from '../src/portfolio/portfolio.js';
import { currentData } from '../src/session/context.js';
import { spawnWorker } from '../src/util/worker-entry.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { median, percentile, round, type Row } from './lib.js';

const RUN_MS = 3000;

export async function benchBoard(): Promise<Row[]> {
  const rows: Row[] = [];
  const tickers = Array.from({ length: 100 }, (_, i) => `Q${i}`);
  const board = new QuoteBoard(tickers);
  const entry = new URL('./helpers/board-worker.ts', import.meta.url);
  const run = (role: string) =>
    new Promise<{ count: number; torn: number }>((resolve, reject) => {
      const w = spawnWorker(entry, { workerData: { role, tickers, buffer: board.buffer, ms: RUN_MS } });
      w.once('message', resolve);
      w.once('error', reject);
    });
  const [writer, reader] = await Promise.all([run('writer'), run('reader')]);
  rows.push({
    bench: 'quote board',
    case: '1 writer + 1 reader thread, 100 tickers',
    metric: 'writes per second',
    value: Math.round(writer.count / (RUN_MS / 1000)),
    unit: '/s',
  });
  rows.push({
    bench: 'quote board',
    case: '1 writer + 1 reader thread, 100 tickers',
    metric: 'reads per second (during writes)',
    value: Math.round(reader.count / (RUN_MS / 1000)),
    unit: '/s',
  });
  rows.push({
    bench: 'quote board',
    case: '1 writer + 1 reader thread, 100 tickers',
    metric: 'torn reads',
    value: reader.torn,
    unit: 'reads',
    target: '0',
    met: reader.torn === 0,
  });

  for (const n of [10, 1000, 10_000]) {
    const names = Array.from({ length: n }, (_, i) => `S${i}`);
    const b = new QuoteBoard(names);
    for (let slot = 0; slot < names.length; slot++)
      b.write(slot, { bid: 100, ask: 100.02, bidSize: 100, askSize: 100, last: 100.01, timestamp: Date.now() });
    const portfolio = new Portfolio();
    for (let i = 0; i < Math.min(n, 50); i++) portfolio.applyFill(names[i], 'buy', 10, 100);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      currentData(b, portfolio);
      times.push(performance.now() - t);
    }
    const c = `${n} tickers, ${Math.min(n, 50)} positions`;
    rows.push({
      bench: 'getCurrentData',
      case: c,
      metric: 'median',
      value: round(median(times), 4),
      unit: 'ms',
      ...(n === 10_000 ? { target: '<= 2 ms', met: median(times) <= 2 } : {}),
    });
    rows.push({ bench: 'getCurrentData', case: c, metric: 'p99', value: round(percentile(times, 99), 4), unit: 'ms' });
    const all: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      for (const q of Object.values(currentData(b, portfolio).quotes)) void q.bid;
      all.push(performance.now() - t);
    }
    rows.push({
      bench: 'getCurrentData',
      case: c,
      metric: 'median, then reading every quote',
      value: round(median(all), 4),
      unit: 'ms',
    });
  }
  return rows;
}

if (isEntryPoint(import.meta.url)) console.table(await benchBoard());

// `salvo review` on a generated 1,000,000-row salvo trade log: rows per second through the
// streaming reader and the summary, and the memory it took. Runnable alone: npx tsx bench/review.ts
// (ROWS=200000 npx tsx bench/review.ts for a smaller log).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reviewLogs } from '../src/cli/review/command.js';
import { parallelThreshold } from '../src/cli/review/parallel.js';
import { TRADE_LOG_COLUMNS } from '../src/journal/trade-log.js';
import { isEntryPoint } from '../src/util/entry-point.js';
import { round, type Row } from './lib.js';

const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AVGO', 'JPM', 'V'];

/**
 * Writes a salvo log of about `rows` rows: blocks of 1–10 legs every 50 ms, each order queued →
 * submitted → new → filled (some in two partial fills), with a share rejected before sending, a
 * share canceled, and a few orders left open at the end.
 */
export function generateLog(file: string, rows: number): number {
  const fd = fs.openSync(file, 'w');
  let buf = `${TRADE_LOG_COLUMNS.join(',')}\n`;
  let written = 0,
    t = 1_766_500_000,
    order = 0,
    block = 0;
  const held = new Map<string, number>();
  const put = (cells: Array<string | number>) => {
    buf += `${cells.join(',')}\n`;
    written++;
  };
  while (written < rows) {
    block++;
    t += 0.05;
    const legs = 1 + (block % 10);
    for (let leg = 0; leg < legs && written < rows; leg++) {
      order++;
      const ticker = TICKERS[(block + leg) % TICKERS.length];
      const long = held.get(ticker) ?? 0;
      const side = long >= 10 && order % 2 === 0 ? 'sell' : 'buy';
      const action = side === 'buy' ? 'buy_long' : 'sell_long';
      const qty = side === 'buy' ? 10 : Math.min(long, 10);
      const worker = 1 + (order % 4);
      const id = `${action}-${worker}-${((order * 2654435761) >>> 0).toString(16).padStart(8, '0')}`;
      const base = [ticker];
      const at = (ms: number) => (t + ms / 1000).toFixed(6);
      const price = (100 + (block % 500) / 10 + (order % 7) / 100).toFixed(2);
      const row = (
        type: string,
        p: string | number,
        q: number,
        status: string,
        ms: number,
        raw: string,
        w: number,
        reason = '',
      ) => put([type, id, ...base, p, q, status, side, action, at(ms), raw, w, `b-${block}`, reason]);
      if (order % 97 === 0) {
        row('local', 0, 0, 'rejected', 0, 'invalid', 0, '"quantity must be a positive finite number; got -1"');
        continue;
      }
      row('local', 0, 0, 'queued', 0, 'queued', worker);
      row('execution', 0, 0, 'submitted', 0.3 + leg * 0.05, 'pending_new', worker);
      row('execution', 0, 0, 'new', 0.6 + leg * 0.05, 'new', worker);
      if (order % 53 === 0) {
        row('local', 0, 0, 'canceled', 40, 'canceled', worker, 'session ended');
        continue;
      }
      if (order % 11 === 0)
        row('execution', price, qty / 2, 'partially_filled', 1.5 + (order % 13), 'partial_fill', worker);
      if (written >= rows - 40 && order % 3 === 0) continue; // left open: the review must shout about it
      row('execution', price, qty, 'filled', 2 + (order % 17), 'fill', worker);
      held.set(ticker, long + (side === 'buy' ? qty : -qty));
    }
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
  return written;
}

/** CPU seconds (user + system) per thread of this process, from /proc (Linux); empty elsewhere */
function threadCpu(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  const tick = 100; // USER_HZ on Linux
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) / tick);
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

export async function benchReview(): Promise<Row[]> {
  const rows = Number(process.env.ROWS ?? 1_000_000);
  const file = path.join(os.tmpdir(), `salvo-bench-review-${process.pid}.csv`);
  try {
    const written = generateLog(file, rows);
    const mb = fs.statSync(file).size / 1e6;
    const parallel = fs.statSync(file).size >= parallelThreshold();
    if (global.gc) global.gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }, 50);
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpu();
    const threads = new Map(threads0);
    const threadSampler = setInterval(() => {
      for (const [tid, s] of threadCpu()) threads.set(tid, s);
    }, 100);
    const t0 = performance.now();
    const summary = await reviewLogs([file]);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(threadSampler);
    for (const [tid, s] of threadCpu()) threads.set(tid, s);
    const mainCpu = (threads.get(process.pid) ?? 0) - (threads0.get(process.pid) ?? 0);
    clearInterval(sampler);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    if (summary.rows !== written) throw new Error(`reviewed ${summary.rows} of ${written} rows`);
    const c = `${written.toLocaleString('en-US')}-row salvo log (${round(mb, 1)} MB, ${summary.orders.total.toLocaleString('en-US')} orders)`;
    return [
      {
        bench: 'review',
        case: c,
        metric: 'wall time',
        value: round(seconds, 2),
        unit: 's',
        target: '<= 10 s ("in seconds")',
        met: seconds <= 10,
      },
      { bench: 'review', case: c, metric: 'rows per second', value: Math.round(written / seconds), unit: 'rows/s' },
      {
        bench: 'review',
        case: c,
        metric: `CPU time, all threads (${parallel ? `${Math.min(4, os.availableParallelism())} parse workers + main` : 'one thread'})`,
        value: round((cpu.user + cpu.system) / 1e6, 2),
        unit: 's',
      },
      {
        bench: 'review',
        case: c,
        metric: 'CPU time of the main thread (the review itself)',
        value: round(mainCpu, 2),
        unit: 's',
      },
      {
        bench: 'review',
        case: c,
        metric: 'peak heap growth',
        value: Math.round((peakHeap - heapBefore) / 2 ** 20),
        unit: 'MiB',
      },
      {
        bench: 'review',
        case: c,
        metric: 'orders never terminal (found)',
        value: summary.neverTerminal.count,
        unit: 'orders',
      },
    ];
  } finally {
    fs.rmSync(file, { force: true });
  }
}

if (isEntryPoint(import.meta.url)) {
  for (const r of await benchReview())
    console.log(
      `${r.case} | ${r.metric}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target}: ${r.met ? 'met' : 'missed'})` : ''}`,
    );
}

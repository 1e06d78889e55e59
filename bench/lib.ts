// Shared bits of the benchmark suite: the row every benchmark reports, percentiles, the machine.
import os from 'node:os';
import { parseOptions, type RunTradingOptions } from '../src/session/options.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { paperDriver } from '../src/brokers/paper/driver.js';
import { parsePaperBrokerConfig } from '../src/exchange/config.js';
import { Session } from '../src/session/session.js';

export interface Row {
  bench: string;
  case: string;
  metric: string;
  value: number;
  unit: string;
  /** e.g. '<= 1.2 x t(1)'; empty when the figure is for information */
  target?: string;
  met?: boolean;
  /** the bench/ module that produced it (set by the runner) */
  suite?: string;
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** p50 and p99 of `values` (ms) as two rows; the p99 row carries the target when there is one */
export function latencyRows(bench: string, c: string, values: readonly number[], p99AtMost?: number): Row[] {
  const at = (p: number) => Math.round(percentile(values, p) * 1000) / 1000;
  const target = p99AtMost === undefined ? {} : { target: `<= ${p99AtMost} ms`, met: at(99) <= p99AtMost };
  return [
    { bench, case: c, metric: 'p50', value: at(50), unit: 'ms' },
    { bench, case: c, metric: 'p99', value: at(99), unit: 'ms', ...target },
  ];
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    /** 1-minute load average when the run ended: above the core count, other work shared the machine */
    load: Math.round(os.loadavg()[0] * 10) / 10,
  };
}

/** a real session whose Session object stays readable afterwards (its orders, its tick loop) */
export async function session(options: RunTradingOptions) {
  const s = await Session.start(
    parseOptions({ logger: () => undefined, tradeLogPath: os.tmpdir(), handleSignals: false, ...options }),
  );
  const report = await s.run();
  return { session: s, report, orders: s.orders() };
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** a paper venue thread over a still board at 100, and one client of it: the baselines' broker */
export async function paperClient(tickers: string[], venue: Record<string, unknown>) {
  const config = parsePaperBrokerConfig({ type: 'paper', cash: 1e12, ...venue });
  const board = new QuoteBoard(tickers);
  for (let slot = 0; slot < tickers.length; slot++)
    board.write(slot, { bid: 99.99, ask: 100.01, bidSize: 100, askSize: 100, last: 100, timestamp: Date.now() });
  const hub = await paperDriver.prepare!(config, { boardBuffer: board.buffer, tickers });
  const broker = paperDriver.create(config, hub.link(1).link);
  await broker.connect();
  return {
    broker,
    close: async () => {
      await broker.close();
      await hub.close();
    },
  };
}

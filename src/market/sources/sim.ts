// A simulated market: geometric Brownian motion per ticker, quoted around the mid with a spread.
// It needs no network, so it is the default feed and the one tests run against. Every ticker has
// its own seeded generator: its path depends on the seed and the ticker only, never on which
// other tickers are on the board or on how late the timer fires.
import { describeIssue } from '../../util/issues.js';
import { type SimQuotesConfig, type SimQuotesInput, simQuotesSchema } from './feed-schemas.js';
import type { QuoteSink, QuoteSource, QuoteUpdate } from './source.js';
import { required } from '../../util/defined.js';

// the time step is in trading years: 252 sessions of 6.5 hours
const TRADING_YEAR_SECONDS = 252 * 6.5 * 3600;
// a late timer catches up by at most this many steps; beyond that the backlog is dropped,
// so a starved thread slows the market down instead of spiralling
const MAX_CATCH_UP = 5;

export class SimulatedMarket implements QuoteSource {
  readonly name = 'sim';
  readonly config: SimQuotesConfig;
  private tickers: readonly string[] = [];
  private sink?: QuoteSink;
  private mids = new Float64Array(0);
  private refPrices = new Float64Array(0);
  private volumes = new Float64Array(0);
  private rng = new Uint32Array(0);
  private timer?: NodeJS.Timeout;
  private startedAt = 0;
  private steps = 0;

  constructor(config: SimQuotesInput = { type: 'sim' }) {
    const parsed = simQuotesSchema.safeParse(config, { reportInput: true });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => describeIssue(i));
      throw new Error(`sim quotes: invalid config: ${problems.join('; ')}`);
    }
    this.config = parsed.data;
  }

  get periodMs(): number {
    return 1000 / this.config.updatesPerSecond;
  }

  async start(tickers: readonly string[], sink: QuoteSink): Promise<void> {
    if (this.timer) throw new Error('sim quotes: already started');
    const { seed, startPrices } = this.config;
    this.tickers = [...tickers];
    this.sink = sink;
    const n = this.tickers.length;
    this.mids = new Float64Array(n);
    this.refPrices = new Float64Array(n);
    this.volumes = new Float64Array(n);
    this.rng = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const ticker = this.tickers[i];
      this.mids[i] = this.refPrices[i] = startPrices?.[ticker] ?? hashPrice(ticker);
      this.rng[i] = (fnv1a(ticker) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
    }
    // the first quotes sit at the start prices, so the board is full before start() resolves
    this.publish(Date.now());
    this.startedAt = performance.now();
    this.steps = 0;
    this.timer = setInterval(() => this.onTimer(), Math.max(1, Math.floor(this.periodMs)));
    sink.status(
      'connected',
      `simulated market: ${n} ticker(s), ${this.config.updatesPerSecond} update(s)/s each, seed ${seed}`,
    );
  }

  async close(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.sink?.status('disconnected', 'simulated market closed');
  }

  private onTimer(): void {
    const due = Math.floor((performance.now() - this.startedAt) / this.periodMs) - this.steps;
    if (due <= 0) return;
    const run = Math.min(due, MAX_CATCH_UP);
    this.steps += due; // whatever is beyond the catch-up limit is skipped, not owed
    const now = Date.now();
    for (let s = 0; s < run; s++) {
      this.move();
      this.publish(now);
    }
  }

  /** one GBM step for every ticker */
  private move(): void {
    const { volatility, drift } = this.config;
    const dt = this.periodMs / 1000 / TRADING_YEAR_SECONDS;
    const meanStep = (drift - 0.5 * volatility * volatility) * dt;
    const volStep = volatility * Math.sqrt(dt);
    for (let i = 0; i < this.mids.length; i++) {
      this.mids[i] *= Math.exp(meanStep + volStep * this.normal(i));
    }
  }

  /** a quote for every ticker at its current mid */
  private publish(now: number): void {
    const { spreadBps, size } = this.config;
    const sink = required(this.sink, 'the sink (given in start)');
    for (let i = 0; i < this.mids.length; i++) {
      const mid = this.mids[i];
      const tick = mid >= 1 ? 0.01 : 0.0001;
      const half = (mid * spreadBps) / 20_000;
      const bid = Math.max(tick, roundTo(Math.floor((mid - half) / tick) * tick, tick));
      let ask = roundTo(Math.ceil((mid + half) / tick) * tick, tick);
      if (ask <= bid) ask = roundTo(bid + tick, tick);
      // a trade somewhere inside the spread, on the tick grid
      const last = roundTo(bid + Math.round((this.uniform(i) * (ask - bid)) / tick) * tick, tick);
      const lastSize = this.sizeAround(i, size);
      this.volumes[i] += lastSize;
      const update: QuoteUpdate = {
        bid,
        ask,
        last,
        lastSize,
        bidSize: this.sizeAround(i, size),
        askSize: this.sizeAround(i, size),
        refPrice: this.refPrices[i],
        volume: this.volumes[i],
        timestamp: now,
      };
      sink.quote(this.tickers[i], update);
    }
  }

  /** an integer >= 1, uniform between half and one and a half times the typical size */
  private sizeAround(i: number, size: number): number {
    return Math.max(1, Math.round(size * (0.5 + this.uniform(i))));
  }

  /** mulberry32 on ticker i's state: [0, 1) */
  private uniform(i: number): number {
    const s = (this.rng[i] = (this.rng[i] + 0x6d2b79f5) >>> 0);
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Box–Muller; the cosine half is enough */
  private normal(i: number): number {
    const u1 = 1 - this.uniform(i); // (0, 1]: log stays finite
    const u2 = this.uniform(i);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** a stable start price between 20 and 500, in cents, from the ticker alone */
export function hashPrice(ticker: string): number {
  return Math.round((20 + (fnv1a(ticker) / 4294967296) * 480) * 100) / 100;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** snaps binary float noise (0.30000000000000004) back to the tick grid */
function roundTo(price: number, tick: number): number {
  const decimals = tick >= 0.01 ? 100 : 10_000;
  return Math.round(price * decimals) / decimals;
}

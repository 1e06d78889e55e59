// Small numeric helpers for the review: growable sample arrays with percentiles, per-ticker
// average-cost books, and time series kept at one point per second.

/** A growable Float64Array of samples (latencies), sorted once at the end. */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** nearest-rank percentiles of ascending `sorted` */
export function distribution(sorted: Float64Array): Distribution | null {
  const n = sorted.length;
  if (!n) return null;
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    count: n,
    mean: round(sum / n),
    p50: round(rank(50)),
    p90: round(rank(90)),
    p99: round(rank(99)),
    max: round(sorted[n - 1]),
  };
}

export interface Histogram {
  binMs: number;
  from: number;
  counts: number[];
  overflow: number;
}

/** equal-width bins from 0 to about the 99th percentile; slower samples go to `overflow` */
export function histogram(sorted: Float64Array, bins = 30): Histogram | null {
  if (!sorted.length) return null;
  const top = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length))] || sorted[sorted.length - 1] || 1;
  const binMs = niceStep(top / bins);
  const counts = new Array<number>(Math.floor(top / binMs) + 1).fill(0);
  let overflow = 0;
  for (const v of sorted) {
    const i = Math.floor(Math.max(0, v) / binMs);
    if (i < counts.length) counts[i]++;
    else overflow++;
  }
  return { binMs, from: 0, counts, overflow };
}

/** 1, 2 or 5 × a power of ten, at least `raw` */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * One ticker's position from fills, at average cost: buying into a long (or selling into a short)
 * moves the average entry price; a fill against the position realizes (exit − average entry) on
 * the closed quantity; a fill through zero opens the rest at the fill price.
 */
export class TickerBook {
  qty = 0;
  avg = 0;
  realized = 0;
  fills = 0;
  boughtQty = 0;
  soldQty = 0;
  boughtValue = 0;
  soldValue = 0;
  /** latest fill price: the mark for gross exposure */
  last = 0;

  fill(side: 'buy' | 'sell', qty: number, price: number): void {
    this.fills++;
    this.last = price;
    if (side === 'buy') {
      this.boughtQty += qty;
      this.boughtValue += qty * price;
    } else {
      this.soldQty += qty;
      this.soldValue += qty * price;
    }
    const signed = side === 'buy' ? qty : -qty;
    if (this.qty === 0 || Math.sign(this.qty) === Math.sign(signed)) {
      const held = Math.abs(this.qty);
      this.avg = (held * this.avg + qty * price) / (held + qty);
      this.qty += signed;
      return;
    }
    const closing = Math.min(qty, Math.abs(this.qty));
    this.realized += closing * (price - this.avg) * Math.sign(this.qty);
    const before = this.qty;
    this.qty += signed;
    if (Math.abs(this.qty) < 1e-9) {
      this.qty = 0;
      this.avg = 0;
    } else if (Math.sign(this.qty) !== Math.sign(before)) this.avg = price;
  }

  get exposure(): number {
    return Math.abs(this.qty) * this.last;
  }
}

/**
 * [epoch seconds, value] points at the finest resolution that keeps at most CAP of them: one per
 * millisecond to start with (the last value in each), coarser by halves as the series grows, so a
 * one-second session and an all-day one both chart well in bounded memory.
 */
export class Series {
  private static readonly CAP = 4000;
  t: number[] = [];
  v: number[] = [];
  private res = 0.001;

  add(ts: number, value: number): void {
    const n = this.t.length;
    if (n && Math.floor(this.t[n - 1] / this.res) === Math.floor(ts / this.res)) {
      this.t[n - 1] = ts;
      this.v[n - 1] = value;
      return;
    }
    this.t.push(ts);
    this.v.push(value);
    if (this.t.length > Series.CAP) this.coarsen();
  }

  private coarsen(): void {
    this.res *= 2;
    const t: number[] = [],
      v: number[] = [];
    for (let i = 0; i < this.t.length; i++) {
      const k = t.length;
      if (k && Math.floor(t[k - 1] / this.res) === Math.floor(this.t[i] / this.res)) {
        t[k - 1] = this.t[i];
        v[k - 1] = this.v[i];
      } else {
        t.push(this.t[i]);
        v.push(this.v[i]);
      }
    }
    this.t = t;
    this.v = v;
  }

  /** at most `max` points, always keeping the last one */
  points(max = 1500): Array<[number, number]> {
    const n = this.t.length;
    const step = Math.max(1, Math.ceil(n / max));
    const out: Array<[number, number]> = [];
    for (let i = 0; i < n; i += step) out.push([round(this.t[i], 6), round(this.v[i], 4)]);
    if (n && (n - 1) % step !== 0) out.push([round(this.t[n - 1], 6), round(this.v[n - 1], 4)]);
    return out;
  }
}

/** groups reasons that differ only in their numbers: 'need 1234.5' and 'need 99' → 'need #' */
export function reasonKey(reason: string): string {
  return reason
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

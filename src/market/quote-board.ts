// QuoteBoard: one SharedArrayBuffer, one fixed slot per ticker, one writer (the quote worker),
// lock-free readers in any thread. Each slot carries an Int32 sequence: the writer makes it odd,
// writes the fields, makes it even; a reader retries while it is odd or changed underneath it,
// so a reader never mixes the bid of one update with the ask of another.
import type { Quote } from '../types.js';
import { required } from '../util/defined.js';

/** Field order inside a slot. Add new fields at the end; readers and writer follow this list. */
export const QUOTE_FIELDS = [
  'bid',
  'ask',
  'bidSize',
  'askSize',
  'last',
  'timestamp',
  // depth levels 2-3, reference price, session volume and last trade size (Redis / Kafka snapshots carry them)
  'bid2',
  'bid3',
  'bidSize2',
  'bidSize3',
  'ask2',
  'ask3',
  'askSize2',
  'askSize3',
  'refPrice',
  'volume',
  'lastSize',
] as const;
export type QuoteField = (typeof QUOTE_FIELDS)[number];

const F = QUOTE_FIELDS.length;
const FIELD_INDEX = Object.fromEntries(QUOTE_FIELDS.map((f, i) => [f, i])) as Record<QuoteField, number>;
// slot = [seq Int32 + pad][updateCount f64][fields f64 × F]
const SLOT_F64 = 2 + F;
const SLOT_BYTES = SLOT_F64 * 8;

export interface BoardQuote extends Quote {
  /** how many updates this ticker has had; 0 = never quoted */
  updates: number;
}

export class QuoteBoard {
  readonly tickers: readonly string[];
  private readonly index: Map<string, number>;
  private readonly seq: Int32Array;
  private readonly f64: Float64Array;

  /** `buffer` omitted: allocate a new board. Given: attach to an existing board (other thread). */
  constructor(
    tickers: readonly string[],
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(Math.max(1, tickers.length) * SLOT_BYTES),
  ) {
    if (buffer.byteLength < tickers.length * SLOT_BYTES)
      throw new Error('quote board buffer is smaller than its ticker list');
    this.tickers = [...tickers];
    this.index = new Map(this.tickers.map((t, i) => [t, i]));
    this.seq = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  slotOf(ticker: string): number {
    const slot = this.index.get(ticker);
    if (slot === undefined) throw new Error(`unknown ticker '${ticker}' on the quote board`);
    return slot;
  }

  /** the ticker's slot, or undefined when it is not on the board (one lookup on hot paths) */
  find(ticker: string): number | undefined {
    return this.index.get(ticker);
  }

  /**
   * One field of a slot without the seqlock: only for the board's single writer, reading back what
   * it wrote itself (nobody else can change the slot underneath it).
   */
  own(slot: number, field: QuoteField): number {
    return this.f64[slot * SLOT_F64 + 2 + FIELD_INDEX[field]];
  }

  has(ticker: string): boolean {
    return this.index.has(ticker);
  }

  /** Writer side (one writer only). Fields missing from `update` keep their previous value. */
  write(slot: number, update: Partial<Record<QuoteField, number>>): void {
    const seqAt = slot * SLOT_F64 * 2;
    const base = slot * SLOT_F64;
    Atomics.add(this.seq, seqAt, 1); // odd: write in progress
    for (const key in update) {
      const value = update[key as QuoteField];
      const i = FIELD_INDEX[key as QuoteField];
      if (i !== undefined && value !== undefined) this.f64[base + 2 + i] = value;
    }
    this.f64[base + 1] += 1;
    Atomics.add(this.seq, seqAt, 1); // even: consistent again
  }

  /** Reader side: a consistent snapshot of one slot; `into` avoids allocation in hot loops. */
  read(slot: number, into: BoardQuote = emptyQuote()): BoardQuote {
    const seqAt = slot * SLOT_F64 * 2;
    const base = slot * SLOT_F64;
    const f = this.f64;
    for (;;) {
      const before = Atomics.load(this.seq, seqAt);
      if (before & 1) continue;
      into.updates = f[base + 1];
      for (let i = 0; i < F; i++) into[QUOTE_FIELDS[i]] = f[base + 2 + i];
      if (Atomics.load(this.seq, seqAt) === before) return into;
    }
  }

  /** update count without a full read: 0 means the ticker has never been quoted */
  updates(slot: number): number {
    return this.f64[slot * SLOT_F64 + 1];
  }

  /** every quoted ticker, copied now (all slots: prefer view() when only some are read) */
  snapshot(): Record<string, BoardQuote> {
    const out: Record<string, BoardQuote> = {};
    for (let slot = 0; slot < this.tickers.length; slot++) {
      if (this.updates(slot) === 0) continue;
      out[this.tickers[slot]] = this.read(slot);
    }
    return out;
  }

  /**
   * Every quoted ticker, read lazily: a ticker's slot is read (whole, through the seqlock) the first
   * time it is looked at and kept for the life of the view. A strategy watching 10,000 tickers pays
   * only for the ones it reads; iterating (Object.entries, for…in, JSON) reads them all.
   */
  view(): Record<string, BoardQuote> {
    const read: Record<string, BoardQuote> = Object.create(null);
    const quoted = (key: string | symbol): key is string => {
      const slot = typeof key === 'string' ? this.index.get(key) : undefined;
      return slot !== undefined && this.updates(slot) > 0;
    };
    // only for a key `quoted` accepted, so its slot exists
    const get = (key: string) => (read[key] ??= this.read(required(this.index.get(key), `the slot of ${key}`)));
    return new Proxy(read, {
      get: (_, key) => (quoted(key) ? get(key) : undefined),
      has: (_, key) => quoted(key),
      ownKeys: () => this.tickers.filter((t) => quoted(t)),
      getOwnPropertyDescriptor: (_, key) =>
        quoted(key) ? { value: get(key), enumerable: true, configurable: true, writable: true } : undefined,
      set: () => false,
      deleteProperty: () => false,
    });
  }

  /** tickers that have never been quoted */
  missing(): string[] {
    return this.tickers.filter((_, slot) => this.updates(slot) === 0);
  }

  mid(slot: number): number {
    const q = this.read(slot);
    if (q.bid > 0 && q.ask > 0) return (q.bid + q.ask) / 2;
    return q.last;
  }
}

export function emptyQuote(): BoardQuote {
  const q = { updates: 0 } as BoardQuote;
  for (const f of QUOTE_FIELDS) q[f] = 0;
  return q;
}

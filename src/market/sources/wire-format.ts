// The two message formats salvo reads from (and the publisher writes to) Redis, Kafka and replay
// files: `snapshot`, the QuoteSnapshot that trading desks' Redis/Kafka feeds already carry, and
// `compact`, salvo's own board field names. One decoder for every source, so a quote means the
// same thing whichever pipe it came through.
import { z } from 'zod';
import { QUOTE_FIELDS, type QuoteField } from '../quote-board.js';
import type { QuoteUpdate } from './source.js';

export const QUOTE_FORMATS = ['snapshot', 'compact'] as const;
export type QuoteFormat = (typeof QUOTE_FORMATS)[number];

/** options every message-based source shares */
export const wireOptions = {
  /**
   * Message format: 'snapshot' (the QuoteSnapshot of desks' market-data feeds) or 'compact' (board field names).
   * @default 'snapshot'
   */
  format: z.enum(QUOTE_FORMATS).default('snapshot'),
  /**
   * true: a message carrying some fields updates just those. false: each message is the whole quote (missing fields become 0).
   * @default true
   */
  mergeUpdates: z.boolean().default(true),
};

const SNAPSHOT_FIELDS: Record<string, QuoteField> = {
  latest_matched_price: 'last',
  latest_matched_quantity: 'lastSize',
  bid_price_1: 'bid',
  bid_price_2: 'bid2',
  bid_price_3: 'bid3',
  bid_quantity_1: 'bidSize',
  bid_quantity_2: 'bidSize2',
  bid_quantity_3: 'bidSize3',
  ask_price_1: 'ask',
  ask_price_2: 'ask2',
  ask_price_3: 'ask3',
  ask_quantity_1: 'askSize',
  ask_quantity_2: 'askSize2',
  ask_quantity_3: 'askSize3',
  ref_price: 'refPrice',
  total_matched_quantity: 'volume',
};
const COMPACT_FIELDS: Record<string, QuoteField> = Object.fromEntries(
  QUOTE_FIELDS.filter((f) => f !== 'timestamp').map((f) => [f, f]),
);
const FIELD_MAPS: Record<QuoteFormat, Record<string, QuoteField>> = {
  snapshot: SNAPSHOT_FIELDS,
  compact: COMPACT_FIELDS,
};
// feeds disagree on what to call these two; any spelling is accepted in either format (first wins)
const SYMBOL_KEYS = new Set(['instrument', 'symbol', 'ticker']);
const TIME_KEYS = new Set(['ts', 'timestamp', 'time', 'updated_at']);

export interface Decoded {
  /** the instrument the message names, if it names one */
  symbol?: string;
  update: QuoteUpdate;
}

/** a parsed message, or the reason it is unusable (counted by the sink) */
export function decodeQuote(payload: string | Buffer, format: QuoteFormat): Decoded | string {
  let message: unknown;
  try {
    message = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return 'malformed JSON';
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'malformed JSON';
  return decodeObject(message as Record<string, unknown>, format);
}

export function decodeObject(message: Record<string, unknown>, format: QuoteFormat): Decoded | string {
  return DECODERS[format](message, toNumber, toEpochMs);
}

type Decoder = (m: Record<string, unknown>, num: typeof toNumber, time: typeof toEpochMs) => Decoded | string;

/**
 * A decoder per format, generated from its field table: one constant-name property read per field
 * (a few ns each) instead of a loop over the message's keys, which cost more than JSON.parse itself
 * at 100k quotes/s. Only fields present in the message end up in the update.
 */
function compileDecoder(format: QuoteFormat): Decoder {
  const key = (k: string) => `m[${JSON.stringify(k)}]`;
  const fields = Object.entries(FIELD_MAPS[format]).map(
    ([wire, field]) =>
      `v = ${key(wire)}; if (v !== undefined) { v = num(v); if (v !== undefined) { u.${field} = v; any = true; } }`,
  );
  const first = (keys: Set<string>, ok: string) => [...keys].map((k) => `if (!(${ok})) v = ${key(k)};`).join(' ');
  const body = [
    'const u = {}; let any = false; let v;',
    ...fields,
    `v = undefined; ${first(TIME_KEYS, 'v !== undefined && v !== null && v !== ""')}`,
    'if (v !== undefined) { const t = time(v); if (t !== undefined) u.timestamp = t; }',
    `v = undefined; ${first(SYMBOL_KEYS, 'typeof v === "string" && v')}`,
    `if (!any) return ${JSON.stringify(`no ${format} quote fields`)};`,
    'return { symbol: typeof v === "string" && v ? v : undefined, update: u };',
  ].join('\n');
  return new Function('m', 'num', 'time', body) as Decoder;
}

const DECODERS: Record<QuoteFormat, Decoder> = {
  snapshot: compileDecoder('snapshot'),
  compact: compileDecoder('compact'),
};

/** numbers pass, numeric strings convert, null / '' mean "not in this message"; anything else is NaN for the sink to reject */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') return Number(value);
  return NaN;
}

/** epoch seconds, ms, µs or ns, or an ISO date → epoch ms */
export function toEpochMs(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  let n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (typeof value === 'string' && Number.isNaN(n)) return Date.parse(value);
  if (n < 1e11) n *= 1000;
  else if (n > 1e17) n /= 1e6;
  else if (n > 1e14) n /= 1e3;
  return n;
}

// [wire name, board field] in message order; a publisher at 100k+ quotes/s builds the text
// directly rather than an object for JSON.stringify
const SNAPSHOT_OUT = Object.entries(SNAPSHOT_FIELDS).map(([name, field]) => [`,"${name}":`, field] as const);
const COMPACT_OUT = QUOTE_FIELDS.map((f) => [`,"${f === 'timestamp' ? 'ts' : f}":`, f] as const);
const num = (v: number) => (Number.isFinite(v) ? String(v) : 'null');

/** one message in `format` for `ticker`; only fields present in `quote` are written */
export function encodeQuote(ticker: string, quote: QuoteUpdate, format: QuoteFormat): string {
  let text = format === 'snapshot' ? `{"instrument":${JSON.stringify(ticker)}` : `{"symbol":${JSON.stringify(ticker)}`;
  for (const [name, field] of format === 'snapshot' ? SNAPSHOT_OUT : COMPACT_OUT) {
    const v = quote[field];
    if (v !== undefined) text += name + num(v);
  }
  if (format === 'snapshot') {
    if (quote.bid !== undefined && quote.ask !== undefined) text += `,"spread":${num(quote.ask - quote.bid)}`;
    if (quote.timestamp !== undefined) text += `,"timestamp":${num(quote.timestamp)}`;
  }
  return `${text}}`;
}

/** without mergeUpdates a message is the whole quote: every field it leaves out is 0 */
export function asWholeQuote(update: QuoteUpdate): QuoteUpdate {
  for (const f of QUOTE_FIELDS) if (update[f] === undefined) update[f] = 0;
  return update;
}

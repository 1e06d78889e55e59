// runTrading options: one zod schema, and one error listing every problem before anything starts.
import os from 'node:os';
import { z } from 'zod';
import type { Strategy } from '../types.js';
import { parseDurationMs } from './durations.js';
import { brokerConfigSchemas } from '../brokers/config-schemas.js';
import { quoteConfigSchemas } from '../market/sources/config-schemas.js';

export class SalvoOptionsError extends Error {
  override readonly name = 'SalvoOptionsError';
  constructor(readonly problems: string[]) {
    super(`invalid runTrading options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const fn = (what: string) => z.custom<Strategy>((v) => typeof v === 'function', { message: `${what} must be a function (ctx) => orders` });
const duration = (what: string, { allowZero = false, eod = false } = {}) =>
  z.union([z.number(), z.string()]).transform((v, ctx): number | 'EOD' => {
    if (eod && v === 'EOD') return 'EOD';
    const ms = parseDurationMs(v);
    if (ms === undefined || ms < 0 || (!allowZero && ms === 0)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds or a duration like '250ms', '10s', '1m', '1h'${eod ? ", or 'EOD'" : ''}; got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

/** `'paper'` or `{ type: 'paper', … }`, checked against the schema registered for that type. */
function venueConfig(what: string, schemas: Record<string, z.ZodType>) {
  return z.union([z.string(), z.looseObject({ type: z.string() })]).transform((v, ctx) => {
    const config = typeof v === 'string' ? { type: v } : v;
    const schema = schemas[config.type];
    if (!schema) {
      ctx.addIssue({ code: 'custom', message: `${what} type must be one of ${Object.keys(schemas).map((k) => `'${k}'`).join(' | ')}; got '${config.type}'` });
      return z.NEVER;
    }
    const parsed = schema.safeParse(config, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: describeIssue(issue, `${what}.`) });
      return z.NEVER;
    }
    return parsed.data as { type: string } & Record<string, unknown>;
  });
}

export const optionsSchema = z.strictObject({
  strategy: fn('strategy'),
  tickers: z.array(z.string().trim().min(1, 'tickers must be non-empty strings')).min(1, 'tickers must list at least one ticker')
    .refine((t) => new Set(t).size === t.length, { message: 'tickers must not repeat a ticker' }),
  frequency: duration('frequency').prefault(1),
  runSeconds: duration('runSeconds', { eod: true }).prefault(60),
  eosBehavior: z.enum(['liquidate', 'hold', 'custom']).default('liquidate'),
  customShutdownAction: fn('customShutdownAction').optional(),
  warmUpPeriod: duration('warmUpPeriod', { allowZero: true }).prefault(5),
  eosTimeout: duration('eosTimeout').prefault(30),
  tradeLogName: z.string().trim().min(1).regex(/^[\w.\-]+$/, 'tradeLogName may use letters, digits, _ . - only').optional(),
  tradeLogPath: z.string().min(1).default('logs'),
  numWorkers: z.number().int().min(1, 'numWorkers must be at least 1').max(64).default(() => Math.max(2, Math.min(8, os.availableParallelism()))),
  ordersPerMinute: z.number().positive().default(200),
  /** orders the limiter lets out at once; defaults to a minute's allowance less one */
  burst: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).max(20).default(3),
  retryBaseMs: z.number().min(0).default(100),
  haltOnError: z.boolean().default(false),
  cancelOpenOrdersAtEnd: z.boolean().default(true),
  handleSignals: z.boolean().default(true),
  liveDisplay: z.boolean().default(false),
  displayRefreshRate: z.number().positive().default(0.5),
  maxTradeUpdates: z.number().int().positive().default(20),
  broker: venueConfig('broker', brokerConfigSchemas).prefault('paper'),
  quotes: venueConfig('quotes', quoteConfigSchemas).prefault('sim'),
  /** write every quote the feed delivers to this .csv / .ndjson file (replay it with quotes: { type: 'replay', file }) */
  recordQuotes: z.string().trim().min(1, 'recordQuotes must be a file path ending in .csv or .ndjson').optional(),
  /** the order journal beside the CSV: 'block' sends a block once its intents are synced (fdatasync off the main thread, shared by blocks waiting together), 'always' syncs every record on the spot, 'off' never (a killed process loses nothing, a power cut may) */
  journal: z.strictObject({ sync: z.enum(['block', 'always', 'off']).default('block') }).prefault({}),
  /** pick up the crashed session `tradeLogName` from its journal (needs tradeLogName) */
  resume: z.boolean().default(false),
  /** open orders with salvo client ids this session does not know, found at start */
  onStartOrphans: z.enum(['report', 'adopt', 'cancel']).default('report'),
  /** session log lines go here as well as to the session's .log file; default: stderr */
  logger: z.custom<(level: LogLevel, message: string) => void>((v) => typeof v === 'function', { message: 'logger must be a function (level, message) => void' }).optional(),
}).superRefine((o, ctx) => {
  if (o.eosBehavior === 'custom' && !o.customShutdownAction) {
    ctx.addIssue({ code: 'custom', path: ['customShutdownAction'], message: "customShutdownAction is required when eosBehavior is 'custom'" });
  }
  if (o.resume && !o.tradeLogName) {
    ctx.addIssue({ code: 'custom', path: ['tradeLogName'], message: 'resume: true needs the tradeLogName of the session to resume' });
  }
});

export type LogLevel = 'info' | 'warn' | 'error';
export type RunTradingOptions = z.input<typeof optionsSchema>;
type Parsed = z.output<typeof optionsSchema>;
export type SessionOptions = Omit<Parsed, 'frequency' | 'warmUpPeriod' | 'eosTimeout'> & {
  /** durations in ms from here on */
  frequency: number; warmUpPeriod: number; eosTimeout: number; runSeconds: number | 'EOD';
  tradeLogName: string; burst: number;
};

export function parseOptions(input: unknown): SessionOptions {
  if (typeof input !== 'object' || input === null) throw new SalvoOptionsError(['runTrading needs an options object']);
  const parsed = optionsSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new SalvoOptionsError(parsed.error.issues.map((i) => describeIssue(i)));
  const o = parsed.data;
  return {
    ...(o as SessionOptions),
    tradeLogName: o.tradeLogName ?? `session-${new Date().toISOString().replace(/[:T]/g, '-').slice(0, 19)}`,
    // one order of headroom: a venue counting the same allowance sees our sends a little later
    // and not always in the same spacing, and must never find itself a fraction of a token short
    burst: o.burst ?? Math.max(1, Math.floor(o.ordersPerMinute) - 1),
  };
}

const KNOWN_KEYS = Object.keys(optionsSchema.shape);

/** One line per problem, naming the option, what it accepts and what it got. */
export function describeIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const name = prefix + (issue.path.length ? issue.path.join('.') : 'options');
  const got = 'input' in issue && issue.input !== undefined ? `; got ${JSON.stringify(issue.input)}` : '';
  if ((issue.code === 'invalid_value' || issue.code === 'invalid_type') && 'input' in issue && issue.input === undefined) return `${name} is required`;
  switch (issue.code) {
    case 'invalid_value':
      return `${name} must be one of ${issue.values.map((v) => `'${String(v)}'`).join(' | ')}${got}`;
    case 'unrecognized_keys':
      return issue.keys.map((k) => `unknown option '${prefix}${k}'${suggest(k, prefix ? [] : KNOWN_KEYS)}`).join('; ');
    case 'invalid_type':
      return `${name} must be ${issue.expected}${got}`;
    case 'custom':
      return issue.message.startsWith(prefix) || !issue.path.length ? issue.message : `${name}: ${issue.message}`;
    default:
      return `${name}: ${issue.message}${got}`;
  }
}

/** " (did you mean 'x'?)" for a near miss, e.g. snake_case blockpaca names */
export function suggest(key: string, known: readonly string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const hit = known.find((k) => norm(k) === norm(key)) ?? known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  return hit ? ` (did you mean '${hit}'?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

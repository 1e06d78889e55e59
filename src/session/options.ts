// runTrading options: one zod schema, and one error listing every problem before anything starts.
// Every number and duration has a bound (README, "Options and their bounds"); a problem line never
// shows a credential, and is always one line.
import os from 'node:os';
import { z } from 'zod';
import type { Strategy } from '../types.js';
import { STRATEGY_ID, strategyIdFrom } from '../orders/order.js';
import { oneLine } from '../util/one-line.js';
import { secretsOf } from '../util/secrets.js';
import { parseDurationMs } from './durations.js';
import { logFolderProblem } from './log-folder.js';
import { describeIssue, gotText } from '../util/issues.js';
import { type MemberSchema, parseByType, type TypedConfigs } from '../util/typed-configs.js';
import { readOptions } from '../util/option-values.js';
import { brokerConfigs } from '../brokers/index.js';
import { quoteConfigs } from '../market/sources/index.js';
import { riskOptionKeys, unknownTickers } from '../risk/options.js';

export { describeIssue } from '../util/issues.js';

export class SalvoOptionsError extends Error {
  override readonly name = 'SalvoOptionsError';
  constructor(readonly problems: string[]) {
    super(`invalid runTrading options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** a ticker as exchanges and feeds write them: BRK.B, BTC/USD, ^GSPC, ES=F, 6E:CME */
export const TICKER = /^[A-Za-z0-9./\-_^=:#+]{1,32}$/;
const TICKER_RULE = 'a symbol of 1 to 32 letters, digits or . / - _ ^ = : # +';

const fn = (what: string) =>
  z.custom<Strategy>((v) => typeof v === 'function', { message: `${what} must be a function (ctx) => orders` });

const SECOND = 1000,
  MINUTE = 60 * SECOND,
  HOUR = 60 * MINUTE,
  DAY = 24 * HOUR;
interface Bound {
  ms: number;
  text: string;
}
const bound = (ms: number, text: string): Bound => ({ ms, text });

/** seconds (a number) or '250ms' | '10s' | '1m' | '1h', within [min, max] */
const duration = (what: string, { min, max, eod = false }: { min: Bound; max: Bound; eod?: boolean }) =>
  z
    .custom<number | string>(() => true)
    .transform((v, ctx): number | 'EOD' => {
      if (eod && v === 'EOD') return 'EOD';
      const ms = parseDurationMs(v);
      const fail = (rule: string) => {
        ctx.addIssue({ code: 'custom', message: `${what} must be ${rule}${gotText([what], v)}` });
        return z.NEVER;
      };
      if (typeof v === 'number' && !Number.isFinite(v)) return fail('a finite number of seconds');
      const accepts = `a ${min.ms > 0 ? 'positive' : 'non-negative'} number of seconds or a duration like '250ms', '10s', '1m', '1h'${eod ? ", or 'EOD'" : ''}`;
      if (ms === undefined || ms < 0 || (ms === 0 && min.ms > 0)) return fail(accepts);
      if (ms < min.ms) return fail(`at least ${min.text}`);
      if (ms > max.ms) return fail(`at most ${max.text}`);
      return ms;
    });

/** `'paper'` or `{ type: 'paper', … }`, checked against the registry's schema for that type. */
function venueConfig<S extends MemberSchema>(what: string, configs: TypedConfigs<S>) {
  // loosely typed on the way in (a config read from a file has a `type: string`); typed on the way out
  return z
    .custom<string | ({ type: string } & Record<string, unknown>)>(() => true)
    .transform((v, ctx): z.output<S> => {
      const parsed = parseByType(what, v, configs);
      if (parsed.ok) return parsed.value;
      for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });
}

export const optionsSchema = z
  .strictObject({
    /** The strategy: called every `frequency` with ctx, returns the orders of one block (or none). */
    strategy: fn('strategy'),
    /** The tickers the session trades and quotes: 1 to 10,000 distinct symbols. */
    tickers: z
      .array(z.string().trim().regex(TICKER, `must be ${TICKER_RULE}`))
      .min(1, 'tickers must list at least one ticker')
      .max(10_000)
      .refine((t) => new Set(t).size === t.length, { message: 'tickers must not repeat a ticker' }),
    /**
     * Time between strategy calls: seconds, or '250ms' | '10s' | '1m' | '1h'; 1 ms to 1 day.
     * @default 1 (second)
     */
    frequency: duration('frequency', { min: bound(1, '1 ms'), max: bound(DAY, '1 day') }).prefault(1),
    /**
     * How long the strategy runs: seconds or a duration, 1 ms to 7 days, or 'EOD' (the broker's next
     * close less 30 s).
     * @default 60 (seconds)
     */
    runSeconds: duration('runSeconds', { min: bound(1, '1 ms'), max: bound(7 * DAY, '7 days'), eod: true }).prefault(
      60,
    ),
    /**
     * What the end of session does with positions: 'liquidate' at market, 'hold' them, or 'custom'
     * (customShutdownAction's orders).
     * @default 'liquidate'
     */
    eosBehavior: z.enum(['liquidate', 'hold', 'custom']).default('liquidate'),
    /** The end of session's strategy when eosBehavior is 'custom' (required then); same signature as strategy. */
    customShutdownAction: fn('customShutdownAction').optional(),
    /**
     * Longest wait for a first quote of every ticker before the first strategy call; 0 to 1 hour.
     * @default 5 (seconds)
     */
    warmUpPeriod: duration('warmUpPeriod', { min: bound(0, '0'), max: bound(HOUR, '1 hour') }).prefault(5),
    /**
     * How long the end of session waits for cancels and fills before canceling what is still open;
     * 1 ms to 10 minutes.
     * @default 30 (seconds)
     */
    eosTimeout: duration('eosTimeout', { min: bound(1, '1 ms'), max: bound(10 * MINUTE, '10 minutes') }).prefault(30),
    /**
     * A strategy call with no answer after this long is abandoned; 1 ms to 1 hour.
     * @default 3 periods of `frequency`, at least 1 s
     */
    strategyTimeout: duration('strategyTimeout', { min: bound(1, '1 ms'), max: bound(HOUR, '1 hour') }).optional(),
    /**
     * Name of the session's files: `<tradeLogPath>/<tradeLogName>.csv`, `.log`, `.journal`.
     * @default `session-<start time>`
     */
    tradeLogName: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[\w.-]+$/, 'tradeLogName may use letters, digits, _ . - only')
      .optional(),
    /**
     * This runner's strategy id: every client order id it makes ends with `-<strategyId>`, and its
     * book (positions, P&L, end of session, reconciliation) is the orders that carry it. Runners on
     * one account need different ones. Default: tradeLogName (from its first letter or digit, at most 32).
     */
    strategyId: z
      .string()
      .trim()
      .regex(STRATEGY_ID, 'strategyId must be 1 to 32 letters, digits, _ . - starting with a letter or digit')
      .optional(),
    /**
     * Folder of the trade log, session log and order journal; created if missing.
     * @default 'logs'
     */
    tradeLogPath: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^[^\x00-\x1f\x7f]*$/, 'tradeLogPath must be a folder path without control characters')
      .default('logs'),
    /**
     * Execution worker threads, each with its own broker client; 1 to 64.
     * @default the core count, between 2 and 8
     */
    numWorkers: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(() => Math.max(2, Math.min(8, os.availableParallelism()))),
    /**
     * The broker's rate limit: orders sent per minute at most.
     * @default 200 (Alpaca's free tier)
     */
    ordersPerMinute: z.number().positive().max(1_000_000).default(200),
    /**
     * Orders the limiter lets out at once; at most ordersPerMinute.
     * @default a minute's allowance less one (ordersPerMinute − 1)
     */
    burst: z.number().int().min(1).max(1_000_000).optional(),
    /**
     * Share the account's rate limit with every runner on it through Redis: at most ordersPerMinute
     * sends in any window across all of them.
     * @default undefined (the limit is this process's own)
     */
    rateLimit: z
      .strictObject({
        /** The Redis holding the shared bucket: a redis:// or rediss:// url. */
        redis: z.string().regex(/^rediss?:\/\/\S+$/, 'rateLimit.redis must be a redis:// or rediss:// url'),
        /**
         * The bucket's name, shared by every runner on the account.
         * @default derived from the broker account (a hash: never a credential)
         */
        key: z
          .string()
          .regex(/^[\w.:-]{1,100}$/, 'rateLimit.key may use letters, digits, _ . : - only (at most 100)')
          .optional(),
        /**
         * 'fifo' serves blocks in arrival order across runners, 'fair' lets waiting runners take turns.
         * @default 'fifo'
         */
        share: z.enum(['fifo', 'fair']).default('fifo'),
        /**
         * The broker's counting window in seconds: ordersPerMinute × windowSeconds / 60 sends in any such window.
         * @default 60
         */
        windowSeconds: z.number().positive().max(3600).default(60),
        /**
         * A send counts this much longer than the window, so delivery jitter cannot crowd one broker window.
         * @default 2 % of the window, at least 250 ms
         */
        marginMs: z.number().min(0).max(60_000).optional(),
      })
      .optional(),
    /**
     * Retries of a retryable failure (network, timeout, 429, 5xx), reusing the client order id; 0 to 20.
     * @default 3
     */
    maxRetries: z.number().int().min(0).max(20).default(3),
    /**
     * First backoff before a retry, ms, doubling after each failure; 0 to 600,000.
     * @default 100
     */
    retryBaseMs: z
      .number()
      .min(0)
      .max(10 * MINUTE)
      .default(100),
    /**
     * true: a strategy call that throws ends the session (endReason 'halted'); false: it is counted and logged.
     * @default false
     */
    haltOnError: z.boolean().default(false),
    /**
     * Cancel every order still open at the end of session; false leaves them working at the broker.
     * @default true
     */
    cancelOpenOrdersAtEnd: z.boolean().default(true),
    /**
     * SIGINT / SIGTERM run the end of session once (endReason 'signal'); a second one exits at once.
     * @default true
     */
    handleSignals: z.boolean().default(true),
    /**
     * Draw the live terminal display (positions, orders, trade tape) while the session runs.
     * @default false
     */
    liveDisplay: z.boolean().default(false),
    /**
     * Seconds between display refreshes; 0.05 to 60.
     * @default 0.5
     */
    displayRefreshRate: z.number().min(0.05).max(60).default(0.5),
    /**
     * Trade updates the display keeps on its tape; 1 to 1,000.
     * @default 20
     */
    maxTradeUpdates: z.number().int().min(1).max(1000).default(20),
    /**
     * Where orders go: 'paper' | 'alpaca' | 'fix', or `{ type, … }` with that venue's options
     * (BrokerConfigInput; each venue's schema documents its options and defaults).
     * @default 'paper' (the embedded paper exchange)
     */
    broker: venueConfig('broker', brokerConfigs).prefault('paper'),
    /**
     * Where quotes come from: 'sim' | 'redis' | 'kafka' | 'replay' | 'alpaca', or `{ type, … }` with that
     * feed's options (QuoteConfigInput).
     * @default 'sim' (the simulated market)
     */
    quotes: venueConfig('quotes', quoteConfigs).prefault('sim'),
    /**
     * Write every quote the feed delivers to this .csv / .ndjson file (replay it with quotes: { type: 'replay', file }).
     * @default undefined (nothing recorded)
     */
    recordQuotes: z
      .string()
      .trim()
      .min(1, 'recordQuotes must be a file path ending in .csv or .ndjson')
      .max(4096)
      .optional(),
    /** The order journal `<tradeLogName>.journal` beside the CSV, written before an order can reach the broker. */
    journal: z
      .strictObject({
        /**
         * 'block' sends a block once its intents are synced (fdatasync off the main thread, shared by
         * blocks waiting together), 'always' syncs every record on the spot, 'off' never (a killed
         * process loses nothing, a power cut may).
         * @default 'block'
         */
        sync: z.enum(['block', 'always', 'off']).default('block'),
      })
      .prefault({}),
    /**
     * Pick up the crashed session `tradeLogName` from its journal (needs tradeLogName).
     * @default false
     */
    resume: z.boolean().default(false),
    /**
     * Open orders with salvo client ids this session does not know, found at start: 'report' them,
     * 'adopt' them (tracked like the session's own) or 'cancel' them.
     * @default 'report'; on a live account a session that finds such orders refuses to start until told which
     */
    onStartOrphans: z.enum(['report', 'adopt', 'cancel']).optional(),
    /**
     * Session log lines go here as well as to the session's .log file.
     * @default every line to stderr, prefixed [salvo]
     */
    logger: z
      .custom<(level: LogLevel, message: string) => void>((v) => typeof v === 'function', {
        message: 'logger must be a function (level, message) => void',
      })
      .optional(),
    ...riskOptionKeys((issue, prefix) => describeIssue(issue, prefix)),
  })
  .superRefine((o, ctx) => {
    if (o.eosBehavior === 'custom' && !o.customShutdownAction) {
      ctx.addIssue({
        code: 'custom',
        path: ['customShutdownAction'],
        message: "customShutdownAction is required when eosBehavior is 'custom'",
      });
    }
    // a bucket larger than a minute's allowance would let more than the rate out in the first minute
    if (o.burst !== undefined && o.burst <= 1_000_000 && o.burst > Math.max(1, o.ordersPerMinute)) {
      ctx.addIssue({
        code: 'custom',
        path: ['burst'],
        message: `burst must be at most ordersPerMinute (${o.ordersPerMinute}); got ${o.burst}`,
      });
    }
    for (const problem of unknownTickers(o.risk, o.tickers)) ctx.addIssue({ code: 'custom', ...problem });
    if (o.resume && !o.tradeLogName) {
      ctx.addIssue({
        code: 'custom',
        path: ['tradeLogName'],
        message: 'resume: true needs the tradeLogName of the session to resume',
      });
    }
  });

import type { LogLevel } from '../util/log.js';
export type { LogLevel };
export type RunTradingOptions = z.input<typeof optionsSchema>;
type Parsed = z.output<typeof optionsSchema>;
/** the options that take seconds or a duration; parsed, they hold ms under names that say so */
type DurationOption = 'frequency' | 'runSeconds' | 'warmUpPeriod' | 'eosTimeout' | 'strategyTimeout';

/**
 * runTrading's options after parseOptions: every default filled in, broker and quotes typed, and
 * each duration in milliseconds under a name ending in Ms (the public names stay in
 * RunTradingOptions: `frequency: 0.5` is `periodMs: 500` here).
 */
export type SessionOptions = Omit<Parsed, DurationOption | 'tradeLogName' | 'burst'> & {
  /** ms between strategy calls (option `frequency`) */
  periodMs: number;
  /** how long the strategy runs, ms, or 'EOD': the session resolves it to the broker's next close less 30 s (option `runSeconds`) */
  runMs: number | 'EOD';
  /** longest wait for a first quote of every ticker before the first strategy call, ms (option `warmUpPeriod`) */
  warmUpMs: number;
  /** how long the end of session may take before what is still open is canceled, ms (option `eosTimeout`) */
  eosTimeoutMs: number;
  /** a strategy call with no answer after this long is abandoned, ms (option `strategyTimeout`) */
  strategyTimeoutMs: number;
  tradeLogName: string;
  strategyId: string;
  burst: number;
};

export function parseOptions(input: unknown): SessionOptions {
  if (typeof input !== 'object' || input === null) throw new SalvoOptionsError(['runTrading needs an options object']);
  const { value, problems } = readOptions(input);
  const secrets = secretsOf(value as object);
  const fail = (lines: string[]) => new SalvoOptionsError(lines.map((p) => oneLine(secrets.mask(p))));
  if (problems.length) throw fail(problems);
  const parsed = optionsSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw fail(parsed.error.issues.map((i) => describeIssue(i, '', KNOWN_KEYS)));
  const { frequency, runSeconds, warmUpPeriod, eosTimeout, strategyTimeout, ...o } = parsed.data;
  // the duration parser gives 'EOD' only where it was allowed (runSeconds)
  const periodMs = frequency as number;
  const tradeLogName = o.tradeLogName ?? `session-${new Date().toISOString().replace(/[:T]/g, '-').slice(0, 19)}`;
  return {
    ...o,
    periodMs,
    runMs: runSeconds,
    warmUpMs: warmUpPeriod as number,
    eosTimeoutMs: eosTimeout as number,
    // a few periods: a slow call is tolerated (its missed ticks are overruns), a hung one is not
    strategyTimeoutMs: (strategyTimeout as number | undefined) ?? Math.max(3 * periodMs, 1000),
    tradeLogName,
    strategyId: o.strategyId ?? strategyIdFrom(tradeLogName),
    // one order of headroom: a venue counting the same allowance sees our sends a little later
    // and not always in the same spacing, and must never find itself a fraction of a token short
    burst: o.burst ?? Math.max(1, Math.floor(o.ordersPerMinute) - 1),
  };
}

/**
 * The trade log folder, checked where a session is about to start rather than in parseOptions
 * (which `salvo diagnose` uses to read a config whose folder it then checks itself): the nearest
 * existing folder on the path must be one salvo may write, on a disk. Creates nothing, never blocks.
 */
export function checkLogFolder(options: Pick<SessionOptions, 'tradeLogPath'>): void {
  const problem = logFolderProblem(options.tradeLogPath);
  if (problem) throw new SalvoOptionsError([oneLine(`tradeLogPath ${problem}`)]);
}

const KNOWN_KEYS = Object.keys(optionsSchema.shape);

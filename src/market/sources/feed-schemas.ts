// Option schemas of every quote source (sim, redis, kafka, replay, alpaca), kept apart from the
// feeds themselves so validating runTrading's options loads no ioredis, kafkajs nor websocket code.
// The registry (./index.ts) pairs each with its feed.
import { z } from 'zod';
import { describeValue } from '../../util/option-values.js';
import { templateProblem } from './addressing.js';
import { QUOTE_FORMATS, toEpochMs, wireOptions } from './wire-format.js';

const template = (what: string, allowed: string[]) =>
  z
    .string()
    .min(1)
    .superRefine((t, ctx) => {
      const problem = templateProblem(t, allowed);
      if (problem) ctx.addIssue({ code: 'custom', message: `quotes.${what}: ${problem}` });
    });

export const redisQuotesSchema = z
  .strictObject({
    type: z.literal('redis'),
    /** redis://[user:password@]host:port[/db]; or host / port / password */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'url must start with redis:// or rediss://')
      .optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    db: z.number().int().min(0).optional(),
    tls: z.boolean().default(false),
    /** channel per instrument: {ticker}, {exchange}, {symbol} */
    channel: template('channel', ['ticker', 'exchange', 'symbol']).default('{ticker}'),
    /** key holding an instrument's latest snapshot, read at start and after a reconnect; default: the channel */
    snapshotKey: template('snapshotKey', ['ticker', 'exchange', 'symbol']).optional(),
    /** subscribe with one pattern instead of a channel each: true derives it; default: above 100 channels */
    pattern: z.union([z.boolean(), z.string().min(1)]).optional(),
    connectTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    ...wireOptions,
  })
  .refine((c) => !(c.url && (c.host || c.port)), { message: 'give quotes.url or quotes.host / quotes.port, not both' });

export type RedisQuotesConfig = z.infer<typeof redisQuotesSchema>;

export const kafkaQuotesSchema = z
  .strictObject({
    type: z.literal('kafka'),
    /** host:port list, or one comma-separated string as in PAPERBROKER_KAFKA_BOOTSTRAP_SERVERS */
    brokers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((b) =>
      Array.isArray(b)
        ? b
        : b
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    ),
    envId: z.string().min(1),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).default('plain'),
    /** true, or Node TLS options (ca, cert, key, rejectUnauthorized, servername) */
    ssl: z.union([z.boolean(), z.looseObject({})]).default(false),
    /** topic per instrument: {envId}, {ticker}, {exchange}, {symbol} */
    topic: template('topic', ['envId', 'ticker', 'exchange', 'symbol']).default('{envId}.{exchange}.{symbol}'),
    /** replay: start from the first message at or after this time (epoch ms or an ISO date) instead of the latest */
    fromTimestamp: z
      .union([z.number(), z.string()])
      .transform((v, ctx) => {
        const ms = toEpochMs(v);
        if (ms === undefined || !Number.isFinite(ms)) {
          ctx.addIssue({
            code: 'custom',
            message: `quotes.fromTimestamp must be epoch ms or an ISO date; got ${describeValue(v)}`,
          });
          return z.NEVER;
        }
        return ms;
      })
      .optional(),
    clientId: z.string().min(1).default('salvo'),
    groupId: z.string().min(1).optional(),
    connectTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    ...wireOptions,
  })
  .refine((c) => (c.username === undefined) === (c.password === undefined), {
    message: 'quotes.username and quotes.password go together',
  });

export type KafkaQuotesConfig = z.infer<typeof kafkaQuotesSchema>;

export const replayQuotesSchema = z.strictObject({
  type: z.literal('replay'),
  /** .csv (header: ticker,timestamp,bid,ask,…) or .ndjson / .jsonl (one message per line) */
  file: z.string().min(1),
  /** 1 = real time, 10 = ten times faster, 0 = as fast as the board takes them */
  speed: z.number().min(0).max(1_000_000).default(1),
  /** start again from the top at the end of the file */
  loop: z.boolean().default(false),
  /** keep the file's timestamps on the board; by default quotes are stamped with the time they are replayed */
  keepTimestamps: z.boolean().default(false),
  /** message format of an NDJSON file / names in a CSV header; default: detected from the first line */
  format: z.enum(QUOTE_FORMATS).optional(),
});

export type ReplayQuotesConfig = z.infer<typeof replayQuotesSchema>;

export const simQuotesSchema = z.strictObject({
  type: z.literal('sim'),
  seed: z.number().int().default(1),
  /** annualized */
  volatility: z.number().min(0).max(10).default(0.5),
  /** annualized */
  drift: z.number().min(-10).max(10).default(0),
  spreadBps: z.number().min(0).max(10_000).default(2),
  /** per ticker */
  updatesPerSecond: z.number().positive().max(1000).default(10),
  /** ticker → first mid; tickers without one start between 20 and 500, from a hash of the ticker */
  startPrices: z.record(z.string(), z.number().positive()).optional(),
  /** typical displayed size; each quote varies around it */
  size: z.number().int().min(1).default(100),
});

export type SimQuotesConfig = z.output<typeof simQuotesSchema>;
export type SimQuotesInput = z.input<typeof simQuotesSchema>;

export const alpacaQuotesSchema = z.strictObject({
  type: z.literal('alpaca'),
  /** iex: free; sip: every US exchange (paid) */
  feed: z.enum(['iex', 'sip']).default('iex'),
  /** the whole stream URL; default wss://stream.data.alpaca.markets/v2/<feed> */
  url: z.url({ protocol: /^wss?$/, message: 'url must be a ws(s) URL' }).optional(),
  /** default: APCA_API_KEY_ID from the environment, else from ./.env */
  keyId: z.string().min(1).optional(),
  /** default: APCA_API_SECRET_KEY from the environment, else from ./.env */
  secretKey: z.string().min(1).optional(),
  /** also subscribe to trades, which set `last` */
  trades: z.boolean().default(true),
});

export type AlpacaQuotesConfig = z.output<typeof alpacaQuotesSchema>;

export const alpacaDataUrl = (feed: string): string => `wss://stream.data.alpaca.markets/v2/${feed}`;

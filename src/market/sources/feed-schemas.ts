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
    /**
     * redis://[user:password@]host:port[/db]; or host / port / password.
     * @default undefined (host / port)
     */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'url must start with redis:// or rediss://')
      .optional(),
    /**
     * The Redis host, when there is no url.
     * @default '127.0.0.1'
     */
    host: z.string().min(1).optional(),
    /**
     * The Redis port, 1 to 65535.
     * @default 6379
     */
    port: z.number().int().min(1).max(65535).optional(),
    /**
     * Redis ACL user.
     * @default undefined
     */
    username: z.string().optional(),
    /**
     * Redis password.
     * @default undefined
     */
    password: z.string().optional(),
    /**
     * Redis database number.
     * @default the url's, else 0
     */
    db: z.number().int().min(0).optional(),
    /**
     * Connect over TLS.
     * @default false
     */
    tls: z.boolean().default(false),
    /**
     * Channel per instrument: {ticker}, {exchange}, {symbol}.
     * @default '{ticker}'
     */
    channel: template('channel', ['ticker', 'exchange', 'symbol']).default('{ticker}'),
    /**
     * Key holding an instrument's latest snapshot, read at start and after a reconnect.
     * @default the channel
     */
    snapshotKey: template('snapshotKey', ['ticker', 'exchange', 'symbol']).optional(),
    /**
     * Subscribe with one pattern instead of a channel each: true derives it, a string is the pattern.
     * @default a pattern above 100 channels
     */
    pattern: z.union([z.boolean(), z.string().min(1)]).optional(),
    /**
     * First connection, ms; up to 600,000.
     * @default 5000
     */
    connectTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    ...wireOptions,
  })
  .refine((c) => !(c.url && (c.host || c.port)), { message: 'give quotes.url or quotes.host / quotes.port, not both' });

export type RedisQuotesConfig = z.infer<typeof redisQuotesSchema>;

export const kafkaQuotesSchema = z
  .strictObject({
    type: z.literal('kafka'),
    /**
     * Kafka bootstrap servers: a host:port list, or one comma-separated string as in PAPERBROKER_KAFKA_BOOTSTRAP_SERVERS.
     */
    brokers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((b) =>
      Array.isArray(b)
        ? b
        : b
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    ),
    /** The environment id in topic names ({envId}). */
    envId: z.string().min(1),
    /**
     * SASL user; goes with password.
     * @default undefined (no SASL)
     */
    username: z.string().min(1).optional(),
    /**
     * SASL password; goes with username.
     * @default undefined (no SASL)
     */
    password: z.string().optional(),
    /**
     * SASL mechanism.
     * @default 'plain'
     */
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).default('plain'),
    /**
     * true, or Node TLS options (ca, cert, key, rejectUnauthorized, servername).
     * @default false
     */
    ssl: z.union([z.boolean(), z.looseObject({})]).default(false),
    /**
     * Topic per instrument: {envId}, {ticker}, {exchange}, {symbol}.
     * @default '{envId}.{exchange}.{symbol}'
     */
    topic: template('topic', ['envId', 'ticker', 'exchange', 'symbol']).default('{envId}.{exchange}.{symbol}'),
    /**
     * Replay: start from the first message at or after this time (epoch ms or an ISO date).
     * @default undefined (the latest message on)
     */
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
    /**
     * Kafka client id.
     * @default 'salvo'
     */
    clientId: z.string().min(1).default('salvo'),
    /**
     * Consumer group id.
     * @default a fresh group per run (salvo-<pid>-<random>)
     */
    groupId: z.string().min(1).optional(),
    /**
     * First connection, ms; up to 600,000.
     * @default 5000
     */
    connectTimeoutMs: z.number().int().positive().max(600_000).default(5000),
    ...wireOptions,
  })
  .refine((c) => (c.username === undefined) === (c.password === undefined), {
    message: 'quotes.username and quotes.password go together',
  });

export type KafkaQuotesConfig = z.infer<typeof kafkaQuotesSchema>;

export const replayQuotesSchema = z.strictObject({
  type: z.literal('replay'),
  /** The quote file: .csv (header: ticker,timestamp,bid,ask,…) or .ndjson / .jsonl (one message per line). */
  file: z.string().min(1),
  /**
   * 1 = real time, 10 = ten times faster, 0 = as fast as the board takes them; up to 1,000,000.
   * @default 1
   */
  speed: z.number().min(0).max(1_000_000).default(1),
  /**
   * Start again from the top at the end of the file.
   * @default false
   */
  loop: z.boolean().default(false),
  /**
   * Keep the file's timestamps on the board; otherwise quotes are stamped with the time they are replayed.
   * @default false
   */
  keepTimestamps: z.boolean().default(false),
  /**
   * Message format of an NDJSON file / names in a CSV header.
   * @default detected from the first line
   */
  format: z.enum(QUOTE_FORMATS).optional(),
});

export type ReplayQuotesConfig = z.infer<typeof replayQuotesSchema>;

export const simQuotesSchema = z.strictObject({
  type: z.literal('sim'),
  /**
   * Seed of the price paths; a ticker's path depends on the seed and the ticker only.
   * @default 1
   */
  seed: z.number().int().default(1),
  /**
   * Annualized volatility, 0 to 10.
   * @default 0.5
   */
  volatility: z.number().min(0).max(10).default(0.5),
  /**
   * Annualized drift, −10 to 10.
   * @default 0
   */
  drift: z.number().min(-10).max(10).default(0),
  /**
   * Bid-ask spread around the mid, basis points; 0 to 10,000.
   * @default 2
   */
  spreadBps: z.number().min(0).max(10_000).default(2),
  /**
   * Quote updates per ticker per second; up to 1,000.
   * @default 10
   */
  updatesPerSecond: z.number().positive().max(1000).default(10),
  /**
   * Ticker → first mid.
   * @default between 20 and 500, from a hash of the ticker
   */
  startPrices: z.record(z.string(), z.number().positive()).optional(),
  /**
   * Typical displayed size; each quote varies around it.
   * @default 100
   */
  size: z.number().int().min(1).default(100),
});

export type SimQuotesConfig = z.output<typeof simQuotesSchema>;
export type SimQuotesInput = z.input<typeof simQuotesSchema>;

export const alpacaQuotesSchema = z.strictObject({
  type: z.literal('alpaca'),
  /**
   * iex: free; sip: every US exchange (paid).
   * @default 'iex'
   */
  feed: z.enum(['iex', 'sip']).default('iex'),
  /**
   * The whole stream URL.
   * @default wss://stream.data.alpaca.markets/v2/<feed>
   */
  url: z.url({ protocol: /^wss?$/, message: 'url must be a ws(s) URL' }).optional(),
  /**
   * The API key id.
   * @default APCA_API_KEY_ID from the environment, else from ./.env
   */
  keyId: z.string().min(1).optional(),
  /**
   * The API secret key.
   * @default APCA_API_SECRET_KEY from the environment, else from ./.env
   */
  secretKey: z.string().min(1).optional(),
  /**
   * Also subscribe to trades, which set `last`.
   * @default true
   */
  trades: z.boolean().default(true),
});

export type AlpacaQuotesConfig = z.output<typeof alpacaQuotesSchema>;

export const alpacaDataUrl = (feed: string): string => `wss://stream.data.alpaca.markets/v2/${feed}`;

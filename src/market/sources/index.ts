// Quote source registry: one entry per feed carries its option schema and its loader. A session's
// quotes config is parsed once, on the main thread, against the union of these schemas; the typed
// value then goes to the quote worker as it is. Feeds load lazily inside the quote worker, so a
// session on the simulated market never loads ioredis or kafkajs; the schemas are zod only.
import type { z } from 'zod';
import { type MemberSchema, parseTypedConfig, typedConfigs } from '../../util/typed-configs.js';
import {
  alpacaQuotesSchema,
  kafkaQuotesSchema,
  redisQuotesSchema,
  replayQuotesSchema,
  simQuotesSchema,
} from './feed-schemas.js';
import type { QuoteSource } from './source.js';

/** a feed: the schema of its config and, loaded on first use, the source it makes */
function feed<S extends MemberSchema>(schema: S, load: (config: z.output<S>) => Promise<QuoteSource>) {
  return { schema, load };
}

// adding a feed: its schema in feed-schemas.ts, its source beside it, and one line here
const feeds = {
  sim: feed(simQuotesSchema, async (c) => new (await import('./sim.js')).SimulatedMarket(c)),
  redis: feed(redisQuotesSchema, async (c) => new (await import('./redis.js')).RedisQuoteSource(c)),
  kafka: feed(kafkaQuotesSchema, async (c) => new (await import('./kafka.js')).KafkaQuoteSource(c)),
  replay: feed(replayQuotesSchema, async (c) => new (await import('./replay.js')).ReplayQuoteSource(c)),
  alpaca: feed(alpacaQuotesSchema, async (c) => new (await import('./alpaca.js')).AlpacaQuoteSource(c)),
};

export type QuoteSourceType = keyof typeof feeds;

/** the registry as runTrading's options read it: one problem line per mistake, named `quotes.…` */
export const quoteConfigs = typedConfigs<(typeof feeds)[QuoteSourceType]['schema']>(feeds);
/** Every quote source config salvo knows, told apart by `type`. */
export const quoteConfigSchema = quoteConfigs.union;

/** A validated quote source config (defaults filled in): what the quote worker receives. */
export type QuoteConfig = z.output<typeof quoteConfigSchema>;
/** A quote source config as a trader writes it (see each feed's schema for its options and defaults). */
export type QuoteConfigInput = z.input<typeof quoteConfigSchema>;

export const quoteSourceTypes = (): string[] => quoteConfigs.types;

/** `'sim'` or `{ type, … }`, validated with its defaults; throws one line naming every problem. */
export function parseQuoteConfig(input: unknown): QuoteConfig {
  return parseTypedConfig('quotes', input, quoteConfigs);
}

/**
 * The feed for a validated `config`. `recordTo` (set by the session from runTrading's
 * recordQuotes) also writes every quote the feed delivers to that file.
 */
export async function createQuoteSource(config: QuoteConfig & { recordTo?: string }): Promise<QuoteSource> {
  const { recordTo, ...source } = config;
  if (!quoteConfigs.schemaOf(source.type)) {
    throw new Error(`unknown quote source type '${source.type}' (known: ${quoteSourceTypes().join(', ')})`);
  }
  // the registry pairs each type with its own loader; TypeScript cannot follow that through an index
  const load = feeds[source.type].load as (c: QuoteConfig) => Promise<QuoteSource>;
  const made = await load(source as QuoteConfig);
  if (typeof recordTo !== 'string' || !recordTo) return made;
  return (await import('../quote-recorder.js')).recordingSource(made, recordTo);
}

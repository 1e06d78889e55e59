// Quote source registry: a feed is found by its config's `type`; loaded lazily inside the quote worker,
// so a session on the simulated market never loads ioredis or kafkajs.
import type { QuoteSource } from './source.js';

const sources: Record<string, (config: any) => Promise<QuoteSource>> = {
  sim: async (config) => new (await import('./sim.js')).SimulatedMarket(config),
  redis: async (config) => new (await import('./redis.js')).RedisQuoteSource(config),
  kafka: async (config) => new (await import('./kafka.js')).KafkaQuoteSource(config),
  replay: async (config) => new (await import('./replay.js')).ReplayQuoteSource(config),
  alpaca: async (config) => new (await import('./alpaca.js')).AlpacaQuoteSource(config),
};

/**
 * The feed for `config`. `recordTo` (set by the session from runTrading's recordQuotes) also
 * writes every quote the feed delivers to that file.
 */
export async function createQuoteSource(config: { type: string; recordTo?: unknown }): Promise<QuoteSource> {
  const { recordTo, ...feed } = config;
  const make = sources[feed.type];
  if (!make) throw new Error(`unknown quote source type '${feed.type}' (known: ${Object.keys(sources).join(', ')})`);
  const source = await make(feed);
  if (typeof recordTo !== 'string' || !recordTo) return source;
  return (await import('../quote-recorder.js')).recordingSource(source, recordTo);
}

export const quoteSourceTypes = (): string[] => Object.keys(sources);

// Quote source registry: a feed is found by its config's `type`; loaded lazily inside the quote worker.
import type { QuoteSource } from './source.js';

const sources: Record<string, (config: any) => Promise<QuoteSource>> = {
  sim: async (config) => new (await import('./sim.js')).SimulatedMarket(config),
};

export async function createQuoteSource(config: { type: string }): Promise<QuoteSource> {
  const make = sources[config.type];
  if (!make) throw new Error(`unknown quote source type '${config.type}' (known: ${Object.keys(sources).join(', ')})`);
  return make(config);
}

export const quoteSourceTypes = (): string[] => Object.keys(sources);

// Broker registry: one entry per venue carries its option schema and its driver. A session's broker
// config is parsed once, on the main thread, against the union of these schemas; the typed value
// then travels to the execution workers and venue threads as it is (plain data, structured-clone
// safe). Drivers load lazily so a session pays only for the venue it uses; the schemas are zod only.
import type { z } from 'zod';
import { type MemberSchema, parseTypedConfig, typedConfigs } from '../util/typed-configs.js';
import type { BrokerDriver } from './broker.js';
import { alpacaBrokerSchema } from './alpaca/config.js';
import { fixBrokerSchema } from './fix/config.js';
import { paperBrokerSchema } from '../exchange/config.js';

/** a venue: the schema of its config and, loaded on first use, its driver */
function venue<S extends MemberSchema>(schema: S, driver: () => Promise<BrokerDriver<z.output<S>>>) {
  return { schema, driver };
}

// adding a venue: a folder with config.ts (its schema) and driver.ts, and one line here
const venues = {
  paper: venue(paperBrokerSchema, async () => (await import('./paper/driver.js')).paperDriver),
  alpaca: venue(alpacaBrokerSchema, async () => (await import('./alpaca/driver.js')).alpacaDriver),
  fix: venue(fixBrokerSchema, async () => (await import('./fix/driver.js')).fixDriver),
};

export type BrokerType = keyof typeof venues;

/** the registry as runTrading's options read it: one problem line per mistake, named `broker.…` */
export const brokerConfigs = typedConfigs<(typeof venues)[BrokerType]['schema']>(venues);
/** Every broker config salvo knows, told apart by `type`. */
export const brokerConfigSchema = brokerConfigs.union;

/** A validated broker config (defaults filled in): what sessions, workers and drivers receive. */
export type BrokerConfig = z.output<typeof brokerConfigSchema>;
/** A broker config as a trader writes it (see each venue's schema for its options and defaults). */
export type BrokerConfigInput = z.input<typeof brokerConfigSchema>;
export type BrokerConfigOf<T extends BrokerType> = Extract<BrokerConfig, { type: T }>;

export const brokerTypes = (): string[] => brokerConfigs.types;

/** The driver of a venue, loaded on first use; works in the main thread and in workers alike. */
export async function brokerDriver<T extends BrokerType>(type: T): Promise<BrokerDriver<BrokerConfigOf<T>>> {
  if (!brokerConfigs.schemaOf(type))
    throw new Error(`unknown broker type '${type}' (known: ${brokerTypes().join(', ')})`);
  // the registry pairs each type with its own driver; TypeScript cannot follow that through an index
  return (await venues[type].driver()) as unknown as BrokerDriver<BrokerConfigOf<T>>;
}

/** `'paper'` or `{ type, … }`, validated with its defaults; throws one line naming every problem. */
export function parseBrokerConfig(input: unknown): BrokerConfig {
  return parseTypedConfig('broker', input, brokerConfigs);
}

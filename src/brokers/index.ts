// Broker registry: a venue is found by its config's `type`, in the main thread and in workers alike.
// Drivers load lazily so a session pays only for the venue it uses.
import type { BrokerDriver } from './broker.js';

const drivers: Record<string, () => Promise<BrokerDriver<any>>> = {
  paper: async () => (await import('./paper/driver.js')).paperDriver,
  alpaca: async () => (await import('./alpaca/driver.js')).alpacaDriver,
  fix: async () => (await import('./fix/driver.js')).fixDriver,
};

export async function brokerDriver(type: string): Promise<BrokerDriver<any>> {
  const load = drivers[type];
  if (!load) throw new Error(`unknown broker type '${type}' (known: ${Object.keys(drivers).join(', ')})`);
  return load();
}

export const brokerTypes = (): string[] => Object.keys(drivers);

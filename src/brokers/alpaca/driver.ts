// Alpaca as a broker driver. There is no process-wide part: every client (the session's own, each
// execution worker) opens its own keep-alive connections, and only a listening client opens the
// trade_updates stream.
import type { BrokerDriver, BrokerLink } from '../broker.js';
import { AlpacaBroker } from './alpaca-broker.js';
import type { AlpacaBrokerConfig } from './config.js';

export const alpacaDriver: BrokerDriver<AlpacaBrokerConfig> = {
  takesNotional: true,
  create(config, link: BrokerLink): AlpacaBroker {
    return new AlpacaBroker(config, link);
  },
};

// Alpaca as a broker driver. There is no process-wide part: every client (the session's own, each
// execution worker) opens its own keep-alive connections, and only a listening client opens the
// trade_updates stream.
import type { BrokerDriver, BrokerLink } from '../broker.js';
import { AlpacaBroker } from './alpaca-broker.js';
import { parseAlpacaBrokerConfig, type AlpacaBrokerConfig } from './config.js';

export const alpacaDriver: BrokerDriver<AlpacaBrokerConfig> = {
  takesNotional: true,
  create(input, link: BrokerLink): AlpacaBroker {
    return new AlpacaBroker(parseAlpacaBrokerConfig(input), link);
  },
};

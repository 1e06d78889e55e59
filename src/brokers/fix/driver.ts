// FIX 4.4 as a broker driver. prepare() starts the session's one FIX session thread, which logs on
// at once; each client (the session, each execution worker) gets a port to it. A FIX session is
// one per SenderCompID/TargetCompID pair, so there is no way to make a client without the hub.
import type { BrokerDriver, BrokerLink } from '../broker.js';
import { startThreadHub } from '../threaded/hub.js';
import type { FixBrokerConfig } from './config.js';
import { FixClient } from './fix-client.js';
import type { FixHostData } from './session-host.js';

/** a Logout and its answer, then the thread is terminated */
const CLOSE_GRACE_MS = 3000;

export const fixDriver: BrokerDriver<FixBrokerConfig> = {
  // CashOrderQty(152) instead of OrderQty(38); salvo's acceptor sizes it like the paper venue
  takesNotional: true,
  prepare(config, shared) {
    const data: FixHostData = { config };
    return startThreadHub('brokers/fix/session-host', data, 'FIX session thread', CLOSE_GRACE_MS, shared.log);
  },

  create(config, link: BrokerLink): FixClient {
    if (!link.port) {
      throw new Error(
        `fix broker for worker ${link.workerId} has no port to the FIX session: one session carries the whole pool, get its link from fixDriver.prepare(…).link(workerId)`,
      );
    }
    return new FixClient(config, link.port);
  },
};

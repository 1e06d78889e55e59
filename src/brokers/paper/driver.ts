// The paper exchange as a broker driver: prepare() starts the session's one venue thread over the
// quote board; each client (session, execution worker) gets its own port to it.
import type { BrokerDriver, BrokerLink } from '../broker.js';
import { startThreadHub } from '../threaded/hub.js';
import type { PaperBrokerConfig } from '../../exchange/config.js';
import { PaperBroker } from './paper-broker.js';
import type { VenueHostData } from './venue-host.js';

/** how long the venue thread gets to wind down before it is terminated */
const CLOSE_GRACE_MS = 1000;

export const paperDriver: BrokerDriver<PaperBrokerConfig> = {
  takesNotional: true,
  prepare(config, shared) {
    const { boardBuffer, tickers } = shared;
    const workerData: VenueHostData = { config, boardBuffer, tickers: [...tickers] };
    return startThreadHub('brokers/paper/venue-host', workerData, 'paper venue thread', CLOSE_GRACE_MS, shared.log);
  },

  create(config, link: BrokerLink): PaperBroker {
    if (!link.port) {
      throw new Error(
        `paper broker for worker ${link.workerId} has no port to the venue: get its link from paperDriver.prepare(…).link(workerId)`,
      );
    }
    return new PaperBroker(config, link.port);
  },
};

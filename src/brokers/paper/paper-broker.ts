// A client of the paper venue thread: the shared port client with the paper venue's deadlines.
import type { MessagePort } from 'node:worker_threads';
import { BrokerConnectError } from '../broker.js';
import { PortClient } from '../threaded/client.js';
import type { PaperBrokerConfig } from '../../exchange/config.js';

export class PaperBroker extends PortClient {
  readonly name = 'paper';

  constructor(config: Pick<PaperBrokerConfig, 'requestTimeoutMs'>, port: MessagePort) {
    super(port, 'paper venue', config.requestTimeoutMs);
  }

  /** one round trip, so a dead venue thread stops the session before it starts */
  async connect(): Promise<void> {
    try {
      await this.call('clock', []);
    } catch (error) {
      throw new BrokerConnectError(`paper venue unreachable: ${(error as Error).message}`);
    }
    await this.subscribed;
  }

  describeWidth(): string {
    return 'paper venue thread, every leg at once';
  }
}

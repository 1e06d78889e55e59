// The paper exchange as a broker driver: prepare() starts the session's one venue thread over the
// quote board; each client (session, execution worker) gets its own port to it.
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { BrokerDriver, BrokerHub, BrokerLink } from '../broker.js';
import { spawnWorker } from '../../util/worker-entry.js';
import { parsePaperBrokerConfig, type PaperBrokerConfig } from './config.js';
import { PaperBroker } from './paper-broker.js';
import type { VenueHostData } from './venue-host.js';

/** how long the venue thread gets to wind down before it is terminated */
const CLOSE_GRACE_MS = 1000;

function waitForReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== 'ready') return;
      settle();
      resolve();
    };
    const onError = (error: Error) => { settle(); reject(new Error(`paper venue thread failed to start: ${error.message}`)); };
    const onExit = (code: number) => { settle(); reject(new Error(`paper venue thread exited at start (code ${code})`)); };
    const settle = () => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

export const paperDriver: BrokerDriver<PaperBrokerConfig> = {
  async prepare(input, { boardBuffer, tickers }): Promise<BrokerHub> {
    const config = parsePaperBrokerConfig(input);
    const workerData: VenueHostData = { config, boardBuffer, tickers: [...tickers] };
    const worker = spawnWorker('brokers/paper/venue-host', { workerData });
    await waitForReady(worker);
    let exited = false;
    const exit = new Promise<void>((resolve) => worker.once('exit', () => { exited = true; resolve(); }));
    // a crash of the venue thread closes every client port, which fails their pending requests
    worker.on('error', (error) => console.error(`paper venue thread crashed: ${error.stack ?? error.message}`));

    return {
      link(workerId: number): { link: BrokerLink; transfer: MessagePort[] } {
        if (exited) throw new Error('paper venue is closed');
        const { port1, port2 } = new MessageChannel();
        worker.postMessage({ type: 'connect', port: port1 }, [port1]);
        return { link: { port: port2, workerId }, transfer: [port2] };
      },
      async close(): Promise<void> {
        if (exited) return;
        worker.postMessage({ type: 'close' });
        const grace = new Promise<'late'>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS, 'late').unref());
        if ((await Promise.race([exit, grace])) === 'late') await worker.terminate();
      },
    };
  },

  create(input, link: BrokerLink): PaperBroker {
    if (!link.port) {
      throw new Error(`paper broker for worker ${link.workerId} has no port to the venue: get its link from paperDriver.prepare(…).link(workerId)`);
    }
    return new PaperBroker(parsePaperBrokerConfig(input), link.port);
  },
};

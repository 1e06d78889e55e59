// FIX 4.4 as a broker driver. prepare() starts the session's one FIX session thread, which logs on
// at once; each client (the session, each execution worker) gets a port to it. A FIX session is
// one per SenderCompID/TargetCompID pair, so there is no way to make a client without the hub.
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { BrokerDriver, BrokerHub, BrokerLink } from '../broker.js';
import { spawnWorker } from '../../util/worker-entry.js';
import { parseFixBrokerConfig, type FixBrokerInput } from './config.js';
import { FixClient } from './fix-client.js';
import type { FixHostData } from './session-host.js';

/** a Logout and its answer, then the thread is terminated */
const CLOSE_GRACE_MS = 3000;

function waitForReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => { worker.off('message', onMessage).off('error', onError).off('exit', onExit); };
    const onMessage = (m: { type?: string }) => { if (m?.type === 'ready') { settle(); resolve(); } };
    const onError = (e: Error) => { settle(); reject(new Error(`FIX session thread failed to start: ${e.message}`)); };
    const onExit = (code: number) => { settle(); reject(new Error(`FIX session thread exited at start (code ${code})`)); };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

export const fixDriver: BrokerDriver<FixBrokerInput & { type: 'fix' }> = {
  async prepare(input): Promise<BrokerHub> {
    const data: FixHostData = { config: parseFixBrokerConfig(input) };
    const worker = spawnWorker('brokers/fix/session-host', { workerData: data });
    await waitForReady(worker);
    let exited = false;
    const exit = new Promise<void>((resolve) => worker.once('exit', () => { exited = true; resolve(); }));
    worker.on('error', (error) => console.error(`FIX session thread crashed: ${error.stack ?? error.message}`));
    return {
      link(workerId: number): { link: BrokerLink; transfer: MessagePort[] } {
        if (exited) throw new Error('FIX session thread is closed');
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

  create(input, link: BrokerLink): FixClient {
    if (!link.port) {
      throw new Error(`fix broker for worker ${link.workerId} has no port to the FIX session: one session carries the whole pool, get its link from fixDriver.prepare(…).link(workerId)`);
    }
    return new FixClient(parseFixBrokerConfig(input), link.port);
  },
};

// The driver side: starts the broker's one thread for the session and hands each client a port.
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { BrokerHub, BrokerLink } from '../broker.js';
import { describeError } from '../../util/errors.js';
import { stderrLog, type Log } from '../../util/log.js';
import { spawnWorker } from '../../util/worker-entry.js';
import { isHubLogLine } from './protocol.js';

function waitForReady(worker: Worker, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    const onMessage = (m: { type?: string }) => {
      if (m?.type === 'ready') {
        settle();
        resolve();
      }
    };
    const onError = (e: Error) => {
      settle();
      reject(new Error(`${what} failed to start: ${e.message}`));
    };
    const onExit = (code: number) => {
      settle();
      reject(new Error(`${what} exited at start (code ${code})`));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/**
 * Starts `entry` (a path under src/, see spawnWorker) and waits for it to serve. `graceMs`: how long
 * close() lets the thread wind down (a venue's timers, a FIX Logout) before terminating it. `log`
 * hears the thread's notices (see hubLog) and its crash: the session's log, masked, off the screen.
 */
export async function startThreadHub(
  entry: string,
  workerData: unknown,
  what: string,
  graceMs: number,
  log: Log = stderrLog,
): Promise<BrokerHub> {
  const worker = spawnWorker(entry, { workerData });
  // listening from the start: a notice sent while the thread starts (a logon refused) is kept
  worker.on('message', (m: unknown) => {
    if (isHubLogLine(m)) log[m.level](m.message);
  });
  await waitForReady(worker, what);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // a crash closes every client port, which fails their pending requests
  worker.on('error', (error) => log.error(`${what} crashed: ${describeError(error, { stack: true })}`));
  return {
    link(workerId: number): { link: BrokerLink; transfer: MessagePort[] } {
      if (exited) throw new Error(`${what} is closed`);
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ type: 'connect', port: port1 }, [port1]);
      return { link: { port: port2, workerId }, transfer: [port2] };
    },
    async close(): Promise<void> {
      if (exited) return;
      worker.postMessage({ type: 'close' });
      const grace = new Promise<'late'>((resolve) => setTimeout(resolve, graceMs, 'late').unref());
      if ((await Promise.race([exit, grace])) === 'late') await worker.terminate();
    },
  };
}

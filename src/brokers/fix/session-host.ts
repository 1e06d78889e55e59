// Worker-thread home of the session's one FIX initiator. It starts logging on as soon as the
// thread is up, while the execution workers are still starting; every client (the session, each
// execution worker) gets its own MessagePort through { type: 'connect', port } on parentPort and
// speaks the protocol described in fix-client.ts. Heartbeats and parsing run here, so a busy
// strategy in the main thread cannot starve the FIX session.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WireOrder } from '../broker.js';
import { parseFixBrokerConfig, type FixBrokerConfig } from './config.js';
import { toWireError, type FixMessage, type FixRequest } from './fix-client.js';
import { FixSessionOwner } from './session-owner.js';

export interface FixHostData { config: FixBrokerConfig }

if (!parentPort) throw new Error('session-host must run as a worker thread (see fixDriver.prepare)');
const hub = parentPort;
const owner = new FixSessionOwner(parseFixBrokerConfig((workerData as FixHostData).config), (m) => process.stderr.write(`salvo: ${m}\n`));
const logon = owner.connect();
logon.catch(() => undefined); // reported to every client's connect()
const clients = new Set<MessagePort>();
const subscribers = new Set<MessagePort>();

owner.onUpdate((update) => {
  const message: FixMessage = { type: 'update', update };
  for (const port of subscribers) port.postMessage(message);
});

const methods: Record<string, (port: MessagePort, args: unknown[]) => unknown> = {
  connect: () => logon,
  submit: (_, [order]) => owner.submit(order as WireOrder),
  cancel: (_, [id]) => owner.cancel(String(id)),
  getOrder: (_, [id]) => owner.getOrder(String(id)),
  openOrders: () => owner.openOrders(),
  positions: () => owner.positions(),
  account: () => owner.account(),
  clock: () => owner.clock(),
  subscribe: (port) => { subscribers.add(port); },
  unsubscribe: (port) => { subscribers.delete(port); },
};

async function serve(port: MessagePort, { id, method, args }: FixRequest): Promise<void> {
  let answer: FixMessage;
  try {
    const handler = methods[method];
    if (!handler) throw new Error(`FIX session thread has no method '${method}'`);
    answer = { id, ok: true, value: await handler(port, args ?? []) };
  } catch (error) {
    answer = { id, ok: false, error: toWireError(error) };
  }
  if (clients.has(port)) port.postMessage(answer);
}

hub.on('message', (message: { type: string; port?: MessagePort }) => {
  if (message.type === 'connect' && message.port) {
    const port = message.port;
    clients.add(port);
    port.on('message', (request: FixRequest) => void serve(port, request));
    port.on('close', () => { clients.delete(port); subscribers.delete(port); });
  } else if (message.type === 'close') {
    // Logout first, so the peer sees an orderly end rather than a dropped connection
    void owner.close().finally(() => {
      for (const port of clients) port.close();
      clients.clear();
      subscribers.clear();
      hub.close();
    });
  }
});
hub.postMessage({ type: 'ready' });

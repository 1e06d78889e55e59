// The thread side: serves every client port handed over by the driver through
// { type: 'connect', port } on parentPort, and winds down on { type: 'close' }.
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { TradeUpdate } from '../broker.js';
import { Outbox } from './outbox.js';
import type { Log, LogLevel } from '../../util/log.js';
import { NO_ANSWER, toWireError, type HubLogLine, type PortMessage, type PortRequest } from './protocol.js';

/** a broker thread's log: each line goes to the hub, which hands it to the session's log */
export function hubLog(): Log {
  const say = (level: LogLevel) => (message: string) => {
    const line: HubLogLine = { type: 'log', level, message: String(message) };
    parentPort?.postMessage(line);
  };
  return { info: say('info'), warn: say('warn'), error: say('error') };
}

export interface HostedBroker {
  /** what this thread is, for messages ('paper venue', 'FIX session thread') */
  what: string;
  /** `sent` is for a submit: when the order left for the venue, carried back with the answer */
  methods: Record<string, (args: unknown[], sent: (at: number) => void) => unknown>;
  onUpdate(listener: (update: TradeUpdate) => void): void;
  /** before the client ports close (a FIX Logout, the venue's timers) */
  close(): unknown;
}

export function serveClients(broker: HostedBroker): void {
  if (!parentPort) throw new Error(`${broker.what} must run as a worker thread (see its driver's prepare)`);
  const hub = parentPort;
  const clients = new Set<MessagePort>();
  const subscribers = new Set<MessagePort>();
  const outbox = new Outbox<PortMessage>();

  broker.onUpdate((update) => {
    const message: PortMessage = { type: 'update', update };
    for (const port of subscribers) outbox.send(port, message);
  });

  const serve = async (port: MessagePort, { id, method, args }: PortRequest): Promise<void> => {
    let answer: PortMessage;
    let sentAt: number | undefined;
    try {
      if (method === 'subscribe') subscribers.add(port);
      else if (method === 'unsubscribe') subscribers.delete(port);
      const handler = broker.methods[method];
      if (!handler && method !== 'subscribe' && method !== 'unsubscribe')
        throw new Error(`${broker.what} has no method '${method}'`);
      const value = handler
        ? await handler(args ?? [], (at) => {
            sentAt ??= at;
          })
        : undefined;
      if (value === NO_ANSWER) return;
      answer = { id, ok: true, value, sentAt };
    } catch (error) {
      answer = { id, ok: false, error: toWireError(error), sentAt };
    }
    if (clients.has(port)) outbox.send(port, answer);
  };

  hub.on('message', (message: { type: string; port?: MessagePort }) => {
    if (message.type === 'connect' && message.port) {
      const port = message.port;
      clients.add(port);
      port.on('message', (requests: PortRequest[]) => {
        for (const r of requests) void serve(port, r);
      });
      // either side closing the channel ends this client
      port.on('close', () => {
        clients.delete(port);
        subscribers.delete(port);
        outbox.drop(port);
      });
    } else if (message.type === 'close') {
      void Promise.resolve(broker.close())
        .catch(() => undefined)
        .finally(() => {
          outbox.flush();
          for (const port of clients) port.close();
          clients.clear();
          subscribers.clear();
          hub.close(); // nothing left to wait for: the thread exits on its own
        });
    }
  });
  hub.postMessage({ type: 'ready' });
}

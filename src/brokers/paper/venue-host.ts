// Worker-thread home of the session's one paper venue. Every client (the session, each execution
// worker) gets its own MessagePort to it through { type: 'connect', port } on parentPort.
//
// On a client port:  request  { id, method, args }
//                    answer   { id, ok: true, value } | { id, ok: false, error: WireError }
//                    update   { type: 'update', update }   after method 'subscribe'
// A submit struck by timeoutRate gets no answer at all, like a response lost on the wire.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BrokerRejection, BrokerTransientError, type TradeUpdate } from '../broker.js';
import { QuoteBoard } from '../../market/quote-board.js';
import { parsePaperBrokerConfig, type PaperBrokerConfig } from './config.js';
import { PaperVenue } from './venue.js';

export interface VenueHostData {
  config: PaperBrokerConfig;
  boardBuffer: SharedArrayBuffer;
  tickers: string[];
}

export interface VenueRequest { id: number; method: string; args: unknown[] }

export interface WireError {
  kind: 'rejection' | 'transient' | 'other';
  message: string;
  status?: number;
  retryAfterMs?: number;
  code?: string;
}

export type VenueMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError }
  | { type: 'update'; update: TradeUpdate };

if (!parentPort) throw new Error('venue-host must run as a worker thread (see paperDriver.prepare)');
const hub = parentPort;
const data = workerData as VenueHostData;
const venue = new PaperVenue(parsePaperBrokerConfig(data.config), new QuoteBoard(data.tickers, data.boardBuffer));
const clients = new Set<MessagePort>();
const subscribers = new Set<MessagePort>();

venue.onUpdate((update) => {
  const message: VenueMessage = { type: 'update', update };
  for (const port of subscribers) port.postMessage(message);
});

const methods: Record<string, (port: MessagePort, args: unknown[]) => unknown> = {
  submit: (_, [order]) => venue.submit(order as Parameters<PaperVenue['submit']>[0]),
  cancel: (_, [clientOrderId]) => venue.cancel(String(clientOrderId)),
  getOrder: (_, [clientOrderId]) => venue.getOrder(String(clientOrderId)),
  openOrders: () => venue.openOrders(),
  positions: () => venue.positions(),
  account: () => venue.account(),
  clock: () => venue.clock(),
  subscribe: (port) => { subscribers.add(port); },
  unsubscribe: (port) => { subscribers.delete(port); },
};

function toWireError(error: unknown): WireError {
  if (error instanceof BrokerRejection) return { kind: 'rejection', message: error.reason, code: error.code };
  if (error instanceof BrokerTransientError) return { kind: 'transient', message: error.message, status: error.status, retryAfterMs: error.retryAfterMs };
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

async function serve(port: MessagePort, request: VenueRequest): Promise<void> {
  const { id, method, args } = request;
  let answer: VenueMessage;
  try {
    const handler = methods[method];
    if (!handler) throw new Error(`paper venue has no method '${method}'`);
    const value = await handler(port, args ?? []);
    if (value === 'swallowed') return;
    answer = { id, ok: true, value };
  } catch (error) {
    answer = { id, ok: false, error: toWireError(error) };
  }
  if (clients.has(port)) port.postMessage(answer);
}

function connect(port: MessagePort): void {
  clients.add(port);
  port.on('message', (request: VenueRequest) => void serve(port, request));
  // either side closing the channel ends this client
  port.on('close', () => {
    clients.delete(port);
    subscribers.delete(port);
  });
}

hub.on('message', (message: { type: string; port?: MessagePort }) => {
  if (message.type === 'connect' && message.port) connect(message.port);
  else if (message.type === 'close') {
    venue.close();
    for (const port of clients) port.close();
    clients.clear();
    subscribers.clear();
    hub.close(); // nothing left to wait for: the thread exits on its own
  }
});
hub.postMessage({ type: 'ready' });

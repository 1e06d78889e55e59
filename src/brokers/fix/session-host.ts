// Worker-thread home of the session's one FIX initiator. It starts logging on as soon as the
// thread is up, while the execution workers are still starting; every client (the session, each
// execution worker) gets its own MessagePort through { type: 'connect', port } on parentPort and
// speaks the shared port protocol of src/brokers/threaded/. Heartbeats and parsing run here, so a busy
// strategy in the main thread cannot starve the FIX session.
import { workerData } from 'node:worker_threads';
import type { RecalledOrder, WireOrder } from '../broker.js';
import { hubLog, serveClients } from '../threaded/host.js';
import type { FixBrokerConfig } from './config.js';
import { FixSessionOwner } from './session-owner.js';

export interface FixHostData {
  /** parsed once on the main thread; arrives here as a structured clone */
  config: FixBrokerConfig;
}

// drops, the peer's Logout Text and reconnections go to the session's log through the hub
const owner = new FixSessionOwner((workerData as FixHostData).config, hubLog());
const logon = owner.connect();
logon.catch(() => undefined); // reported to every client's connect()

serveClients({
  what: 'FIX session thread',
  methods: {
    connect: () => logon,
    submit: ([order], sent) => owner.submit(order as WireOrder, sent),
    replace: ([order]) => owner.replace(order as WireOrder),
    submitGroup: ([order]) => owner.submitGroup(order as WireOrder),
    cancel: ([id]) => owner.cancel(String(id)),
    getOrder: ([id]) => owner.getOrder(String(id)),
    recall: ([orders]) => owner.recall(orders as RecalledOrder[]),
    openOrders: () => owner.openOrders(),
    positions: () => owner.positions(),
    account: () => owner.account(),
    clock: () => owner.clock(),
  },
  onUpdate: (listener) => owner.onUpdate(listener),
  // Logout first, so the peer sees an orderly end rather than a dropped connection
  close: () => owner.close(),
});

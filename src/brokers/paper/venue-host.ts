// Worker-thread home of the session's one paper venue, serving every client port (the session's,
// each execution worker's) with the shared port protocol of src/brokers/threaded/. A submit struck
// by timeoutRate gets no answer at all, like a response lost on the wire.
import { workerData } from 'node:worker_threads';
import { QuoteBoard } from '../../market/quote-board.js';
import { preciseNow } from '../../orders/order.js';
import { serveClients } from '../threaded/host.js';
import type { PaperBrokerConfig } from '../../exchange/config.js';
import { PaperVenue } from '../../exchange/venue.js';
import type { WireOrder } from '../broker.js';

export interface VenueHostData {
  /** parsed once on the main thread; arrives here as a structured clone */
  config: PaperBrokerConfig;
  boardBuffer: SharedArrayBuffer;
  tickers: string[];
}

const data = workerData as VenueHostData;
const venue = new PaperVenue(data.config, new QuoteBoard(data.tickers, data.boardBuffer));

serveClients({
  what: 'paper venue',
  methods: {
    // the venue thread receiving the order is the paper venue's "on the wire"; 'swallowed' = no answer
    submit: ([order], sent) => {
      sent(preciseNow());
      return venue.submit(order as Parameters<PaperVenue['submit']>[0]);
    },
    cancel: ([clientOrderId]) => venue.cancel(String(clientOrderId)),
    replace: ([order]) => venue.replace(order as Parameters<PaperVenue['replace']>[0]),
    submitGroup: ([order]) => {
      const { legs = [], orderClass = 'bracket', ...entry } = order as WireOrder;
      return venue.submitGroup(orderClass, [entry, ...legs]);
    },
    getOrder: ([clientOrderId]) => venue.getOrder(String(clientOrderId)),
    openOrders: () => venue.openOrders(),
    positions: () => venue.positions(),
    account: () => venue.account(),
    clock: () => venue.clock(),
  },
  onUpdate: (listener) => venue.onUpdate(listener),
  close: () => venue.close(),
});

// The benchmarks' exchange in a thread of its own, as a remote venue would be: startExchange with
// its Alpaca server and FIX acceptor, and its record of arrivals and answers (the venue's tape)
// handed to the benchmark on request.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { startExchange, type ExchangeOptions } from '../../src/exchange/exchange.js';

const ex = await startExchange(workerData as ExchangeOptions);
const tape = ex.venue.tape();
const port = parentPort!;
/** the share of its time the exchange thread was busy since the last clear: is it the bottleneck? */
let since = performance.eventLoopUtilization();
port.on('message', async (m: { type: 'tape' | 'clear' | 'close' }) => {
  if (m.type === 'tape')
    port.postMessage({
      type: 'tape',
      arrived: tape.arrived,
      answered: tape.answered,
      busy: performance.eventLoopUtilization(since).utilization,
    });
  if (m.type === 'clear') {
    tape.arrived.clear();
    tape.answered.clear();
    since = performance.eventLoopUtilization();
    port.postMessage({ type: 'cleared' });
  }
  if (m.type === 'close') {
    await ex.close();
    port.postMessage({ type: 'closed' });
    port.close();
  }
});
port.postMessage({ type: 'ready', restUrl: ex.restUrl, streamUrl: ex.streamUrl, fixPort: ex.fixPort });

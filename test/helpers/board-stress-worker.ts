// One side of the seqlock stress test. The writer writes update k to slot k % slots with every
// field derived from k; a reader checks every read is one whole update. `control` is shared:
// [0] go, [1] stop, [2] distinct updates seen by all readers.
import { parentPort, workerData } from 'node:worker_threads';
import { QuoteBoard } from '../../src/market/quote-board.js';
import { readUntilStopped, type StressData } from './board-stress.js';

const { role, tickers, boardBuffer, controlBuffer } = workerData as StressData;
const board = new QuoteBoard(tickers, boardBuffer);
const control = new Int32Array(controlBuffer);

parentPort!.postMessage({ type: 'ready' });
Atomics.wait(control, 0, 0); // until go

if (role === 'writer') {
  let k = 0;
  const slots = tickers.length;
  const update = { bid: 0, ask: 0, bidSize: 0, askSize: 0, last: 0, timestamp: 0 };
  while (Atomics.load(control, 1) === 0) {
    k++;
    update.bid = k;
    update.ask = k + 0.5;
    update.bidSize = 2 * k;
    update.askSize = 3 * k;
    update.last = k + 0.25;
    update.timestamp = k;
    board.write(k % slots, update);
  }
  parentPort!.postMessage({ type: 'written', count: k });
} else {
  parentPort!.postMessage({
    type: 'read',
    result: readUntilStopped(board, () => Atomics.load(control, 1) !== 0, control),
  });
}

// One side of the quote-board benchmark: a writer at full speed, or a reader checking every read.
import { parentPort, workerData } from 'node:worker_threads';
import { QuoteBoard, emptyQuote } from '../../src/market/quote-board.js';

const { role, tickers, buffer, ms } = workerData as {
  role: 'writer' | 'reader';
  tickers: string[];
  buffer: SharedArrayBuffer;
  ms: number;
};
const board = new QuoteBoard(tickers, buffer);
const slots = tickers.length;
const end = performance.now() + ms;
let count = 0;
let torn = 0;
if (role === 'writer') {
  let k = 1;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++, k++)
      board.write(k % slots, { bid: k, ask: k + 0.5, bidSize: 2 * k, askSize: 3 * k, last: k + 0.25, timestamp: k });
    count += 1000;
  }
} else {
  const q = emptyQuote();
  let slot = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) {
      board.read(slot, q);
      slot = (slot + 1) % slots;
      if (q.updates === 0) continue; // not written yet: the reader may start before the writer
      const k = q.bid;
      if (q.ask !== k + 0.5 || q.bidSize !== 2 * k || q.askSize !== 3 * k || q.last !== k + 0.25 || q.timestamp !== k)
        torn++;
    }
    count += 1000;
  }
}
parentPort!.postMessage({ count, torn });

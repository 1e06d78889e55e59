// Writes the replay benchmark's file in its own thread, so the million lines' garbage stays out of
// the heap whose replay is being timed.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { quoteFileHeader, quoteFileLine } from '../../src/market/quote-file.js';

const { file, tickers, quotes } = workerData as { file: string; tickers: string[]; quotes: number };
const out = fs.createWriteStream(file);
out.write(quoteFileHeader('csv'));
const t0 = Date.now();
let chunk = '';
for (let i = 0; i < quotes; i++) {
  const p = 100 + (i % 50) / 100;
  chunk += quoteFileLine('csv', tickers[i % tickers.length], {
    bid: p,
    ask: p + 0.02,
    bidSize: 100,
    askSize: 120,
    last: p + 0.01,
    timestamp: t0 + i,
  });
  if (chunk.length > 1 << 20) {
    out.write(chunk);
    chunk = '';
  }
}
out.end(chunk, () => parentPort!.postMessage('written'));

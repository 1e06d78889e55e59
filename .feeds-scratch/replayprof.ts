import fs from 'node:fs';
import { QuoteBoard } from '../src/market/quote-board.js';
import { quoteFileHeader, quoteFileLine } from '../src/market/quote-file.js';
import { BoardSink } from '../src/market/quote-sink.js';
import { replayQuotesSchema } from '../src/market/sources/feed-schemas.js';
import { ReplayQuoteSource } from '../src/market/sources/replay.js';
const n = 1000, quotes = 1_000_000;
const tickers = Array.from({ length: n }, (_, i) => `BENCH:S${String(i).padStart(4, '0')}`);
const file = '/tmp/replayprof.csv';
if (!fs.existsSync(file)) {
  let text = quoteFileHeader('csv'); const t0 = Date.now();
  for (let i = 0; i < quotes; i++) { const p = 100 + (i % 50) / 100; text += quoteFileLine('csv', tickers[i % n], { bid: p, ask: p + 0.02, bidSize: 100, askSize: 120, last: p + 0.01, timestamp: t0 + i }); }
  fs.writeFileSync(file, text);
}
for (let r = 0; r < 3; r++) {
const sink = new BoardSink(new QuoteBoard(tickers));
const source = new ReplayQuoteSource(replayQuotesSchema.parse({ type: 'replay', file, speed: 0, keepTimestamps: true }));
const t = performance.now();
await source.start(tickers, sink);
while (source.delivered < quotes) await new Promise<void>((r) => setImmediate(r));
console.log('rate', Math.round(quotes / ((performance.now() - t) / 1000)), sink.malformedCounts());
await source.close();
}

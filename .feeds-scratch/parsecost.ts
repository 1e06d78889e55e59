import { QuoteRowParser, quoteFileHeader, quoteFileLine } from '../src/market/quote-file.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BoardSink } from '../src/market/quote-sink.js';
const tickers = Array.from({ length: 1000 }, (_, i) => `BENCH:S${String(i).padStart(4, '0')}`);
const N = 1000000; const t0 = Date.now();
const lines: string[] = [];
for (let i = 0; i < N; i++) { const p = 100 + (i % 50) / 100; lines.push(quoteFileLine('csv', tickers[i % 1000], { bid: p, ask: p + 0.02, bidSize: 100, askSize: 120, last: p + 0.01, timestamp: t0 + i }).trim()); }
const parser = new QuoteRowParser('csv'); parser.header(quoteFileHeader('csv').trim());
const sink = new BoardSink(new QuoteBoard(tickers));
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now(); const rows: any[] = new Array(N);
  for (let i = 0; i < N; i++) rows[i] = parser.row(lines[i]);
  const parse = (performance.now() - t) * 1000 / N;
  t = performance.now();
  for (let i = 0; i < N; i++) sink.quote(rows[i].ticker, rows[i].update);
  const sk = (performance.now() - t) * 1000 / N;
  t = performance.now();
  for (let i = 0; i < N; i++) { const r: any = parser.row(lines[i]); sink.quote(r.ticker, r.update); }
  console.log('parse', parse.toFixed(3), 'sink', sk.toFixed(3), 'both fused', ((performance.now() - t) * 1000 / N).toFixed(3), 'µs/row');
}

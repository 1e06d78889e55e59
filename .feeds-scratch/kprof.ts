import { startKafka } from '../test/helpers/services.js';
import { createPublisher } from '../src/market/publisher.js';
const k = await startKafka();
const n = Number(process.argv[2] ?? 1000);
const tickers = Array.from({ length: n }, (_, i) => `BENCH:S${String(i).padStart(4, '0')}`);
let t = performance.now();
const p = await createPublisher({ to: 'kafka', brokers: k.brokers, envId: 'p', format: 'snapshot' }, tickers);
console.log('create topics ms', performance.now() - t);
for (let round = 0; round < 3; round++) {
t = performance.now(); let sent = 0; const lat: number[] = [];
while (performance.now() - t < 3000) {
  for (let j = 0; j < 5000; j++, sent++) { const px = 100 + (sent % 100) / 100; p.send(tickers[sent % n], { bid: px, ask: px + 0.02, bidSize: 1, askSize: 2, last: px, timestamp: Date.now() }); }
  const f = performance.now(); await p.flush(); lat.push(performance.now() - f);
}
console.log('round', round, 'producer msgs/s', sent / ((performance.now() - t) / 1000), 'flush ms', lat.map(Math.round).slice(0, 12).join(' '));
}
await p.close(); await k.stop();

import { startKafka } from '../test/helpers/services.js';
import { createPublisher } from '../src/market/publisher.js';
import { Kafka, logLevel } from 'kafkajs';
const k = await startKafka();
const tickers = Array.from({ length: 10 }, (_, i) => `BENCH:S${i}`);
const p = await createPublisher({ to: 'kafka', brokers: k.brokers, envId: 'b', format: 'snapshot' }, tickers);
for (const t of tickers) p.send(t, { bid: 1, ask: 2, timestamp: Date.now() }); await p.flush();
const from = Date.now();
await new Promise((r) => setTimeout(r, 20));
const big = { bid: 100.5, ask: 100.52, bidSize: 100, askSize: 120, last: 100.51, lastSize: 5, bid2: 100.49, bid3: 100.48, ask2: 100.53, ask3: 100.54, bidSize2: 200, bidSize3: 300, askSize2: 220, askSize3: 320, refPrice: 100 };
for (let i = 0; i < 80000; i++) { if (!p.send(tickers[i % 10], { ...big, volume: i, timestamp: performance.timeOrigin + performance.now() })) await p.flush(); if (i % 20 === 0) await new Promise((r) => setImmediate(r)); }
await p.flush();
const { KafkaQuoteSource } = await import('../src/market/sources/kafka.js');
const { kafkaQuotesSchema } = await import('../src/market/sources/feed-schemas.js');
for (const extra of [{}, { fromTimestamp: from }]) {
let got = 0;
const src = new KafkaQuoteSource(kafkaQuotesSchema.parse({ type: 'kafka', brokers: k.brokers, envId: 'b', ...extra }));
const t = Date.now();
await src.start(tickers, { quote: () => { got++; }, malformed: (r: string) => console.log('malformed', r), status: (s: string, d?: string) => console.log(s, d) });
console.log('started after', Date.now() - t, 'got', got);
await new Promise((r) => setTimeout(r, 3000)); console.log('got', got); await src.close();
}
const admin = new Kafka({ brokers: k.brokers, logLevel: logLevel.NOTHING }).admin(); await admin.connect();
console.log(await admin.fetchTopicOffsetsByTimestamp('b.BENCH.S1', from), await admin.fetchTopicOffsets('b.BENCH.S1'));
await admin.disconnect(); await p.close(); await k.stop();

import { startKafka } from '../test/helpers/services.js';
import { createPublisher } from '../src/market/publisher.js';
import { Kafka, logLevel } from 'kafkajs';
const k = await startKafka();
const tickers = Array.from({ length: 10 }, (_, i) => `BENCH:S${i}`);
const p = await createPublisher({ to: 'kafka', brokers: k.brokers, envId: 'b', format: 'snapshot' }, tickers);
for (const t of tickers) p.send(t, { bid: 1, ask: 2, timestamp: Date.now() }); await p.flush();
const from = Date.now();
await new Promise((r) => setTimeout(r, 20));
for (let i = 0; i < 50000; i++) { p.send(tickers[i % 10], { bid: 1, ask: 2, timestamp: Date.now() }); if (i % 5000 === 0) await p.flush(); }
await p.flush();
const admin = new Kafka({ brokers: k.brokers, logLevel: logLevel.NOTHING }).admin(); await admin.connect();
console.log(await admin.fetchTopicOffsetsByTimestamp('b.BENCH.S1', from), await admin.fetchTopicOffsets('b.BENCH.S1'));
await admin.disconnect(); await p.close(); await k.stop();

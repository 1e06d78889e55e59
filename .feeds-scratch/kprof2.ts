import { startKafka } from '../test/helpers/services.js';
import { Kafka, logLevel } from 'kafkajs';
const k = await startKafka();
const n = 1000;
const kafka = new Kafka({ brokers: k.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin(); await admin.connect();
const topics = Array.from({ length: n }, (_, i) => `t${i}`);
await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })) });
const producer = kafka.producer({ retry: { retries: 10 } }); await producer.connect();
await producer.sendBatch({ topicMessages: topics.map((topic) => ({ topic, messages: [{ value: 'x' }] })) });
for (const per of [20, 200, 1000, 5000]) {
  const lat: number[] = []; let sent = 0; const t = performance.now();
  while (performance.now() - t < 3000) {
    const tm = new Map<string, { value: string }[]>();
    for (let j = 0; j < per; j++, sent++) { const topic = topics[sent % n]; if (!tm.has(topic)) tm.set(topic, []); tm.get(topic)!.push({ value: 'y'.repeat(300) }); }
    const s = performance.now();
    await producer.sendBatch({ topicMessages: [...tm].map(([topic, messages]) => ({ topic, messages })), acks: 1 });
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  console.log(`per request ${per}: ${Math.round(sent / 3)} msgs/s, request p50 ${lat[lat.length >> 1].toFixed(1)} ms`);
}
await producer.disconnect(); await admin.disconnect(); await k.stop();

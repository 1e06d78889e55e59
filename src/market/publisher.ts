// The other end of the Redis and Kafka feeds: publishes quotes the way a desk's market-data
// service does (snapshot or compact, one channel / topic per instrument, the latest snapshot
// stored under a key for Redis late joiners), so the real path runs end to end on one machine
// and several runner processes can share one feed. `npm run publish-quotes` drives it from SimulatedMarket.
import type { Admin, Producer } from 'kafkajs';
import type { Redis } from 'ioredis';
import { addressOf } from './sources/addressing.js';
import { kafkaClient, describeKafkaError } from './sources/kafka.js';
import type { QuoteUpdate } from './sources/source.js';
import { encodeQuote, type QuoteFormat } from './sources/wire-format.js';

export interface PublisherOptions {
  to: 'redis' | 'kafka';
  format: QuoteFormat;
  /** send only the fields that changed since the last message (consumers need mergeUpdates) */
  deltas?: boolean;
  // redis
  url?: string;
  channel?: string;
  snapshotKey?: string;
  /** SET each instrument's latest full snapshot (default true) */
  store?: boolean;
  // kafka
  brokers?: string[];
  envId?: string;
  topic?: string;
  username?: string;
  password?: string;
  mechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  ssl?: boolean;
  /** how long Kafka messages wait to be batched, ms */
  lingerMs?: number;
}

export interface QuotePublisher {
  readonly sent: number;
  /** false: the broker is behind and messages are piling up here; await flush() before sending more */
  send(ticker: string, update: QuoteUpdate): boolean;
  /** resolves when everything sent so far is acknowledged; rejects with the first error */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const KAFKA_BATCH = 20_000;
const TOPIC_BATCH_BYTES = 512 * 1024;
const MAX_IN_FLIGHT = 3;

export async function createPublisher(o: PublisherOptions, tickers: readonly string[]): Promise<QuotePublisher> {
  const latest = new Map<string, QuoteUpdate>(); // full quote per ticker, kept only for deltas
  /** the message for this update, and the full snapshot it leaves */
  const messageFor = (ticker: string, update: QuoteUpdate): { payload: string; full: QuoteUpdate } => {
    if (!o.deltas) return { payload: encodeQuote(ticker, update, o.format), full: update };
    const before = latest.get(ticker);
    const full = { ...before, ...update };
    latest.set(ticker, full);
    let body = full;
    if (before) {
      body = { timestamp: update.timestamp };
      for (const k in update)
        if (update[k as keyof QuoteUpdate] !== before[k as keyof QuoteUpdate])
          body[k as keyof QuoteUpdate] = update[k as keyof QuoteUpdate];
    }
    return { payload: encodeQuote(ticker, body, o.format), full };
  };
  return o.to === 'redis' ? redisPublisher(o, messageFor) : kafkaPublisher(o, tickers, messageFor);
}

type MessageFor = (ticker: string, update: QuoteUpdate) => { payload: string; full: QuoteUpdate };

async function redisPublisher(o: PublisherOptions, messageFor: MessageFor): Promise<QuotePublisher> {
  const { Redis } = await import('ioredis');
  const channel = o.channel ?? '{ticker}';
  const key = o.snapshotKey ?? channel;
  const store = o.store ?? true;
  let connected = false;
  const redis: Redis = new Redis(o.url ?? 'redis://127.0.0.1:6379', {
    enableAutoPipelining: true,
    lazyConnect: true,
    // through an outage commands wait for the reconnect instead of failing
    maxRetriesPerRequest: null,
    retryStrategy: (n) => (connected ? Math.min(100 * n, 2000) : null),
  });
  let lastError = '';
  redis.on('error', (e: Error) => {
    lastError = e.message;
  });
  try {
    await redis.connect();
    connected = true;
  } catch {
    redis.disconnect();
    throw new Error(`cannot connect to redis at ${new URL(o.url ?? 'redis://127.0.0.1:6379').host}: ${lastError}`);
  }
  let sent = 0;
  let failure: Error | undefined;
  let pending: Promise<unknown> = Promise.resolve();
  const fail = (e: Error) => {
    failure ??= e;
  };
  return {
    get sent() {
      return sent;
    },
    send(ticker, update) {
      const { payload, full } = messageFor(ticker, update);
      // the snapshot first: a subscriber that GETs after seeing this publish finds it stored
      if (store)
        redis.set(addressOf(key, ticker), o.deltas ? encodeQuote(ticker, full, o.format) : payload).catch(fail);
      pending = redis.publish(addressOf(channel, ticker), payload).catch(fail);
      sent++;
      return true;
    },
    async flush() {
      await pending; // auto-pipelined commands complete in order
      if (failure) throw failure;
    },
    async close() {
      await pending.catch(() => undefined);
      redis.disconnect();
    },
  };
}

async function kafkaPublisher(
  o: PublisherOptions,
  tickers: readonly string[],
  messageFor: MessageFor,
): Promise<QuotePublisher> {
  if (!o.brokers?.length || !o.envId) throw new Error('--to kafka needs --brokers and --env-id');
  const envId = o.envId;
  const template = o.topic ?? '{envId}.{exchange}.{symbol}';
  const topicOf = new Map(tickers.map((t) => [t, addressOf(template, t, { envId })]));
  const producer = await kafkaProducer(o, o.brokers, [...new Set(topicOf.values())]);
  const batches = new KafkaBatches(producer, o.lingerMs ?? 2);
  return {
    get sent() {
      return batches.sent;
    },
    send(ticker, update) {
      const topic = topicOf.get(ticker) ?? addressOf(template, ticker, { envId });
      return batches.add(topic, messageFor(ticker, update).payload);
    },
    flush: () => batches.flush(),
    async close() {
      await batches.drain();
      await producer.disconnect().catch(() => undefined);
    },
  };
}

/** a connected producer, after creating the feed's missing topics and waiting for their leaders */
async function kafkaProducer(o: PublisherOptions, brokers: string[], topics: string[]): Promise<Producer> {
  const kafka = kafkaClient({
    brokers,
    username: o.username,
    password: o.password,
    mechanism: o.mechanism ?? 'plain',
    ssl: o.ssl ?? false,
    clientId: 'salvo-publish',
    connectTimeoutMs: 5000,
  });
  const admin = kafka.admin({ retry: { retries: 2 } });
  try {
    await admin.connect();
    // the feed owns its topics: create the missing ones (one partition keeps each instrument in order)
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    for (let i = 0; i < missing.length; i += 200) {
      await admin.createTopics({
        topics: missing.slice(i, i + 200).map((topic) => ({ topic, numPartitions: 1 })),
        waitForLeaders: false,
      });
    }
    await leadersElected(admin, missing);
    // new topics can answer 'not the leader' for a while after creation: retry longer than the consumer does
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    await producer.connect();
    return producer;
  } catch (error) {
    throw new Error(`cannot start on kafka ${brokers.join(', ')}: ${describeKafkaError(error)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Messages gathered per topic and shipped as one request. A few requests in flight at most: when
 * the broker is slower than the feed, batches grow (up to what one request may carry) instead of
 * requests piling up.
 */
class KafkaBatches {
  sent = 0;
  private batch = new Map<string, { messages: Array<{ value: string }>; bytes: number }>();
  private batched = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly lingerMs: number,
  ) {}

  /** false when the batch is full (the caller may wait for a flush) */
  add(topic: string, value: string): boolean {
    let entry = this.batch.get(topic);
    if (!entry) this.batch.set(topic, (entry = { messages: [], bytes: 0 }));
    entry.messages.push({ value });
    entry.bytes += value.length;
    this.sent++;
    // a partition's share of one request stays under the broker's 1 MB message.max.bytes
    if (++this.batched >= KAFKA_BATCH || entry.bytes >= TOPIC_BATCH_BYTES) this.ship();
    else this.timer ??= setTimeout(() => this.ship(), this.lingerMs);
    return this.batched < KAFKA_BATCH && entry.bytes < TOPIC_BATCH_BYTES;
  }

  async flush(): Promise<void> {
    this.ship();
    while (this.inFlight.size || this.batched) {
      await Promise.all(this.inFlight);
      this.ship();
    }
    const e = this.failure;
    this.failure = undefined;
    if (e) throw e;
  }

  async drain(): Promise<void> {
    this.ship();
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  private ship(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.batched || this.inFlight.size >= MAX_IN_FLIGHT) return;
    const topicMessages = [...this.batch].map(([topic, { messages }]) => ({ topic, messages }));
    this.batch = new Map();
    this.batched = 0;
    const p: Promise<void> = this.producer
      .sendBatch({ topicMessages, acks: 1 })
      .then(
        () => undefined,
        (e: Error) => {
          this.failure ??= e;
        },
      )
      .finally(() => {
        this.inFlight.delete(p);
        this.ship();
      });
    this.inFlight.add(p);
  }
}

/** new topics take a moment to get a leader; sending before that fails */
async function leadersElected(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < topics.length; ) {
    const batch = topics.slice(i, i + 200);
    const ready = await admin.fetchTopicMetadata({ topics: batch }).then(
      (m) => m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
      () => false,
    );
    if (ready) {
      i += 200;
      continue;
    }
    if (Date.now() > deadline) throw new Error(`topics ${batch[0]}… have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Quotes from Kafka, one topic per instrument (`{envId}.{exchange}.{symbol}`, e.g. real.HNXDS.VN30F2602),
// as trading desks' market-data services publish them. Each session reads every partition itself
// (its own consumer group, nothing committed), from the latest message on, or from a time for a replay.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Batch, type Consumer, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { addressOf, QuoteInbox } from './addressing.js';
import type { KafkaQuotesConfig } from './feed-schemas.js';
import type { QuoteSink, QuoteSource } from './source.js';
import { required } from '../../util/defined.js';

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** the kafkajs client for a config; shared with the publisher so both connect the same way */
export function kafkaClient(
  c: Pick<
    KafkaQuotesConfig,
    'brokers' | 'username' | 'password' | 'mechanism' | 'ssl' | 'clientId' | 'connectTimeoutMs'
  >,
): Kafka {
  const config: KafkaConfig = {
    clientId: c.clientId,
    brokers: c.brokers,
    ssl: c.ssl as KafkaConfig['ssl'],
    logLevel: logLevel.NOTHING,
    connectionTimeout: c.connectTimeoutMs,
    authenticationTimeout: c.connectTimeoutMs,
    // short retries: a lost broker shows as a crash within about a second, and the restart loop takes over
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  };
  if (c.username !== undefined)
    config.sasl = { mechanism: c.mechanism, username: c.username, password: c.password ?? '' } as SASLOptions;
  return new Kafka(config);
}

export function describeKafkaError(error: unknown): string {
  let e = error as Error;
  while (e?.cause instanceof Error && e.name === 'KafkaJSNumberOfRetriesExceeded') e = e.cause;
  const m = e?.message ?? String(error);
  if (/ECONNREFUSED/.test(m)) return 'connection refused (is the broker running there?)';
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return 'host not found';
  if (e?.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed/i.test(m))
    return `authentication failed: wrong username or password (${m.replace(/^.*?:\s*/, '')})`;
  if (/timeout|timed out/i.test(m)) return 'connection timed out';
  return m;
}

const BACKOFF_MS = [250, 500, 1000, 2000];

export class KafkaQuoteSource implements QuoteSource {
  readonly name = 'kafka';
  private consumer?: Consumer;
  private kafka?: Kafka;
  private inbox?: QuoteInbox;
  private sink?: QuoteSink;
  private topics: string[] = [];
  private closed = false;
  /** statuses are reported from the end of start() on; start itself throws or succeeds */
  private started = false;
  private generation = 0;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  /** next offset to read per topic:partition, so a restarted consumer picks up where it stopped */
  private readonly next = new Map<string, string>();
  /** partitions whose latest stored message has not reached the board yet, with the offset after it */
  private readonly backlog = new Map<string, bigint>();
  private backlogDone?: () => void;
  private state: 'connected' | 'disconnected' | 'reconnecting' = 'connected';

  constructor(private readonly config: KafkaQuotesConfig) {}

  private get where(): string {
    return this.config.brokers.join(', ');
  }

  async start(tickers: readonly string[], sink: QuoteSink): Promise<void> {
    const c = this.config;
    const topicOf = (t: string) => addressOf(c.topic, t, { envId: c.envId });
    const bad = tickers.find((t) => !LEGAL_TOPIC.test(topicOf(t)));
    if (bad)
      throw new Error(
        `kafka quotes: ticker ${bad} gives topic '${topicOf(bad)}', which Kafka does not allow (letters, digits, . _ - only)`,
      );
    this.sink = sink;
    this.inbox = new QuoteInbox(tickers, c.topic, { envId: c.envId }, c.format, c.mergeUpdates, sink);
    this.topics = this.inbox.addresses;
    this.kafka = kafkaClient(c);

    // a few quick retries ride out a broker still electing leaders; a refused connection or bad credentials still fail within a second
    const admin = this.kafka.admin({ retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } });
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = this.topics.filter((t) => !existing.has(t));
      if (missing.length)
        throw new Error(
          `no topic ${missing
            .slice(0, 5)
            .map((t) => `'${t}'`)
            .join(
              ', ',
            )}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} (is the feed publishing? check envId and the topic template)`,
        );
      await this.startOffsets(admin);
    } catch (error) {
      throw new Error(`kafka quotes: cannot start from ${this.where}: ${describeKafkaError(error)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }

    const caughtUp = new Promise<void>((resolve) => {
      this.backlogDone = resolve;
      if (!this.backlog.size) resolve();
    });
    try {
      await this.runConsumer();
    } catch (error) {
      await this.close();
      throw new Error(`kafka quotes: cannot consume from ${this.where}: ${describeKafkaError(error)}`);
    }
    // the latest stored quotes first, so the board is full before the first new one (bounded wait)
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      caughtUp,
      new Promise((resolve) => {
        timer = setTimeout(resolve, c.connectTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.started = true;
    this.state = 'connected';
    sink.status(
      'connected',
      `kafka ${this.where}: ${this.topics.length} topic(s)${c.fromTimestamp !== undefined ? ` from ${new Date(c.fromTimestamp).toISOString()}` : ''}`,
    );
  }

  /**
   * One consumer, in a group of its own. A restart after a lost broker takes a new group: the old
   * one still lists the dead member, and joining it would wait out that member's session timeout.
   */
  private async runConsumer(): Promise<void> {
    const c = this.config;
    const consumer = (this.consumer = required(this.kafka, 'the kafka client (made in start)').consumer({
      groupId: `${c.groupId ?? `salvo-${process.pid}-${randomBytes(4).toString('hex')}`}-${this.generation++}`,
      // a fetch waits for 32 KB or 20 ms: at high rates batches per partition grow (kafkajs pays per
      // batch), at low rates a quote waits at most 20 ms
      allowAutoTopicCreation: false,
      minBytes: 32 * 1024,
      maxWaitTimeInMs: 20,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => false },
    }));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [key, offset] of this.next) {
        const i = key.lastIndexOf(':');
        consumer.seek({ topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset });
      }
      this.attempt = 0;
      this.report('connected', 'quotes resume');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.closed || consumer !== this.consumer) return;
      this.report('disconnected', `connection lost (${describeKafkaError(payload.error)})`);
      this.restartLater();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => this.onBatch(batch) });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private onBatch(batch: Batch): void {
    const now = Date.now();
    const inbox = required(this.inbox, 'the quote inbox (made in start)');
    for (const m of batch.messages) if (m.value) inbox.deliver(batch.topic, m.value, now);
    const key = `${batch.topic}:${batch.partition}`;
    const next = BigInt(batch.lastOffset()) + 1n;
    this.next.set(key, next.toString());
    const owed = this.backlog.get(key);
    if (owed !== undefined && next >= owed && this.backlog.delete(key) && !this.backlog.size) this.backlogDone?.();
  }

  private restartLater(): void {
    if (this.closed || this.retryTimer) return;
    const delay = BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)];
    this.report('reconnecting', `reconnecting with backoff up to ${BACKOFF_MS.at(-1)} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      this.runConsumer().catch(() => this.restartLater());
    }, delay);
  }

  /** one line per change of state, not one per retry */
  private report(state: KafkaQuoteSource['state'], detail: string): void {
    if (!this.started || state === this.state || (state === 'disconnected' && this.state === 'reconnecting')) return;
    this.state = state;
    this.sink?.status(state, `kafka ${this.where}: ${detail}`);
  }

  /**
   * Where each partition starts: the last message already there (so the board has the latest
   * quote before the next one is published), or the first at/after fromTimestamp.
   */
  private async startOffsets(admin: Admin): Promise<void> {
    const from = this.config.fromTimestamp;
    for (let i = 0; i < this.topics.length; i += 50) {
      await Promise.all(
        this.topics.slice(i, i + 50).map(async (topic) => {
          const ends = await admin.fetchTopicOffsets(topic);
          const starts = from === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, from);
          for (const p of ends) {
            const [high, low] = [BigInt(p.high), BigInt(p.low)];
            const at = starts
              ? BigInt(starts.find((s) => s.partition === p.partition)?.offset ?? p.high)
              : high > low
                ? high - 1n
                : high;
            const key = `${topic}:${p.partition}`;
            this.next.set(key, at.toString());
            if (at < high) this.backlog.set(key, high);
          }
        }),
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.backlogDone?.();
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

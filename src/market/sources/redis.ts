// Quotes from Redis pub/sub, the way trading desks' market-data services publish them: one channel
// per instrument (by default the ticker itself, `HNXDS:VN30F2606`), and the latest snapshot stored
// under a key so a late joiner can fill its board before the next publish.
import { Redis, type RedisOptions } from 'ioredis';
import { addressOf, globFor, QuoteInbox } from './addressing.js';
import type { RedisQuotesConfig } from './feed-schemas.js';
import type { QuoteSink, QuoteSource } from './source.js';
import { required } from '../../util/defined.js';

const BACKOFF_MS = [100, 250, 500, 1000, 2000];

export class RedisQuoteSource implements QuoteSource {
  readonly name = 'redis';
  private sub?: Redis;
  private store?: Redis;
  private inbox?: QuoteInbox;
  private stopping = false;
  private everReady = false;
  private lastError = '';
  private state: 'connected' | 'disconnected' | 'reconnecting' = 'connected';
  private sink?: QuoteSink;

  constructor(private readonly config: RedisQuotesConfig) {}

  /** host:port for messages; never the url, which may carry the password */
  get where(): string {
    const c = this.config;
    if (c.url) {
      const u = new URL(c.url);
      return `${u.hostname}:${u.port || 6379}`;
    }
    return `${c.host ?? '127.0.0.1'}:${c.port ?? 6379}`;
  }

  async start(tickers: readonly string[], sink: QuoteSink): Promise<void> {
    const c = this.config;
    this.sink = sink;
    const inbox = (this.inbox = new QuoteInbox(tickers, c.channel, {}, c.format, c.mergeUpdates, sink));
    const channels = inbox.addresses;
    const pattern =
      c.pattern === undefined
        ? channels.length > 100
          ? globFor(channels)
          : undefined
        : c.pattern === true
          ? globFor(channels)
          : c.pattern || undefined;

    this.store = this.client('store');
    this.sub = this.client('sub');
    this.sub.on('message', (channel: string, message: string) => inbox.deliver(channel, message));
    this.sub.on('pmessage', (_p: string, channel: string, message: string) => inbox.deliver(channel, message));
    this.sub.on('ready', () => {
      if (!this.everReady) return;
      this.report('connected', `redis ${this.where}: quotes resume`);
      inbox.live.clear(); // what was published while we were away is only in the stored snapshots
      void this.readSnapshots(tickers).catch(() => undefined);
    });

    try {
      await Promise.all([this.store.connect(), this.sub.connect()]);
      if (pattern) await this.sub.psubscribe(pattern);
      else await this.sub.subscribe(...channels);
    } catch (error) {
      await this.close();
      throw new Error(`redis quotes: cannot connect to ${this.where}: ${this.lastError || (error as Error).message}`);
    }
    this.everReady = true;
    await this.readSnapshots(tickers);
    sink.status(
      'connected',
      `redis ${this.where}, ${pattern ? `pattern ${pattern}` : `${channels.length} channel(s)`}`,
    );
  }

  /** the latest stored snapshot of every instrument, so the board is full before the next publish */
  private async readSnapshots(tickers: readonly string[]): Promise<void> {
    const c = this.config;
    const keyOf = (t: string) => addressOf(c.snapshotKey ?? c.channel, t);
    const channelOf = (t: string) => addressOf(c.channel, t);
    for (let i = 0; i < tickers.length; i += 500) {
      const batch = tickers.slice(i, i + 500);
      const values = await required(this.store, 'the redis store connection (made in start)').mget(...batch.map(keyOf));
      const now = Date.now();
      const inbox = required(this.inbox, 'the quote inbox (made in start)');
      values.forEach((v, j) => {
        if (v !== null) inbox.deliver(channelOf(batch[j]), v, now, true);
      });
    }
  }

  /** one line per change of state, not one per retry */
  private report(state: RedisQuoteSource['state'], detail: string): void {
    if (state === this.state || (state === 'disconnected' && this.state === 'reconnecting')) return;
    this.state = state;
    this.sink?.status(state, detail);
  }

  private client(role: 'sub' | 'store'): Redis {
    const c = this.config;
    const options: RedisOptions = {
      lazyConnect: true,
      connectTimeout: c.connectTimeoutMs,
      enableAutoPipelining: false,
      maxRetriesPerRequest: role === 'store' ? 1 : null,
      // the first connect fails fast with its cause; once running, reconnect with backoff for as long as it takes
      retryStrategy: (attempt) => {
        if (!this.everReady || this.stopping) return null;
        const delay = BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)];
        if (role === 'sub') {
          this.report(
            'disconnected',
            `redis ${this.where}: connection lost${this.lastError ? ` (${this.lastError})` : ''}`,
          );
          this.report('reconnecting', `redis ${this.where}: reconnecting with backoff up to ${BACKOFF_MS.at(-1)} ms`);
        }
        return delay;
      },
      ...(c.username !== undefined && { username: c.username }),
      ...(c.password !== undefined && { password: c.password }),
      ...(c.db !== undefined && { db: c.db }),
      ...(c.tls && { tls: {} }),
    };
    const redis = c.url
      ? new Redis(c.url, options)
      : new Redis({ host: c.host ?? '127.0.0.1', port: c.port ?? 6379, ...options });
    redis.on('error', (error: Error) => {
      this.lastError = describe(error);
    });
    if (role === 'sub') {
      redis.on('close', () => {
        if (this.everReady && !this.stopping)
          this.report(
            'disconnected',
            `redis ${this.where}: connection lost${this.lastError ? ` (${this.lastError})` : ''}`,
          );
      });
    }
    return redis;
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const r of [this.sub, this.store]) r?.disconnect();
  }
}

/** the cause in a trader's words, without anything from the credentials */
function describe(error: Error & { code?: string }): string {
  const m = error.message;
  if (error.code === 'ECONNREFUSED') return 'connection refused (is redis-server running there?)';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'host not found';
  if (/WRONGPASS|invalid password/i.test(m)) return 'authentication failed: wrong username or password';
  if (/NOAUTH/i.test(m)) return 'authentication required: the server needs a password';
  if (/ETIMEDOUT|timed? ?out/i.test(m)) return 'connection timed out';
  return m;
}

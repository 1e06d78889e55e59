// Kafka quotes against a real Apache Kafka 3.9 broker (KRaft, one node, started here once for the
// file): publisher → Kafka → quote worker → strategy → paper fill; SASL; bad messages; a replay
// from a timestamp; the broker stopped and restarted in the middle of a session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { runTrading } from '../src/index.js';
import { createPublisher, type QuotePublisher } from '../src/market/publisher.js';
import { kafkaQuotesSchema } from '../src/market/sources/feed-schemas.js';
import { KafkaQuoteSource } from '../src/market/sources/kafka.js';
import type { QuoteSink, QuoteUpdate } from '../src/market/sources/source.js';
import { assertBadMessagesRefused, badMessagesSession } from './helpers/bad-feed-session.js';
import { assertFilledAtMarker, assertSurvivedOutage, markerSession, outageSession } from './helpers/feed-session.js';
import { startKafka, type KafkaService } from './helpers/services.js';
import { freePort } from './helpers/ports.js';
import { until } from './helpers/until.js';

const TICKERS = ['HNXDS:VN30F2606', 'HNXDS:VN30F2609'];
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-kafka-'));
let kafka: KafkaService;
let producer: Producer;
const publishers: QuotePublisher[] = [];
const publisher = async (o: { format?: 'snapshot' | 'compact'; envId?: string; tickers?: string[] } = {}) => {
  const p = await createPublisher(
    { to: 'kafka', brokers: kafka.brokers, envId: o.envId ?? 'real', format: o.format ?? 'snapshot' },
    o.tickers ?? TICKERS,
  );
  publishers.push(p);
  return p;
};
const sendAndFlush = (p: QuotePublisher) => async (t: string, u: QuoteUpdate) => {
  p.send(t, u);
  await p.flush();
};

before(async () => {
  kafka = await startKafka();
  producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
});
after(async () => {
  for (const p of publishers) await p.close().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await kafka?.stop();
});

test('end to end over SASL/SCRAM: a snapshot published to real.HNXDS.VN30F2606 reaches the strategy and a paper buy fills at its ask', async () => {
  const p = await publisher();
  const { username, password } = kafka.user;
  const r = await markerSession({
    tickers: TICKERS,
    logDir,
    name: 'kafka-marker',
    quotes: {
      type: 'kafka',
      brokers: kafka.saslBrokers.join(','),
      envId: 'real',
      username,
      password,
      mechanism: 'scram-sha-512',
    },
    publish: sendAndFlush(p),
  });
  assertFilledAtMarker(r);
  assert.ok(!r.logs.join('\n').includes(password), 'the password is never logged');
});

test('the latest message of each topic fills the board at start; fromTimestamp replays from a time', async () => {
  const p = await publisher({ envId: 'replay', format: 'compact' });
  const send = sendAndFlush(p);
  for (let i = 1; i <= 3; i++) await send(TICKERS[0], { bid: i, ask: i + 1, timestamp: Date.now() });
  await send(TICKERS[1], { bid: 50, ask: 51, timestamp: Date.now() });
  // `from` falls strictly between the two batches' timestamps (ms): wait for the clock to move on
  const sentAt = Date.now();
  await until(() => Date.now() > sentAt, { what: 'the clock to pass the first batch' });
  const from = Date.now();
  await until(() => Date.now() > from, { what: 'the clock to pass fromTimestamp' });
  for (let i = 4; i <= 6; i++) await send(TICKERS[0], { bid: i, ask: i + 1, timestamp: Date.now() });
  const run = async (extra: Record<string, unknown>, last: number) => {
    const got: Array<[string, number | undefined]> = [];
    const sink: QuoteSink = {
      quote: (t, u) => got.push([t, u.bid]),
      malformed: () => undefined,
      status: () => undefined,
    };
    const source = new KafkaQuoteSource(
      kafkaQuotesSchema.parse({ type: 'kafka', brokers: kafka.brokers, envId: 'replay', format: 'compact', ...extra }),
    );
    await source.start(TICKERS, sink);
    const atStart = [...got];
    await until(() => got.some(([t, b]) => t === TICKERS[0] && b === last), {
      what: `bid ${last} on ${TICKERS[0]}`,
      detail: () => JSON.stringify(got),
    });
    await source.close();
    return { atStart, got };
  };
  const latest = await run({}, 6);
  assert.deepEqual(
    latest.atStart.sort(),
    [
      [TICKERS[0], 6],
      [TICKERS[1], 50],
    ],
    'start() resolves with the latest quote of each instrument delivered',
  );
  const replay = await run({ fromTimestamp: new Date(from).toISOString() }, 6);
  assert.deepEqual(
    replay.got.filter(([t]) => t === TICKERS[0]).map(([, b]) => b),
    [4, 5, 6],
  );
});

test('bad messages are counted per reason, never reach the board, and the session goes on', async () => {
  const topic = 'real.hnx-all'; // one topic for both instruments: the message names its symbol
  const r = await badMessagesSession({
    ticker: TICKERS[0],
    quotes: { type: 'kafka', brokers: kafka.brokers, envId: 'real', topic: '{envId}.hnx-all', format: 'compact' },
    logDir,
    name: 'kafka-bad',
    send: (messages) => producer.send({ topic, messages: messages.map((value) => ({ value })) }),
  });
  assertBadMessagesRefused(r);
  assert.ok(Math.max(...r.seenBids) > 110, 'good quotes kept flowing after the bad ones');
});

test('wrong credentials, no broker, no topic: runTrading fails before the session with one clear error', async () => {
  const attempt = (quotes: Record<string, unknown>) =>
    runTrading({
      strategy: () => undefined,
      tickers: TICKERS,
      quotes: { type: 'kafka', envId: 'real', ...quotes },
      runSeconds: 1,
      tradeLogPath: logDir,
      tradeLogName: 'kafka-fail',
      handleSignals: false,
      logger: () => undefined,
    }).then(
      () => assert.fail('started'),
      (e: Error) => e.message,
    );
  const wrong = await attempt({
    brokers: kafka.saslBrokers,
    username: kafka.user.username,
    password: 'not-the-password',
  });
  assert.match(wrong, new RegExp(`${kafka.saslBrokers[0]}.*authentication failed`));
  assert.ok(!wrong.includes('not-the-password'));
  const nobody = await freePort(); // nothing listens there
  assert.match(
    await attempt({ brokers: [`127.0.0.1:${nobody}`] }),
    new RegExp(`127\\.0\\.0\\.1:${nobody}: connection refused`),
  );
  assert.match(
    await attempt({ brokers: kafka.brokers, envId: 'nowhere' }),
    /no topic 'nowhere\.HNXDS\.VN30F2606', 'nowhere\.HNXDS\.VN30F2609'/,
  );
});

test('the broker stopped and restarted mid-session: the ticker goes stale, quotes resume, every order ends', async () => {
  const p = await publisher({ envId: 'outage' }); // its own topics: nothing an earlier test published
  const r = await outageSession({
    tickers: TICKERS,
    logDir,
    name: 'kafka-outage',
    runSeconds: 14,
    quotes: { type: 'kafka', brokers: kafka.brokers, envId: 'outage' },
    publish: async (t, u) => {
      p.send(t, u);
      await p.flush().catch(() => undefined);
    },
    // the broker stays down 1.5 s on purpose: the outage the session must ride out, and what
    // assertSurvivedOutage checks the quote visibly aged by
    outage: async () => {
      await kafka.stop();
      await new Promise((x) => setTimeout(x, 1500));
      await kafka.restart();
    },
  });
  assertSurvivedOutage(r, 1500);
});

test('SASL logins: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 each log in and deliver the latest quote; a wrong password is refused', async () => {
  const p = await publisher({ envId: 'sasl', format: 'compact' });
  p.send(TICKERS[0], { bid: 77, ask: 78, timestamp: Date.now() });
  p.send(TICKERS[1], { bid: 88, ask: 89, timestamp: Date.now() });
  await p.flush();
  const { username, password } = kafka.user;
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const got: Array<[string, number | undefined]> = [];
    const sink: QuoteSink = {
      quote: (t, u) => got.push([t, u.bid]),
      malformed: () => undefined,
      status: () => undefined,
    };
    const login = {
      type: 'kafka',
      brokers: kafka.saslBrokers,
      envId: 'sasl',
      format: 'compact',
      username,
      mechanism,
    } as const;
    const source = new KafkaQuoteSource(kafkaQuotesSchema.parse({ ...login, password }));
    try {
      await source.start(TICKERS, sink);
      assert.deepEqual(
        [...got].sort(),
        [
          [TICKERS[0], 77],
          [TICKERS[1], 88],
        ],
        `${mechanism}: logged in, the latest quotes delivered`,
      );
    } finally {
      await source.close();
    }
    const refused = new KafkaQuoteSource(kafkaQuotesSchema.parse({ ...login, password: `${password}-wrong` }));
    await assert.rejects(
      refused.start(TICKERS, sink).finally(() => refused.close()),
      /authentication failed/i,
      `${mechanism}: a wrong password is refused`,
    );
  }
});

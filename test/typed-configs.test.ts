// Broker and quote configs: one registry per family (a venue's or feed's schema and its loader),
// parsed once into typed values that cross to threads as they are; every mistake is one line
// that reads like any other option's, and hostile input never throws anything else. Broker
// start-up (openBroker) is the session's and diagnose's one way in, checked against real venues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BrokerConnectError } from '../src/brokers/broker.js';
import { brokerConfigSchema, brokerTypes, parseBrokerConfig } from '../src/brokers/index.js';
import { openBroker } from '../src/brokers/open.js';
import { checkOrder } from '../src/execution/validate.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { parseQuoteConfig, quoteSourceTypes } from '../src/market/sources/index.js';
import { freePort } from './helpers/ports.js';

const SEED = Number(process.env.SALVO_FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.SALVO_FUZZ_RUNS ?? 800);

test('one registry per family: the union knows every type, and a type alone parses to its defaults', () => {
  assert.deepEqual(brokerTypes(), ['paper', 'alpaca', 'fix']);
  assert.deepEqual(quoteSourceTypes(), ['sim', 'redis', 'kafka', 'replay', 'alpaca']);
  const paper = parseBrokerConfig('paper');
  assert.equal(paper.type, 'paper');
  assert.ok(paper.type === 'paper'); // narrows: the paper venue's own fields are typed
  assert.deepEqual(
    [paper.cash, paper.latencyMs, paper.requestTimeoutMs, paper.closeAt, paper.timeZone],
    [100_000, 0, 5000, '16:00', 'America/New_York'],
  );
  const alpaca = brokerConfigSchema.parse({ type: 'alpaca' });
  assert.ok(alpaca.type === 'alpaca');
  assert.deepEqual(
    [alpaca.baseUrl, alpaca.paper, alpaca.requestTimeoutMs],
    ['https://paper-api.alpaca.markets', true, 10_000],
  );
  const sim = parseQuoteConfig('sim');
  assert.ok(sim.type === 'sim');
  assert.deepEqual([sim.seed, sim.updatesPerSecond, sim.spreadBps], [1, 10, 2]);
});

test('a parsed config crosses to a thread as it is, and parsing it again changes nothing', () => {
  const brokers = [
    parseBrokerConfig({ type: 'paper', cash: 5000, latencyMs: 3, rateLimitPerMinute: 60 }),
    parseBrokerConfig({ type: 'alpaca', baseUrl: 'http://127.0.0.1:1', keyId: 'k', secretKey: 's', connections: 4 }),
    parseBrokerConfig({ type: 'fix', host: '127.0.0.1', port: 9878, senderCompId: 'S', targetCompId: 'T' }),
  ];
  const quotes = [
    parseQuoteConfig({ type: 'sim', startPrices: { AAPL: 190 } }),
    parseQuoteConfig({ type: 'redis', url: 'redis://127.0.0.1:6390/2', channel: 'md.{symbol}' }),
    parseQuoteConfig({
      type: 'kafka',
      brokers: 'a:9092, b:9092',
      envId: 'real',
      ssl: { rejectUnauthorized: false },
      fromTimestamp: '2026-01-02T00:00:00Z',
    }),
    parseQuoteConfig({ type: 'replay', file: 'quotes.csv', speed: 0 }),
    parseQuoteConfig({ type: 'alpaca', feed: 'sip' }),
  ];
  for (const [configs, parse] of [
    [brokers, parseBrokerConfig],
    [quotes, parseQuoteConfig],
  ] as const) {
    for (const config of configs) {
      assert.deepEqual(structuredClone(config), config, `${config.type}: a structured clone is the same config`);
      assert.deepEqual(parse(config), config, `${config.type}: a second parse changes nothing`);
    }
  }
});

test('a config problem is one line named under broker. / quotes., as runTrading says it', () => {
  const problem = (parse: () => unknown) => {
    try {
      parse();
    } catch (error) {
      assert.ok(error instanceof Error);
      return error.message;
    }
    assert.fail('no problem reported');
  };
  assert.equal(
    problem(() => parseBrokerConfig('ibkr')),
    "broker type must be one of 'paper' | 'alpaca' | 'fix'; got 'ibkr'",
  );
  // own keys only: Object.prototype's names are no venue
  assert.match(
    problem(() => parseBrokerConfig({ type: 'constructor' })),
    /^broker type must be one of .*; got 'constructor'$/,
  );
  assert.equal(
    problem(() => parseBrokerConfig({ type: 'paper', latency: 5 })),
    "unknown option 'broker.latency' (did you mean 'latencyMs'?)",
  );
  assert.equal(
    problem(() => parseBrokerConfig({ cash: 1 })),
    "broker needs a type: 'paper' | 'alpaca' | 'fix'",
  );
  assert.equal(
    problem(() => parseQuoteConfig({ type: 'sim', volatility: 11 })),
    'quotes.volatility must be at most 10; got 11',
  );
  const fix = problem(() =>
    parseBrokerConfig({ type: 'fix', host: 'h', port: 1, senderCompId: 'S', targetCompId: 'T', password: 73_914_226 }),
  );
  assert.equal(fix, 'broker.password must be a string; got a number (not shown: a credential)');
});

test("an order's problems read through the same formatter; a key named like Object.prototype's is an unknown field", () => {
  const view = {
    hasTicker: (t: string) => t === 'AAPL',
    position: () => 0,
    closingInFlight: () => 0,
    touch: () => ({ bid: 99, ask: 101 }),
  };
  const reason = (raw: unknown) => {
    const verdict = checkOrder(raw, view);
    assert.ok(!verdict.ok);
    return verdict.reason;
  };
  const mkt = { ticker: 'AAPL', quantity: 1, side: 'buy', orderType: 'market' };
  assert.equal(reason({ ...mkt, toString: 1 }), "unknown field 'toString'");
  // notional orders exist now (on brokers that take them): both sizes at once is the problem named
  assert.equal(reason({ ...mkt, notional: 100 }), 'give quantity or notional, not both');
  assert.equal(reason({ ...mkt, side: 'long' }), "side must be one of 'buy' | 'sell'; got 'long'");
});

/** strings no generator produces by chance, derived from a seeded nonce */
const digest = (nonce: number, i: number) => createHash('sha256').update(`${SEED}:${nonce}:${i}`).digest('hex');

test('hostile configs: a typed config of a known type, or an Error of one line naming no planted credential', () => {
  const families = [
    { parse: parseBrokerConfig, types: brokerTypes() },
    { parse: parseQuoteConfig, types: quoteSourceTypes() },
  ];
  const anyTypes = [...brokerTypes(), ...quoteSourceTypes(), 'constructor', '__proto__', ''];
  const config = fc.record(
    {
      type: fc.oneof(fc.constantFrom(...anyTypes), fc.anything()),
      extra: fc.dictionary(fc.string({ maxLength: 12 }), fc.anything({ maxDepth: 2 }), { maxKeys: 4 }),
      nonce: fc.integer({ min: 0, max: 2 ** 30 }),
      where: fc.constantFrom('secretKey', 'password', 'url'),
    },
    { noNullPrototype: true },
  );
  fc.assert(
    fc.property(fc.oneof(config, fc.anything()), (input) => {
      let value: unknown = input;
      let secret: string | undefined;
      if (input && typeof input === 'object' && 'nonce' in input && 'extra' in input) {
        const c = input as { type: unknown; extra: Record<string, unknown>; nonce: number; where: string };
        secret = `Sk${digest(c.nonce, 1).slice(0, 18)}`;
        const planted = c.where === 'url' ? `redis://u:${secret}@h:6379` : secret;
        value = { ...c.extra, type: c.type, [c.where]: planted };
      }
      for (const { parse, types } of families) {
        let parsed: { type: string } | undefined;
        try {
          parsed = parse(value);
        } catch (error) {
          assert.ok(error instanceof Error, `not an Error: ${String(error)}`);
          assert.ok(!error.message.includes('\n'), `more than one line: ${error.message}`);
          if (secret) assert.ok(!error.message.includes(secret.slice(0, 8)), `a credential shown: ${error.message}`);
          continue;
        }
        assert.ok(types.includes(parsed.type), `parsed to an unknown type ${parsed.type}`);
      }
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test('openBroker: the paper venue opened as a session opens it answers with its configured cash; close() ends it', async () => {
  const board = new QuoteBoard(['AAPL']);
  const updates: string[] = [];
  const opened = await openBroker(parseBrokerConfig({ type: 'paper', cash: 12_345 }), {
    board: { buffer: board.buffer, tickers: board.tickers },
    onUpdate: (u) => updates.push(u.event),
  });
  try {
    assert.ok(opened.hub, 'the paper venue has a hub: execution workers take links from it');
    assert.equal((await opened.broker.account()).cash, 12_345);
  } finally {
    await opened.close();
  }
  await assert.rejects(opened.broker.account(), 'a closed client answers nothing');
});

test('openBroker: a start that fails says why (a FIX acceptor nobody runs), or which step outlasted timeoutMs', async () => {
  const board = new QuoteBoard(['AAPL']);
  const shared = { buffer: board.buffer, tickers: board.tickers };
  const port = await freePort(); // nobody listens there
  const fix = (extra: Record<string, unknown>) =>
    parseBrokerConfig({ type: 'fix', host: '127.0.0.1', port, senderCompId: 'S', targetCompId: 'T', ...extra });
  await assert.rejects(openBroker(fix({ connectTimeoutSeconds: 0.5 }), { board: shared }), (error: Error) => {
    assert.ok(error instanceof BrokerConnectError, error.name);
    assert.match(error.message, new RegExp(`${port}`));
    return true;
  });
  await assert.rejects(
    openBroker(fix({ connectTimeoutSeconds: 600, reconnectSeconds: 0.1 }), { board: shared, timeoutMs: 4000 }),
    // the step that outlasted it: on a loaded machine even the FIX thread's start may
    /^Error: fix (broker|venue): no answer within 4 s$/,
  );
});

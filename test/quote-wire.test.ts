// The message formats, channel / topic naming and quote files shared by the Redis, Kafka and
// replay feeds: no service needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressOf, globFor, QuoteInbox, splitTicker } from '../src/market/sources/addressing.js';
import { decodeQuote, encodeQuote } from '../src/market/sources/wire-format.js';
import { kafkaQuotesSchema, redisQuotesSchema, replayQuotesSchema } from '../src/market/sources/feed-schemas.js';
import { QuoteBoard } from '../src/market/quote-board.js';
import { BoardSink } from '../src/market/quote-sink.js';
import { quoteFileLine, QuoteRowParser, quoteFileHeader } from '../src/market/quote-file.js';
import { parseOptions, type SalvoOptionsError } from '../src/session/options.js';

const SNAPSHOT = {
  instrument: 'HNXDS:VN30F2606',
  latest_matched_price: 1201.5,
  latest_matched_quantity: 3,
  bid_price_1: 1201.4,
  bid_price_2: 1201.3,
  bid_price_3: 1201.2,
  bid_quantity_1: 10,
  bid_quantity_2: 20,
  bid_quantity_3: 30,
  ask_price_1: 1201.6,
  ask_price_2: 1201.7,
  ask_price_3: 1201.8,
  ask_quantity_1: 11,
  ask_quantity_2: 21,
  ask_quantity_3: 31,
  ref_price: 1190,
  spread: 0.2,
  total_matched_quantity: 45678,
  timestamp: 1_760_000_000_000,
};

test('snapshot format: every QuoteSnapshot field lands on its board field', () => {
  const d = decodeQuote(JSON.stringify(SNAPSHOT), 'snapshot');
  assert.ok(typeof d !== 'string');
  assert.equal(d.symbol, 'HNXDS:VN30F2606');
  assert.deepEqual(d.update, {
    last: 1201.5,
    lastSize: 3,
    bid: 1201.4,
    bid2: 1201.3,
    bid3: 1201.2,
    bidSize: 10,
    bidSize2: 20,
    bidSize3: 30,
    ask: 1201.6,
    ask2: 1201.7,
    ask3: 1201.8,
    askSize: 11,
    askSize2: 21,
    askSize3: 31,
    refPrice: 1190,
    volume: 45678,
    timestamp: 1_760_000_000_000,
  });
  // and back: the publisher's message decodes to the same update
  const again = decodeQuote(encodeQuote('HNXDS:VN30F2606', d.update, 'snapshot'), 'snapshot');
  assert.ok(typeof again !== 'string');
  assert.deepEqual(again.update, d.update);
});

test('compact format, timestamps in seconds / µs / ISO, numeric strings, and what is not a quote', () => {
  const d = decodeQuote(
    '{"symbol":"AAPL","bid":"189.5","ask":189.6,"bidSize":5,"askSize":7,"last":189.55,"ts":1760000000}',
    'compact',
  );
  assert.ok(typeof d !== 'string');
  assert.deepEqual(d, {
    symbol: 'AAPL',
    update: { bid: 189.5, ask: 189.6, bidSize: 5, askSize: 7, last: 189.55, timestamp: 1_760_000_000_000 },
  });
  const us = decodeQuote('{"bid":1,"ts":1760000000123456}', 'compact');
  assert.ok(typeof us !== 'string' && us.update.timestamp === 1_760_000_000_123.456);
  const iso = decodeQuote('{"bid":1,"time":"2025-10-09T08:53:20.000Z"}', 'compact');
  assert.ok(typeof iso !== 'string' && iso.update.timestamp === Date.parse('2025-10-09T08:53:20.000Z'));
  assert.equal(decodeQuote('{"bid": 1,', 'compact'), 'malformed JSON');
  assert.equal(decodeQuote('[1,2]', 'compact'), 'malformed JSON');
  assert.equal(decodeQuote('{"bid_price_1": 5}', 'compact'), 'no compact quote fields');
  const nan = decodeQuote('{"bid": true}', 'compact');
  assert.ok(typeof nan !== 'string' && Number.isNaN(nan.update.bid), 'a non-number is NaN, for the sink to reject');
});

test('channel and topic names: EXCHANGE:SYMBOL tickers, templates, globs', () => {
  assert.deepEqual(splitTicker('HNXDS:VN30F2606'), { exchange: 'HNXDS', symbol: 'VN30F2606' });
  assert.equal(addressOf('{ticker}', 'HNXDS:VN30F2606'), 'HNXDS:VN30F2606');
  assert.equal(addressOf('{envId}.{exchange}.{symbol}', 'HNXDS:VN30F2602', { envId: 'real' }), 'real.HNXDS.VN30F2602');
  assert.equal(addressOf('{envId}.{exchange}.{symbol}', 'AAPL', { envId: 'real' }), 'real.AAPL');
  assert.equal(addressOf('quotes:{symbol}', 'HSX:MWG'), 'quotes:MWG');
  assert.equal(globFor(['HNXDS:VN30F2606', 'HNXDS:VN30F2609']), 'HNXDS:VN30F260*');
  assert.equal(globFor(['q:AAPL:last', 'q:MSFT:last']), 'q:*:last');
  assert.equal(globFor(['a[1]', 'a[2]']), 'a\\[*\\]');
  assert.equal(globFor(['AB', 'ABC']), 'AB*');
});

test('inbox: one channel per instrument, a shared channel routed by symbol, bad messages counted and kept off the board', () => {
  const board = new QuoteBoard(['HNXDS:VN30F2606', 'HSX:MWG', 'HSX:FPT']);
  const sink = new BoardSink(board);
  const inbox = new QuoteInbox(board.tickers, '{exchange}', {}, 'compact', true, sink);
  assert.equal(
    inbox.deliver('HNXDS', '{"symbol":"VN30F2606","bid":10,"ask":11,"ts":1760000001000}'),
    'HNXDS:VN30F2606',
  );
  assert.equal(inbox.deliver('HSX', '{"symbol":"MWG","bid":50,"ask":51,"ts":1760000001000}'), 'HSX:MWG');
  assert.equal(inbox.deliver('HSX', '{"symbol":"HSX:FPT","bid":90,"ask":91,"ts":1760000001000}'), 'HSX:FPT');
  assert.equal(inbox.deliver('somebody-else', '{"bid":1}'), undefined, 'a channel nobody asked for is ignored');
  assert.equal(
    inbox.deliver('HNXDS', '{"symbol":"VN30F2609","bid":1,"ask":2}'),
    'VN30F2609',
    'a shared channel checks the symbol even for one instrument',
  );
  inbox.deliver('HSX', '{"bid":1,"ask":2}'); // shared channel, no symbol
  inbox.deliver('HSX', '{"symbol":"VIC","bid":1,"ask":2}'); // not on the board
  inbox.deliver('HNXDS', '{"symbol":"VN30F2606","bid":"NaN","ask":11}');
  inbox.deliver('HNXDS', '{"symbol":"VN30F2606","bid":-1}');
  inbox.deliver('HNXDS', '{"symbol":"VN30F2606","bid":12,"ask":11.5}');
  inbox.deliver('HNXDS', '{"symbol":"VN30F2606","bid":9,"ts":1760000000999}');
  inbox.deliver('HNXDS', 'garbage');
  // mergeUpdates: a message with only the ask moves only the ask
  inbox.deliver('HNXDS', '{"symbol":"VN30F2606","ask":10.5,"ts":1760000001001}');
  assert.deepEqual(sink.malformedCounts(), {
    'no symbol': 1,
    'unknown symbol': 2,
    'non-finite value': 1,
    'negative price or size': 1,
    'crossed quote': 1,
    'out-of-order timestamp': 1,
    'malformed JSON': 1,
  });
  const q = board.read(board.slotOf('HNXDS:VN30F2606'));
  assert.deepEqual([q.bid, q.ask, q.timestamp, q.updates], [10, 10.5, 1760000001001, 2]);
  // without mergeUpdates a message is the whole quote
  const whole = new QuoteInbox(board.tickers, '{ticker}', {}, 'compact', false, sink);
  whole.deliver('HSX:MWG', '{"bid":49,"ts":1760000002000}');
  const m = board.read(board.slotOf('HSX:MWG'));
  assert.deepEqual([m.bid, m.ask, m.last], [49, 0, 0]);
});

test('quote files: CSV and NDJSON lines written by the recorder parse back to the same update', () => {
  const update = { bid: 1.5, ask: 1.6, bidSize: 3, timestamp: 1_760_000_000_000, volume: 10 };
  for (const kind of ['csv', 'ndjson'] as const) {
    const parser = new QuoteRowParser(kind);
    if (kind === 'csv') assert.equal(parser.header(quoteFileHeader(kind).trim()), undefined);
    const row = parser.row(quoteFileLine(kind, 'HSX:MWG', update).trim());
    assert.deepEqual(row, { ticker: 'HSX:MWG', update }, kind);
  }
  const snap = new QuoteRowParser('csv');
  snap.header('instrument,timestamp,bid_price_1,ask_price_1,ref_price');
  assert.deepEqual(snap.row('"HNXDS:VN30F2606",2025-10-09T08:53:20Z,1200,1201,'), {
    ticker: 'HNXDS:VN30F2606',
    update: { timestamp: Date.parse('2025-10-09T08:53:20Z'), bid: 1200, ask: 1201 },
  });
  assert.match(new QuoteRowParser('csv').header('a,b,c') ?? '', /no ticker column/);
});

test('runTrading options: the new quote types are validated before a session starts', () => {
  const base = { strategy: () => undefined, tickers: ['HNXDS:VN30F2606'] };
  assert.equal(
    parseOptions({ ...base, quotes: { type: 'redis', host: 'localhost', port: 6379 } }).quotes.type,
    'redis',
  );
  const k = parseOptions({
    ...base,
    quotes: { type: 'kafka', brokers: 'a:9092,b:9092', envId: 'real', fromTimestamp: '2025-10-09T00:00:00Z' },
  }).quotes;
  assert.ok(k.type === 'kafka');
  assert.deepEqual(
    [k.brokers, k.fromTimestamp, k.topic, k.format],
    [['a:9092', 'b:9092'], Date.parse('2025-10-09T00:00:00Z'), '{envId}.{exchange}.{symbol}', 'snapshot'],
  );
  assert.equal(replayQuotesSchema.parse({ type: 'replay', file: 'q.csv' }).speed, 1);
  const problems = (quotes: unknown) => {
    try {
      parseOptions({ ...base, quotes });
    } catch (e) {
      return (e as SalvoOptionsError).problems.join('\n');
    }
    return '';
  };
  assert.match(problems({ type: 'redis', url: 'redis://x', host: 'y' }), /quotes.url or quotes.host/);
  assert.match(problems({ type: 'redis', channel: 'md.{sym}' }), /unknown placeholder \{sym\}/);
  assert.match(problems({ type: 'redis', format: 'fix' }), /quotes.format must be one of 'snapshot' \| 'compact'/);
  assert.match(problems({ type: 'kafka', brokers: [], envId: 'real' }), /quotes.brokers/);
  assert.match(
    problems({ type: 'kafka', brokers: 'a:1', envId: 'real', username: 'u' }),
    /username and quotes.password go together/,
  );
  assert.match(problems({ type: 'replay', file: 'x.csv', speed: -1 }), /quotes.speed/);
  assert.ok(redisQuotesSchema.safeParse({ type: 'redis', pattern: true }).success);
  assert.ok(
    !kafkaQuotesSchema.safeParse({ type: 'kafka', brokers: 'a:1', envId: 'real', fromTimestamp: 'yesterday' }).success,
  );
});

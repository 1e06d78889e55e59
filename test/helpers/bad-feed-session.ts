// The hostile-feed session the Redis and Kafka tests share: good compact quotes on one instrument
// every 40 ms, and once the session is trading, one message of each kind a feed must refuse.
import assert from 'node:assert/strict';
import { runTrading, type RunTradingOptions } from '../../src/index.js';

/** a good message for `VN30F2606`: bid 100 + i, ask 101 + i, stamped now */
const good = (i: number) => JSON.stringify({ symbol: 'VN30F2606', bid: 100 + i, ask: 101 + i, ts: Date.now() });

/** one message per reason the feed counts; their bids are 5, -3, 9, 11 and 13 */
const badMessages = () => [
  '{"symbol":"VN30F2606","bid":', // malformed JSON
  JSON.stringify({ symbol: 'VN30F9999', bid: 5, ask: 6 }), // unknown symbol
  JSON.stringify({ symbol: 'VN30F2606', bid: 'n/a', ask: 7 }), // NaN
  JSON.stringify({ symbol: 'VN30F2606', bid: -3, ask: 8 }), // negative
  JSON.stringify({ symbol: 'VN30F2606', bid: 9, ask: 4 }), // crossed
  JSON.stringify({ symbol: 'VN30F2606', bid: 11, ask: 12, ts: Date.now() - 60_000 }), // out of order
  JSON.stringify({ bid: 13, ask: 14 }), // no symbol on a shared channel
];

/**
 * Runs a 1.5 s session on `ticker` (the feed's `VN30F2606`) over `quotes` while `send` publishes:
 * a first good message before it starts, then a good one every 40 ms, the bad ones with the
 * good one after the strategy's tenth tick. Returns the report, every bid the strategy saw, whether
 * the bad ones went out and how many good ones did.
 */
export async function badMessagesSession(o: {
  ticker: string;
  quotes: RunTradingOptions['quotes'];
  logDir: string;
  name: string;
  send: (messages: string[]) => Promise<unknown>;
}) {
  const seenBids = new Set<number>();
  let tick = 0;
  let sentBad = false;
  let goodSent = 0;
  await o.send([good(goodSent++)]);
  const drive = setInterval(() => {
    const messages = [good(goodSent++)];
    if (tick >= 10 && !sentBad) {
      sentBad = true;
      messages.push(...badMessages());
    }
    void o.send(messages).catch(() => undefined);
  }, 40);
  const report = await runTrading({
    strategy: (ctx) => {
      tick = ctx.tick;
      const q = ctx.getCurrentData().quotes[o.ticker];
      if (q) seenBids.add(q.bid);
    },
    tickers: [o.ticker],
    quotes: o.quotes,
    frequency: '20ms',
    runSeconds: 1.5,
    warmUpPeriod: '5s',
    tradeLogPath: o.logDir,
    tradeLogName: o.name,
    handleSignals: false,
    logger: () => undefined,
  }).finally(() => clearInterval(drive));
  return { report, seenBids, sentBad, goodSent };
}

/** each bad message counted once under its reason, and none of their bids on the board */
export function assertBadMessagesRefused(r: Awaited<ReturnType<typeof badMessagesSession>>): void {
  assert.ok(r.sentBad);
  assert.deepEqual(r.report.malformedQuotes, {
    'malformed JSON': 1,
    'unknown symbol': 1,
    'non-finite value': 1,
    'negative price or size': 1,
    'crossed quote': 1,
    'out-of-order timestamp': 1,
    'no symbol': 1,
  });
  for (const b of [5, -3, 9, 11, 13]) assert.ok(!r.seenBids.has(b), `bad bid ${b} never on the board`);
}

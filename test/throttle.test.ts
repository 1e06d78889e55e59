import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Throttle } from '../src/execution/throttle.js';
import { TokenBucket } from '../src/util/token-bucket.js';
import type { Order } from '../src/orders/order.js';
import { parseOptions } from '../src/session/options.js';
import { until } from './helpers/until.js';

const leg = (n: number) => ({ clientOrderId: `o${n}` }) as Order;

test('token bucket refills smoothly and never lends beyond its capacity', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 600, () => now); // 10 per second
  assert.ok(bucket.tryTake(10));
  assert.equal(bucket.tryTake(1), false);
  now = 100;
  assert.equal(bucket.available(), 1);
  assert.equal(bucket.msUntil(3), 200);
  now = 100_000;
  assert.equal(bucket.available(), 10);
  bucket.pauseFor(500);
  assert.equal(bucket.msUntil(1), 600);
});

test("throttle: a block within budget leaves at once, in the caller's stack; a backlog leaves in arrival order as tokens come back", async () => {
  // the bucket's clock only moves when the test moves it: what leaves is decided by tokens, not by load
  let now = 0;
  const sent: string[] = [];
  const bucket = new TokenBucket(4, 1200, () => now); // 20 per second (one per 50 ms), 4 at once
  const throttle = new Throttle(bucket, (legs) => {
    for (const l of legs) sent.push(l.clientOrderId);
  });
  throttle.send([leg(1), leg(2), leg(3)]);
  assert.deepEqual(sent, ['o1', 'o2', 'o3'], 'sent synchronously');
  throttle.send([leg(4), leg(5)]); // 1 token left: the whole block waits, it is not split
  throttle.send([leg(6)]); // behind it, even when a token would do
  assert.deepEqual(sent, ['o1', 'o2', 'o3']);
  assert.equal(throttle.backlog, 3);
  now = 50; // one more token: the block of two can go, o6 has none left
  await until(() => sent.length >= 5, { what: 'the block o4, o5 to leave once its second token is there' });
  assert.deepEqual(sent, ['o1', 'o2', 'o3', 'o4', 'o5']);
  assert.equal(throttle.backlog, 1, 'o6 waits for its own token');
  now = 100;
  await until(() => sent.length >= 6, { what: 'o6 to leave with the next token' });
  assert.deepEqual(sent, ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']);
  assert.equal(throttle.backlog, 0);
  await throttle.stop();
});

test('throttle: blocks larger than the bucket go out in chunks; dropWaiting hands back what never left', async () => {
  const sent: string[] = [];
  const throttle = new Throttle(new TokenBucket(3, 60), (legs) => {
    for (const l of legs) sent.push(l.clientOrderId);
  });
  throttle.send([1, 2, 3, 4, 5, 6, 7].map(leg));
  assert.deepEqual(sent, ['o1', 'o2', 'o3']);
  const never = throttle.dropWaiting().map((o) => o.clientOrderId);
  assert.deepEqual(never, ['o4', 'o5', 'o6', 'o7']);
  await throttle.stop();
});

test("the venue's own count overrides ours: a 429 pauses the bucket, low remaining caps it", () => {
  let now = 0;
  const bucket = new TokenBucket(10, 600, () => now);
  const throttle = new Throttle(bucket, () => undefined);
  throttle.venueSays({ retryAfterMs: 2000 });
  assert.equal(bucket.msUntil(1), 2100, 'nothing leaves for the 2 s the venue asked, then the next token');
  now = 100_000;
  throttle.venueSays({ remaining: 3, resetAt: Date.now() + 1000 });
  assert.equal(bucket.available(), 3);
  void throttle.stop();
});

test('token bucket edges: more than the capacity is never taken, however long one waits; a failed take takes nothing', () => {
  let now = 0;
  const bucket = new TokenBucket(5, 300, () => now); // 5 per second
  assert.equal(bucket.tryTake(6), false);
  assert.equal(bucket.available(), 5, 'the refused take left every token in place');
  now = 1e9;
  assert.equal(bucket.tryTake(6), false, 'the bucket never holds more than its capacity');
  assert.ok(bucket.tryTake(5));
  assert.equal(bucket.available(), 0);
});

test('the throttle never asks the bucket for more than its capacity: a block of capacity + 1 leaves as a full chunk, then one', async () => {
  let now = 0;
  const sent: string[][] = [];
  const throttle = new Throttle(new TokenBucket(3, 60, () => now), (legs) =>
    sent.push(legs.map((l) => l.clientOrderId)),
  );
  throttle.send([1, 2, 3, 4].map(leg));
  assert.deepEqual(sent, [['o1', 'o2', 'o3']]);
  now = 1000; // one token back at 1 per second
  await until(() => sent.length === 2, { what: 'the fourth leg to leave with its token' });
  assert.deepEqual(sent[1], ['o4']);
  await throttle.stop();
});

test('a venue saying 0 remaining with a reset already past does not pause the bucket beyond its own rate', () => {
  const now = 0;
  const bucket = new TokenBucket(10, 600, () => now); // one token per 100 ms
  const throttle = new Throttle(bucket, () => undefined);
  throttle.venueSays({ remaining: 0, resetAt: Date.now() - 5_000 });
  assert.equal(bucket.available(), 0, 'nothing left now, as the venue says');
  assert.ok(
    bucket.msUntil(1) <= 100,
    `the next token comes at the bucket's own rate, not after a pause: ${bucket.msUntil(1)} ms`,
  );
  throttle.venueSays({ remaining: 0, resetAt: Date.now() + 2_000 });
  assert.ok(bucket.msUntil(1) >= 2_000, 'a reset in the future pauses until then');
  void throttle.stop();
});

test("the default burst is a minute's allowance less one, at least 1; an explicit burst is kept", () => {
  const base = { strategy: () => undefined, tickers: ['AAPL'] };
  assert.equal(parseOptions(base).burst, 199, 'ordersPerMinute defaults to 200');
  assert.equal(parseOptions({ ...base, ordersPerMinute: 60 }).burst, 59);
  assert.equal(parseOptions({ ...base, ordersPerMinute: 1 }).burst, 1);
  assert.equal(parseOptions({ ...base, ordersPerMinute: 0.5 }).burst, 1);
  assert.equal(parseOptions({ ...base, ordersPerMinute: 60.9 }).burst, 59);
  assert.equal(parseOptions({ ...base, ordersPerMinute: 60, burst: 5 }).burst, 5);
});

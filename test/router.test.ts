import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../src/execution/router.js';
import { TokenBucket } from '../src/execution/token-bucket.js';
import type { Order } from '../src/execution/order.js';

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

test('router: a block within budget leaves at once, in the caller\'s stack; a backlog leaves in arrival order at the rate', async () => {
  const sent: Array<{ id: string; at: number }> = [];
  const bucket = new TokenBucket(4, 1200); // 20 per second, 4 at once
  const router = new Router(bucket, (legs) => legs.forEach((l) => sent.push({ id: l.clientOrderId, at: performance.now() })));
  const t0 = performance.now();
  router.send([leg(1), leg(2), leg(3)]);
  assert.deepEqual(sent.map((s) => s.id), ['o1', 'o2', 'o3'], 'sent synchronously');
  router.send([leg(4), leg(5)]); // 1 token left: the whole block waits, it is not split
  router.send([leg(6)]);          // behind it, even when a token would do
  assert.equal(router.backlog, 3);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(sent.map((s) => s.id), ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']);
  const at = (id: string) => sent.find((s) => s.id === id)!.at - t0;
  assert.ok(at('o4') >= 45, `o4 left at ${at('o4').toFixed(1)} ms: needed 1 more token at 20/s`);
  assert.ok(at('o6') >= at('o5'));
  assert.equal(router.backlog, 0);
  await router.stop();
});

test('router: blocks larger than the bucket go out in chunks; dropWaiting hands back what never left', async () => {
  const sent: string[] = [];
  const router = new Router(new TokenBucket(3, 60), (legs) => legs.forEach((l) => sent.push(l.clientOrderId)));
  router.send([1, 2, 3, 4, 5, 6, 7].map(leg));
  assert.deepEqual(sent, ['o1', 'o2', 'o3']);
  const never = router.dropWaiting().map((o) => o.clientOrderId);
  assert.deepEqual(never, ['o4', 'o5', 'o6', 'o7']);
  await router.stop();
});

test('the venue\'s own count overrides ours: a 429 pauses the bucket, low remaining caps it', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 600, () => now);
  const router = new Router(bucket, () => undefined);
  router.venueSays({ retryAfterMs: 2000 });
  assert.equal(bucket.msUntil(1), 2100, 'nothing leaves for the 2 s the venue asked, then the next token');
  now = 100_000;
  router.venueSays({ remaining: 3, resetAt: Date.now() + 1000 });
  assert.equal(bucket.available(), 3);
  void router.stop();
});

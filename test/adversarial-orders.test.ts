// Random and hostile strategy output, generated (fast-check, fixed seeds): whatever a strategy
// returns, reading and checking it never throws, and a whole session on random blocks ends with
// exactly one terminal row per order and the end of session run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ordersFrom } from '../src/session/context.js';
import { checkOrder, type PositionView } from '../src/execution/validate.js';
import { runTrading } from '../src/index.js';
import { byOrder, readLog } from './helpers/trade-log.js';

const TICKERS = ['AAPL', 'MSFT'];
const view: PositionView = {
  hasTicker: (t) => TICKERS.includes(t),
  position: () => 0,
  closingInFlight: () => 0,
  touch: () => ({ bid: 100, ask: 100.1 }),
};
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-adversarial-orders-'));

/**
 * Hostile values are generated as recipes and built inside the property: fast-check itself inspects
 * what it generates, and a revoked Proxy would throw in fast-check, not in salvo.
 */
class Hostile {
  constructor(
    readonly kind: 'proxy' | 'getter' | 'null-prototype' | 'revoked',
    readonly message: string,
  ) {}
  build(): unknown {
    const fail = () => {
      throw new Error(this.message);
    };
    switch (this.kind) {
      case 'proxy':
        return new Proxy({}, { get: fail, ownKeys: fail, has: fail, getOwnPropertyDescriptor: fail });
      case 'getter':
        return Object.defineProperty({ quantity: 1, side: 'buy', orderType: 'market' }, 'ticker', {
          enumerable: true,
          get: fail,
        });
      case 'null-prototype':
        return Object.assign(Object.create(null) as object, { ticker: 'AAPL', quantity: 1 });
      case 'revoked': {
        const r = Proxy.revocable({}, {});
        r.revoke();
        return r.proxy;
      }
    }
  }
}
const hostile = fc
  .tuple(fc.constantFrom('proxy', 'getter', 'null-prototype', 'revoked' as const), fc.string())
  .map(([kind, m]) => new Hostile(kind, m));

/** the value with every recipe in it (itself, a leg, a field of a leg) built */
function build(value: unknown): unknown {
  if (value instanceof Hostile) return value.build();
  if (Array.isArray(value)) return value.map(build);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, build(v)]));
  }
  return value;
}
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 1e-12, 1e308, Number.NaN, Infinity),
  fc.bigInt().map((b) => b as unknown as number),
);
const orderLike = fc.record(
  {
    ticker: fc.oneof(fc.constantFrom(...TICKERS), fc.string(), fc.anything()),
    quantity: fc.oneof(number, fc.anything()),
    side: fc.oneof(fc.constantFrom('buy', 'sell'), fc.anything()),
    orderType: fc.oneof(fc.constantFrom('market', 'limit'), fc.anything()),
    limitPrice: fc.oneof(number, hostile),
    action: fc.oneof(
      fc.constantFrom('buy_long', 'sell_long', 'short_sell', 'cover_short', 'liquidate', 'buy_to_cover'),
      fc.string(),
    ),
    timeInForce: fc.constantFrom('day', 'gtc', 'ioc', 'fok', 'week'),
  },
  { requiredKeys: [] },
);
const result = fc.oneof(
  fc.anything(),
  hostile,
  orderLike,
  fc.array(fc.oneof(orderLike, hostile, fc.anything()), { maxLength: 20 }),
);

test('property: reading and checking any strategy result never throws; what passes is a sendable order', () => {
  fc.assert(
    fc.property(result, (recipe) => {
      const { orders, error } = ordersFrom(build(recipe));
      assert.ok(error === undefined || typeof error === 'string');
      for (const raw of orders) {
        const verdict = checkOrder(raw, view);
        if (verdict.ok) {
          assert.ok(TICKERS.includes(verdict.order.ticker));
          assert.ok(Number.isFinite(verdict.order.quantity) && verdict.order.quantity > 0);
        } else {
          assert.equal(typeof verdict.reason, 'string');
          assert.ok(verdict.reason.length > 0);
        }
      }
    }),
    { seed: 1729, numRuns: 3000 },
  );
});

test('property: a session fed random blocks ends with one terminal row per order and liquidates what filled', async () => {
  const block = fc.array(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          ticker: fc.constantFrom(...TICKERS),
          quantity: fc.integer({ min: 1, max: 5 }),
          side: fc.constant('buy'),
          orderType: fc.constant('market'),
        }),
      },
      orderLike,
      hostile,
    ),
    { maxLength: 12 },
  );
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(block, { minLength: 1, maxLength: 4 }), async (blocks) => {
      const name = `random-${++run}`;
      const report = await runTrading({
        strategy: (ctx) => build(blocks[ctx.tick - 1]) as never,
        tickers: TICKERS,
        frequency: '50ms',
        runSeconds: 0.25,
        warmUpPeriod: 2,
        ordersPerMinute: 100_000,
        tradeLogPath: logDir,
        tradeLogName: name,
        logger: () => undefined,
      });
      const orders = byOrder(readLog(report.tradeLogFile));
      for (const h of orders.values())
        assert.equal(h.terminal.length, 1, `${name} ${h.id}: ${h.rows.map((r) => r.status).join(' → ')}`);
      assert.equal(report.orders.total, orders.size);
      assert.equal(report.orders.open, 0);
      assert.deepEqual(report.positions, [], `${name}: liquidated`);
    }),
    { seed: 4242, numRuns: 8 },
  );
});

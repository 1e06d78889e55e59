// The fault suite, with real processes: runners in child processes against salvo's exchange in
// another (Alpaca face, 10 % 5xx and 5 % lost answers injected), killed with SIGKILL at seeded
// random instants — while starting or resuming, during a block's sends and retries, during the
// end of session — and resumed each time; three sessions one after the other, each in its own tickers.
// After each session's last resume: every order the exchange saw has exactly one terminal row in
// the CSV that agrees with the venue, no client order id reached the exchange twice, salvo's
// positions equal the exchange's, no journal record was half-written (a torn tail made on purpose
// is cut with a warning). More kills: bench/crash.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exchangeProcess, killChain, type ExchangeProcess } from './helpers/fault-chain.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-crash-'));
// a runner needs seconds to start on a 2-core machine: 30 kills take ~2 minutes (~4 on a loaded one)
const CHAINS = [
  { seed: 1, tickers: ['AAPL', 'MSFT'], tearAt: 3 },
  { seed: 2, tickers: ['NVDA', 'AMZN'], tearAt: 5 },
  { seed: 3, tickers: ['GOOGL', 'META'], tearAt: 2 },
];
const KILLS = 10;
let ex: ExchangeProcess;
after(async () => {
  await ex?.close();
});

test(`${CHAINS.length} sessions killed ${KILLS} times each at random instants, resumed each time: complete CSV, no duplicate, positions equal the venue's`, {
  timeout: 600_000,
}, async () => {
  ex = await exchangeProcess({ failureRate: 0.1, timeoutRate: 0.05 });
  const results = [];
  for (const [i, chain] of CHAINS.entries())
    results.push(
      await killChain(ex, { dir, name: `chain-${i}`, kills: KILLS, startMs: 4000, tradingMs: 2000, ...chain }),
    );
  for (const [i, r] of results.entries()) {
    assert.deepEqual(r.problems, [], `chain ${i}`);
    assert.equal(r.kills, KILLS, `chain ${i}`);
    assert.deepEqual(r.duplicated, [], `chain ${i}: client order ids created twice at the venue`);
    assert.deepEqual(r.unaccounted, [], `chain ${i}: venue orders without exactly one matching terminal row`);
    assert.deepEqual(r.corruptRecords, [], `chain ${i}: half-written journal records`);
    assert.equal(r.tearsMade, 1, `chain ${i}: a torn tail was made`);
    assert.equal(r.tornTailsSeen, 1, `chain ${i}: the torn tail made on purpose is reported once, and no other`);
    assert.deepEqual(r.positionsSalvo, r.positionsVenue, `chain ${i}: salvo's positions equal the venue's`);
    assert.deepEqual(r.positionsVenue, {}, `chain ${i}: liquidated at the end of the resumed session`);
    assert.equal(r.finalReport.reconciled, true, `chain ${i}`);
  }
  const kills = results.reduce((n, r) => n + r.kills, 0);
  const withOrders = results.reduce((n, r) => n + r.killsWithOrders, 0);
  const orders = results.reduce((n, r) => n + r.ordersAtVenue, 0);
  assert.ok(withOrders >= kills / 3, `${withOrders} of ${kills} kills landed after that process had journaled orders`);
  assert.ok(orders > 100, `${orders} orders reached the venue`);
  process.stderr.write(
    `fault suite: ${kills} kills (${withOrders} after orders were journaled), ${orders} orders at the venue, 0 unaccounted, 0 duplicated\n`,
  );
});

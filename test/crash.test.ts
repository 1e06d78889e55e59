// The fault suite, with real processes: a runner in a child process against salvo's exchange in
// another (Alpaca face, 10 % 5xx and 5 % lost answers injected), killed with SIGKILL at seeded
// random instants — during start, a block's sends, retries, the end of session, a resume — and
// resumed each time. After each session: every order the exchange saw has exactly one terminal
// row in the CSV that agrees with the venue, no client order id reached the exchange twice,
// salvo's positions equal the exchange's, no journal record was half-written (a torn tail made on
// purpose is cut with a warning). More kills: bench/crash.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exchangeProcess, killChain, type ExchangeProcess } from './helpers/fault-chain.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-crash-'));
const CHAINS = [{ seed: 1, tearAt: 3 }, { seed: 2 }, { seed: 3, tearAt: 6 }];
const KILLS = 10;
let ex: ExchangeProcess;
after(async () => { await ex?.close(); });

test(`${CHAINS.length} sessions killed ${KILLS} times each at random instants, resumed each time: complete CSV, no duplicate, positions equal the venue's`, { timeout: 600_000 }, async () => {
  ex = await exchangeProcess({ failureRate: 0.1, timeoutRate: 0.05 });
  let kills = 0;
  let withOrders = 0;
  let orders = 0;
  for (const [i, chain] of CHAINS.entries()) {
    const r = await killChain(ex, { dir, name: `chain-${i}`, kills: KILLS, startMs: 5000, tradingMs: 2500, ...chain });
    assert.deepEqual(r.problems, [], `chain ${i}`);
    assert.deepEqual(r.duplicated, [], `chain ${i}: client order ids created twice at the venue`);
    assert.deepEqual(r.unaccounted, [], `chain ${i}: venue orders without exactly one matching terminal row`);
    assert.deepEqual(r.corruptRecords, [], `chain ${i}: half-written journal records`);
    assert.equal(r.tornTailsSeen, chain.tearAt === undefined ? 0 : 1, `chain ${i}: the torn tail made on purpose is reported once`);
    assert.deepEqual(r.positionsSalvo, r.positionsVenue, `chain ${i}: salvo's positions equal the venue's`);
    assert.deepEqual(r.positionsVenue, {}, `chain ${i}: liquidated at the end of the resumed session`);
    assert.equal(r.finalReport.reconciled, true);
    kills += r.kills;
    withOrders += r.killsWithOrders;
    orders += r.ordersAtVenue;
  }
  assert.equal(kills, CHAINS.length * KILLS);
  assert.ok(withOrders >= kills / 3, `${withOrders} of ${kills} kills landed with orders of that process journaled`);
  assert.ok(orders > 100, `${orders} orders reached the venue`);
  process.stderr.write(`fault suite: ${kills} kills (${withOrders} with orders in flight), ${orders} orders at the venue, 0 lost, 0 duplicated\n`);
});

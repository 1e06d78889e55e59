// The fault suite, with real processes: runners in child processes against salvo's exchange in
// another (Alpaca face, 10 % 5xx and 5 % lost answers injected), killed with SIGKILL at seeded
// random instants — while starting or resuming, during a block's sends and retries, during the
// end of session — and resumed each time; three sessions one after the other, each in its own tickers.
// After each session's last resume: every order the exchange saw has exactly one terminal row in
// the CSV that agrees with the venue, no client order id reached the exchange twice, salvo's
// positions equal the exchange's, no journal record was half-written (a torn tail made on purpose
// is cut with a warning). The same over FIX: crash-fix.test.ts. More kills: bench/crash.ts.
import { test, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertFaultSuite, CHAINS, exchangeProcess, killChain, type ExchangeProcess } from './helpers/fault-chain.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-crash-'));
// a runner needs seconds to start on a 2-core machine: 30 kills take ~2 minutes (~4 on a loaded one)
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
  process.stderr.write(`${assertFaultSuite(results, KILLS, 'Alpaca face')}\n`);
});

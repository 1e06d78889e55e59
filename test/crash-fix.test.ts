// The fault suite over FIX 4.4: runners in child processes log on to salvo's exchange in another
// process (its FIX acceptor; 10 % of orders refused by injected venue failures) and are killed
// with SIGKILL at seeded random instants, then resumed: the resumed runner tells its FIX session
// the journaled orders and asks the venue for each one not final with an OrderStatusRequest (35=H).
// After each session's last resume: every order the exchange saw has exactly one terminal row in
// the CSV that agrees with the venue, no ClOrdID reached the venue twice (every NewOrderSingle is
// counted), salvo's positions equal the venue's, no journal record was half-written.
import { test, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertFaultSuite, CHAINS, exchangeProcess, killChain, type ExchangeProcess } from './helpers/fault-chain.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-crash-fix-'));
// a FIX runner starts its session thread and logs on before trading: 30 kills take ~5 minutes here
const KILLS = 10;
let ex: ExchangeProcess;
after(async () => {
  await ex?.close();
});

test(`over FIX: ${CHAINS.length} sessions killed ${KILLS} times each at random instants, resumed each time: complete CSV, no ClOrdID sent twice, positions equal the venue's`, {
  timeout: 840_000,
}, async () => {
  ex = await exchangeProcess({ failureRate: 0.1, fix: true });
  const results = [];
  for (const [i, chain] of CHAINS.entries())
    results.push(
      await killChain(ex, { dir, name: `fix-${i}`, kills: KILLS, startMs: 4000, tradingMs: 2000, ...chain }),
    );
  process.stderr.write(`${assertFaultSuite(results, KILLS, 'FIX')}\n`);
});

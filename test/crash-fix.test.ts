// The fault suite over FIX 4.4: runners in child processes log on to salvo's exchange in another
// process (its FIX acceptor) and are killed with SIGKILL at seeded random instants, then resumed:
// the resumed runner tells its FIX session the journaled orders and asks the venue for each one
// not final with an OrderStatusRequest (35=H). After each session's last resume: every order the
// exchange saw has exactly one terminal row in the CSV that agrees with the venue, no ClOrdID
// reached the venue twice (every NewOrderSingle is counted), salvo's positions equal the venue's,
// no journal record was half-written. No venue failures are injected: over FIX a refused order is
// final (no retry), and a refused liquidation would leave a position the check could not tell from
// a lost one; the faults here are the kills, each a dropped FIX session.
import { test, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertFaultSuite, CHAINS, exchangeProcess, killChain, type ExchangeProcess } from './helpers/fault-chain.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-crash-fix-'));
const KILLS = 10;
let ex: ExchangeProcess;
after(async () => {
  await ex?.close();
});

test(`over FIX: ${CHAINS.length} sessions killed ${KILLS} times each at random instants, resumed each time: complete CSV, no ClOrdID sent twice, positions equal the venue's`, {
  timeout: 840_000,
}, async () => {
  ex = await exchangeProcess({ fix: true });
  // side by side, each its own FIX session (SenderCompID) and tickers: a FIX runner spends most of
  // its life starting its session thread and logging on, so one after the other would take long
  const results = await Promise.all(
    CHAINS.map((chain, i) =>
      killChain(
        { ...ex, broker: { ...ex.broker, senderCompId: `SALVO${i}` } },
        { dir, name: `fix-${i}`, kills: KILLS, startMs: 4000, tradingMs: 2000, ...chain },
      ),
    ),
  );
  process.stderr.write(`${assertFaultSuite(results, KILLS, 'FIX')}\n`);
});

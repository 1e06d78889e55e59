// The fault suite at a larger scale: sessions against salvo's exchange in its own process, each
// killed with SIGKILL at seeded random instants and resumed, one after the other in their own
// tickers; over the Alpaca face (10 % 5xx, 5 % lost answers) and over FIX; prints the totals (kills, orders, unaccounted, duplicated) as a table per broker.
// Run: npx tsx bench/crash.ts [kills per session, default 20] [alpaca|fix|both, default both]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isEntryPoint } from '../src/util/entry-point.js';
import { exchangeProcess, killChain, TICKERS, type ChainResult } from '../test/helpers/fault-chain.js';
import type { Row } from './lib.js';

export async function benchCrash(killsPerSession = 20, broker: 'alpaca' | 'fix' = 'alpaca'): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-bench-crash-'));
  const fix = broker === 'fix';
  // over FIX a refused order is final and a lost answer is a dropped session, which the kills make
  const ex = await exchangeProcess(fix ? { fix } : { failureRate: 0.1, timeoutRate: 0.05 });
  const started = Date.now();
  const results: ChainResult[] = [];
  for (const i of [0, 1, 2]) {
    results.push(
      await killChain(ex, {
        dir,
        name: `s${i}`,
        tickers: TICKERS.slice(2 * i, 2 * i + 2),
        kills: killsPerSession,
        seed: 100 + i,
        startMs: 4000,
        tradingMs: 2000,
        tearAt: 5,
      }),
    );
  }
  await ex.close();
  const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + f(r), 0);
  const c = fix
    ? `3 sessions × ${killsPerSession} SIGKILLs, FIX 4.4`
    : `3 sessions × ${killsPerSession} SIGKILLs, Alpaca face, 10 % 5xx + 5 % lost answers`;
  const problems = results.flatMap((r) => r.problems);
  if (problems.length) process.stderr.write(`${problems.join('\n')}\n`);
  return [
    { bench: 'fault suite', case: c, metric: 'kills', value: sum((r) => r.kills), unit: '' },
    {
      bench: 'fault suite',
      case: c,
      metric: 'kills after the process had journaled orders',
      value: sum((r) => r.killsWithOrders),
      unit: '',
    },
    { bench: 'fault suite', case: c, metric: 'orders the exchange saw', value: sum((r) => r.ordersAtVenue), unit: '' },
    {
      bench: 'fault suite',
      case: c,
      metric: 'lost (no single matching terminal row)',
      value: sum((r) => r.unaccounted.length),
      unit: '',
    },
    {
      bench: 'fault suite',
      case: c,
      metric: 'duplicated at the exchange',
      value: sum((r) => r.duplicated.length),
      unit: '',
    },
    {
      bench: 'fault suite',
      case: c,
      metric: 'half-written journal records (beyond the torn tails made on purpose, all cut)',
      value: sum((r) => r.corruptRecords.length),
      unit: '',
    },
    { bench: 'fault suite', case: c, metric: 'torn tails made on purpose', value: sum((r) => r.tearsMade), unit: '' },
    {
      bench: 'fault suite',
      case: c,
      metric: 'torn tails reported and cut at resume',
      value: sum((r) => r.tornTailsSeen),
      unit: '',
    },
    {
      bench: 'fault suite',
      case: c,
      metric: "sessions whose positions differ from the exchange's",
      value: results.filter((r) => JSON.stringify(r.positionsSalvo) !== JSON.stringify(r.positionsVenue)).length,
      unit: '',
    },
    { bench: 'fault suite', case: c, metric: 'runs that failed', value: problems.length, unit: '' },
    { bench: 'fault suite', case: c, metric: 'wall time', value: Math.round((Date.now() - started) / 1000), unit: 's' },
  ];
}

if (isEntryPoint(import.meta.url)) {
  const which = process.argv[3] ?? 'both';
  for (const broker of ['alpaca', 'fix'] as const) {
    if (which !== 'both' && which !== broker) continue;
    const rows = await benchCrash(Number(process.argv[2] ?? 20), broker);
    console.log(rows[0].case);
    console.table(rows.map(({ metric, value, unit }) => ({ metric, value: `${value} ${unit}`.trim() })));
  }
}

// Sessions the Redis, Kafka and replay tests share: a known quote travels the whole path and a
// paper order fills at it; and a session that outlives its feed going away and coming back.
import assert from 'node:assert/strict';
import {
  runTrading,
  type OrderRequest,
  type Quote,
  type RunTradingOptions,
  type SessionReport,
} from '../../src/index.js';
import type { QuoteUpdate } from '../../src/market/sources/source.js';
import { byOrder, readLog, type Row } from './trade-log.js';
import { until } from './until.js';

/** a quote nobody would make up: every board field has its own value */
export const MARKER = {
  bid: 1234.5,
  ask: 1234.75,
  bidSize: 7,
  askSize: 9,
  last: 1234.6,
  lastSize: 4,
  bid2: 1234.25,
  bid3: 1234,
  bidSize2: 17,
  bidSize3: 27,
  ask2: 1235,
  ask3: 1235.25,
  askSize2: 19,
  askSize3: 29,
  refPrice: 1200,
  volume: 98_765,
} as const satisfies QuoteUpdate;

export const ordinary = (i: number): QuoteUpdate => ({
  bid: 1000 + i / 100,
  ask: 1000.25 + i / 100,
  bidSize: 5,
  askSize: 5,
  last: 1000.1 + i / 100,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Publish = (ticker: string, update: QuoteUpdate) => Promise<void>;

/** the run options both feed sessions share: the feed, a strategy every 100 ms, hold at the end, the log into `logs` */
const feedRun = (
  o: { tickers: string[]; quotes: RunTradingOptions['quotes']; logDir: string; name: string },
  logs: string[],
) =>
  ({
    tickers: o.tickers,
    quotes: o.quotes,
    frequency: '100ms',
    warmUpPeriod: '5s',
    eosBehavior: 'hold',
    tradeLogPath: o.logDir,
    tradeLogName: o.name,
    handleSignals: false,
    logger: (_l: unknown, m: string) => logs.push(m),
  }) as const;

/**
 * Ordinary quotes on every ticker, then MARKER on the first one. The strategy buys when it sees
 * MARKER; the paper venue fills at the board's ask. With `publish` omitted the feed plays itself
 * (a replay file that has MARKER in it).
 */
export async function markerSession(o: {
  tickers: string[];
  quotes: RunTradingOptions['quotes'];
  logDir: string;
  name: string;
  publish?: Publish;
}) {
  const [target] = o.tickers;
  let seen: Quote | undefined;
  const logs: string[] = [];
  let running = true;
  const drive =
    o.publish &&
    (async () => {
      for (let i = 0; running; i++) {
        for (const t of o.tickers)
          await o.publish!(t, { ...(t === target && i >= 8 ? MARKER : ordinary(i)), timestamp: Date.now() });
        await sleep(50); // the publisher's pace: a quote per ticker every 50 ms
      }
    })();
  let report: SessionReport;
  try {
    report = await runTrading({
      strategy: (ctx): OrderRequest[] | undefined => {
        const q = ctx.getCurrentData().quotes[target];
        if (seen || !q || q.bid !== MARKER.bid) return;
        seen = { ...q };
        return [{ ticker: target, quantity: 2, side: 'buy', orderType: 'market' }];
      },
      ...feedRun(o, logs),
      runSeconds: 2,
    });
  } finally {
    running = false;
    await drive;
  }
  return { seen, report, rows: readLog(report.tradeLogFile), logs };
}

/** what every marker test checks: the strategy saw MARKER field for field, and the buy filled at its ask */
export function assertFilledAtMarker(r: Awaited<ReturnType<typeof markerSession>>): void {
  assert.ok(r.seen, `the strategy never saw the marker quote; log:\n${r.logs.join('\n')}`);
  for (const [field, value] of Object.entries(MARKER)) assert.equal(r.seen[field as keyof Quote], value, field);
  assert.ok(r.seen.timestamp > 0);
  const fills = r.rows.filter((row) => row.status === 'filled');
  assert.equal(fills.length, 1, JSON.stringify(r.rows));
  assert.equal(Number(fills[0].executed_price), MARKER.ask);
  assert.equal(Number(fills[0].executed_qty), 2);
  assert.deepEqual(
    r.report.positions.map((p) => [p.ticker, p.quantity]),
    [[fills[0].ticker, 2]],
  );
}

/** what the outage session's strategy throws (haltOnError) once the feed is back: the session then ends */
export const RIDDEN_OUT = 'outage ridden out: ending the session';

/**
 * A session that buys every tick while `outage` takes the feed down and brings it back. The
 * strategy records how old the quote it saw was and what it was. It runs at least `runSeconds`,
 * and then until the feed is visibly back (the log says so, a fresh higher quote reached the
 * strategy), at most a minute more: a slow restart on a loaded machine lengthens the session
 * instead of failing it.
 */
export async function outageSession(o: {
  tickers: string[];
  quotes: RunTradingOptions['quotes'];
  logDir: string;
  name: string;
  publish: Publish;
  outage: () => Promise<void>;
  runSeconds: number;
}) {
  const [target] = o.tickers;
  const seen: Array<{ at: number; age: number; bid: number }> = [];
  const logs: string[] = [];
  let running = true;
  let outageAt = 0;
  let resumedAt = 0;
  let ticks = 0;
  const drive = (async () => {
    for (let i = 0; running; i++) {
      for (const t of o.tickers) await o.publish(t, { ...ordinary(i), timestamp: Date.now() }).catch(() => undefined);
      await sleep(50); // the publisher's pace: a quote per ticker every 50 ms
    }
  })();
  const outage = (async () => {
    // the outage starts after the session's clock does
    await until(() => ticks >= 8 || !running, { what: "the session's 8th tick", timeoutMs: 60_000 }).catch(
      () => undefined,
    );
    if (!running) return;
    outageAt = Date.now();
    await o.outage();
    resumedAt = Date.now();
  })();
  const recovered = () => {
    if (!resumedAt) return false;
    const disconnected = logs.findIndex((l) => /quotes disconnected/.test(l));
    if (disconnected < 0 || !logs.slice(disconnected).some((l) => /quotes connected/.test(l))) return false;
    const before = seen.filter((s) => s.at <= outageAt).at(-1);
    return !!before && seen.some((s) => s.at > resumedAt && s.age < 500 && s.bid > before.bid);
  };
  let report: SessionReport;
  try {
    report = await runTrading({
      strategy: (ctx): OrderRequest[] => {
        ticks = ctx.tick;
        const q = ctx.getCurrentData().quotes[target];
        if (q) seen.push({ at: Date.now(), age: Date.now() - q.timestamp, bid: q.bid });
        if (ctx.tick * 100 >= o.runSeconds * 1000 && recovered()) throw new Error(RIDDEN_OUT);
        return [{ ticker: target, quantity: 1, side: 'buy', orderType: 'market' }];
      },
      ...feedRun(o, logs),
      runSeconds: o.runSeconds + 60,
      haltOnError: true,
      ordersPerMinute: 100_000,
    });
  } finally {
    running = false;
    await Promise.all([drive, outage]);
  }
  return { report, rows: readLog(report.tradeLogFile), logs, seen, outageAt, resumedAt };
}

/** the session survived: stale during the outage, fresh again after, every order terminal */
export function assertSurvivedOutage(r: Awaited<ReturnType<typeof outageSession>>, minStaleMs: number): void {
  const log = r.logs.join('\n');
  assert.equal(
    r.report.endReason,
    'halted',
    `the strategy saw the feed back and ended the session:\n${log.slice(-4000)}`,
  );
  assert.equal(r.report.strategyErrors, 1);
  assert.ok(r.logs.some((l) => l.includes(RIDDEN_OUT)));
  assert.ok(r.resumedAt > 0, 'the outage finished inside the session');
  const disconnected = r.logs.findIndex((l) => /quotes disconnected/.test(l));
  assert.ok(disconnected >= 0, `the session log warns about the lost feed:\n${log}`);
  assert.ok(
    r.logs.slice(disconnected).some((l) => /quotes connected/.test(l)),
    `and says when it is back:\n${log}`,
  );
  const during = r.seen.filter((s) => s.at > r.outageAt && s.at < r.resumedAt);
  assert.ok(
    Math.max(...during.map((s) => s.age)) >= minStaleMs,
    `the quote visibly aged during the outage: ${JSON.stringify(during.map((s) => s.age))}`,
  );
  const before = r.seen.filter((s) => s.at <= r.outageAt).at(-1)!;
  const fresh = r.seen.filter((s) => s.at > r.resumedAt && s.age < 500);
  assert.ok(
    fresh.length > 0 && fresh.at(-1)!.bid > before.bid,
    `quotes resumed after the outage: last ${JSON.stringify(r.seen.at(-1))}`,
  );
  const orders = byOrder(r.rows);
  assert.equal(orders.size, r.report.ticks - 1, 'one order per tick, but the last: it ended the session');
  for (const h of orders.values()) assert.equal(h.terminal.length, 1, `${h.id}: ${h.rows.map((x: Row) => x.status)}`);
  assert.equal(r.report.orders.open, 0);
  assert.deepEqual(r.report.stillOpen, []);
}

// The fault suite's driver (test/crash.test.ts, bench/crash.ts): salvo's exchange in a process of
// its own; runner processes (crash-runner.ts) against it, each killed with SIGKILL at a seeded
// random instant and the next one resuming the same session; the last one runs to its end. Then
// the venue's side is checked against the CSV and the journal, as a trader would check them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NoHeaderError, readJournal } from '../../src/journal/journal.js';
import { KEY_ID, SECRET } from './alpaca-exchange.js';
import { byOrder, readLog } from './trade-log.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** the venue's tickers; each chain trades two of its own, so chains can run side by side */
export const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META'];
/** the suites' three sessions: their seeds, tickers, and after which run a torn tail is made */
export const CHAINS = [
  { seed: 1, tickers: ['AAPL', 'MSFT'], tearAt: 3 },
  { seed: 2, tickers: ['NVDA', 'AMZN'], tearAt: 5 },
  { seed: 3, tickers: ['GOOGL', 'META'], tearAt: 2 },
];

interface VenueState {
  created: Array<[string, number]>;
  orders: Array<{ id: string; ticker: string; status: string; filledQty: number }>;
  positions: Array<{ ticker: string; quantity: number }>;
}

export interface ExchangeProcess {
  broker: Record<string, unknown>;
  state(): Promise<VenueState>;
  close(): Promise<void>;
}

/** starts test/helpers/fault-exchange.ts and waits for its URLs; `fix`: runners use its FIX acceptor */
export async function exchangeProcess(
  options: { failureRate?: number; timeoutRate?: number; fix?: boolean } = {},
): Promise<ExchangeProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'fault-exchange.ts'), JSON.stringify({ tickers: TICKERS, ...options })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('the exchange process ended before it printed its URLs');
  const urls = JSON.parse(first.value) as { restUrl: string; streamUrl: string; fixPort?: number };
  let asking: Promise<unknown> = Promise.resolve();
  return {
    broker: options.fix
      ? { type: 'fix', host: '127.0.0.1', port: urls.fixPort, senderCompId: 'SALVO', targetCompId: 'PAPER' }
      : {
          type: 'alpaca',
          baseUrl: urls.restUrl,
          streamUrl: urls.streamUrl,
          keyId: KEY_ID,
          secretKey: SECRET,
          requestTimeoutMs: 300,
        },
    state() {
      // one question at a time: the answers come back in order on one pipe
      const answer = asking.then(async () => {
        child.stdin!.write('state\n');
        return JSON.parse((await lines.next()).value) as VenueState;
      });
      asking = answer.catch(() => undefined);
      return answer;
    },
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** a small seeded generator (mulberry32): the same seed gives the same kill instants */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** when to kill a runner: `fromTrading` ms after it starts trading, else `fromSpawn` ms after it started */
interface KillAt {
  fromSpawn?: number;
  fromTrading?: number;
}

/** a crash-runner.ts process; `fileSizeKb`: under that file size limit (bash's ulimit -f), as a nearly full disk */
export function runner(args: Record<string, unknown>, kill?: KillAt, fileSizeKb?: number): Promise<Run> {
  const argv = ['--import', 'tsx', path.join(here, 'crash-runner.ts'), JSON.stringify(args)];
  const child: ChildProcess =
    fileSizeKb === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -f ${fileSizeKb} && exec "$0" "$@"`, process.execPath, ...argv], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  let timer: NodeJS.Timeout | undefined;
  const killIn = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => child.kill('SIGKILL'), ms);
  };
  child.stderr!.on('data', (d) => {
    stderr += d;
    if (kill?.fromTrading !== undefined && String(d).includes('trading for')) killIn(kill.fromTrading);
  });
  // a run killed from the start of trading that never gets there is killed late in its start instead
  if (kill) killIn(kill.fromSpawn ?? 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

export interface ChainResult {
  kills: number;
  /** runs that ended on their own before their kill instant came (not counted as kills) */
  endedBeforeKill: number;
  /** kills that landed after the session had journaled at least one order of that process */
  killsWithOrders: number;
  ordersAtVenue: number;
  /** venue orders without exactly one terminal row in the CSV, or whose row disagrees with the venue */
  unaccounted: string[];
  /** client order ids the venue created more than once */
  duplicated: string[];
  /** corrupt journal records found after a kill (a torn tail is expected and cut; these are not) */
  corruptRecords: string[];
  tornTailsSeen: number;
  /** torn tails made on purpose */
  tearsMade: number;
  positionsSalvo: Record<string, number>;
  positionsVenue: Record<string, number>;
  finalReport: { reconciled: boolean; resumed?: unknown };
  problems: string[];
}

export function emptyResult(): ChainResult {
  return {
    kills: 0,
    endedBeforeKill: 0,
    killsWithOrders: 0,
    ordersAtVenue: 0,
    unaccounted: [],
    duplicated: [],
    corruptRecords: [],
    tornTailsSeen: 0,
    tearsMade: 0,
    positionsSalvo: {},
    positionsVenue: {},
    finalReport: { reconciled: false },
    problems: [],
  };
}

const net = (list: Array<{ ticker: string; quantity: number }>) =>
  Object.fromEntries(list.filter((p) => Math.abs(p.quantity) > 1e-9).map((p) => [p.ticker, p.quantity]));

/**
 * One session killed `kills` times at random instants, resumed each time: two kills in three within
 * [0, tradingMs) of the start of trading (a block's sends, retries, the end of session), the rest
 * within [0, startMs) of the process start (starting, resuming); `tearAt`: after that kill, half a record is appended to the journal, as a kill
 * in the middle of a journal write would leave it.
 */
export async function killChain(
  ex: ExchangeProcess,
  o: {
    dir: string;
    name: string;
    tickers: string[];
    kills: number;
    seed: number;
    startMs: number;
    tradingMs: number;
    tearAt?: number;
  },
): Promise<ChainResult> {
  const random = seeded(o.seed);
  const journal = path.join(o.dir, `${o.name}.journal`);
  const base = { broker: ex.broker, tickers: o.tickers, tradeLogPath: o.dir, tradeLogName: o.name, runSeconds: 1.5 };
  const result = emptyResult();
  for (let i = 0; i <= 3 * o.kills; i++) {
    const last = result.kills === o.kills;
    const resume = hasHeader(journal);
    const intentsBefore = resume ? readJournal(journal).intents.length : 0;
    const early = random() < 1 / 3;
    const at = random();
    const run = await runner(
      { ...base, resume },
      last ? undefined : early ? { fromSpawn: at * o.startMs } : { fromTrading: at * o.tradingMs },
    );
    if (!last) {
      if (run.signal === 'SIGKILL') result.kills++;
      else if (run.code === 0) result.endedBeforeKill++;
      else result.problems.push(`run ${i} failed (${run.code}): ${run.stderr.slice(-2000)}`);
    } else if (run.code !== 0) {
      result.problems.push(`the final resume exited ${run.code}: ${run.stderr.slice(-2000)}`);
      return result;
    } else {
      result.finalReport = JSON.parse(run.stdout.trim().split('\n').pop()!);
    }
    if (run.stderr.includes('torn last record')) result.tornTailsSeen++;
    if (!fs.existsSync(journal) || !hasHeader(journal)) continue;
    const contents = readJournal(journal);
    if (contents.intents.length > intentsBefore) result.killsWithOrders += last ? 0 : 1;
    result.corruptRecords.push(...contents.warnings.filter((w) => !w.includes('torn last record')));
    if (last) break;
    const intent = fs
      .readFileSync(journal, 'utf8')
      .split('\n')
      .find((l) => l.includes('"t":"intent"'));
    if (o.tearAt !== undefined && i >= o.tearAt && !result.tearsMade && intent) {
      fs.appendFileSync(journal, intent.slice(0, 40));
      result.tearsMade++;
    }
  }
  if (result.kills < o.kills) result.problems.push(`only ${result.kills} of ${o.kills} kills happened`);
  else await checkVenue(ex, o, result);
  return result;
}

/** the venue's orders and positions in this chain's tickers against its CSV and final report */
export async function checkVenue(
  ex: ExchangeProcess,
  o: { dir: string; name: string; tickers: string[] },
  result: ChainResult,
): Promise<void> {
  const venue = await ex.state();
  const rows = byOrder(readLog(path.join(o.dir, `${o.name}.csv`)));
  const ours = new Set(venue.orders.filter((v) => o.tickers.includes(v.ticker)).map((v) => v.id));
  for (const [id, n] of venue.created) {
    if (!ours.has(id)) continue;
    result.ordersAtVenue++;
    if (n !== 1) result.duplicated.push(id);
    const v = venue.orders.find((x) => x.id === id)!;
    const t = rows.get(id)?.terminal ?? [];
    if (t.length !== 1 || t[0].status !== v.status || Number(t[0].executed_qty) !== v.filledQty) {
      result.unaccounted.push(
        `${id}: venue ${v.status} ${v.filledQty}, CSV ${t.map((r) => `${r.status} ${r.executed_qty}`).join(' | ') || 'no terminal row'}`,
      );
    }
  }
  for (const h of rows.values())
    if (h.terminal.length > 1) result.unaccounted.push(`${h.id}: ${h.terminal.length} terminal rows`);
  result.positionsVenue = net(venue.positions.filter((p) => o.tickers.includes(p.ticker)));
  result.positionsSalvo = net(
    (result.finalReport as { positions?: Array<{ ticker: string; quantity: number }> }).positions ?? [],
  );
}

function hasHeader(journal: string): boolean {
  if (!fs.existsSync(journal)) return false;
  try {
    readJournal(journal);
    return true;
  } catch (error) {
    if (error instanceof NoHeaderError) return false;
    throw error;
  }
}

/**
 * What a trader checks after a fault suite's chains, each killed `kills` times: nothing lost,
 * nothing duplicated, no half-written record, the made torn tail reported once, positions equal to
 * the venue's and flat. Returns the totals line.
 */
export function assertFaultSuite(results: ChainResult[], kills: number, what: string): string {
  for (const [i, r] of results.entries()) {
    assert.deepEqual(r.problems, [], `chain ${i}`);
    assert.equal(r.kills, kills, `chain ${i}`);
    assert.deepEqual(r.duplicated, [], `chain ${i}: client order ids that reached the venue twice`);
    assert.deepEqual(r.unaccounted, [], `chain ${i}: venue orders without exactly one matching terminal row`);
    assert.deepEqual(r.corruptRecords, [], `chain ${i}: half-written journal records`);
    assert.equal(r.tearsMade, 1, `chain ${i}: a torn tail was made`);
    assert.equal(r.tornTailsSeen, 1, `chain ${i}: the torn tail made on purpose is reported once, and no other`);
    assert.deepEqual(r.positionsSalvo, r.positionsVenue, `chain ${i}: salvo's positions equal the venue's`);
    assert.deepEqual(r.positionsVenue, {}, `chain ${i}: liquidated at the end of the resumed session`);
    assert.equal(r.finalReport.reconciled, true, `chain ${i}`);
  }
  const total = results.reduce((n, r) => n + r.kills, 0);
  const withOrders = results.reduce((n, r) => n + r.killsWithOrders, 0);
  const orders = results.reduce((n, r) => n + r.ordersAtVenue, 0);
  assert.ok(withOrders >= total / 3, `${withOrders} of ${total} kills landed after that process had journaled orders`);
  assert.ok(orders > 100, `${orders} orders reached the venue`);
  return `fault suite (${what}): ${total} kills (${withOrders} after orders were journaled), ${orders} orders at the venue, 0 unaccounted, 0 duplicated`;
}

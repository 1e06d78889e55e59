// `salvo diagnose`: checks every configured dependency the way a session would use it (same config
// loading, same openBroker and startQuoteFeed), one function per check, and prints a pass / fail table with a fix for each
// failure. Exit code 0 when every check passes, 1 otherwise.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { logFolderProblem } from '../session/log-folder.js';
import { BrokerConnectError, type Broker } from '../brokers/broker.js';
import { brokerTypes } from '../brokers/index.js';
import { openBroker } from '../brokers/open.js';
import { SALVO_ID } from '../journal/start-check.js';
import { QuoteBoard } from '../market/quote-board.js';
import { startQuoteFeed, type QuoteFeed } from '../market/quote-feed.js';
import { quoteSourceTypes, type QuoteConfig } from '../market/sources/index.js';
import { withTimeout } from '../util/with-timeout.js';
import { parseOptions, SalvoOptionsError, type SessionOptions } from '../session/options.js';
import {
  CliInputError,
  findConfigFile,
  flagOptions,
  loadEnv,
  loadStrategyModule,
  mergeLayers,
  readConfigFile,
  type Layer,
} from './config.js';

export interface DiagnoseFlags {
  config?: string;
  strategy?: string;
  tickers?: string;
  broker?: string;
  quotes?: string;
  logPath?: string;
  timeout?: string;
}
interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const CLOCK_TOLERANCE_MS = 1000;

/** --timeout in seconds: a number above 0 and at most an hour, else a one-line error (exit 2) */
export function parseTimeout(value: string | undefined): number | { problem: string } {
  const seconds = Number(value ?? 10);
  if (value !== undefined && (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)) {
    return { problem: `--timeout must be a number of seconds above 0 and at most 3600; got ${JSON.stringify(value)}` };
  }
  return seconds;
}

/** the merged options, and the problems of each part (config / broker / quotes) */
async function configure(
  flags: DiagnoseFlags,
): Promise<{ options?: SessionOptions; source: string; problems: Record<'config' | 'broker' | 'quotes', string[]> }> {
  const problems = { config: [] as string[], broker: [] as string[], quotes: [] as string[] };
  const envFile = loadEnv();
  const configFile = findConfigFile(flags.config);
  const layers: Layer[] = [
    { name: 'defaults', values: { strategy: () => undefined, tickers: ['AAPL'], liveDisplay: false } },
  ];
  try {
    if (flags.strategy)
      layers.push({
        name: `${path.basename(flags.strategy)} (export config)`,
        values: (await loadStrategyModule(flags.strategy)).config,
      });
    if (configFile) layers.push({ name: path.basename(configFile), values: readConfigFile(configFile) });
  } catch (error) {
    if (!(error instanceof CliInputError)) throw error;
    problems.config.push(...error.problems);
  }
  layers.push({
    name: 'flags',
    values: flagOptions({ tickers: flags.tickers, broker: flags.broker, quotes: flags.quotes, logPath: flags.logPath }),
  });
  const { merged } = mergeLayers(layers);
  const source = [
    configFile ? path.relative(process.cwd(), configFile) : 'no config file',
    envFile ? '.env loaded' : 'no .env',
  ].join(', ');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return { options: parseOptions(merged), source, problems };
    } catch (error) {
      if (!(error instanceof SalvoOptionsError)) throw error;
      for (const p of error.problems) {
        const part = /^(unknown option ')?(broker|quotes)\b/.exec(p)?.[2] as 'broker' | 'quotes' | undefined;
        (part ? problems[part] : problems.config).push(p);
      }
      // go on with the parts that are valid: a bad broker still leaves the quotes to check, and the other way round
      if (problems.config.length) return { source, problems };
      if (problems.broker.length) merged.broker = 'paper';
      if (problems.quotes.length) merged.quotes = 'sim';
    }
  }
  return { source, problems };
}

function fixFor(kind: 'broker' | 'quotes' | 'tcp', type: string, message: string): string {
  if (kind === 'tcp') return `start the server at that address, or point the config's quotes settings at a running one`;
  if (/unknown .*type|must be one of/.test(message))
    return `use a ${kind === 'broker' ? 'broker' : 'quote source'} type this build knows: ${(kind === 'broker' ? brokerTypes() : quoteSourceTypes()).join(', ')}`;
  if (kind === 'broker') {
    if (/credential|auth|401|403|forbidden|unauthori[sz]ed/i.test(message))
      return 'check the API key and secret (.env or the config file) and that they belong to this venue (paper vs live)';
    if (/no answer|timed? ?out|ECONNREFUSED|ENOTFOUND|EAI_AGAIN/i.test(message))
      return 'check the broker host / port and the network; is the venue up?';
    return `check the broker settings of type '${type}' in the config file`;
  }
  if (/no answer|ECONNREFUSED|ENOTFOUND|refused|not found/i.test(message))
    return 'check the quote source address and that it is running';
  return `check the quote source settings of type '${type}' in the config file`;
}

/** host:port pairs a redis or kafka source connects to */
function endpoints(quotes: QuoteConfig): string[] {
  if (quotes.type === 'redis') {
    if (quotes.url) {
      const u = new URL(quotes.url);
      return [`${u.hostname}:${u.port || 6379}`];
    }
    return [`${quotes.host ?? '127.0.0.1'}:${quotes.port ?? 6379}`];
  }
  return quotes.type === 'kafka' ? quotes.brokers : [];
}

function tcpReach(endpoint: string, timeoutMs: number): Promise<void> {
  const at = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, at).replace(/^\[|\]$/g, ''),
    port = Number(endpoint.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${endpoint}: no answer within ${timeoutMs / 1000} s`));
    });
    socket.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${endpoint}: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ENOTFOUND' ? 'host not found' : e.message} (${e.code ?? 'error'})`,
        ),
      ),
    );
  });
}

/** What the checks share as they run in order: a later check uses what an earlier one opened. */
interface Run {
  o: SessionOptions;
  problems: Record<'broker' | 'quotes', string[]>;
  timeoutMs: number;
  /** the quote feed, once the quote source check started it */
  feed?: QuoteFeed;
  /** the connected broker, or why there is none (for the clock check) */
  broker?: Broker;
  noBroker: string;
  cleanups: Array<() => Promise<unknown>>;
}

/** One diagnose check: the rows it adds (a quote source may have several endpoints to reach). */
type CheckStep = (run: Run) => Promise<Check[]>;

const failure = (error: unknown) => (error as Error).message;

async function logFolderCheck({ o }: Run): Promise<Check[]> {
  const dir = path.resolve(o.tradeLogPath);
  try {
    // checked before mkdir: Node's recursive mkdir never returns under /proc
    const problem = logFolderProblem(dir);
    if (problem) throw new Error(problem);
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.salvo-diagnose-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.unlinkSync(probe);
    return [{ name: 'log folder', ok: true, detail: `${dir} is writable` }];
  } catch (error) {
    return [
      {
        name: 'log folder',
        ok: false,
        detail: `${dir}: ${(error as NodeJS.ErrnoException).code ?? failure(error)}`,
        fix: 'create the folder or make it writable, or choose another with --log-path / tradeLogPath',
      },
    ];
  }
}

/** each host:port a redis or kafka source connects to, reached over TCP */
async function endpointChecks({ o, problems, timeoutMs }: Run): Promise<Check[]> {
  if (problems.quotes.length) return [];
  const checks: Check[] = [];
  for (const endpoint of endpoints(o.quotes)) {
    try {
      await tcpReach(endpoint, timeoutMs);
      checks.push({ name: o.quotes.type, ok: true, detail: `${endpoint} reachable` });
    } catch (error) {
      const detail = failure(error);
      checks.push({ name: o.quotes.type, ok: false, detail, fix: fixFor('tcp', o.quotes.type, detail) });
    }
  }
  return checks;
}

/** the feed started as a session starts it, and a first quote for every ticker */
async function quoteSourceCheck(run: Run): Promise<Check[]> {
  const { o, problems, timeoutMs } = run;
  const type = o.quotes.type;
  if (problems.quotes.length) return [configProblem('quote source', 'quotes', type, problems.quotes)];
  const t0 = performance.now();
  try {
    const feed = await withTimeout(
      startQuoteFeed({ tickers: o.tickers, source: o.quotes, log: () => undefined }),
      timeoutMs,
      `${type} quotes`,
      (f) => f.close(),
    );
    run.feed = feed;
    run.cleanups.push(() => feed.close());
    const missing = await feed.waitForQuotes(timeoutMs);
    const got = `${o.tickers.length - missing.length}/${o.tickers.length}`;
    if (!missing.length) {
      const after = Math.round(performance.now() - t0);
      return [
        { name: 'quote source', ok: true, detail: `${type}: first quote for ${got} ticker(s) after ${after} ms` },
      ];
    }
    return [
      {
        name: 'quote source',
        ok: false,
        detail: `${type}: no quote within ${timeoutMs / 1000} s for ${missing.join(', ')} (${got} quoted)`,
        fix: 'check that the feed publishes these tickers under the configured channel / topic names',
      },
    ];
  } catch (error) {
    return [{ name: 'quote source', ok: false, detail: failure(error), fix: fixFor('quotes', type, failure(error)) }];
  }
}

/** the broker opened as a session opens it (openBroker), and its account read */
async function brokerCheck(run: Run): Promise<Check[]> {
  const { o, problems, timeoutMs } = run;
  const type = o.broker.type;
  if (problems.broker.length) {
    run.noBroker = 'not checked: no usable broker';
    return [configProblem('broker', 'broker', type, problems.broker)];
  }
  try {
    const board = run.feed?.board ?? new QuoteBoard(o.tickers);
    const opened = await openBroker(o.broker, { board: { buffer: board.buffer, tickers: o.tickers }, timeoutMs });
    run.cleanups.push(opened.close);
    const account = await withTimeout(opened.broker.account(), timeoutMs, `${type} account`);
    run.broker = opened.broker;
    const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const detail = `${type}: connected; cash ${money(account.cash)} ${account.currency}, buying power ${money(account.buyingPower)}; ${await leftAtBroker(opened.broker, timeoutMs)}`;
    return [{ name: 'broker', ok: true, detail }];
  } catch (error) {
    run.noBroker = 'not checked: no broker connection';
    const refused = error instanceof BrokerConnectError ? 'refused: ' : '';
    return [
      {
        name: 'broker',
        ok: false,
        detail: `${type}: ${refused}${failure(error)}`,
        fix: fixFor('broker', type, failure(error)),
      },
    ];
  }
}

/** the broker's clock against the local one, and whether the market is open */
async function clockCheck({ broker, noBroker, o, timeoutMs }: Run): Promise<Check[]> {
  if (!broker) return [{ name: 'clock', ok: false, detail: noBroker, fix: 'fix the broker first' }];
  try {
    const before = Date.now();
    const clock = await withTimeout(broker.clock(), timeoutMs, `${o.broker.type} clock`);
    const after = Date.now();
    const skew = clock.now.getTime() - (before + after) / 2;
    const at = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    const market = clock.isOpen
      ? `market open, closes ${at(clock.nextClose)}`
      : `market closed, opens ${at(clock.nextOpen)}`;
    const detail = `broker clock ${Math.abs(Math.round(skew))} ms ${skew >= 0 ? 'ahead of' : 'behind'} local (±${Math.ceil((after - before) / 2)} ms); ${market}`;
    if (Math.abs(skew) - (after - before) / 2 <= CLOCK_TOLERANCE_MS) return [{ name: 'clock', ok: true, detail }];
    const fix =
      'synchronise the local clock (e.g. timedatectl set-ntp true, or chrony); EOD sessions and latencies depend on it';
    return [{ name: 'clock', ok: false, detail, fix }];
  } catch (error) {
    const fix = 'the broker did not answer a clock request: check the connection';
    return [{ name: 'clock', ok: false, detail: failure(error), fix }];
  }
}

/** a broker or quotes config that did not validate: its problems, and which types this build knows */
function configProblem(name: string, kind: 'broker' | 'quotes', type: string, problems: string[]): Check {
  const unknown = problems.some((p) => /type must be one of/.test(p));
  const detail = `${unknown ? 'unknown type: ' : ''}${problems.join('; ')}`;
  return { name, ok: false, detail, fix: fixFor(kind, type, problems.join(' ')) };
}

// in this order: the broker check uses the feed's board, the clock check the broker
const CHECKS: CheckStep[] = [logFolderCheck, endpointChecks, quoteSourceCheck, brokerCheck, clockCheck];

function configCheck(o: SessionOptions): Check {
  const tickers = `${o.tickers.slice(0, 8).join(', ')}${o.tickers.length > 8 ? ', …' : ''}`;
  const detail = `broker ${o.broker.type}, quotes ${o.quotes.type}, ${o.tickers.length} ticker(s): ${tickers}`;
  return { name: 'config', ok: true, detail };
}

export async function runChecks(flags: DiagnoseFlags): Promise<{ checks: Check[]; source: string }> {
  const timeout = parseTimeout(flags.timeout);
  if (typeof timeout === 'object') throw new CliInputError([timeout.problem]);
  const { options: o, source, problems } = await configure(flags);
  if (problems.config.length || !o) {
    const fix = 'correct the config file / flags as the message says';
    return { checks: [{ name: 'config', ok: false, detail: problems.config.join('; '), fix }], source };
  }
  const run: Run = { o, problems, timeoutMs: timeout * 1000, noBroker: '', cleanups: [] };
  const checks = [configCheck(o)];
  try {
    for (const step of CHECKS) checks.push(...(await step(run)));
    return { checks, source };
  } finally {
    for (const cleanup of run.cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * What a session would find at the broker at start: open orders with salvo client ids (a crashed
 * session's orphans, or a running session's orders) and the positions held.
 */
async function leftAtBroker(broker: Broker, timeoutMs: number): Promise<string> {
  try {
    const [open, held] = await Promise.all([
      withTimeout(broker.openOrders(), timeoutMs, 'open orders'),
      withTimeout(broker.positions(), timeoutMs, 'positions'),
    ]);
    const ours = open.filter((o) => SALVO_ID.test(o.clientOrderId));
    const tickers = [...new Set(ours.map((o) => o.ticker))].sort();
    const positions = held.filter((p) => Math.abs(p.quantity) > 1e-9).map((p) => `${p.ticker} ${p.quantity}`);
    return `${ours.length} open order(s) with salvo client ids${tickers.length ? ` (${tickers.join(', ')})` : ''}, positions: ${positions.join(', ') || 'none'}`;
  } catch (error) {
    return `open orders and positions not listed: ${(error as Error).message}`;
  }
}

export async function diagnoseCommand(flags: DiagnoseFlags): Promise<number> {
  let result: Awaited<ReturnType<typeof runChecks>>;
  try {
    result = await runChecks(flags);
  } catch (error) {
    if (!(error instanceof CliInputError)) throw error;
    for (const p of error.problems) process.stderr.write(`salvo diagnose: ${p}\n`);
    return 2;
  }
  const { checks, source } = result;
  const w = Math.max(...checks.map((c) => c.name.length), 5);
  const lines = [`salvo diagnose (${source})`, `  ${'check'.padEnd(w)}  result  detail`];
  for (const c of checks) lines.push(`  ${c.name.padEnd(w)}  ${c.ok ? 'pass  ' : 'FAIL  '}  ${c.detail}`);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    lines.push('', 'to fix:');
    for (const c of failed) lines.push(`  ${c.name}: ${c.fix ?? 'see the detail above'}`);
    lines.push('', `${failed.length} of ${checks.length} checks failed`);
  } else lines.push('', `all ${checks.length} checks passed`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed.length ? 1 : 0;
}

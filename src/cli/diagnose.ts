// `salvo diagnose`: checks every configured dependency the way a session would use it (same config
// loading, same brokerDriver and startQuoteFeed) and prints a pass / fail table with a fix for each
// failure. Exit code 0 when every check passes, 1 otherwise.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { logFolderProblem } from '../session/log-folder.js';
import { brokerDriver, brokerTypes } from '../brokers/index.js';
import { BrokerConnectError, type Broker, type BrokerHub } from '../brokers/broker.js';
import { SALVO_ID } from '../journal/start-check.js';
import { QuoteBoard } from '../market/quote-board.js';
import { startQuoteFeed, type QuoteFeed } from '../market/quote-feed.js';
import { quoteSourceTypes } from '../market/sources/index.js';
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

/**
 * The promise, or a timeout error after `ms`. What a given-up start still delivers later (a feed,
 * a venue thread) is handed to `discard`, so diagnose does not leave it running and can exit.
 */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string, discard?: (late: T) => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`${what}: no answer within ${ms / 1000} s`));
    }, ms);
  });
  if (discard)
    promise
      .then((value) => {
        if (timedOut) return discard(value);
      })
      .catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

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
function endpoints(quotes: Record<string, unknown>): string[] {
  if (quotes.type === 'redis') {
    if (typeof quotes.url === 'string') {
      const u = new URL(quotes.url);
      return [`${u.hostname}:${u.port || 6379}`];
    }
    return [`${quotes.host ?? '127.0.0.1'}:${quotes.port ?? 6379}`];
  }
  if (quotes.type === 'kafka' && Array.isArray(quotes.brokers)) return quotes.brokers.map(String);
  return [];
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

export async function runChecks(flags: DiagnoseFlags): Promise<{ checks: Check[]; source: string }> {
  const timeout = parseTimeout(flags.timeout);
  if (typeof timeout === 'object') throw new CliInputError([timeout.problem]);
  const timeoutMs = timeout * 1000;
  const { options: o, source, problems } = await configure(flags);
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  if (problems.config.length || !o) {
    add({
      name: 'config',
      ok: false,
      detail: problems.config.join('; '),
      fix: 'correct the config file / flags as the message says',
    });
    return { checks, source };
  }
  add({
    name: 'config',
    ok: true,
    detail: `broker ${o.broker.type}, quotes ${o.quotes.type}, ${o.tickers.length} ticker(s): ${o.tickers.slice(0, 8).join(', ')}${o.tickers.length > 8 ? ', …' : ''}`,
  });

  const dir = path.resolve(o.tradeLogPath);
  try {
    // checked before mkdir: Node's recursive mkdir never returns under /proc
    const problem = logFolderProblem(dir);
    if (problem) throw new Error(problem);
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.salvo-diagnose-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.unlinkSync(probe);
    add({ name: 'log folder', ok: true, detail: `${dir} is writable` });
  } catch (error) {
    add({
      name: 'log folder',
      ok: false,
      detail: `${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      fix: 'create the folder or make it writable, or choose another with --log-path / tradeLogPath',
    });
  }

  const cleanups: Array<() => Promise<unknown>> = [];
  let feed: QuoteFeed | undefined;
  try {
    const quotes = o.quotes as Record<string, unknown> & { type: string };
    for (const endpoint of problems.quotes.length ? [] : endpoints(quotes)) {
      try {
        await tcpReach(endpoint, timeoutMs);
        add({ name: quotes.type, ok: true, detail: `${endpoint} reachable` });
      } catch (error) {
        add({
          name: quotes.type,
          ok: false,
          detail: (error as Error).message,
          fix: fixFor('tcp', quotes.type, (error as Error).message),
        });
      }
    }
    if (problems.quotes.length) {
      const unknown = problems.quotes.some((p) => /type must be one of/.test(p));
      add({
        name: 'quote source',
        ok: false,
        detail: unknown ? `unknown type: ${problems.quotes.join('; ')}` : problems.quotes.join('; '),
        fix: fixFor('quotes', quotes.type, problems.quotes.join(' ')),
      });
    } else {
      const t0 = performance.now();
      try {
        feed = await withTimeout(
          startQuoteFeed({ tickers: o.tickers, source: quotes, log: () => undefined }),
          timeoutMs,
          `${quotes.type} quotes`,
          (f) => f.close(),
        );
        cleanups.push(() => feed!.close());
        const missing = await feed.waitForQuotes(timeoutMs);
        const got = o.tickers.length - missing.length;
        add(
          missing.length
            ? {
                name: 'quote source',
                ok: false,
                detail: `${quotes.type}: no quote within ${timeoutMs / 1000} s for ${missing.join(', ')} (${got}/${o.tickers.length} quoted)`,
                fix: 'check that the feed publishes these tickers under the configured channel / topic names',
              }
            : {
                name: 'quote source',
                ok: true,
                detail: `${quotes.type}: first quote for ${got}/${o.tickers.length} ticker(s) after ${Math.round(performance.now() - t0)} ms`,
              },
        );
      } catch (error) {
        add({
          name: 'quote source',
          ok: false,
          detail: (error as Error).message,
          fix: fixFor('quotes', quotes.type, (error as Error).message),
        });
      }
    }

    const type = o.broker.type;
    if (problems.broker.length) {
      const unknown = problems.broker.some((p) => /type must be one of/.test(p));
      add({
        name: 'broker',
        ok: false,
        detail: unknown ? `unknown type: ${problems.broker.join('; ')}` : problems.broker.join('; '),
        fix: fixFor('broker', type, problems.broker.join(' ')),
      });
      add({ name: 'clock', ok: false, detail: 'not checked: no usable broker', fix: 'fix the broker first' });
      return { checks, source };
    }
    let broker: Broker;
    try {
      const driver = await brokerDriver(type);
      const board = feed?.board ?? new QuoteBoard(o.tickers);
      const hub: BrokerHub | undefined = await withTimeout(
        Promise.resolve(driver.prepare?.(o.broker, { boardBuffer: board.buffer, tickers: o.tickers })),
        timeoutMs,
        `${type} venue`,
        (h) => h?.close(),
      );
      if (hub) cleanups.push(() => hub.close());
      broker = driver.create(o.broker, hub?.link(0).link ?? { workerId: 0 });
      cleanups.push(() => broker.close());
      await withTimeout(broker.connect(), timeoutMs, `${type} broker`);
      const account = await withTimeout(broker.account(), timeoutMs, `${type} account`);
      const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      add({
        name: 'broker',
        ok: true,
        detail: `${type}: connected; cash ${money(account.cash)} ${account.currency}, buying power ${money(account.buyingPower)}; ${await leftAtBroker(broker, timeoutMs)}`,
      });
    } catch (error) {
      const message = (error as Error).message;
      add({
        name: 'broker',
        ok: false,
        detail: `${type}: ${error instanceof BrokerConnectError ? 'refused: ' : ''}${message}`,
        fix: fixFor('broker', type, message),
      });
      add({ name: 'clock', ok: false, detail: 'not checked: no broker connection', fix: 'fix the broker first' });
      return { checks, source };
    }
    try {
      const before = Date.now();
      const clock = await withTimeout(broker.clock(), timeoutMs, `${type} clock`);
      const after = Date.now();
      const skew = clock.now.getTime() - (before + after) / 2;
      const market = clock.isOpen
        ? `market open, closes ${clock.nextClose.toISOString().slice(0, 16).replace('T', ' ')} UTC`
        : `market closed, opens ${clock.nextOpen.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      const detail = `broker clock ${Math.abs(Math.round(skew))} ms ${skew >= 0 ? 'ahead of' : 'behind'} local (±${Math.ceil((after - before) / 2)} ms); ${market}`;
      add(
        Math.abs(skew) - (after - before) / 2 > CLOCK_TOLERANCE_MS
          ? {
              name: 'clock',
              ok: false,
              detail,
              fix: 'synchronise the local clock (e.g. timedatectl set-ntp true, or chrony); EOD sessions and latencies depend on it',
            }
          : { name: 'clock', ok: true, detail },
      );
    } catch (error) {
      add({
        name: 'clock',
        ok: false,
        detail: (error as Error).message,
        fix: 'the broker did not answer a clock request: check the connection',
      });
    }
    return { checks, source };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
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

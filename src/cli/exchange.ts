// `salvo exchange`: the paper exchange as a server (startExchange): Alpaca's Trading API v2 and
// websockets, and a FIX 4.4 acceptor when --fix-port is given, for runners in other processes
// (broker 'alpaca' or 'fix' pointed at it). It runs until SIGINT / SIGTERM, then closes and exits 0.
// The FIX acceptor checks the Logon's CompIDs and, when given, Username / Password (--fix-* flags,
// or SALVO_FIX_USERNAME / SALVO_FIX_PASSWORD).
// Exit codes: 0 stopped by a signal; 1 it could not start (port taken…); 2 bad flags.
import path from 'node:path';
import { startExchange, type Exchange, type ExchangeOptions } from '../index.js';
import { FIX_DEFAULTS } from '../exchange/exchange.js';
import { CliInputError, findConfigFile, loadEnv, readConfigFile } from './config.js';

export interface ExchangeFlags {
  config?: string;
  host?: string;
  httpPort?: string;
  fixPort?: string;
  latencyMs?: string;
  cash?: string;
  ordersPerMinute?: string;
  tickers?: string;
  quotes?: string;
  keyId?: string;
  secretKey?: string;
  fixCompId?: string;
  fixClientCompId?: string;
  fixUsername?: string;
  fixPassword?: string;
  fixLogonTimeout?: string;
}

const DEFAULT_TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AVGO', 'JPM', 'V'];
const err = (line: string) => process.stderr.write(`${line}\n`);

function number(
  flag: string,
  value: string | undefined,
  problems: string[],
  { int = false, min = 0, max = Infinity } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
    const range = max < Infinity ? `from ${min} to ${max}` : `of at least ${min}`;
    problems.push(`${flag} must be ${int ? 'a whole number' : 'a number'} ${range}; got ${JSON.stringify(value)}`);
    return undefined;
  }
  return n;
}

const port = (flag: string, value: string | undefined, problems: string[]) =>
  number(flag, value, problems, { int: true, max: 65535 });

/** a FIX CompID or credential flag: given, it must be something */
function text(flag: string, value: string | undefined, problems: string[]): string | undefined {
  if (value !== undefined && !value.trim()) problems.push(`${flag} must not be empty`);
  return value?.trim() || undefined;
}

export async function exchangeCommand(flags: ExchangeFlags): Promise<number> {
  loadEnv();
  const read = readFlags(flags);
  if ('problems' in read) {
    for (const p of read.problems) err(`salvo exchange: ${p}`);
    return 2;
  }
  const { options, fix, configFile } = read;
  let exchange: Exchange;
  try {
    exchange = await startExchange(options);
  } catch (error) {
    err(`salvo exchange: could not start: ${(error as Error).message}`);
    return 1;
  }
  const secretShown = (flags.secretKey ?? process.env.APCA_API_SECRET_KEY) ? '*** (as given)' : options.secretKey;
  const out = [
    `salvo exchange: paper venue for ${options.tickers.length} ticker(s), priced by ${options.quotes.type} quotes${configFile ? ` (${path.basename(configFile)})` : ''}`,
    `  Alpaca REST     ${exchange.restUrl}`,
    `  trade updates   ${exchange.streamUrl}`,
    `  market data     ${exchange.dataStreamUrl}`,
    ...(exchange.fixPort !== undefined
      ? [`  FIX 4.4         ${options.host}:${exchange.fixPort}: ${fixLine(fix)}`]
      : []),
    `  credentials     keyId ${options.keyId}, secretKey ${secretShown}`,
    `  a runner's config: broker: { type: alpaca, baseUrl: "${exchange.restUrl}", keyId: "${options.keyId}", secretKey: "…" }`,
    'Ctrl-C stops it.',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  await untilSignal();
  await exchange.close();
  return 0;
}

type FixFlags = NonNullable<ExchangeOptions['fix']>;

const fixLine = (fix: FixFlags): string =>
  `venue CompID ${fix.senderCompId}, initiators log on as ${fix.targetCompId === '*' ? 'any CompID' : fix.targetCompId}` +
  `${fix.username ? `, username ${fix.username}` : ''}${fix.password ? ', password *** (as given)' : ', no password'}`;

/** the flags (and the config file's tickers / quotes) as exchange options, or every problem, one line each */
function readFlags(flags: ExchangeFlags):
  | {
      options: ExchangeOptions & {
        host: string;
        tickers: string[];
        quotes: { type: string };
        keyId: string;
        secretKey: string;
      };
      fix: FixFlags;
      configFile?: string;
    }
  | { problems: string[] } {
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  const configFile = findConfigFile(flags.config);
  try {
    if (configFile) file = readConfigFile(configFile);
  } catch (error) {
    if (!(error instanceof CliInputError)) throw error;
    problems.push(...error.problems);
  }
  const httpPort = port('--http-port', flags.httpPort ?? '9090', problems);
  const fixPort = port('--fix-port', flags.fixPort, problems);
  const fix = {
    senderCompId: text('--fix-comp-id', flags.fixCompId, problems) ?? FIX_DEFAULTS.senderCompId,
    targetCompId: text('--fix-client-comp-id', flags.fixClientCompId, problems) ?? FIX_DEFAULTS.targetCompId,
    username: text('--fix-username', flags.fixUsername ?? process.env.SALVO_FIX_USERNAME, problems),
    password: text('--fix-password', flags.fixPassword ?? process.env.SALVO_FIX_PASSWORD, problems),
    logonTimeoutSeconds: number('--fix-logon-timeout', flags.fixLogonTimeout ?? '10', problems, {
      min: 0.1,
      max: 3600,
    }),
  };
  const latencyMs = number('--latency-ms', flags.latencyMs, problems);
  const cash = number('--cash', flags.cash, problems, { min: 1 });
  const ordersPerMinute = number('--orders-per-minute', flags.ordersPerMinute, problems, { min: 1 });
  const tickers = tickersOf(flags, file);
  if (!tickers.length) problems.push('--tickers must list at least one ticker');
  if (problems.length) return { problems };
  const options = {
    host: flags.host ?? '127.0.0.1',
    httpPort,
    tickers,
    quotes: quotesOf(flags, file),
    keyId: flags.keyId ?? process.env.APCA_API_KEY_ID ?? 'salvo-paper',
    secretKey: flags.secretKey ?? process.env.APCA_API_SECRET_KEY ?? 'salvo-paper-secret',
    ...(fixPort !== undefined ? { fixPort, fix } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(cash !== undefined ? { cash } : {}),
    ...(ordersPerMinute !== undefined ? { ordersPerMinute } : {}),
  };
  return { options, fix, configFile };
}

function tickersOf(flags: ExchangeFlags, file: Record<string, unknown>): string[] {
  if (flags.tickers !== undefined)
    return flags.tickers
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  return Array.isArray(file.tickers) ? file.tickers.map(String) : DEFAULT_TICKERS;
}

function quotesOf(flags: ExchangeFlags, file: Record<string, unknown>): { type: string } {
  const fromFile = file.quotes;
  if (flags.quotes !== undefined) return { type: flags.quotes };
  if (typeof fromFile === 'string') return { type: fromFile };
  return fromFile && typeof fromFile === 'object' ? (fromFile as { type: string }) : { type: 'sim' };
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      err(`salvo exchange: ${signal}, closing`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

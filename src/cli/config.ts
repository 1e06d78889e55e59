// Configuration of `salvo run` / `salvo diagnose`: the strategy file's exports, a config file
// (JSON or YAML) and the command's flags, merged in that order (a later layer wins) over
// runTrading's defaults, then validated once by parseOptions. Problems are reported one line each,
// naming where the value came from (the flag, or the key in the file).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import dotenv from 'dotenv';
import YAML from 'yaml';
import {
  checkLogFolder,
  parseOptions,
  SalvoOptionsError,
  type RunTradingOptions,
  type SessionOptions,
} from '../session/options.js';
import { processSecrets, secretsIn } from '../util/secrets.js';

/** Bad input (exit code 2): one line per problem. */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface ConfigFlags {
  config?: string;
  tickers?: string;
  frequency?: string;
  run?: string;
  eos?: string;
  broker?: string;
  quotes?: string;
  workers?: string;
  display?: boolean;
  logName?: string;
  strategyId?: string;
  logPath?: string;
  rateRedis?: string;
  /** the trade log name of a crashed session to pick up */
  resume?: string;
  onStartOrphans?: string;
}

/** the flag that sets each option */
export const FLAG_OF: Record<string, string> = {
  tickers: '--tickers',
  frequency: '--frequency',
  runSeconds: '--run',
  eosBehavior: '--eos',
  broker: '--broker',
  quotes: '--quotes',
  numWorkers: '--workers',
  liveDisplay: '--display / --no-display',
  tradeLogName: '--log-name',
  strategyId: '--strategy-id',
  tradeLogPath: '--log-path',
  rateLimit: '--rate-redis',
  resume: '--resume',
  onStartOrphans: '--on-start-orphans',
};

export const CONFIG_FILES = ['salvo.config.json', 'salvo.config.yaml', 'salvo.config.yml'];
const CODE_ONLY = ['strategy', 'customShutdownAction', 'logger'];

/** `.env` of the current folder into process.env (dotenv; variables already set win). Returns the file if there was one. */
export function loadEnv(cwd = process.cwd()): string | undefined {
  const file = path.join(cwd, '.env');
  if (!fs.existsSync(file)) return undefined;
  dotenv.config({ path: file, quiet: true });
  return file;
}

/** --config, else salvo.config.json|yaml|yml in the current folder, else none */
export function findConfigFile(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit) return path.resolve(cwd, explicit);
  return CONFIG_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
}

/**
 * A config file's options. `${NAME}` in a string value is replaced by the environment variable NAME
 * (.env included); a value that is only `${NAME}` becomes a number or boolean when NAME holds one.
 * Every value taken from the environment may be a credential: it is masked in every output.
 */
export function readConfigFile(file: string): Record<string, unknown> {
  const name = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliInputError([
      `config file ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (error as Error).message})`}`,
    ]);
  }
  let data: unknown;
  if (/\.json$/i.test(file)) {
    // V8 quotes a stretch of the file in its message, and that stretch may hold a credential
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new CliInputError([
        `${name}: not valid JSON: ${(error as Error).message.replace(/, (\.\.\.)?".*" is not valid JSON$/s, '')}`,
      ]);
    }
  } else {
    const doc = YAML.parseDocument(text);
    if (doc.errors.length) {
      // the parser's messages quote the token they stopped at, which may be a credential: cut it
      const lines = doc.errors.map(
        (e) =>
          `${name}: line ${e.linePos?.[0].line ?? '?'}: not valid YAML: ${e.message
            .split('\n')[0]
            .replace(/ at line \d+, column \d+:?$/, '')
            .replace(/: ".*"$/, '')}`,
      );
      throw new CliInputError([...new Set(lines)]);
    }
    data = doc.toJS();
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new CliInputError([`${name}: must hold an object of runTrading options (tickers, frequency, …)`]);
  const problems: string[] = [];
  const values = expandEnv(data as Record<string, unknown>, '', (key, variable) =>
    problems.push(`${name}: ${key} uses \${${variable}}, which is not set (put it in .env or the environment)`),
  );
  for (const key of CODE_ONLY) {
    if (key in values)
      problems.push(
        `${name}: ${key} cannot be set in a config file${key === 'strategy' ? ': give the strategy file on the command line (salvo run <strategy.ts>)' : key === 'customShutdownAction' ? ': export it from the strategy file' : ''}`,
      );
  }
  if (problems.length) throw new CliInputError(problems);
  secretsIn(values, processSecrets);
  return values;
}

function expandEnv<T>(value: T, at: string, missing: (key: string, variable: string) => void): T {
  if (typeof value === 'string') {
    // a value that is exactly one variable takes the variable's type: `seed: ${SEED}` with SEED=42 is the number 42
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
    const v = whole ? process.env[whole[1]] : undefined;
    if (v !== undefined) {
      const typed = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
      processSecrets.add(v);
      processSecrets.add(typed); // '0012345678' is shown as 12345678
      return typed as T;
    }
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, variable: string) => {
      const v = process.env[variable];
      if (v === undefined) missing(at, variable);
      processSecrets.add(v);
      return v ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${at}[${i}]`, missing)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, at ? `${at}.${k}` : k, missing)]),
    ) as T;
  }
  return value;
}

export interface StrategyModule {
  strategy: NonNullable<RunTradingOptions['strategy']>;
  customShutdownAction?: RunTradingOptions['customShutdownAction'];
  config: Record<string, unknown>;
}

/** Imports a strategy file: its default export is the strategy; it may export customShutdownAction and config. */
export async function loadStrategyModule(file: string): Promise<StrategyModule> {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new CliInputError([`strategy file ${file}: no such file`]);
  let mod: Record<string, unknown>;
  try {
    mod = await importStrategy(resolved);
  } catch (error) {
    throw new CliInputError([`strategy file ${file} failed to load: ${(error as Error)?.message ?? String(error)}`]);
  }
  const problems: string[] = [];
  const strategy = mod.default;
  if (typeof strategy !== 'function') {
    const named = Object.entries(mod)
      .filter(([k, v]) => typeof v === 'function' && k !== 'customShutdownAction')
      .map(([k]) => k);
    problems.push(
      strategy === undefined
        ? `${file} has no default export: export the strategy function with \`export default function strategy(ctx) { … }\`${named.length ? ` (it exports ${named.map((n) => `'${n}'`).join(', ')}; make one of them the default export)` : ''}`
        : `${file}: the default export must be the strategy function (ctx) => orders; got ${typeof strategy}`,
    );
  }
  if (mod.customShutdownAction !== undefined && typeof mod.customShutdownAction !== 'function') {
    problems.push(
      `${file}: export customShutdownAction must be a function (ctx) => orders; got ${typeof mod.customShutdownAction}`,
    );
  }
  const config = mod.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    problems.push(
      `${file}: export config must be an object of runTrading options; got ${Array.isArray(config) ? 'an array' : typeof config}`,
    );
  if (problems.length) throw new CliInputError(problems);
  secretsIn(config, processSecrets);
  return {
    strategy: strategy as StrategyModule['strategy'],
    customShutdownAction: mod.customShutdownAction as StrategyModule['customShutdownAction'],
    config: config as Record<string, unknown>,
  };
}

/**
 * A strategy file as an ES module. One outside an ESM package (no "type": "module" above it) is
 * compiled as CommonJS by tsx, which Node 20 cannot import() through the global hook; tsx's
 * tsImport loads it, and its CommonJS exports object is unwrapped.
 */
async function importStrategy(file: string): Promise<Record<string, unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    if (!/^ERR_REQUIRE/.test(String((error as NodeJS.ErrnoException)?.code))) throw error;
    const { tsImport } = await import('tsx/esm/api');
    mod = await tsImport(pathToFileURL(file).href, import.meta.url);
  }
  const inner = mod.default as Record<string, unknown> | undefined;
  if (inner && typeof inner === 'object' && ('default' in inner || '__esModule' in inner)) return inner;
  return mod;
}

const numberOr = (value: string) => (/^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value);

/** The options the flags set (only those given). */
export function flagOptions(flags: ConfigFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (flags.tickers !== undefined)
    o.tickers = flags.tickers
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (flags.frequency !== undefined) o.frequency = numberOr(flags.frequency);
  if (flags.run !== undefined) o.runSeconds = flags.run.trim().toUpperCase() === 'EOD' ? 'EOD' : numberOr(flags.run);
  if (flags.eos !== undefined) o.eosBehavior = flags.eos;
  if (flags.broker !== undefined) o.broker = flags.broker;
  if (flags.quotes !== undefined) o.quotes = flags.quotes;
  if (flags.workers !== undefined)
    o.numWorkers = /^\s*\d+\s*$/.test(flags.workers) ? Number(flags.workers) : flags.workers;
  if (flags.display !== undefined) o.liveDisplay = flags.display;
  if (flags.logName !== undefined) o.tradeLogName = flags.logName;
  if (flags.strategyId !== undefined) o.strategyId = flags.strategyId;
  if (flags.logPath !== undefined) o.tradeLogPath = flags.logPath;
  if (flags.rateRedis !== undefined) o.rateLimit = { redis: flags.rateRedis };
  if (flags.resume !== undefined) {
    if (flags.logName !== undefined && flags.logName !== flags.resume)
      throw new CliInputError([
        `--resume ${flags.resume} and --log-name ${flags.logName} name different sessions: give one`,
      ]);
    o.resume = true;
    o.tradeLogName = flags.resume;
  }
  if (flags.onStartOrphans !== undefined) o.onStartOrphans = flags.onStartOrphans;
  return o;
}

export interface Layer {
  name: string;
  values: Record<string, unknown>;
}

const asVenue = (v: unknown) => (typeof v === 'string' ? { type: v } : v);

/** Later layers win key by key; broker / quotes of the same type (or without one) merge field by field. */
export function mergeLayers(layers: Layer[]): { merged: Record<string, unknown>; origin: Record<string, string> } {
  // no prototype: a key named '__proto__' or 'constructor' is a key like any other (and reported as unknown)
  const merged: Record<string, unknown> = Object.create(null);
  const origin: Record<string, string> = Object.create(null);
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (value === undefined) continue;
      const below = merged[key];
      if ((key === 'broker' || key === 'quotes') && below !== undefined) {
        const lo = asVenue(below),
          hi = asVenue(value);
        if (lo && hi && typeof lo === 'object' && typeof hi === 'object' && !Array.isArray(lo) && !Array.isArray(hi)) {
          const loType = (lo as { type?: unknown }).type,
            hiType = (hi as { type?: unknown }).type;
          if (hiType === undefined || hiType === loType) {
            merged[key] = { ...lo, ...hi };
            origin[key] = layer.name;
            continue;
          }
        }
      }
      merged[key] = value;
      origin[key] = layer.name;
    }
  }
  return { merged, origin };
}

/** Validates merged options with parseOptions; each problem names the flag or file its option came from. */
export function validate(merged: Record<string, unknown>, origin: Record<string, string>): SessionOptions {
  try {
    const options = parseOptions(merged);
    checkLogFolder(options);
    return options;
  } catch (error) {
    if (!(error instanceof SalvoOptionsError)) throw error;
    const problems = error.problems
      .flatMap((p) => p.split('; unknown option ').map((part, i) => (i ? `unknown option ${part}` : part)))
      .map((p) => locate(p, origin));
    if (merged.tickers === undefined) {
      const i = problems.findIndex((p) => p.startsWith('tickers '));
      problems.splice(
        Math.max(0, i),
        i < 0 ? 0 : 1,
        'no tickers: pass --tickers A,B, set tickers in the config file, or export const config = { tickers: [...] } from the strategy file',
      );
    }
    throw new CliInputError(problems);
  }
}

function locate(problem: string, origin: Record<string, string>): string {
  const unknown = /^unknown option '([^']+)'/.exec(problem);
  const key = unknown ? unknown[1].split('.')[0] : /^([A-Za-z_][\w]*)/.exec(problem)?.[1];
  if (!key) return problem;
  const from = origin[key];
  if (!from || from === 'defaults') return problem;
  if (from === 'flags') return `${problem} (from ${Object.hasOwn(FLAG_OF, key) ? FLAG_OF[key] : 'the command line'})`;
  return `${from}: ${unknown ? problem.replace(/^unknown option/, 'unknown key') : problem}`;
}

export interface ResolvedRun {
  options: SessionOptions;
  configFile?: string;
  envFile?: string;
  origin: Record<string, string>;
}

/** strategy file + config file + flags → validated session options (throws CliInputError) */
export async function resolveRun(
  strategyFile: string,
  flags: ConfigFlags,
  defaults: Record<string, unknown> = {},
): Promise<ResolvedRun> {
  const envFile = loadEnv();
  const module = await loadStrategyModule(strategyFile);
  const configFile = findConfigFile(flags.config);
  const layers: Layer[] = [
    { name: 'defaults', values: defaults },
    { name: `${path.basename(strategyFile)} (export config)`, values: module.config },
    { name: 'strategy file', values: { strategy: module.strategy, customShutdownAction: module.customShutdownAction } },
  ];
  if (configFile) layers.push({ name: path.basename(configFile), values: readConfigFile(configFile) });
  layers.push({ name: 'flags', values: flagOptions(flags) });
  const { merged, origin } = mergeLayers(layers);
  return { options: validate(merged, origin), configFile, envFile, origin };
}

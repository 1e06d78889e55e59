// The `salvo` command: run | review | exchange | kill | risk reset | diagnose (commander). bin/salvo.mjs starts it.
// Exit codes, every subcommand: 0 success; 1 the work could not be done or found problems (see
// each subcommand); 2 bad input (unknown flag, bad option, unreadable or malformed file).
import fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { isEntryPoint } from '../util/entry-point.js';
import { describeError } from '../util/errors.js';
import { processSecrets } from '../util/secrets.js';

function version(): string {
  try {
    return JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('salvo')
    .description('Run trading strategies with parallel order execution, and review their trade logs.')
    .version(version(), '-v, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  addRunCommand(program, setExit);
  addReviewCommand(program, setExit);
  addExchangeCommand(program, setExit);
  addKillCommand(program, setExit);
  addRiskCommand(program, setExit);
  addDiagnoseCommand(program, setExit);
  return program;
}

/** `salvo run <strategy>`: one trading session */
function addRunCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('run a strategy file for one session (its default export is the strategy function)')
    .argument('<strategy>', 'strategy file (.ts / .js); may also export customShutdownAction and config')
    .option('-c, --config <file>', 'config file, JSON or YAML (default: salvo.config.json|yaml|yml if present)')
    .option('--tickers <A,B,…>', 'tickers, comma-separated')
    .option('--frequency <duration>', "strategy call period: seconds or '250ms' | '10s' | '1m'")
    .option('--run <duration>', "session length: seconds, '15m', '2h' or EOD")
    .addOption(new Option('--eos <behavior>', 'end of session').choices(['liquidate', 'hold', 'custom']))
    .option('--broker <type>', 'broker type: paper, alpaca, fix (settings in the config file)')
    .option('--quotes <type>', 'quote source type: sim, redis, kafka, replay, alpaca (settings in the config file)')
    .option('--workers <n>', 'execution worker threads')
    .option('--display', 'live terminal display (default when stdout is a terminal)')
    .option('--no-display', 'no live display: a status line every few seconds instead')
    .option('--log-name <name>', 'trade log name: <log-path>/<name>.csv (default: <strategy>-<time>)')
    .option('--log-path <dir>', 'trade log folder (default: logs)')
    .option(
      '--strategy-id <id>',
      "this runner's id on a shared account, in every client order id: its book, what it liquidates (default: the strategy file's name)",
    )
    .option(
      '--rate-redis <url>',
      "share the account's rate limit with every runner on it through this Redis (redis://[:password@]host:port)",
    )
    .option(
      '--resume <name>',
      'pick up the crashed session <name> (its <log-path>/<name>.journal): settle its orders with the broker, append to its CSV',
    )
    .addOption(
      new Option(
        '--on-start-orphans <policy>',
        'open orders with salvo ids this session does not know, found at start (default report)',
      ).choices(['report', 'adopt', 'cancel']),
    )
    .option('--status-every <seconds>', 'seconds between status lines without the display', '5')
    .option('--dry-run', 'print the resolved options and where each came from, then exit without trading')
    .action(async (strategy: string, flags) => setExit(await (await import('./run.js')).runCommand(strategy, flags)));
}

/** `salvo review <logs...>`: the report on trade logs */
function addReviewCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('review')
    .description('review trade logs (salvo or blockpaca CSV): statuses, lifecycles, latency, P&L, leg skew')
    .argument('<logs...>', 'trade log CSV files, reviewed together in the order given')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .option('--json', 'print the summary as JSON instead of text')
    .action(async (logs: string[], flags) =>
      setExit(await (await import('./review/command.js')).reviewCommand(logs, flags)),
    );
}

/** `salvo exchange`: the paper exchange as a server */
function addExchangeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('exchange')
    .description(
      "serve the paper exchange over Alpaca's HTTP / WebSocket API (and FIX 4.4 with --fix-port) until Ctrl-C",
    )
    .option('-c, --config <file>', 'take tickers and quotes from this config file (default: salvo.config.* if present)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--http-port <port>', 'Alpaca REST + WebSocket port (0: any free port)', '9090')
    .option('--fix-port <port>', 'also accept FIX 4.4 sessions on this port (0: any free port)')
    .option('--latency-ms <ms>', 'one-way venue latency')
    .option('--cash <amount>', 'starting cash of each account')
    .option('--orders-per-minute <n>', 'Alpaca API order rate limit (429 beyond it)')
    .option('--tickers <A,B,…>', "tickers the venue prices (default: the config file's, else a ten-name basket)")
    .option('--quotes <type>', 'quote source pricing the venue (default sim; settings from the config file)')
    .option('--key-id <id>', 'API key id clients must send (default: APCA_API_KEY_ID, else salvo-paper)')
    .option(
      '--secret-key <secret>',
      'API secret clients must send (default: APCA_API_SECRET_KEY, else salvo-paper-secret)',
    )
    .option('--fix-comp-id <id>', "the FIX acceptor's CompID, the initiators' TargetCompID (default PAPER)")
    .option('--fix-client-comp-id <id>', 'the SenderCompID initiators must log on with; * lets any in (default SALVO)')
    .option('--fix-username <name>', 'Username(553) a FIX Logon must carry (default: SALVO_FIX_USERNAME, else none)')
    .option('--fix-password <secret>', 'Password(554) a FIX Logon must carry (default: SALVO_FIX_PASSWORD, else none)')
    .option('--fix-logon-timeout <seconds>', 'a FIX connection not logged on by then is dropped', '10')
    .action(async (flags) => setExit(await (await import('./exchange.js')).exchangeCommand(flags)));
}

/** `salvo kill <session>`: stop a running session from another terminal */
function addKillCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('kill')
    .description(
      'stop a running session now: cancel its open orders and flatten (unless kill.flatten is false), from another terminal',
    )
    .argument('<session>', "the session's trade log name (or .csv path), or its pid")
    .option('--log-path <dir>', 'trade log folder of the session (default: logs)')
    .option('--timeout <seconds>', 'how long to wait for the session to end', '60')
    .action(async (target: string, flags) => setExit(await (await import('./risk.js')).killCommand(target, flags)));
}

/** `salvo risk reset`: clear a HALTED day on purpose */
function addRiskCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('risk')
    .description("the day's risk state beside the trade logs")
    .command('reset')
    .description('clear a HALTED state (a loss limit halted trading today) on purpose')
    .option('--log-path <dir>', 'trade log folder (default: logs)')
    .option('--account <name>', 'the account to clear, when several are HALTED (as the state file names it)')
    .action(async (flags) => setExit((await import('./risk.js')).riskResetCommand(flags)));
}

/** `salvo diagnose`: check what a session would connect to */
function addDiagnoseCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('diagnose')
    .description('check the configured broker, quote source, Redis / Kafka, log folder and clock')
    .option('-c, --config <file>', 'config file, JSON or YAML (default: salvo.config.json|yaml|yml if present)')
    .option('--strategy <file>', "take tickers and settings from a strategy file's exports too")
    .option('--tickers <A,B,…>', 'tickers to ask the quote source for (default: from the config, else AAPL)')
    .option('--broker <type>', 'broker type')
    .option('--quotes <type>', 'quote source type')
    .option('--log-path <dir>', 'trade log folder')
    .option('--timeout <seconds>', 'how long each check may take', '10')
    .action(async (flags) => setExit(await (await import('./diagnose.js')).diagnoseCommand(flags)));
}

/** Runs the command line and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed the message; help and version are not errors
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? 0
        : 2;
    }
    process.stderr.write(`salvo: ${processSecrets.mask(describeError(error, { stack: true }))}\n`);
    return 1;
  }
  return code;
}

/**
 * Runs the command line and ends the process once stdout and stderr are written: the work is done,
 * and a timer a strategy module started at import, or a connection a check left open, must not
 * keep `salvo` alive.
 */
export async function runAndExit(argv: string[]): Promise<never> {
  maskWrites(process.stdout);
  maskWrites(process.stderr);
  const code = await main(argv);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/**
 * The last line of defence of every command: text written to the terminal is masked with the
 * credentials the command has read (config files, strategy exports, `${NAME}` values). Each
 * command masks its own output first; this catches what a check or a library prints.
 */
function maskWrites(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(typeof chunk === 'string' ? processSecrets.mask(chunk) : chunk, ...rest)) as typeof stream.write;
}

/** resolves once what was written to the stream has been handed to the system (at most 5 s: a reader that never reads cannot hold the exit) */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable || stream.destroyed) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, 5000);
    timer.unref();
    stream.write('', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

if (isEntryPoint(import.meta.url)) await runAndExit(process.argv);

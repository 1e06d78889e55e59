// `salvo run <strategy.ts> [flags]`: one session, as runTrading runs it, from the command line.
// Exit codes: 0 the session ended normally (its clock ran out, or the display was quit); 1 it did
// not start or failed, or the strategy halted it; 2 bad input (options, strategy file); 3 it was
// killed (kill switch: salvo kill, the kill file, the display's K); 4 a loss limit with onBreach
// 'flatten' ended it; 130 it was ended by a signal (the end of session still ran).
import path from 'node:path';
import { runBeside } from '../display/beside.js';
import { Session } from '../session/session.js';
import { strategyIdFrom } from '../orders/order.js';
import type { SessionOptions } from '../session/options.js';
import type { StatusLineSource } from '../session/views.js';
import type { SessionReport } from '../types.js';
import { oneLine } from '../util/one-line.js';
import { describeError } from '../util/errors.js';
import { maskingReplacer, type Secrets, secretsOf } from '../util/secrets.js';
import { CliInputError, type ConfigFlags, type ResolvedRun, resolveRun } from './config.js';

export interface RunFlags extends ConfigFlags {
  /** seconds between status lines when the live display is off */
  statusEvery?: string;
  /** print the resolved options (and where each came from) and exit without trading */
  dryRun?: boolean;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

export async function runCommand(strategyFile: string, flags: RunFlags): Promise<number> {
  const resolved = await resolveOrSay(strategyFile, flags);
  if (!resolved) return 2;
  const o = resolved.options;
  const statusEvery = Number(flags.statusEvery ?? 5);
  if (!(statusEvery > 0)) {
    err(`salvo run: --status-every must be a positive number of seconds; got ${JSON.stringify(flags.statusEvery)}`);
    return 2;
  }
  const secrets = secretsOf(o);
  if (flags.dryRun) {
    printDryRun(resolved, secrets);
    return 0;
  }
  if (resolved.configFile)
    err(
      `[salvo] config: ${path.relative(process.cwd(), resolved.configFile) || resolved.configFile}${resolved.envFile ? ', environment: .env' : ''}`,
    );

  let session: Session;
  try {
    session = await Session.start(o);
  } catch (error) {
    err(`salvo run: ${secrets.mask(String((error as Error)?.message ?? error))}`);
    return 1;
  }
  let report: SessionReport;
  try {
    report = await runWithStatus(session, o.liveDisplay ? undefined : statusEvery);
  } catch (error) {
    err(`salvo run: the session failed: ${secrets.mask(describeError(error, { stack: true }))}`);
    return 1;
  }
  printReport(strategyFile, report);
  return exitCode(report, o);
}

/** the options from the strategy file, config, environment and flags; undefined once the problems are said */
async function resolveOrSay(strategyFile: string, flags: RunFlags): Promise<ResolvedRun | undefined> {
  const stamp = new Date().toISOString().replace(/[:T]/g, '-').slice(0, 19);
  const base = path.basename(strategyFile).replace(/\.[cm]?[jt]s$/, '');
  try {
    return await resolveRun(strategyFile, flags, {
      // the display when there is a terminal to draw on; a status line otherwise
      liveDisplay: Boolean(process.stdout.isTTY),
      tradeLogName: `${base.replace(/[^\w.-]/g, '_')}-${stamp}`,
      // one id across runs (and resumes) of a strategy file: its open orders from an earlier run are its own
      strategyId: strategyIdFrom(base),
    });
  } catch (error) {
    if (error instanceof CliInputError) {
      for (const p of error.problems) err(`salvo run: ${oneLine(p)}`); // one line per problem, whatever a key or an import error holds
      return undefined;
    }
    throw error;
  }
}

function printDryRun(resolved: ResolvedRun, secrets: Secrets): void {
  const shown = Object.fromEntries(Object.entries(resolved.options).filter(([, v]) => typeof v !== 'function'));
  // credentials never reach the terminal: by key, by value, and URL passwords
  const text = JSON.stringify(
    {
      options: shown,
      from: resolved.origin,
      configFile: resolved.configFile ?? null,
      envFile: resolved.envFile ?? null,
    },
    maskingReplacer(secrets),
    2,
  );
  out(secrets.mask(text));
}

/** the session with its display beside it, or a status line on stderr every `statusEvery` s */
async function runWithStatus(session: Session, statusEvery: number | undefined): Promise<SessionReport> {
  let fills = 0;
  const status = session.statusLine;
  status.onOrderEvent((e) => {
    if (e.fill) fills++;
  });
  const started = Date.now();
  const timer =
    statusEvery === undefined
      ? undefined
      : setInterval(() => err(statusLine(status, fills, started)), statusEvery * 1000);
  timer?.unref();
  try {
    return await runBeside(session);
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** the exit code for how the session ended (see the header), said on stderr when it is not 0 */
function exitCode(report: SessionReport, o: SessionOptions): number {
  switch (report.endReason) {
    case 'completed':
    case 'display':
      return 0;
    case 'signal':
      err('salvo run: ended by a signal (the end of session ran)');
      return 130;
    case 'killed':
      err(
        `salvo run: killed (${report.risk.killedBy ?? 'kill switch'}): open orders canceled${o.kill?.flatten === false ? ', positions kept' : ', positions flattened'}`,
      );
      return 3;
    case 'risk':
      err(
        `salvo run: a loss limit ended the session: ${report.risk.breaches.map((b) => b.reason).join('; ')}; trading is HALTED for the day (salvo risk reset clears it)`,
      );
      return 4;
    default:
      err(
        `salvo run: the session ended early: ${report.endReason}${report.endReason === 'halted' ? ' (the strategy threw and haltOnError is on)' : ''}`,
      );
      return 1;
  }
}

const money = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;

function statusLine(status: StatusLineSource, fills: number, started: number): string {
  const c = status.counts();
  const s = Math.round((Date.now() - started) / 1000);
  const unrealized = status.phase === 'running' || status.phase === 'end of session' ? status.unrealizedPnl() : 0;
  return `[salvo] ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} ${status.phase} · orders ${c.total} (${c.open} open) · fills ${fills} · filled ${c.filled} · rejected ${c.rejected} · failed ${c.failed} · P&L realized ${money(status.realizedPnl)} unrealized ${money(unrealized)}`;
}

function printReport(strategyFile: string, r: SessionReport): void {
  const c = r.orders;
  const seconds = (r.endedAt.getTime() - r.startedAt.getTime()) / 1000;
  const acks = r.blocks.map((b) => b.ackMs).sort((a, b) => a - b);
  const positions = r.positions.filter((p) => Math.abs(p.quantity) > 1e-9);
  out(
    `salvo run: ${path.basename(strategyFile)} ended (${r.endReason}) after ${r.ticks} strategy call(s) in ${seconds.toFixed(1)} s`,
  );
  out(
    `  orders      ${c.total} total: ${c.filled} filled, ${c.canceled} canceled, ${c.rejected} rejected, ${c.expired} expired, ${c.failed} failed, ${c.open} open`,
  );
  out(`  P&L         realized ${money(r.realizedPnl)}, unrealized ${money(r.unrealizedPnl)}`);
  if (acks.length)
    out(
      `  blocks      ${acks.length}, strategy return → last ack median ${acks[Math.floor(acks.length / 2)].toFixed(2)} ms, max ${acks[acks.length - 1].toFixed(2)} ms`,
    );
  out(
    `  positions   ${positions.length ? positions.map((p) => `${p.ticker} ${p.quantity}`).join(', ') : 'flat'}${r.reconciled ? '' : ' (NOT reconciled with the broker: see the session log)'}`,
  );
  if (r.strategyErrors) out(`  strategy    threw ${r.strategyErrors} time(s): see the session log`);
  if (r.stillOpen.length) out(`  still open  ${r.stillOpen.join(', ')}`);
  const refused = r.refusedTransitions;
  const reasons = Object.keys(refused.byReason);
  if (refused.count)
    out(
      `  refused     ${refused.count} broker update(s) the order state table refused${refused.withFill ? `, ${refused.withFill} with a fill salvo did not book (see the session log)` : ''}: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? '; …' : ''}`,
    );
  if (r.foreignUpdates) out(`  foreign     ${r.foreignUpdates} update(s) for orders this session did not send`);
  if (r.resumed)
    out(
      `  resumed     ${r.resumed.journaled} journaled order(s): ${r.resumed.settled} settled while down, ${r.resumed.adopted} adopted, ${r.resumed.notSent} never sent (failed, not resent)${r.resumed.positionMismatches.length ? `; positions differed: ${r.resumed.positionMismatches.join('; ')}` : ''}`,
    );
  if (r.orphans.count)
    out(
      `  orphans     ${r.orphans.count} open order(s) of another salvo session at start (${r.orphans.tickers.join(', ')}): ${r.orphans.action === 'report' ? 'left as they are' : r.orphans.action === 'adopt' ? 'adopted' : 'canceled'}`,
    );
  if (r.heldAtStart.length)
    out(
      `  held before ${r.heldAtStart.map((p) => `${p.ticker} ${p.quantity}`).join(', ')} (not opened by this session)`,
    );
  out(`  trade log   ${r.tradeLogFile}`);
  const rel = path.relative(process.cwd(), r.tradeLogFile);
  out(`  review      npx salvo review ${rel && !rel.startsWith('..') ? rel : r.tradeLogFile}`);
}

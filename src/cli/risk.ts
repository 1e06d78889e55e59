// `salvo kill <trade log | pid>`: stops a running session from another terminal (its pid file,
// beside the trade log, names the process; SIGUSR2 reaches the session's kill switch), then waits
// for the session to end. `salvo risk reset`: clears a day's HALTED state on purpose.
// Exit codes: 0 done; 1 no such session, it did not end in time, or nothing to reset; 2 bad input.
import fs from 'node:fs';
import path from 'node:path';
import { KILL_SIGNAL, pidFile, type PidRecord } from '../risk/kill.js';
import { readDay, today, writeDay, type DayRecord } from '../risk/persist.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function readPid(file: string): PidRecord | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as PidRecord;
    return Number.isInteger(r.pid) && r.pid > 0 ? r : undefined;
  } catch {
    return undefined;
  }
}

/** the pid file a target names: a trade log name, a trade log path, or a pid listed in a pid file */
function findSession(target: string, logPath: string): { file: string; record: PidRecord } | string {
  if (/^\d+$/.test(target)) {
    const dir = path.resolve(logPath);
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.pid')) : [];
    for (const f of files) {
      const record = readPid(path.join(dir, f));
      if (record?.pid === Number(target)) return { file: path.join(dir, f), record };
    }
    return `no salvo session with pid ${target} in ${dir} (a session lists its pid in <log-path>/<name>.pid; give --log-path if it logs elsewhere)`;
  }
  const file = target.endsWith('.csv') ? target.replace(/\.csv$/, '.pid') : pidFile(logPath, target);
  const record = readPid(file);
  return record
    ? { file, record }
    : `no running salvo session '${target}': ${file} does not exist (did it end already, or does it log elsewhere? give --log-path)`;
}

/** SIGUSR2 ends a process that does not handle it: never send it to a reused pid (checked where /proc exists) */
function reusedPid(pid: number): boolean {
  try {
    return !/node|salvo|tsx/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false; // gone, or no /proc: process.kill() below tells
  }
}

export async function killCommand(target: string, flags: { logPath?: string; timeout?: string }): Promise<number> {
  const timeoutS = Number(flags.timeout ?? 60);
  if (!(timeoutS > 0)) {
    err(`salvo kill: --timeout must be a positive number of seconds; got ${JSON.stringify(flags.timeout)}`);
    return 2;
  }
  const found = findSession(target, flags.logPath ?? 'logs');
  if (typeof found === 'string') {
    err(`salvo kill: ${found}`);
    return 1;
  }
  const { file, record } = found;
  if (reusedPid(record.pid)) {
    err(
      `salvo kill: pid ${record.pid} from ${file} is not a node process any more (the session ended without removing its pid file, and the pid was reused); nothing sent`,
    );
    return 1;
  }
  try {
    process.kill(record.pid, KILL_SIGNAL);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    err(
      `salvo kill: session ${path.basename(file, '.pid')} (pid ${record.pid}) is not running (${code}); its pid file ${file} is stale`,
    );
    return 1;
  }
  out(
    `salvo kill: sent the kill to ${path.basename(file, '.pid')} (pid ${record.pid}); waiting for its end of session…`,
  );
  const deadline = Date.now() + timeoutS * 1000;
  // the session removes its pid file as the last step of its shutdown
  while (fs.existsSync(file) && readPid(file)?.pid === record.pid) {
    if (Date.now() > deadline) {
      err(
        `salvo kill: the session has not ended after ${timeoutS} s; see ${record.tradeLog.replace(/\.csv$/, '.log')}`,
      );
      return 1;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  out(`salvo kill: the session ended; trade log ${record.tradeLog}`);
  return 0;
}

export function riskResetCommand(flags: { logPath?: string; account?: string }): number {
  const dir = path.resolve(flags.logPath ?? 'logs');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\.salvo-risk-.+\.json$/.test(f)) : [];
  const day = today();
  const records: Array<{ file: string; record: DayRecord }> = [];
  for (const f of files) {
    let record: DayRecord | undefined;
    try {
      record = readDay(path.join(dir, f), day);
    } catch (error) {
      err(`salvo risk reset: ${(error as Error).message}`);
      return 2;
    }
    if (record && (!flags.account || record.account === flags.account))
      records.push({ file: path.join(dir, f), record });
  }
  const halted = records.filter((r) => r.record.state === 'HALTED');
  if (!halted.length) {
    out(
      `salvo risk reset: no account is HALTED today in ${dir}${flags.account ? ` for ${flags.account}` : ''}; nothing to clear`,
    );
    return 1;
  }
  if (halted.length > 1 && !flags.account) {
    err(
      `salvo risk reset: several accounts are HALTED today: ${halted.map((h) => h.record.account).join(', ')}; name one with --account`,
    );
    return 2;
  }
  const { file, record } = halted[0];
  writeDay(file, { ...record, state: 'ACTIVE', reason: '', since: new Date().toISOString() });
  out(
    `salvo risk reset: HALTED (${record.reason}) cleared for ${record.account}; the day's realized P&L ${record.realizedPnl.toFixed(2)} still counts toward maxDailyLoss`,
  );
  return 0;
}

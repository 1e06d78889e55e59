// The day's realized P&L and a HALTED state, kept beside the trade log so a restart on the same
// account and day does not reset a daily loss limit or lift a halt. One small JSON file per
// account, replaced atomically (write a temp file, fsync, rename): a crash leaves the old or the new
// file, never half of one. The account is named by a hash of the broker's identity (type, url, key
// id), so no credential appears in a file name or in the file.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TradingStateName } from './state.js';

export interface DayRecord {
  account: string;
  /** UTC date, YYYY-MM-DD */
  day: string;
  realizedPnl: number;
  /**
   * The part of realizedPnl each session made, by its block tag (which a resumed session keeps): a
   * resumed session rebuilds its own P&L from its journal, so it counts only the others' from here.
   */
  bySession?: Record<string, number>;
  state: TradingStateName;
  reason: string;
  since: string;
}

export const today = (now = new Date()) => now.toISOString().slice(0, 10);

/** a stable, credential-free name for the account a broker config trades */
export function accountKey(broker: { type: string } & Record<string, unknown>): string {
  const identity = [
    broker.type,
    broker.baseUrl ?? broker.host ?? '',
    broker.port ?? '',
    broker.keyId ?? broker.senderCompId ?? '',
    broker.account ?? '',
  ].join('|');
  return `${broker.type}-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
}

export const dayFile = (dir: string, account: string) => path.resolve(dir, `.salvo-risk-${account}.json`);

/** the record of `day`, or undefined when there is none (or it is from another day) */
export function readDay(file: string, day: string): DayRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as DayRecord;
    if (r.day !== day || !Number.isFinite(r.realizedPnl)) return undefined;
    return r;
  } catch {
    throw new Error(`risk state ${file} is not valid JSON: fix or delete it (salvo risk reset deletes it)`);
  }
}

export function writeDay(file: string, record: DayRecord): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, `${JSON.stringify(record, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

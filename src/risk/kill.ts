// Kill switch triggers from outside the process: a kill file appearing, and `salvo kill`, which
// finds the session's pid in the pid file beside its trade log and sends it SIGUSR2. What a kill
// does is the end of session's own machinery (see closeOutBehavior); this file only notices it.
import fs from 'node:fs';
import path from 'node:path';
import type { EndReason } from '../types.js';

export const KILL_SIGNAL = 'SIGUSR2';

/** what the end of session does after a kill or a flatten breach, in place of eosBehavior */
export function closeOutBehavior(
  endReason: EndReason,
  eosBehavior: string,
  kill: { flatten: boolean } | undefined,
): string {
  if (endReason === 'killed') return kill?.flatten === false ? 'cancel' : 'liquidate';
  if (endReason === 'risk') return 'liquidate';
  return eosBehavior;
}

export const pidFile = (dir: string, name: string) => path.resolve(dir, `${name}.pid`);

export interface PidRecord {
  pid: number;
  tradeLog: string;
  startedAt: string;
}

/** Watches for `file` to appear; refuses to start when it is already there (a stale kill file would kill at once). */
export function watchKillFile(file: string, onKill: () => void): () => void {
  const target = path.resolve(file);
  if (fs.existsSync(target))
    throw new Error(`killFile ${target} already exists: remove it to start (it would kill the session at once)`);
  let fired = false;
  const look = () => {
    if (fired || !fs.existsSync(target)) return;
    fired = true;
    onKill();
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    watcher = fs.watch(path.dirname(target), (_event, name) => {
      if (!name || name === path.basename(target)) look();
    });
    watcher.on('error', () => undefined); // the poll below still sees the file
  } catch {
    watcher = undefined;
  }
  // fs.watch can miss events (network folders, some containers): a slow poll as well
  const timer = setInterval(look, 250);
  timer.unref();
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}

/** Writes the pid file and listens for `salvo kill`'s signal; returns the undo. */
export function listenForKill(file: string, tradeLog: string, onKill: () => void): () => void {
  const record: PidRecord = { pid: process.pid, tradeLog, startedAt: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(record)}\n`);
  const handler = () => onKill();
  process.on(KILL_SIGNAL, handler);
  return () => {
    process.off(KILL_SIGNAL, handler);
    try {
      const now = JSON.parse(fs.readFileSync(file, 'utf8')) as PidRecord;
      if (now.pid === process.pid) fs.unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}

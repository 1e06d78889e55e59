// tradeLogPath is checked before anything starts, without creating anything and without blocking:
// Node's recursive mkdir never returns under /proc, and a file where the folder should be, or a
// folder nobody may write, would only fail after the session had started.
import fs from 'node:fs';
import path from 'node:path';

// statfs magic numbers of kernel pseudo file systems: proc, sysfs, devpts, cgroup, cgroup2, debugfs, securityfs, tracefs
const PSEUDO_FS = new Set([0x9fa0, 0x62656572, 0x1cd1, 0x27e0eb, 0x63677270, 0x64626720, 0x73636673, 0x74726163]);

/** why `dir` cannot hold the trade log, or undefined when it can (it may not exist yet) */
export function logFolderProblem(dir: string): string | undefined {
  let at = path.resolve(dir);
  // the nearest part of the path that exists decides: a folder we may write, on a real file system
  for (;;) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot be used: ${at}: ${code ?? 'unreadable'}`;
      const up = path.dirname(at);
      if (up === at) return `cannot be used: nothing of ${path.resolve(dir)} exists`;
      at = up;
      continue;
    }
    if (!stat.isDirectory()) return `must be a folder: ${at} is not one`;
    try {
      if (PSEUDO_FS.has(Number(fs.statfsSync(at).type)))
        return `must be a folder on a disk: ${at} is a kernel file system`;
      fs.accessSync(at, fs.constants.W_OK);
    } catch (error) {
      return `must be a folder salvo may write: ${at}: ${(error as NodeJS.ErrnoException).code ?? 'not writable'}`;
    }
    return undefined;
  }
}

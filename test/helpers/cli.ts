// Drives the `salvo` command as a user would: a spawned process, its exit code, stdout and stderr.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SALVO = path.join(ROOT, 'bin/salvo.mjs');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** runs `salvo …args` in `cwd` (default: the repository) and resolves when it exits */
export function salvo(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<Result> {
  return nodeProcess([SALVO, ...args], { ...options, what: `salvo ${args.join(' ')}` });
}

/** runs `node …args` (a salvo command, a test helper script) and resolves when it exits */
export function nodeProcess(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; what?: string } = {},
): Promise<Result> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = captured(child);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${options.what ?? `node ${args.join(' ')}`} did not exit within ${options.timeoutMs ?? 60_000} ms\n${out.stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    void out.closed.then((code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out.stdout, stderr: out.stderr, ms: performance.now() - started });
    });
  });
}

/** a spawned process with its output so far and its exit code once it closes */
export interface Running {
  child: ChildProcessByStdio<null, Readable, Readable>;
  readonly stdout: string;
  readonly stderr: string;
  closed: Promise<number | null>;
}

/** collects a child's stdout and stderr as they come */
export function captured(child: ChildProcessByStdio<null, Readable, Readable>): Running {
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    closed,
  };
}

/** starts `salvo …args` in the repository and leaves it running: for a server, or a process a test signals */
export function startSalvo(args: string[]): Running {
  return captured(spawn(process.execPath, [SALVO, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
}

export const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `salvo-${prefix}-`));

/** a folder that is an ES module package, for strategy files written by a test */
export function strategyDir(prefix: string): string {
  const dir = tmpDir(prefix);
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

export const BASKET = 'AAPL,MSFT,NVDA,AMZN,GOOGL,META,TSLA,AVGO,JPM,V';

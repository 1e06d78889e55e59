// Worker threads must start both from the TypeScript sources under tsx and from dist/.
// This is the one place that decides which file a worker runs and how.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const runningFromSource = import.meta.url.endsWith('.ts');

function tsxExecArgv(): string[] {
  const argv = process.execArgv;
  if (argv.some((a) => a.includes('tsx'))) return argv;
  return [...argv, '--import', import.meta.resolve('tsx')];
}

/**
 * Starts `relativePath` (written without extension, relative to src/) as a worker thread.
 * Example: spawnWorker('market/quote-worker', { workerData })
 */
export function spawnWorker(relativePath: string, options: WorkerOptions = {}): Worker {
  const ext = runningFromSource ? '.ts' : '.js';
  const url = new URL(`../${relativePath}${ext}`, import.meta.url);
  return new Worker(url, runningFromSource ? { ...options, execArgv: tsxExecArgv() } : options);
}

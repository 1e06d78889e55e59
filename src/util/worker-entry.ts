// Worker threads must start both from the TypeScript sources under tsx and from dist/.
// This is the one place that decides which file a worker runs and how.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const runningFromSource = import.meta.url.endsWith('.ts');

/**
 * Starts `entry` as a worker thread: a path under src/ written without extension
 * (spawnWorker('market/quote-worker', { workerData })), or the URL of any .ts / .js file.
 */
export function spawnWorker(entry: string | URL, options: WorkerOptions = {}): Worker {
  const url =
    typeof entry === 'string' ? new URL(`../${entry}${runningFromSource ? '.ts' : '.js'}`, import.meta.url) : entry;
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  // Node 20 does not apply --import hooks to a worker's entry file (nodejs/node#47747, tsx#354):
  // a tiny JS entry registers tsx inside the worker, then imports the TypeScript file.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

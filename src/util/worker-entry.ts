// Worker threads must start both from the TypeScript sources under tsx and from dist/.
// This is the one place that decides which file a worker runs and how.
//
// From dist/ a worker runs its .js file. From the sources, each worker entry is bundled once into
// one plain .mjs file (esbuild, which tsx ships) so a worker loads no TypeScript: registering tsx
// in a thread starts a loader thread of its own (a V8 isolate, ~10 MB) and routes every import
// through it (~1–2 s per thread on a loaded 2-core machine). The bundle is cached by content: a
// manifest lists the sources that went into it with their hash, and a bundle is reused only while
// every one of them is unchanged, so it is never stale. If bundling is not possible (no esbuild, a
// read-only folder), the worker registers tsx itself as before.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** set by the bundler in a bundled worker: the src/ folder the bundle was made from */
declare const SALVO_SOURCE_ROOT: string | undefined;
const sourceRoot = typeof SALVO_SOURCE_ROOT === 'string' ? new URL(SALVO_SOURCE_ROOT) : new URL('../', import.meta.url);
const runningFromSource = typeof SALVO_SOURCE_ROOT === 'string' || import.meta.url.endsWith('.ts');
/** bumped when the way bundles are made changes, so older cached bundles are not reused */
const BUNDLE_FORMAT = 2;

/**
 * Starts `entry` as a worker thread: a path under src/ written without extension
 * (spawnWorker('market/quote-worker', { workerData })), or the URL of any .ts / .js file.
 */
export function spawnWorker(entry: string | URL, options: WorkerOptions = {}): Worker {
  const url = typeof entry === 'string' ? new URL(`${entry}${runningFromSource ? '.ts' : '.js'}`, sourceRoot) : entry;
  if (!url.pathname.endsWith('.ts')) return new Worker(url, withoutTsx(options));
  const bundled = bundleOf(url);
  if (bundled) return new Worker(bundled, withoutTsx(options));
  // Node 20 does not apply --import hooks to a worker's entry file (nodejs/node#47747, tsx#354):
  // a tiny JS entry registers tsx inside the worker, then imports the TypeScript file.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

const PRELOADS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
/** how the main script was given (-e code, --input-type, a test run…): a worker is started from a file */
const ENTRY_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--watch-path']);
const ENTRY_FLAGS = new Set(['--input-type', '-i', '--interactive', '-c', '--check', '--test', '--watch']);
const isTsx = (value: string | undefined) => value?.includes('tsx') ?? false;

/**
 * A worker inherits node's options, `--import tsx` too, and would load tsx (and start its loader
 * thread) only to run plain JavaScript: a bundle or dist/ does without. Options that name the
 * main script's form go too (given explicitly, node checks them for the worker and refuses them).
 * Without tsx among them, node's own inheritance is left alone.
 */
function withoutTsx(options: WorkerOptions): WorkerOptions {
  const given = options.execArgv ?? process.execArgv;
  if (!given.some(isTsx)) return options;
  const kept: string[] = [];
  for (let i = 0; i < given.length; i++) {
    const [flag, inline] = given[i].split(/=(.*)/s);
    const value = inline ?? given[i + 1];
    const takesValue = PRELOADS.has(flag) || ENTRY_WITH_VALUE.has(flag);
    const drop = ENTRY_FLAGS.has(flag) || ENTRY_WITH_VALUE.has(flag) || (PRELOADS.has(flag) && isTsx(value));
    if (!drop) kept.push(given[i]);
    if (takesValue && inline === undefined) {
      i++;
      if (!drop) kept.push(given[i]);
    }
  }
  return { ...options, execArgv: kept };
}

/** bundling failed once in this process (no esbuild, a read-only folder): tsx from then on */
let cannotBundle = false;

function bundleOf(entry: URL): URL | null {
  if (cannotBundle) return null;
  try {
    return cachedBundle(fileURLToPath(entry));
  } catch (error) {
    cannotBundle = true;
    process.emitWarning(`salvo: worker threads load TypeScript through tsx: ${(error as Error).message}`);
    return null;
  }
}

interface Manifest {
  format: number;
  esbuild: string;
  /** the sources that went into the bundle, with the hash of all their contents */
  inputs: string[];
  digest: string;
  bundle: string;
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** one hash over the sources' paths and contents; undefined if one of them is gone */
function digestOf(inputs: readonly string[]): string | undefined {
  const hash = createHash('sha256');
  for (const file of inputs) {
    if (!fs.existsSync(file)) return undefined;
    hash.update(file).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function cachedBundle(entryFile: string): URL {
  const root = fileURLToPath(new URL('../', sourceRoot));
  const tsx = createRequire(path.join(root, 'package.json')).resolve('tsx');
  const esbuild: typeof import('esbuild') = createRequire(tsx)('esbuild');
  // one folder per project: its node_modules links to the project's, so the bundle's own imports of
  // packages (and createRequire(import.meta.url)) resolve as the sources' do
  const dir = path.join(os.tmpdir(), 'salvo-workers', sha(root).slice(0, 16));
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(modules)) {
    fs.mkdirSync(dir, { recursive: true });
    linkAtomically(path.join(root, 'node_modules'), modules);
  }
  const manifestFile = path.join(dir, `${sha(`${entryFile}\0${BUNDLE_FORMAT}`).slice(0, 24)}.json`);
  const known = readManifest(manifestFile);
  if (
    known?.format === BUNDLE_FORMAT &&
    known.esbuild === esbuild.version &&
    fs.existsSync(path.join(dir, known.bundle)) &&
    digestOf(known.inputs) === known.digest
  )
    return pathToFileURL(path.join(dir, known.bundle));

  const startedAt = Date.now();
  const built = esbuild.buildSync({
    entryPoints: [entryFile],
    absWorkingDir: root,
    bundle: true,
    // the lazy imports stay lazy (a session on sim quotes never loads kafkajs): chunks of their own
    splitting: true,
    outdir: dir,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    target: `node${process.versions.node}`,
    packages: 'external',
    keepNames: true, // as tsx compiles: class and function names stay what the sources say
    define: { SALVO_SOURCE_ROOT: JSON.stringify(sourceRoot.href) },
    tsconfig: path.join(root, 'tsconfig.json'),
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  // every file is named by a hash of its contents: one already there is this one
  for (const file of built.outputFiles) if (!fs.existsSync(file.path)) writeAtomically(file.path, file.contents);
  // a lazily imported module is an entry point of its own chunk too: the one asked for is this file
  const asked = path.relative(root, entryFile).split(path.sep).join('/');
  const entryOutput = Object.entries(built.metafile.outputs).find(([, output]) => output.entryPoint === asked)?.[0];
  if (!entryOutput) throw new Error('esbuild made no entry file');
  const name = path.basename(entryOutput);
  const inputs = Object.keys(built.metafile.inputs).map((f) => path.resolve(root, f));
  // a source edited while esbuild read it could be newer than what the bundle holds: then the
  // bundle serves this process only, and the next one builds again
  const settled = inputs.every((f) => fs.statSync(f).mtimeMs < startedAt);
  const digest = digestOf(inputs);
  if (settled && digest) {
    const manifest: Manifest = { format: BUNDLE_FORMAT, esbuild: esbuild.version, inputs, digest, bundle: name };
    writeAtomically(manifestFile, JSON.stringify(manifest));
  }
  return pathToFileURL(path.join(dir, name));
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined; // none yet, or unreadable: build again
  }
}

/** processes starting together may build the same bundle: each file appears whole or not at all */
function writeAtomically(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

function linkAtomically(target: string, link: string): void {
  const temporary = `${link}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.symlinkSync(target, temporary, 'junction');
  fs.renameSync(temporary, link);
}

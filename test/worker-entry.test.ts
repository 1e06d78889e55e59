// A worker started from the TypeScript sources runs one bundled JavaScript file, without tsx in
// its thread, and never an outdated bundle: an edited source is in the next worker started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnWorker } from '../src/util/worker-entry.js';

interface Said {
  answer: string;
  url: string;
  execArgv: string[];
  tsxLoaded: boolean;
}

const ENTRY = `import { parentPort } from 'node:worker_threads';
import { answer } from './answer.js';
// a path the bundler cannot follow: only a TypeScript loader in this thread could import it
const typescript = [new URL('./answer.ts', process.env.ANSWER_URL).href][0];
const tsxLoaded = await import(typescript).then(() => true, () => false);
// imported lazily, as the quote sources and broker drivers are: a chunk of its own
const { later } = await import('./later.js');
parentPort!.postMessage({ answer: \`\${answer} \${later}\`, url: import.meta.url, execArgv: process.execArgv, tsxLoaded });
`;

async function run(entry: string): Promise<Said> {
  const worker = spawnWorker(pathToFileURL(entry), { env: { ...process.env, ANSWER_URL: pathToFileURL(entry).href } });
  const [said] = (await once(worker, 'message')) as [Said];
  await worker.terminate();
  return said;
}

test('a TypeScript worker runs as one bundle without tsx, rebuilt when a source it uses changes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-worker-entry-'));
  try {
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, ENTRY);
    fs.writeFileSync(path.join(dir, 'answer.ts'), `export const answer: string = 'first';\n`);
    fs.writeFileSync(path.join(dir, 'later.ts'), `export const later: string = 'and later';\n`);
    const first = await run(entry);
    assert.equal(first.answer, 'first and later');
    assert.match(
      first.url,
      /\/salvo-workers\/[0-9a-f]+\/entry-\w+\.mjs$/,
      'the worker ran the bundle, not the .ts file',
    );
    assert.equal(first.tsxLoaded, false, `no tsx in the worker (execArgv ${first.execArgv.join(' ')})`);
    assert.deepEqual(await run(entry), first, 'unchanged sources: the same bundle again');

    fs.writeFileSync(path.join(dir, 'answer.ts'), `export const answer: string = 'second';\n`);
    const second = await run(entry);
    assert.equal(second.answer, 'second and later', 'the edited source is in the next worker');
    assert.notEqual(second.url, first.url);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

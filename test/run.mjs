// npm test: build dist/ (the package must also run from its build), provision the test peers
// (test/provision.mjs, the same step .ci/run relies on), then every test file under node's test
// runner with tsx. Files run one at a time: several start worker threads and a 2-core machine
// gives them nothing to spare. Every test and hook has a deadline (SALVO_TEST_TIMEOUT_MS, default
// 180 s, set by test/helpers/test-deadline.mjs; a test may set its own), every file one more
// (SALVO_FILE_TIMEOUT_MS, default 15 min), so a hang fails the test that hangs instead of
// stalling the suite; --test-force-exit ends a file whose timed-out test left a timer behind.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { provision } from './provision.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
const FILE_TIMEOUT_MS = Number(process.env.SALVO_FILE_TIMEOUT_MS ?? 900_000);

const build = run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
if (build.status !== 0) process.exit(build.status ?? 1);

// a peer that could not be provisioned is reported here, and its tests fail naming the command
for (const problem of provision()) process.stderr.write(`test peers: ${problem}\n`);

const only = process.argv.slice(2);
const files = readdirSync(path.join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => !only.length || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => path.join('test', f));
const result = run(process.execPath, [
  '--import',
  'tsx',
  '--import',
  './test/helpers/test-deadline.mjs',
  '--test',
  '--test-concurrency=1',
  `--test-timeout=${FILE_TIMEOUT_MS}`,
  '--test-force-exit',
  '--test-reporter=spec',
  ...files,
]);
process.exit(result.status ?? 1);

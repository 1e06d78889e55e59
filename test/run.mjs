// npm test: build dist/ (the package must also run from its build), then every test file under
// node's test runner with tsx. Files run one at a time: several start worker threads and a 2-core
// machine gives timing-sensitive tests nothing to spare.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });

const build = run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
if (build.status !== 0) process.exit(build.status ?? 1);

const only = process.argv.slice(2);
const files = readdirSync(path.join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => !only.length || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => path.join('test', f));
const result = run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files]);
process.exit(result.status ?? 1);

// The built package runs on plain node, worker threads included (npm test builds dist/ first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

test('a session runs from dist/ without tsx', () => {
  assert.ok(fs.existsSync('dist/index.js'), 'dist/ is built (run npm run build)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-dist-'));
  const out = execFileSync(process.execPath, ['test/helpers/dist-session.mjs', dir], {
    encoding: 'utf8',
    execArgv: [],
  } as never);
  const orders = JSON.parse(out.trim());
  assert.equal(orders.filled, 4, 'two buys filled, then liquidated');
  assert.equal(orders.open, 0);
});

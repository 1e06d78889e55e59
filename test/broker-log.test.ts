// Brokers speak through the session's log: a FIX session thread's reconnect notices travel to the
// main thread as log lines of the threaded protocol and land in the session's .log file, masked,
// while a live dashboard owns the terminal (nothing written to stderr over it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nodeProcess, tmpDir } from './helpers/cli.js';

const SENDER = 'SALVO_NOTICE_7f3a9c';

test('a FIX reconnect under the live display: the notices are in the .log, masked, and not on stderr', {
  timeout: 180_000,
}, async () => {
  const dir = tmpDir('broker-log');
  const { code, stdout, stderr } = await nodeProcess(['--import', 'tsx', 'test/helpers/fix-notice-session.ts', dir], {
    env: { SALVO_TEST_FIX_SENDER: SENDER },
    timeoutMs: 170_000,
  });
  assert.equal(code, 0, `the helper failed:\n${stderr}\n${stdout}`);
  assert.match(stdout, /EXIT 0\n$/, 'q ended the session normally');

  const log = fs.readFileSync(path.join(dir, 'notice.log'), 'utf8');
  assert.match(
    log,
    /WARN FIX session \*\*\*→PAPER at 127\.0\.0\.1:\d+ ended \(.+\); reconnecting every 0\.2 s/,
    'the drop, from the FIX session thread, as a warning in the session log',
  );
  assert.match(log, /INFO FIX session \*\*\*→PAPER at 127\.0\.0\.1:\d+ logged on again/, 'and the logon again');
  assert.ok(!log.includes(SENDER), 'the SenderCompID from the environment is masked in the .log');

  assert.doesNotMatch(stderr, /reconnecting|logged on again/, 'no notice drawn over the dashboard');
  assert.ok(!stderr.includes(SENDER) && !stdout.includes(SENDER), 'nor the secret anywhere else');
});

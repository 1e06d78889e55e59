// One runner's side of the shared rate decision alone (no session): it takes one send at a time
// as fast as Redis grants, and prints each grant's time. stdin 'hold' stops the taking (answered
// 'held'), 'go' resumes it; its heartbeat runs throughout, as a session's does.
// argv = <redisUrl> <key> <runner> <limit> <windowMs> <marginMs>
import readline from 'node:readline';
import { SharedRate } from '../../src/execution/shared-rate.js';

const [url, key, runner, limit, windowMs, marginMs] = process.argv.slice(2);
const rate = await SharedRate.connect({
  url,
  key,
  runner,
  share: 'fair',
  limit: Number(limit),
  windowMs: Number(windowMs),
  marginMs: Number(marginMs),
  log: (level, message) => process.stderr.write(`${level}: ${message}\n`),
});
let taking = true;
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  taking = line.trim() === 'go';
  if (!taking) process.stdout.write('held\n');
});
process.stdout.write('ready\n');
for (;;) {
  const wait = taking ? await rate.take(1) : 20;
  if (wait === 0) process.stdout.write(`grant ${Date.now()}\n`);
  else await new Promise((r) => setTimeout(r, Math.min(wait, 20)));
}

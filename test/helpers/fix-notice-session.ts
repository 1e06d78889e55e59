// `salvo run` (in this process) with the live dashboard on a stand-in terminal and a FIX broker
// whose SenderCompID comes from ${SALVO_TEST_FIX_SENDER}: a config value taken from the environment
// is a secret to salvo, so it must be masked wherever it shows. Once the session trades, salvo's
// exchange goes away and comes back on the same port: the FIX session thread's notices (the drop,
// the logon again) must reach the session's .log, masked, and nothing may write to stderr over the
// dashboard. When the session has logged on again, `q` ends it. argv: <dir>; the last stdout line
// is `EXIT <code>`.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runCommand } from '../../src/cli/run.js';
import { displayTarget } from '../../src/display/index.js';
import { type Exchange, startExchange } from '../../src/exchange/exchange.js';
import { freePort } from './ports.js';
import { until } from './until.js';

const [dir] = process.argv.slice(2);
const fixPort = await freePort();
const exchange = () =>
  startExchange({
    tickers: ['AAPL'],
    fixPort,
    keyId: 'notice-key',
    secretKey: 'notice-secret',
    fix: { targetCompId: '*' },
  });
let venue: Exchange = await exchange();

const strategy = path.join(dir, 'idle.mjs');
fs.writeFileSync(strategy, 'export default function strategy() { return undefined; }\n');
const config = path.join(dir, 'salvo.config.json');
fs.writeFileSync(
  config,
  JSON.stringify({
    tickers: ['AAPL'],
    frequency: '100ms',
    runSeconds: 120,
    warmUpPeriod: 5,
    eosBehavior: 'hold',
    numWorkers: 1,
    liveDisplay: true,
    broker: {
      type: 'fix',
      host: '127.0.0.1',
      port: fixPort,
      senderCompId: '${SALVO_TEST_FIX_SENDER}',
      targetCompId: 'PAPER',
      reconnectSeconds: 0.2,
    },
  }),
);

const keys = new PassThrough();
const screen = Object.assign(
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  }),
  { isTTY: true, columns: 120, rows: 40 },
);
Object.assign(displayTarget, { mode: 'tty', input: keys, output: screen });

const logFile = path.join(dir, 'notice.log');
const logged = (text: string) => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes(text);
const running = runCommand(strategy, { config, logPath: dir, logName: 'notice' });
await until(() => logged('trading for'), { what: 'the session to trade', timeoutMs: 60_000 });
await venue.close();
await until(() => logged('reconnecting'), { what: 'the drop notice in the .log', timeoutMs: 30_000 });
venue = await exchange();
await until(() => logged('logged on again'), { what: 'the logon notice in the .log', timeoutMs: 30_000 });
keys.write('q');
const code = await running;
await venue.close();
process.stdout.write(`\nEXIT ${code}\n`);

// alpaca-py, the official Python Alpaca SDK most Alpaca users run, against salvo's exchange: a
// bracket, a stop, a replace, a trailing stop, closing positions by DELETE. Every answer is parsed
// by alpaca-py's own models (an order the face shapes wrongly fails here), and every fill is at the
// exact quote that crossed it. The SDK lives in a venv under test/.services (test/provision.mjs);
// if it is missing this test fails naming the command that installs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: provision.mjs is plain JavaScript without types
import { ALPACA_PY, INSTALL, alpacaPyReady } from './provision.mjs';
import { KEY_ID, SECRET } from './helpers/alpaca-exchange.js';
import { scriptedExchange } from './helpers/scripted-exchange.js';
import { until } from './helpers/until.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let ex: Awaited<ReturnType<typeof scriptedExchange>>;
let py: ChildProcessWithoutNullStreams;
const answers: Array<(line: string) => void> = [];
let stderr = '';

type Json = Record<string, unknown> & { id: string; status: string; legs?: Json[] | null };

before(async () => {
  if (!alpacaPyReady()) throw new Error(`alpaca-py is not installed; run: ${INSTALL.alpacaPy}`);
  ex = await scriptedExchange([
    { ticker: 'AAPL', bid: 99.9, ask: 100.1 },
    { ticker: 'MSFT', bid: 399.9, ask: 400.1 },
  ]);
  py = spawn(ALPACA_PY, [path.join(here, 'helpers/alpaca_py_client.py'), ex.server.restUrl, KEY_ID, SECRET]);
  py.stderr.on('data', (d) => {
    stderr += d;
  });
  readline.createInterface({ input: py.stdout }).on('line', (line) => answers.shift()?.(line));
});
after(async () => {
  py?.stdin.end();
  await ex?.close();
});

/** one command to alpaca-py; its answer, or a failure with alpaca-py's error */
async function sdk<T = Json>(command: Record<string, unknown>): Promise<T> {
  const line = await new Promise<string>((resolve, reject) => {
    answers.push(resolve);
    py.once('exit', (code) => reject(new Error(`alpaca-py exited (${code}): ${stderr}`)));
    py.stdin.write(`${JSON.stringify(command)}\n`);
  });
  const answer = JSON.parse(line) as { ok?: T; error?: string };
  if (answer.error !== undefined) throw new Error(`alpaca-py ${command.cmd}: ${answer.error}`);
  return answer.ok as T;
}

const settled = (id: string, status: string) =>
  until(async () => ((await sdk({ cmd: 'get', id })).status === status ? sdk({ cmd: 'get', id }) : undefined), {
    what: `order ${id} ${status}`,
    timeoutMs: 5000,
  });

test('alpaca-py: a bracket with its legs, a stop moved by replace, a trailing stop, positions closed by DELETE', async () => {
  // a bracket: answered with order_class and both legs held, which start working once the entry fills
  const bracket = await sdk({ cmd: 'bracket', symbol: 'AAPL', qty: 2, take_profit: 102, stop_loss: 98 });
  assert.equal(bracket.order_class, 'bracket');
  const entry = await settled(bracket.id, 'filled');
  assert.equal(entry.filled_avg_price, '100.1');
  assert.deepEqual(
    entry.legs?.map((l) => [l.type, l.side, l.status, l.limit_price, l.stop_price, l.qty]),
    [
      ['limit', 'sell', 'new', '102', null, '2'],
      ['stop', 'sell', 'new', null, '98', '2'],
    ],
  );

  // a stop buy, moved by replace: a new order that names the one it replaces
  const stop = await sdk({ cmd: 'stop', symbol: 'AAPL', qty: 1, stop: 101 });
  assert.deepEqual([stop.type, stop.status, stop.stop_price], ['stop', 'new', '101']);
  const moved = await sdk({ cmd: 'replace', id: stop.id, qty: 3, stop: 100.8 });
  assert.deepEqual([moved.replaces, moved.qty, moved.stop_price], [stop.id, '3', '100.8']);
  const old = await settled(stop.id, 'replaced');
  assert.equal(old.replaced_by, moved.id);
  ex.quote({ ticker: 'AAPL', bid: 100.7, ask: 100.85 }); // the ask reaches the moved stop only
  const triggered = await settled(moved.id, 'filled');
  assert.deepEqual([triggered.filled_qty, triggered.filled_avg_price], ['3', '100.85']);

  // a trailing stop sell follows the best bid up, then triggers 1 % below it
  const trailing = await sdk({ cmd: 'trailing_stop', symbol: 'AAPL', side: 'sell', qty: 1, trail_percent: 1 });
  assert.deepEqual([trailing.hwm, trailing.stop_price], ['100.7', '99.693']);
  ex.quote({ ticker: 'AAPL', bid: 101.5, ask: 101.6 });
  await until(async () => (await sdk({ cmd: 'get', id: trailing.id })).hwm === '101.5', { what: 'the new high' });
  ex.quote({ ticker: 'AAPL', bid: 100.4, ask: 100.5 }); // below 101.5 × 0.99 = 100.485
  const trailed = await settled(trailing.id, 'filled');
  assert.deepEqual([trailed.stop_price, trailed.filled_avg_price], ['100.485', '100.4']);

  // DELETE /v2/positions/{symbol}?percentage=50, then DELETE /v2/positions?cancel_orders=true
  await settled((await sdk({ cmd: 'market', symbol: 'MSFT', qty: 4 })).id, 'filled');
  const half = await sdk({ cmd: 'close', symbol: 'MSFT', percentage: '50' });
  assert.deepEqual([half.side, half.qty, half.type], ['sell', '2', 'market']);
  await settled(half.id, 'filled');
  const closed = await sdk<Array<{ symbol: string; status: number; order: Json | null }>>({ cmd: 'close_all' });
  assert.deepEqual(
    closed.map((c) => [c.symbol, c.status, c.order?.side, c.order?.qty]).sort(),
    [
      ['AAPL', 200, 'sell', '4'],
      ['MSFT', 200, 'sell', '2'],
    ],
    'the bracket legs canceled first, so its 2 shares close too',
  );
  await until(async () => (await sdk<unknown[]>({ cmd: 'positions' })).length === 0, { what: 'no position left' });
  const legs = (await sdk({ cmd: 'get', id: bracket.id })).legs ?? [];
  assert.deepEqual(
    legs.map((l) => l.status),
    ['canceled', 'canceled'],
  );
});

// Guarantee (c): `salvo exchange` answers any byte sequence with a 4xx or a closed socket and keeps
// serving. Property-based (fast-check, fixed seeds, bounded runs) against the real command in its
// own process, over raw TCP sockets: random HTTP requests (methods, targets with random bytes and
// percent-escapes, headers incl. Upgrade, Content-Length lies, chunked bodies, oversize bodies,
// random order bodies), random websocket messages, and random FIX bytes and messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startExchangeProcess, type ExchangeProcess } from './helpers/exchange-process.js';
import { exchange, fixMessage, fixMessagesIn, logon, tagValues } from './helpers/fix-wire.js';

const AUTH = { key: 'adv-key', secret: 'adv-secret' };
const FIX_AUTH = { username: 'adv-user', password: 'adv-pass' };
/** how long one case may take before it counts as a hung connection */
const CASE_DEADLINE_MS = 15_000;
let ex: ExchangeProcess;

before(async () => {
  ex = await startExchangeProcess([
    '--tickers',
    'AAPL,MSFT',
    '--key-id',
    AUTH.key,
    '--secret-key',
    AUTH.secret,
    '--fix-port',
    '0',
    '--fix-username',
    FIX_AUTH.username,
    '--fix-password',
    FIX_AUTH.password,
    '--fix-logon-timeout',
    '1',
  ]);
});
after(async () => {
  const code = await ex.stop();
  assert.equal(code, 0, `the exchange exits 0 on SIGINT after the whole suite; stderr:\n${ex.stderr()}`);
  assert.doesNotMatch(ex.stderr(), /\n\s+at |TypeError|RangeError|Uncaught/, "no stack trace on the exchange's stderr");
});

/** the exchange process is up and answers an authenticated request */
async function assertServing(context: string): Promise<void> {
  assert.equal(ex.exitCode(), undefined, `the exchange process exited after ${context}:\n${ex.stderr()}`);
  const res = await fetch(`${ex.restUrl}/v2/account`, {
    headers: { 'APCA-API-KEY-ID': AUTH.key, 'APCA-API-SECRET-KEY': AUTH.secret },
  });
  assert.equal(res.status, 200, `GET /v2/account after ${context}`);
  await res.arrayBuffer();
}

/** raw bytes in, everything the server wrote until it closed the socket out (or a hang) */
function rawExchange(port: number, bytes: Buffer): Promise<{ received: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => done(false), CASE_DEADLINE_MS);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
    // the client sends its requests and half-closes: the server answers what it read, then closes
    socket.end(bytes);
  });
}

/** HTTP/1.1 responses in a byte stream: their statuses, or what is not a well-formed response */
function httpResponses(bytes: Buffer, firstIsHead: boolean): { statuses: number[]; malformed?: string } {
  const statuses: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0)
      return { statuses, malformed: `headers cut short: ${JSON.stringify(bytes.toString('latin1', at, at + 80))}` };
    const head = bytes.toString('latin1', at, headEnd);
    const status = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*/.exec(head);
    if (!status) return { statuses, malformed: `not a status line: ${JSON.stringify(head.slice(0, 80))}` };
    statuses.push(Number(status[1]));
    if (status[1] === '101') break; // a websocket from here on
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) break; // no length: the body runs to the close
    at = headEnd + 4 + (firstIsHead && statuses.length === 1 ? 0 : Number(length[1]));
  }
  if (at > bytes.length) return { statuses, malformed: 'a body shorter than its Content-Length' };
  return { statuses };
}

// ---- generators: HTTP ----

const TARGET_PIECES = [
  'v2',
  'orders',
  'positions',
  'account',
  'clock',
  'calendar',
  'stream',
  'iex',
  'AAPL',
  '/',
  '//',
  '?',
  '&',
  '=',
  '#',
  '%',
  '%2',
  '%zz',
  '%00',
  '%ff',
  '%2F',
  '%E0%A4%A',
  '[',
  ']',
  ':',
  '@',
  '..',
  '\\',
  '*',
  'client_order_id',
  'status=all',
  'limit=0',
  'limit=9999999999',
  'after=abc',
  'until=-1',
  'symbols=,,',
  'start=2026-13-45',
  'x'.repeat(3000),
  '\x7f',
  '\x80',
  'é',
  '\t',
];
const target = fc.oneof(
  fc.constantFrom(
    '//[',
    'http://[',
    '//a:99999999/',
    '*',
    'http://x:1/v2/account',
    '/v2/orders/%',
    '/v2/orders:by_client_order_id?client_order_id=%',
    '/v2/orders',
    '/v2/account',
    '/v2/positions/AAPL',
    '/v2/orders?status=all&limit=500',
    '/stream',
    '/v2/iex',
    '/v2/calendar?start=x',
  ),
  fc.array(fc.constantFrom(...TARGET_PIECES), { maxLength: 8 }).map((parts) => `/${parts.join('')}`),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
);
const method = fc.oneof(
  fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE'),
  fc.string({ maxLength: 8 }),
);
const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
);
const orderBody = fc
  .record(
    {
      symbol: fc.oneof(fc.constantFrom('AAPL', 'MSFT', '', ' ', 'ZZZZ'), anyValue),
      qty: fc.oneof(
        fc.constantFrom(1, 2, 1e-12, 1e-6, -1, 0, '1', '1e-12', '0x10', 1e9, 1e9 + 1, 1e308, 'abc'),
        anyValue,
      ),
      side: fc.oneof(fc.constantFrom('buy', 'sell'), anyValue),
      type: fc.oneof(fc.constantFrom('market', 'limit'), anyValue),
      time_in_force: fc.oneof(fc.constantFrom('day', 'gtc', 'ioc', 'fok'), anyValue),
      limit_price: fc.oneof(fc.constantFrom(100, 190, 1e-300, -5, '190'), anyValue),
      client_order_id: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('c'.repeat(129)), anyValue),
      notional: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((o) => Buffer.from(JSON.stringify(o)));
const body = fc.oneof(
  { weight: 4, arbitrary: orderBody },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('null', '[]', '"x"', '{', '1', '{"qty":', '\u0000').map((t) => Buffer.from(t)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 64 * 1024 - 10, max: 70_000 }).map((n) => Buffer.alloc(n, 0x78)) },
  { weight: 2, arbitrary: fc.constant(Buffer.alloc(0)) },
);
const framing = fc.constantFrom('exact', 'none', 'smaller', 'larger', 'garbage', 'twice', 'chunked', 'broken-chunks');
const upgrade = fc.constantFrom('none', 'none', 'bare', 'handshake', 'garbage');
const header = fc.tuple(
  fc.oneof(
    fc.constantFrom('Host', 'Content-Type', 'Connection', 'Expect', 'Transfer-Encoding', 'Accept-Encoding', 'Cookie'),
    fc.string({ minLength: 1, maxLength: 10 }),
  ),
  fc.string({ maxLength: 30 }),
);
const request = fc.record({
  method,
  target,
  body,
  framing,
  upgrade,
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''),
  auth: fc.constantFrom('good', 'good', 'good', 'wrong', 'none'),
  extra: fc.array(header, { maxLength: 3 }),
  pipelined: fc.boolean(),
  cut: fc.option(fc.nat(), { freq: 8 }),
});
type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

function requestBytes(r: Request): Buffer {
  const lines = [`${r.method} ${r.target} ${r.version}`.trimEnd(), 'Host: 127.0.0.1'];
  if (r.auth !== 'none')
    lines.push(`APCA-API-KEY-ID: ${AUTH.key}`, `APCA-API-SECRET-KEY: ${r.auth === 'good' ? AUTH.secret : 'nope'}`);
  if (r.upgrade !== 'none')
    lines.push(`Upgrade: ${r.upgrade === 'garbage' ? 'h2c, websocket/99' : 'websocket'}`, 'Connection: Upgrade');
  if (r.upgrade === 'handshake') lines.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13');
  for (const [name, value] of r.extra) lines.push(`${name}: ${value}`);
  let payload = r.body;
  const n = r.body.length;
  if (r.framing === 'exact') lines.push(`Content-Length: ${n}`);
  if (r.framing === 'smaller') lines.push(`Content-Length: ${Math.max(0, n - 3)}`);
  if (r.framing === 'larger') lines.push(`Content-Length: ${n + 50}`);
  if (r.framing === 'garbage') lines.push('Content-Length: 1e3, -1');
  if (r.framing === 'twice') lines.push(`Content-Length: ${n}`, `Content-Length: ${n + 1}`);
  if (r.framing === 'chunked' || r.framing === 'broken-chunks') {
    lines.push('Transfer-Encoding: chunked');
    payload =
      r.framing === 'chunked'
        ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), r.body, Buffer.from(n ? '\r\n0\r\n\r\n' : '\r\n')])
        : Buffer.concat([Buffer.from('zz\r\n'), r.body]);
  }
  let bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
  if (r.cut !== null) bytes = bytes.subarray(0, r.cut % (bytes.length + 1));
  if (r.pipelined)
    bytes = Buffer.concat([
      bytes,
      Buffer.from(
        `GET /v2/clock HTTP/1.1\r\nHost: x\r\nAPCA-API-KEY-ID: ${AUTH.key}\r\nAPCA-API-SECRET-KEY: ${AUTH.secret}\r\n\r\n`,
      ),
    ]);
  return bytes;
}

test('property: any HTTP request bytes get well-formed responses below 500 or a closed socket, and the exchange keeps serving', async () => {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      cases++;
      const { received, closed } = await rawExchange(ex.httpPort, requestBytes(r));
      assert.ok(
        closed,
        `the connection neither answered nor closed: ${JSON.stringify(received.toString('latin1').slice(0, 200))}`,
      );
      const { statuses, malformed } = httpResponses(received, r.method === 'HEAD');
      assert.equal(malformed, undefined, malformed);
      for (const status of statuses)
        assert.ok(status >= 100 && status < 500, `status ${status}: ${received.toString('latin1').slice(0, 300)}`);
      await assertServing(`${JSON.stringify(requestBytes(r).toString('latin1').slice(0, 120))}`);
    }),
    { seed: 20261130, numRuns: 300, endOnFailure: true, includeErrorInReport: true },
  );
  assert.equal(cases, 300);
});

test('property: random websocket messages on /stream and /v2/iex never take the exchange down', async () => {
  const message = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constantFrom(
      'null',
      '1',
      '"auth"',
      '[]',
      '{"action":null}',
      '{"action":"auth","key":null}',
      '{"action":"listen","data":null}',
      '{"action":"listen","data":{"streams":null}}',
      '{"action":"subscribe","quotes":"AAPL"}',
      '{"action":"subscribe","trades":[1]}',
    ),
    fc
      .record({
        action: fc.constantFrom('auth', 'authenticate', 'listen', 'subscribe', 'unsubscribe'),
        key: anyValue,
        secret: anyValue,
        data: anyValue,
        quotes: anyValue,
      })
      .map((v) => JSON.stringify(v)),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  );
  const session = fc.record({
    path: fc.constantFrom('/stream', '/v2/iex', '/v2/test'),
    msgpack: fc.boolean(),
    authFirst: fc.boolean(),
    messages: fc.array(message, { minLength: 1, maxLength: 6 }),
  });
  await fc.assert(
    fc.asyncProperty(session, async (s) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ex.httpPort}${s.path}`, {
        headers: s.msgpack ? { 'Content-Type': 'application/msgpack' } : {},
      });
      ws.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
      await new Promise<void>((resolve) => {
        ws.once('open', () => resolve());
        ws.once('close', () => resolve());
      });
      if (ws.readyState === WebSocket.OPEN) {
        if (s.authFirst)
          ws.send(
            JSON.stringify(
              s.path === '/stream'
                ? { action: 'auth', key: AUTH.key, secret: AUTH.secret }
                : { action: 'auth', key: AUTH.key, secret: AUTH.secret },
            ),
          );
        for (const m of s.messages) ws.send(m);
        // the server has read them all once it answers a ping sent after them
        await new Promise<void>((resolve) => {
          ws.once('pong', () => resolve());
          ws.once('close', () => resolve());
          ws.ping();
        });
        ws.close();
      }
      await closed;
      await assertServing(`websocket ${s.path} ${JSON.stringify(s.messages.map(String)).slice(0, 200)}`);
    }),
    { seed: 7, numRuns: 100, endOnFailure: true, includeErrorInReport: true },
  );
});

// ---- FIX ----

const fixValue = fc.oneof(
  fc.string({ maxLength: 12 }).map((v) => v.replace(/\x01/g, '')),
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e-12',
    'NaN',
    '99999999999999999999',
    'A',
    'Y',
    'N',
    '20260101-00:00:00',
    '=',
    '==',
    'é',
  ),
);
const fixTag = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      1,
      11,
      34,
      35,
      38,
      40,
      41,
      43,
      44,
      45,
      49,
      52,
      54,
      55,
      56,
      58,
      59,
      60,
      98,
      108,
      112,
      122,
      141,
      553,
      554,
      789,
    ),
  },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
  { weight: 1, arbitrary: fc.constantFrom<number | string>(8, 9, 10, 0, -1, 'abc', '', ' 35') },
);
const fields = fc.array(fc.tuple(fixTag, fixValue), { maxLength: 8 });
const msgType = fc.oneof(
  fc.constantFrom('A', '0', '1', '2', '3', '4', '5', 'D', 'F', 'G', 'H', 'j', '8', 'AE'),
  fixValue,
);
/** order entry that is mostly right: drives the acceptor's order paths with random values */
const mostly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: fixValue });
const orderEntry = fc
  .record({
    type: fc.constantFrom('D', 'D', 'D', 'F', 'H'),
    clOrdId: mostly(fc.constantFrom('o1', 'o2', 'o3')),
    symbol: mostly(fc.constantFrom('AAPL', 'MSFT', 'ZZZ')),
    side: mostly(fc.constantFrom('1', '2', '5')),
    qty: mostly(fc.constantFrom('1', '2', '1e-12', '0.000001', '0', '-1', '1000000001', '1e308')),
    ordType: mostly(fc.constantFrom('1', '2')),
    price: mostly(fc.constantFrom('190', '1', '-5', '0')),
    tif: mostly(fc.constantFrom('0', '1', '3', '4')),
    extra: fc.oneof(fc.constant([]), fc.array(fc.tuple(fixTag, fixValue), { maxLength: 2 })),
  })
  .map((o) => ({
    type: o.type,
    fields: [
      [11, o.clOrdId],
      ...(o.type === 'F' ? [[41, 'o1']] : []),
      [55, o.symbol],
      [54, o.side],
      [38, o.qty],
      ...(o.type === 'D'
        ? [
            [40, o.ordType],
            [44, o.price],
            [59, o.tif],
          ]
        : []),
      [60, '20260101-00:00:00'],
      ...o.extra,
    ] as Array<[number | string, string]>,
  }));

/** a well-framed message of random content, or the same spoiled in one way */
const framed = fc
  .record({
    type: msgType,
    fields,
    spoil: fc.constantFrom('none', 'none', 'checksum', 'length+', 'length-', 'begin', 'no-soh', 'twice-framed'),
  })
  .map(({ type, fields: f, spoil }) => {
    const m = fixMessage([[35, type], ...f], spoil === 'begin' ? 'FIX.4.2' : 'FIX.4.4');
    const text = m.toString('latin1');
    switch (spoil) {
      case 'checksum':
        return Buffer.from(
          text.replace(/10=(\d{3})\x01$/, (_, d) => `10=${String((Number(d) + 1) % 256).padStart(3, '0')}\x01`),
          'latin1',
        );
      case 'length+':
        return Buffer.from(
          text.replace(/\x019=(\d+)\x01/, (_, n) => `\x019=${Number(n) + 2}\x01`),
          'latin1',
        );
      case 'length-':
        return Buffer.from(
          text.replace(/\x019=(\d+)\x01/, (_, n) => `\x019=${Math.max(0, Number(n) - 2)}\x01`),
          'latin1',
        );
      case 'no-soh':
        return m.subarray(0, m.length - 1);
      case 'twice-framed':
        return Buffer.concat([m, m]);
      default:
        return m;
    }
  });

function assertWellFramed(received: string): string[] {
  const { messages, malformed } = fixMessagesIn(received);
  assert.equal(malformed, undefined, malformed);
  return messages;
}

/** a proper Logon still gets a Logon back, then a Logout answered by a Logout */
async function assertFixServing(context: string): Promise<void> {
  assert.equal(ex.exitCode(), undefined, `the exchange process exited after ${context}:\n${ex.stderr()}`);
  const r = await exchange(ex.fixPort!, logon({ sender: 'SALVO', target: 'PAPER', ...FIX_AUTH }), {
    until: /\x0135=A\x01/,
    deadlineMs: CASE_DEADLINE_MS,
  });
  assert.deepEqual(tagValues(r.received, 35), ['A'], `a proper Logon after ${context}: ${JSON.stringify(r.received)}`);
}

test('property: garbage bytes and spoiled or random FIX messages before a logon: the socket is dropped, nothing but FIX comes back', async () => {
  const opening = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => [Buffer.from(b)]),
    fc.array(framed, { minLength: 1, maxLength: 3 }),
    // a Logon that frames well but is wrong in its content
    fc
      .record({
        sender: fc.constantFrom('SALVO', 'EVE', ''),
        target: fc.constantFrom('PAPER', 'SALVO', ''),
        username: fc.option(fc.constantFrom(FIX_AUTH.username, 'x')),
        password: fc.option(fc.constantFrom('wrong', '')),
      })
      .map((o) => [
        logon({
          sender: o.sender,
          target: o.target,
          username: o.username ?? undefined,
          password: o.password ?? undefined,
        }),
      ]),
  );
  await fc.assert(
    fc.asyncProperty(opening, async (bytes) => {
      const r = await exchange(ex.fixPort!, bytes, { deadlineMs: CASE_DEADLINE_MS });
      assert.ok(
        r.closed,
        `still open after ${JSON.stringify(Buffer.concat(bytes).toString('latin1').slice(0, 120))}: got ${JSON.stringify(r.received)}`,
      );
      const messages = assertWellFramed(r.received);
      // before a valid logon the venue says at most why it refuses: a Logout (or a Reject)
      for (const m of messages)
        assert.match(m, /\x0135=(5|3)\x01/, `before logon only Logout / Reject: ${JSON.stringify(m)}`);
      await assertFixServing(JSON.stringify(Buffer.concat(bytes).toString('latin1').slice(0, 120)));
    }),
    { seed: 4242, numRuns: 150, endOnFailure: true, includeErrorInReport: true },
  );
});

// A MsgSeqNum too high is not generated: the venue then asks for a resend (ResendRequest) and waits,
// as FIX wants; a peer that never answers is dropped by the heartbeat check, not at once.
/**
 * one case after a proper logon: the messages, then a Logout; the session must end (socket dropped
 * or Logout answered) with well-framed answers a FIX peer knows, and the venue keeps serving.
 * Returns the MsgTypes of what came back after the Logon.
 */
async function afterLogon(list: Array<{ type: string; fields: Array<[number | string, string]>; seqOffset: number }>) {
  let seq = 1;
  const stamp = () => new Date().toISOString().replace(/-/g, '').replace('T', '-').slice(0, 21);
  const thenSend = list.map((m) =>
    fixMessage([[35, m.type], [49, 'SALVO'], [56, 'PAPER'], [34, ++seq + m.seqOffset], [52, stamp()], ...m.fields]),
  );
  thenSend.push(
    fixMessage([
      [35, '5'],
      [49, 'SALVO'],
      [56, 'PAPER'],
      [34, ++seq],
      [52, stamp()],
    ]),
  );
  const r = await exchange(ex.fixPort!, logon({ sender: 'SALVO', target: 'PAPER', seq: 1, ...FIX_AUTH }), {
    until: /\x0135=A\x01/,
    thenSend,
    deadlineMs: CASE_DEADLINE_MS,
  });
  assert.ok(
    r.closed,
    `the session neither dropped the socket nor ended on Logout: ${JSON.stringify(r.received.slice(-300))}`,
  );
  const messages = assertWellFramed(r.received);
  assert.match(messages[0] ?? '', /\x0135=A\x01/, 'the proper Logon is answered first');
  // what the venue sends after the logon is a session or order-entry answer, never an echo of garbage
  for (const m of messages.slice(1))
    assert.match(m, /\x0135=(0|1|2|3|4|5|8|9|j)\x01/, `an answer the FIX spec knows: ${JSON.stringify(m)}`);
  await assertFixServing(JSON.stringify(list).slice(0, 200));
  return messages.slice(1).map((m) => /\x0135=([^\x01]*)/.exec(m)![1]);
}

// A MsgSeqNum too high is not generated: the venue then asks for a resend (ResendRequest) and waits,
// as FIX wants; a peer that never answers is dropped by the heartbeat check, not at once.
test('property: random application and session messages after a proper logon: answered in FIX or dropped; a Logout always ends the session', async (t) => {
  const message = fc
    .tuple(fc.oneof(orderEntry, fc.record({ type: msgType, fields })), fc.constantFrom(0, 0, 0, 0, 0, -1))
    .map(([m, seqOffset]) => ({ ...m, seqOffset }));
  const answered = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 5 }), async (list) => {
      for (const type of new Set(await afterLogon(list))) answered.set(type, (answered.get(type) ?? 0) + 1);
    }),
    { seed: 99, numRuns: 60, endOnFailure: true, includeErrorInReport: true },
  );
  // the cases reached the order paths, not only the gate: ExecutionReports and Rejects came back
  assert.ok(
    (answered.get('8') ?? 0) > 0 && (answered.get('3') ?? 0) > 0,
    `answers by MsgType, cases: ${JSON.stringify([...answered])}`,
  );
  t.diagnostic(`cases answered, by MsgType: ${JSON.stringify(Object.fromEntries(answered))}`);
});

/** one wrong field in about a dozen, so most messages of a case get past the tag checks to the venue */
const nearly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: fixValue });
/** stops, replaces and cancels that are nearly right, on ids the same case placed: the order-management paths */
const orderManagement = fc
  .record({
    type: fc.constantFrom('D', 'D', 'G', 'G', 'F'),
    clOrdId: nearly(fc.constantFrom('m1', 'm2', 'm3', 'm4')),
    orig: nearly(fc.constantFrom('m1', 'm2', 'm3', 'nope')),
    symbol: nearly(fc.constantFrom('AAPL', 'MSFT')),
    side: nearly(fc.constantFrom('1', '2', '5')),
    qty: nearly(fc.constantFrom('1', '3', '0', '-1', '1e308')),
    ordType: nearly(fc.constantFrom('1', '2', '3', '4', 'P')),
    price: fc.option(nearly(fc.constantFrom('190', '1', '500', '-5', 'NaN'))),
    stopPx: fc.option(nearly(fc.constantFrom('190', '1', '500', '-5', '0'))),
    tif: nearly(fc.constantFrom('0', '1', '3', '4')),
  })
  .map((o) => ({
    type: o.type,
    seqOffset: 0,
    fields: [
      [11, o.clOrdId],
      ...(o.type === 'D' ? [] : [[41, o.orig]]),
      [55, o.symbol],
      [54, o.side],
      [38, o.qty],
      ...(o.type === 'F' ? [] : [[40, o.ordType]]),
      ...(o.type !== 'F' && o.price !== null ? [[44, o.price]] : []),
      ...(o.type !== 'F' && o.stopPx !== null ? [[99, o.stopPx]] : []),
      ...(o.type === 'F' ? [] : [[59, o.tif]]),
      [60, '20260101-00:00:00'],
    ] as Array<[number | string, string]>,
  }));

test('property: random NewOrderSingle (stops too), OrderCancelReplaceRequest and OrderCancelRequest never crash the acceptor; each is answered in FIX', async (t) => {
  const answered = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(orderManagement, { minLength: 2, maxLength: 6 }), async (list) => {
      for (const type of await afterLogon(list)) answered.set(type, (answered.get(type) ?? 0) + 1);
    }),
    { seed: 1313, numRuns: 30, endOnFailure: true, includeErrorInReport: true },
  );
  // the cases reached replace and cancel at the venue, refused and accepted: 8 (ExecType 5 among them) and 9
  assert.ok(
    (answered.get('8') ?? 0) > 0 && (answered.get('9') ?? 0) > 0,
    `answers by MsgType: ${JSON.stringify([...answered])}`,
  );
  t.diagnostic(`answers by MsgType: ${JSON.stringify(Object.fromEntries(answered))}`);
});

// ---- the named regressions of issue 10 ----

const AUTH_HEADERS = `APCA-API-KEY-ID: ${AUTH.key}\r\nAPCA-API-SECRET-KEY: ${AUTH.secret}\r\n`;
const raw = async (request: string) => {
  const r = await rawExchange(ex.httpPort, Buffer.from(request, 'latin1'));
  return { text: r.received.toString('latin1'), closed: r.closed };
};

test('regression (issue 10, finding 1): GET //[, http://[ and //a:99999999/, plain or with Upgrade: websocket, are 4xx and the exchange keeps serving', async () => {
  for (const target of ['//[', 'http://[', '//a:99999999/']) {
    for (const upgrade of [
      '',
      'Upgrade: websocket\r\nConnection: Upgrade\r\n',
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n',
    ]) {
      for (const auth of ['', AUTH_HEADERS]) {
        const { text, closed } = await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}${upgrade}\r\n`);
        assert.ok(closed);
        assert.match(text, /^HTTP\/1\.1 4\d\d /, `GET ${target} ${JSON.stringify(upgrade)}: ${text}`);
        await assertServing(`GET ${target}`);
      }
    }
  }
  const { text } = await raw(`GET http://[ HTTP/1.1\r\nHost: x\r\n${AUTH_HEADERS}\r\n`);
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*\{"code":40010000,"message":"invalid request target"\}$/);
});

test('regression (issue 10, finding 8): a 413 closes its keep-alive socket instead of leaving the next request hanging', async () => {
  const socket = net.connect(ex.httpPort, '127.0.0.1');
  let text = '';
  socket.on('data', (d) => {
    text += d.toString('latin1');
  });
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), CASE_DEADLINE_MS);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  const body = JSON.stringify({ symbol: 'AAPL', pad: 'x'.repeat(100_000) });
  // the client keeps its side open and sends its next request right behind the oversize body
  socket.write(
    `POST /v2/orders HTTP/1.1\r\nHost: x\r\n${AUTH_HEADERS}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  socket.write(`GET /v2/clock HTTP/1.1\r\nHost: x\r\n${AUTH_HEADERS}\r\n`);
  assert.ok(await closed, `the server closed the socket after the 413: ${text.slice(0, 300)}`);
  assert.match(text, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
  assert.match(text, /\r\nConnection: close\r\n/i);
  await assertServing('a 413');
});

test('regression (issue 10, finding 8): a bad percent-escape is a 400, not a 500', async () => {
  for (const request of [
    'GET /v2/orders/%',
    'GET /v2/orders/%zz',
    'DELETE /v2/orders/%E0%A4%A',
    'GET /v2/positions/%',
  ]) {
    const { text } = await raw(`${request} HTTP/1.1\r\nHost: x\r\n${AUTH_HEADERS}\r\n`);
    assert.match(
      text,
      /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*"message":"invalid percent-escape in the request path"/,
      `${request}: ${text}`,
    );
  }
});

test('regression (issue 10, finding 8): quantities outside 0.000001 … 1,000,000,000 are refused with 422 and the reason; the bounds themselves trade', async () => {
  const post = (qty: number) =>
    fetch(`${ex.restUrl}/v2/orders`, {
      method: 'POST',
      headers: { 'APCA-API-KEY-ID': AUTH.key, 'APCA-API-SECRET-KEY': AUTH.secret, 'Content-Type': 'application/json' },
      body: JSON.stringify({ symbol: 'AAPL', qty, side: 'buy', type: 'market', time_in_force: 'day' }),
    });
  for (const qty of [1e-12, 9e-7, 1e9 + 1]) {
    const res = await post(qty);
    assert.equal(res.status, 422, `qty ${qty}`);
    assert.deepEqual(await res.json(), {
      code: 40010001,
      message: `invalid qty ${qty}: the paper venue takes 0.000001 to 1,000,000,000 shares`,
    });
  }
  const smallest = await post(1e-6);
  assert.equal(smallest.status, 200, await smallest.text());
});

test('regression (issue 10, finding 8): the FIX acceptor checks both CompIDs and the credentials, and says why on a Logout', async () => {
  const refusals: Array<[Parameters<typeof logon>[0], string]> = [
    [{ sender: 'EVE', target: 'PAPER', ...FIX_AUTH }, "unknown SenderCompID 'EVE'"],
    [{ sender: 'SALVO', target: 'NOTPAPER', ...FIX_AUTH }, "TargetCompID 'NOTPAPER' is not this venue ('PAPER')"],
    [{ sender: 'SALVO', target: 'PAPER' }, 'logon refused: invalid username or password for SALVO'],
    [
      { sender: 'SALVO', target: 'PAPER', username: FIX_AUTH.username, password: 'guess' },
      'logon refused: invalid username or password for SALVO',
    ],
  ];
  for (const [who, why] of refusals) {
    const r = await exchange(ex.fixPort!, logon(who), { deadlineMs: CASE_DEADLINE_MS });
    assert.ok(r.closed, `${JSON.stringify(who)} is hung up on`);
    assert.deepEqual(tagValues(r.received, 35), ['5'], JSON.stringify(r.received));
    assert.deepEqual(tagValues(r.received, 58), [why]);
  }
  await assertFixServing('the refused logons');
  // salvo exchange shows the FIX settings, the password masked
  assert.match(
    ex.stdout(),
    /FIX 4\.4 +127\.0\.0\.1:\d+: venue CompID PAPER, initiators log on as SALVO, username adv-user, password \*\*\* \(as given\)/,
  );
  assert.doesNotMatch(ex.stdout(), new RegExp(FIX_AUTH.password));
});

test('regression (issue 10, finding 8): garbage on the FIX port, or no logon at all, drops the connection', async () => {
  const garbage = await exchange(ex.fixPort!, Buffer.from('GET / HTTP/1.1\r\n\r\n'), { deadlineMs: CASE_DEADLINE_MS });
  assert.deepEqual(garbage, { received: '', closed: true });
  const silent = await exchange(ex.fixPort!, [], { deadlineMs: CASE_DEADLINE_MS });
  assert.deepEqual(silent, { received: '', closed: true }, 'dropped after --fix-logon-timeout');
  await assertFixServing('garbage and a silent connection');
});

test('regression (issue 10, finding 8): a FIX order for 0.0000001 shares is an ExecutionReport Rejected with the bound', async () => {
  const stamp = '20260101-00:00:00';
  const order = fixMessage([
    [35, 'D'],
    [49, 'SALVO'],
    [56, 'PAPER'],
    [34, 2],
    [52, stamp],
    [11, `tiny-${Date.now()}`],
    [55, 'AAPL'],
    [54, '1'],
    [38, '0.0000001'],
    [40, '1'],
    [59, '0'],
    [60, stamp],
  ]);
  const r = await exchange(ex.fixPort!, logon({ sender: 'SALVO', target: 'PAPER', ...FIX_AUTH }), {
    until: /\x0135=A\x01/,
    thenSend: [order],
    deadlineMs: 3000,
  });
  const report = fixMessagesIn(r.received).messages.find((m) => /\x0135=8\x01/.test(m));
  assert.ok(report, JSON.stringify(r.received));
  assert.deepEqual(tagValues(report, 39), ['8']);
  assert.deepEqual(tagValues(report, 103), ['13']);
  assert.deepEqual(tagValues(report, 58), ['invalid qty 1e-7: the paper venue takes 0.000001 to 1,000,000,000 shares']);
});

test('found by the property suite: `null` on the trade_updates websocket is "invalid syntax", not an uncaught TypeError', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${ex.httpPort}/stream`);
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send('null');
  await new Promise<void>((resolve) => {
    ws.once('pong', () => resolve());
    ws.ping();
  });
  const deadline = Date.now() + CASE_DEADLINE_MS;
  while (!frames.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  ws.close();
  assert.deepEqual(
    frames.map((f) => JSON.parse(f)),
    [{ action: 'error', data: { error_message: 'invalid syntax' } }],
  );
  await assertServing('null on /stream');
});

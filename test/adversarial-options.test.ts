// Property-based: hostile option objects never crash the options parser, every problem is one line,
// and no credential planted in them appears in any message, in-process (parseOptions, and the
// masked options `--dry-run` prints) and through `salvo run --config <file> --dry-run` in a child
// process (which must also exit). Seeded and bounded: a failure prints its seed and path, and
// SALVO_FUZZ_SEED / SALVO_FUZZ_RUNS replay or widen a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { parseOptions, SalvoOptionsError } from '../src/index.js';
import { optionsSchema } from '../src/session/options.js';
import { maskingReplacer, secretsOf } from '../src/util/secrets.js';
import { salvo, strategyDir } from './helpers/cli.js';

const SEED = Number(process.env.SALVO_FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.SALVO_FUZZ_RUNS ?? 1500);
const CLI_RUNS = Math.max(4, Math.round(RUNS / 100));

const KNOWN = Object.keys(optionsSchema.shape);

/**
 * Credentials: strings no other part of a case can produce by chance (fast-check's string
 * generators reuse words they saw, such as 'constructor'), derived from a seeded nonce.
 */
const digest = (nonce: number, i: number) => createHash('sha256').update(`${SEED}:${nonce}:${i}`).digest('hex');
const planted = fc.integer({ min: 0, max: 2 ** 30 }).map((nonce) => ({
  s1: `Sk${digest(nonce, 1).slice(0, 18)}`,
  s2: `Sk${digest(nonce, 2).slice(0, 14)}`,
  n: 700_000_000 + (Number.parseInt(digest(nonce, 3).slice(0, 7), 16) % 100_000_000),
}));

/** fails when any 8 characters of a secret string appear in the text (a cut secret leaks too), or a secret number whole */
function assertNoSecret(text: string, secrets: ReadonlyArray<string | number>, where: string): void {
  for (const secret of secrets) {
    if (typeof secret === 'number') {
      assert.ok(
        !text.includes(String(secret)),
        `${where}: the planted number ${secret} appears in:\n${text.slice(0, 2000)}`,
      );
      continue;
    }
    for (let i = 0; i + 8 <= secret.length; i++) {
      const piece = secret.slice(i, i + 8);
      assert.ok(!text.includes(piece), `${where}: '${piece}' of a planted secret appears in:\n${text.slice(0, 2000)}`);
    }
  }
}

const throwing = (what: string) => () => {
  throw new Error(`${what} trap`);
};

/**
 * Objects that fight being read are built inside the property, not by the generator: fast-check
 * itself inspects what it generates, and a revoked Proxy throws at it.
 */
class Hostile {
  constructor(readonly kind: string) {}
}

function build(kind: string): unknown {
  switch (kind) {
    case 'proxy-get':
      return new Proxy({ type: 'paper' }, { get: throwing('get') });
    case 'proxy-keys':
      return new Proxy({}, { ownKeys: throwing('ownKeys'), getPrototypeOf: throwing('getPrototypeOf') });
    case 'revoked': {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    }
    case 'getter':
      return Object.defineProperty({}, 'type', { get: throwing('getter'), enumerable: true });
    case 'null-proto':
      return Object.assign(Object.create(null), { type: 'paper', cash: 5 });
    case 'deep': {
      let v: unknown = 'bottom';
      for (let i = 0; i < 5000; i++) v = [v];
      return v;
    }
    case 'cycle': {
      const o: Record<string, unknown> = { type: 'sim' };
      o.self = o;
      return o;
    }
    case 'proto-key':
      return JSON.parse('{"__proto__": {"type": "alpaca"}, "type": "paper"}');
    case 'huge':
      return 'x'.repeat(200_000);
    default:
      return Object.defineProperty({}, 'seed', {
        get() {
          throw Object.create(null);
        },
        enumerable: true,
      });
  }
}

/** the generated value with every Hostile marker built */
function materialize(value: unknown): unknown {
  if (value instanceof Hostile) return build(value.kind);
  if (Array.isArray(value)) return value.map(materialize);
  if (value && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out = Object.create(proto);
    for (const key of Object.keys(value))
      Object.defineProperty(out, key, {
        value: materialize((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}

const hostileObject = fc
  .constantFrom(
    'proxy-get',
    'proxy-keys',
    'revoked',
    'getter',
    'null-proto',
    'deep',
    'cycle',
    'proto-key',
    'throws-null-proto',
    'huge',
  )
  .map((kind) => new Hostile(kind));

const controlString = fc.string({
  unit: fc.constantFrom('a', '\n', '\r', '\x1b', '\u2028', '\x00', '"', '\\', '\u{1F4A5}', ' '),
  maxLength: 12,
});
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.anything({
      withBigInt: true,
      withNullPrototype: true,
      withBoxedValues: true,
      withSparseArray: true,
      withTypedArray: true,
      withDate: true,
      withMap: true,
      withSet: true,
      maxDepth: 2,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e-9, 1e308, 2 ** 53 + 1, 0, 1, -1, 0.5, 1000),
    weight: 3,
  },
  { arbitrary: fc.bigInt(), weight: 1 },
  { arbitrary: fc.string().map((s) => Symbol(s)), weight: 1 },
  { arbitrary: fc.constant(() => undefined), weight: 1 },
  { arbitrary: hostileObject, weight: 2 },
  { arbitrary: controlString, weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '1ms',
      '10s',
      '1h',
      'EOD',
      '2d',
      '-5s',
      'paper',
      'sim',
      'redis',
      'kafka',
      'alpaca',
      'fix',
    ),
    weight: 2,
  },
);

/** a known option name, a near miss of one, or anything */
const optionKey = fc.oneof(
  { arbitrary: fc.constantFrom(...KNOWN), weight: 6 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...KNOWN), fc.nat())
      .map(
        ([k, n]) =>
          [k.toLowerCase(), k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), `${k}s`, k.slice(1), k.slice(0, -1)][
            n % 5
          ],
      ),
    weight: 2,
  },
  {
    arbitrary: fc.oneof(fc.string(), controlString, fc.constantFrom('__proto__', 'constructor', 'toString', 'then')),
    weight: 1,
  },
);

interface Planted {
  s1: string;
  s2: string;
  n: number;
}
const orHostile = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: arb, weight: 4 }, { arbitrary: hostile, weight: 1 });
const secretValue = (p: Planted) => fc.constantFrom(p.s1, p.s2, p.n);
const urlWith = (p: Planted) =>
  fc
    .tuple(
      fc.constantFrom('http', 'https', 'ftp', 'redis', 'rediss', 'ws', 'wss', ''),
      fc.constantFrom('u', '', 'desk'),
      fc.constantFrom(p.s1, p.s2),
      fc.constantFrom('127.0.0.1:1', '[', 'h:99999999', 'host/x'),
    )
    .map(([scheme, user, pw, host]) => `${scheme ? `${scheme}://` : ''}${user}:${pw}@${host}`);

/** broker / quotes configs with the planted credentials in them, valid ones first, then broken ones */
const validVenue = (p: Planted) =>
  fc.constantFrom(
    { type: 'alpaca', keyId: p.s1, secretKey: p.s2, baseUrl: `http://desk:${p.s2}@127.0.0.1:1` },
    { type: 'fix', host: '127.0.0.1', port: 9878, senderCompId: 'S', targetCompId: 'T', username: 'u', password: p.s1 },
    { type: 'redis', url: `redis://:${p.s1}@127.0.0.1:1/0` },
    { type: 'redis', host: '127.0.0.1', port: 1, password: p.s2 },
    { type: 'kafka', brokers: [`u:${p.s1}@127.0.0.1:1`, '127.0.0.1:2'], envId: 'e', username: 'u', password: p.s2 },
    { type: 'alpaca', keyId: p.s2, secretKey: p.s1, url: `wss://k:${p.s2}@127.0.0.1:1/x` },
    'paper',
    'sim',
  );
const venue = (p: Planted) =>
  fc.oneof(
    { arbitrary: validVenue(p), weight: 6 },
    fc.record(
      {
        type: fc.constant('alpaca'),
        keyId: secretValue(p),
        secretKey: secretValue(p),
        baseUrl: urlWith(p),
        streamUrl: urlWith(p),
        requestTimeoutMs: orHostile(fc.integer()),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: fc.constant('fix'),
        host: fc.constant('127.0.0.1'),
        port: orHostile(fc.integer()),
        senderCompId: fc.constant('S'),
        targetCompId: fc.constant('T'),
        username: fc.constant('u'),
        password: secretValue(p),
      },
      { requiredKeys: ['type', 'password'] },
    ),
    fc.record(
      { keyId: secretValue(p), secretKey: secretValue(p), baseUrl: urlWith(p) },
      { requiredKeys: ['secretKey'] },
    ), // no type
    fc.record(
      {
        type: fc.constant('redis'),
        url: urlWith(p),
        password: secretValue(p),
        port: orHostile(fc.integer()),
        channel: orHostile(fc.constant('md.{ticker}')),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: fc.constant('kafka'),
        brokers: fc.oneof(urlWith(p), fc.array(urlWith(p), { maxLength: 3 })),
        envId: orHostile(fc.constant('e')),
        username: fc.constant('u'),
        password: secretValue(p),
        ssl: orHostile(fc.record({ key: secretValue(p), passphrase: secretValue(p) })),
      },
      { requiredKeys: ['type', 'brokers'] },
    ),
    fc.record(
      {
        type: fc.constant('alpaca'),
        keyId: secretValue(p),
        secretKey: secretValue(p),
        url: urlWith(p),
        feed: orHostile(fc.constant('iex')),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: orHostile(fc.constantFrom('paper', 'sim', 'bogus', 'constructor', 'toString', '__proto__')),
        cash: orHostile(fc.double()),
        seed: orHostile(fc.integer()),
        extra: fc.record({ password: secretValue(p) }),
      },
      { requiredKeys: [] },
    ),
    fc.constantFrom('constructor', 'toString', 'hasOwnProperty', '__proto__'), // names every object has
    urlWith(p), // a URL where a type name belongs
    hostile,
  );

/** a whole options object: random keys and values over a mostly sensible core, credentials planted in broker and quotes */
const optionsCase = planted
  .chain((p) =>
    fc.record({
      p: fc.constant(p),
      core: fc.record(
        {
          strategy: fc.oneof({ arbitrary: fc.constant(() => undefined), weight: 8 }, hostile),
          tickers: fc.oneof(
            { arbitrary: fc.constant(['AAPL', 'BRK.B']), weight: 6 },
            fc.array(
              fc.oneof(fc.constantFrom('AAPL', 'BRK.B', 'BTC/USD'), controlString, fc.string({ maxLength: 40 })),
              { maxLength: 4 },
            ),
            hostile,
          ),
          broker: venue(p),
          quotes: venue(p),
        },
        { requiredKeys: ['strategy', 'tickers'] },
      ),
      extra: fc.oneof(fc.constant({}), fc.dictionary(optionKey, hostile, { maxKeys: 6 })),
      wrap: fc.constantFrom('plain', 'plain', 'plain', 'null-proto', 'proxy'),
    }),
  )
  .map(({ p, core, extra, wrap }) => ({ raw: { ...extra, ...core }, wrap, secrets: [p.s1, p.s2, p.n] }));

function optionsOf(raw: object, wrap: string): unknown {
  const o = materialize(raw) as object;
  return wrap === 'null-proto' ? Object.assign(Object.create(null), o) : wrap === 'proxy' ? new Proxy(o, {}) : o;
}

const ONE_LINE = /^[^\n\r\u2028\u2029\x00-\x08\x0b-\x1f]*$/;

test(`parseOptions on ${RUNS} hostile option objects: options or a SalvoOptionsError, one line per problem, no planted credential`, (t) => {
  let accepted = 0,
    refused = 0;
  fc.assert(
    fc.property(optionsCase, ({ raw, wrap, secrets }) => {
      const options = optionsOf(raw, wrap);
      let parsed: ReturnType<typeof parseOptions> | undefined;
      try {
        parsed = parseOptions(options);
      } catch (error) {
        assert.ok(
          error instanceof SalvoOptionsError,
          `not a SalvoOptionsError: ${String((error as Error)?.stack ?? error)}`,
        );
        assert.ok(error.problems.length > 0);
        for (const problem of error.problems) assert.match(problem, ONE_LINE);
        assertNoSecret(error.message, secrets, 'SalvoOptionsError');
        refused++;
        return;
      }
      // what --dry-run prints of accepted options
      const masked = secretsOf(parsed);
      assertNoSecret(masked.mask(JSON.stringify(parsed, maskingReplacer(masked))), secrets, 'dry-run output');
      accepted++;
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  assert.ok(refused > 0, 'the generator reaches the error path');
  t.diagnostic(`parseOptions: ${accepted} accepted, ${refused} refused of ${RUNS} (seed ${SEED})`);
});

/** JSON-able hostile values for a config file */
const fileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  controlString,
  fc.constantFrom(
    1e-9,
    1e308,
    -1,
    0,
    '1ms',
    '2d',
    'EOD',
    '${SALVO_FUZZ_SECRET}',
    'x-${SALVO_FUZZ_SECRET}',
    '${SALVO_FUZZ_UNSET}',
  ),
);

const fileCase = fc
  .record({
    p: planted,
    env: fc.oneof(
      planted.map((q) => `Sk${q.s1.slice(6)}`),
      planted.map((q) => q.n),
    ),
    extra: fc.oneof({ arbitrary: fc.constant({}), weight: 2 }, fc.dictionary(optionKey, fileValue, { maxKeys: 4 })),
    format: fc.constantFrom('json', 'yaml', 'broken-yaml'),
  })
  .chain(({ p, env, extra, format }) =>
    fc
      .record(
        {
          broker: fc.oneof(
            venue(p),
            fc.constant({ type: 'alpaca', keyId: '${SALVO_FUZZ_SECRET}', secretKey: 'k-${SALVO_FUZZ_SECRET}' }),
          ),
          quotes: fc.oneof(
            venue(p),
            fc.constant({ type: 'redis', url: 'redis://:${SALVO_FUZZ_SECRET}@127.0.0.1:1/0' }),
          ),
        },
        { requiredKeys: [] },
      )
      .map((venues) => ({
        config: { ...extra, ...venues },
        env,
        format,
        secrets: [p.s1, p.s2, p.n, typeof env === 'number' ? `00${env}` : env, env],
      })),
  );

test(`salvo run --config <file> --dry-run on ${CLI_RUNS} hostile config files: exit 0 or 2, one line per problem, no credential, the process exits`, async (t) => {
  const dir = strategyDir('fuzz-cli');
  // the module holds the event loop from its import on: the command must still exit
  fs.writeFileSync(
    path.join(dir, 'strat.ts'),
    "setInterval(() => {}, 1000);\nexport const config = { tickers: ['AAPL'] };\nexport default () => [];\n",
  );
  let n = 0;
  const codes: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(fileCase, async ({ config, env, format, secrets }) => {
      const plain = JSON.parse(
        JSON.stringify(config, (_k, v) =>
          v instanceof Hostile || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint'
            ? undefined
            : v,
        ) ?? '{}',
      );
      const file = path.join(dir, `case-${n++}.${format === 'json' ? 'json' : 'yaml'}`);
      const text = format === 'json' ? JSON.stringify(plain) : YAML.stringify(plain);
      fs.writeFileSync(file, format === 'broken-yaml' ? `${text}\n  - : [ {\n` : text);
      const r = await salvo(['run', 'strat.ts', '--config', path.basename(file), '--dry-run'], {
        cwd: dir,
        env: { SALVO_FUZZ_SECRET: typeof env === 'number' ? `00${env}` : env },
        timeoutMs: 60_000,
      });
      assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}\n${r.stderr}`);
      codes[`exit ${r.code}`] = (codes[`exit ${r.code}`] ?? 0) + 1;
      if (r.code === 0) assert.doesNotThrow(() => JSON.parse(r.stdout), 'stdout is the options as JSON');
      else {
        assert.equal(r.stdout, '');
        for (const line of r.stderr.trimEnd().split('\n'))
          assert.match(line, /^salvo run: [^\r\x00-\x08\x0b-\x1f]*$/, 'one line per problem');
      }
      assertNoSecret(r.stdout + r.stderr, secrets, `salvo run --config ${path.basename(file)}`);
    }),
    { seed: SEED, numRuns: CLI_RUNS, endOnFailure: true },
  );
  t.diagnostic(`salvo run --dry-run: ${JSON.stringify(codes)} of ${CLI_RUNS} (seed ${SEED})`);
});

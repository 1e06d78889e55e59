// Credentials never reach an output: every configured secret is masked BY VALUE wherever it shows
// up (session log, stderr, thrown errors, --dry-run), not only under a key that looks secret. The
// one place that decides what counts as a secret:
// - any value under a credential-like key (keyId, secretKey, password, token, sasl, passphrase, …),
//   numbers included (`secretKey: 0012345678` in YAML is the number 12345678);
// - the password of any URL-like string, parseable or not: redis://u:pw@h, http://:pw@h, and a
//   Kafka broker written `u:pw@host:9092`;
// - every value a config file took from `${VAR}` (the CLI registers them: they are suspect);
// - the Alpaca key pair (and a few other credentials) when it comes from the environment or ./.env.
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

/** a key whose value is a credential proper: masked in every output, and kept out of an account's identity hash */
export const CREDENTIAL_KEY = /secret|passw|passphrase|token|sasl|credential|auth|private_?key/i;

/** a key whose value is masked in every output: a credential, or an API key id (keyId, apiKey, key) */
export const SECRET_KEY = new RegExp(`${CREDENTIAL_KEY.source}|^(api_?)?key(_?id)?$`, 'i');

/**
 * userinfo in a URL-like token: optional scheme, user, ':', password, '@'. The token starts at the
 * start of the text or after a space, quote, bracket, comma or '='; the password runs to the last
 * '@' of the token, so `u:p@ss@host` hides `p@ss`, whatever follows the '@'. Linear time: every
 * part starts at a token boundary and is bounded, so a 200,000-character value costs its length.
 */
const USERINFO =
  /((?<![\w+.-])[a-z][\w+.-]{0,30}:\/\/|(?<![^\s"'`([{,=]))([^\s:@/?#"'`,]{0,256}):([^\s/?#"'`,]{1,1024})@/gi;

// shorter values would mask ordinary words and numbers everywhere (a URL password is masked by
// its place whatever its length)
const MIN_LENGTH = 4;

/** Secret values, and the masking of them in any text. */
export class Secrets {
  private values = new Set<string>();
  private sorted: string[] | undefined;

  constructor(values: Iterable<string> = []) {
    for (const v of values) this.add(v);
  }

  /** a secret value (strings and numbers; short ones are masked only where their place shows them) */
  add(value: unknown): void {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return;
    const text = String(value);
    for (const variant of [
      text,
      text.trim(),
      safeDecode(text),
      encodeURIComponent(text),
      JSON.stringify(text).slice(1, -1),
    ]) {
      if (variant.length >= MIN_LENGTH) this.values.add(variant);
    }
    this.sorted = undefined;
  }

  addAll(other: Secrets | Iterable<string>): void {
    for (const v of other instanceof Secrets ? other.values : other) this.add(v);
  }

  list(): string[] {
    // longest first, so a secret that contains another is masked whole
    this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
    return this.sorted;
  }

  has(value: unknown): boolean {
    return (typeof value === 'string' || typeof value === 'number') && this.values.has(String(value));
  }

  /** the text with every secret and every URL password replaced by *** */
  mask(text: string): string {
    let out = text.replace(USERINFO, (_, scheme: string, user: string) => `${scheme}${user}:***@`);
    for (const s of this.list()) if (out.includes(s)) out = out.split(s).join('***');
    return out;
  }
}

/** passwords of the URL-like tokens in a text (see USERINFO) */
export function urlPasswords(text: string): string[] {
  return [...text.matchAll(USERINFO)].map((m) => m[3]).filter(Boolean);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Secrets every session of this process masks: `${VAR}` values of config files, credentials from the environment. */
export const processSecrets = new Secrets();

const ENV_CREDENTIALS = ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY', 'PAPERBROKER_KAFKA_PASSWORD', 'REDIS_PASSWORD'];

/**
 * The secrets inside any value (an options object, a broker config): values under credential keys
 * and URL passwords in any string, at any depth. Never throws, whatever the value is (throwing
 * getters, Proxies, cycles).
 */
export function secretsIn(value: unknown, into = new Secrets()): Secrets {
  walk(value, false, into, 0, new Set());
  return into;
}

function walk(value: unknown, secretPlace: boolean, into: Secrets, depth: number, seen: Set<object>): void {
  if (typeof value === 'string') {
    if (secretPlace) into.add(value);
    for (const pw of urlPasswords(value.slice(0, 100_000))) into.add(pw);
    return;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (secretPlace) into.add(value);
    return;
  }
  if (!value || typeof value !== 'object' || depth > 16 || seen.has(value)) return;
  seen.add(value);
  try {
    for (const key of Reflect.ownKeys(value).slice(0, 10_000)) {
      if (typeof key !== 'string') continue;
      let inner: unknown;
      try {
        inner = (value as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      walk(inner, secretPlace || SECRET_KEY.test(key), into, depth + 1, seen);
    }
  } catch {
    // a Proxy whose ownKeys throws holds nothing we can read, so nothing we could print
  }
}

/** every secret of a session's options, with the process's own and the credentials of the environment and ./.env */
export function secretsOf(options: object): Secrets {
  const secrets = secretsIn(options);
  secrets.addAll(processSecrets);
  const file = dotEnv();
  for (const name of ENV_CREDENTIALS) {
    secrets.add(process.env[name]);
    secrets.add(file[name]);
  }
  return secrets;
}

// the Alpaca adapters read ./.env without putting it into process.env (src/util/credentials.ts)
function dotEnv(): Record<string, string> {
  try {
    return dotenv.parse(fs.readFileSync(path.join(process.cwd(), '.env')));
  } catch {
    return {};
  }
}

/** a JSON.stringify replacer: credential keys show ***, other values with every secret masked */
export function maskingReplacer(secrets: Secrets): (key: string, value: unknown) => unknown {
  return (key, value) => {
    if (SECRET_KEY.test(key) && (typeof value === 'string' || typeof value === 'number')) return '***';
    if (typeof value === 'string') return secrets.mask(value);
    if (typeof value === 'number' && secrets.has(value)) return '***';
    return value;
  };
}

/** the same error with every secret masked in its message and stack (in place: its class and fields stay) */
export function maskError<T>(error: T, secrets: Secrets): T {
  if (!(error instanceof Error)) return error;
  try {
    error.message = secrets.mask(error.message);
    if (error.stack) error.stack = secrets.mask(error.stack);
  } catch {
    // a frozen error cannot be rewritten; whoever prints it masks again
  }
  return error;
}

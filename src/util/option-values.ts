// Hostile option objects: what a problem line says it got, and a plain copy of the options read
// once, so that a throwing getter, a Proxy, a cycle or a null-prototype object becomes a problem
// line instead of an exception out of the options parser.

import { processSecrets } from './secrets.js';

const MAX_DEPTH = 12;
const MAX_KEYS = 10_000;
const ECHO_CHARS = 60;

/** What a problem line shows for a value: exact for numbers (NaN, 10n), short for strings, never an object's contents. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value); // NaN, Infinity, 1e-9 as written
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'string': {
      // masked before it is cut: a cut secret would no longer be recognised
      const text = processSecrets.mask(value);
      return text.length > ECHO_CHARS
        ? `${JSON.stringify(text.slice(0, ECHO_CHARS))}… (${text.length} characters)`
        : JSON.stringify(text);
    }
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(value);
    default:
      if (value === null) return 'null';
      return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
  }
}

/** the kind of a value, for a line that must not show it (a credential) */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : `a ${t}`;
}

export interface ReadOptions {
  value: unknown;
  problems: string[];
}

/**
 * A plain copy of plain objects and arrays (own enumerable string keys, read once each); other
 * values (functions, Buffers, class instances) are kept as they are. A read that throws, a cycle
 * or nesting beyond MAX_DEPTH is a problem naming the option.
 */
export function readOptions(input: unknown): ReadOptions {
  const problems: string[] = [];
  const value = copy(input, '', 0, new Set(), problems);
  return { value, problems };
}

function copy(value: unknown, at: string, depth: number, path: Set<object>, problems: string[]): unknown {
  if (!value || typeof value !== 'object') return value;
  const name = at || 'options';
  let plain: boolean;
  try {
    const proto = Object.getPrototypeOf(value);
    plain = Array.isArray(value) || proto === Object.prototype || proto === null;
  } catch (error) {
    problems.push(`${name}: reading it threw (${errorText(error)})`);
    return undefined;
  }
  if (!plain) return value;
  if (path.has(value)) {
    problems.push(`${name} refers to itself`);
    return undefined;
  }
  if (depth >= MAX_DEPTH) {
    problems.push(`${name} is nested deeper than ${MAX_DEPTH} levels`);
    return undefined;
  }
  path.add(value);
  try {
    let keys: string[];
    try {
      keys = Object.keys(value);
    } catch (error) {
      problems.push(`${name}: listing its keys threw (${errorText(error)})`);
      return undefined;
    }
    if (keys.length > MAX_KEYS) {
      problems.push(`${name} has ${keys.length} keys; at most ${MAX_KEYS}`);
      return undefined;
    }
    const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
    for (const key of keys) {
      const where = Array.isArray(value) ? `${at}[${key}]` : at ? `${at}.${key}` : key;
      let inner: unknown;
      try {
        inner = (value as Record<string, unknown>)[key];
      } catch (error) {
        problems.push(`${where}: reading it threw (${errorText(error)})`);
        continue;
      }
      // defineProperty: an own '__proto__' key (JSON.parse makes one) stays a key, not a prototype
      Object.defineProperty(out, key, {
        value: copy(inner, where, depth + 1, path, problems),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  } finally {
    path.delete(value);
  }
}

/** an error's message for a problem line: never throws, even for a null-prototype object thrown */
export function errorText(error: unknown): string {
  try {
    if (error instanceof Error) {
      const message = String(error.message);
      return message.length > 80 ? `${message.slice(0, 80)}…` : message || String(error.name);
    }
    return describeValue(error);
  } catch {
    return 'an unreadable error';
  }
}

// One line per invalid option or order field, from a zod issue: the name, what it accepts, what it
// got. What it got is shown exactly for numbers (NaN, Infinity, 10n), shortened for strings, never
// for an object's contents nor for anything under a credential key; the caller masks secrets by
// value as well. runTrading's options, broker and quote configs and a strategy's orders all read
// their problems through describeIssue, so a problem reads the same wherever it is found.
import type { z } from 'zod';
import { SECRET_KEY } from './secrets.js';
import { describeValue, kindOf } from './option-values.js';
import { suggest } from './suggest.js';

type Issue = z.core.$ZodIssue;

/** `broker.keys[0].x` from ['broker', 'keys', 0, 'x'] */
export function optionName(path: readonly PropertyKey[], prefix = ''): string {
  let name = prefix.replace(/\.$/, '');
  for (const part of path) name += typeof part === 'number' ? `[${part}]` : `${name ? '.' : ''}${String(part)}`;
  return name || 'options';
}

/** `; got …`, or only the kind of value where it may be a credential */
export function gotText(path: readonly PropertyKey[], input: unknown, show = describeValue): string {
  const secret = path.some((p) => typeof p === 'string' && SECRET_KEY.test(p));
  return `; got ${secret ? `${kindOf(input)} (not shown: a credential)` : show(input)}`;
}

/** How a family of inputs words its problems; runTrading's options need none of it. */
export interface IssueWording {
  /** what a key is called in `unknown … 'x'`. Default: 'option' */
  noun?: string;
  /** keys refused with their own reason rather than as unknown (an order's `notional`) */
  refused?: Readonly<Record<string, string>>;
  /** how a value it got is shown. Default: describeValue (strings in double quotes) */
  show?: (value: unknown) => string;
}

const ARTICLE: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  int: 'a whole number',
  function: 'a function',
};

/**
 * One line per problem, naming the option, what it accepts and what it got. `prefix` names where
 * the checked object sits ('broker.'); `known` are its keys, for a did-you-mean.
 */
export function describeIssue(
  issue: Issue,
  prefix = '',
  known: readonly string[] = [],
  wording: IssueWording = {},
): string {
  const path = issue.path as PropertyKey[];
  const name = optionName(path, prefix);
  const hasInput = 'input' in issue;
  const input = hasInput ? issue.input : undefined;
  const got = hasInput && input !== undefined ? gotText(path, input, wording.show) : '';
  const noun = wording.noun ?? 'option';
  if ((issue.code === 'invalid_value' || issue.code === 'invalid_type') && hasInput && input === undefined)
    return `${name} is required`;
  switch (issue.code) {
    case 'invalid_value':
      return `${name} must be one of ${issue.values.map((v) => `'${String(v)}'`).join(' | ')}${got}`;
    case 'unrecognized_keys':
      return issue.keys
        .map(
          (k) =>
            (wording.refused && Object.hasOwn(wording.refused, k) ? wording.refused[k] : undefined) ??
            `unknown ${noun} '${optionName([k], prefix)}'${suggest(k, known)}`,
        )
        .join('; ');
    case 'invalid_type':
      if (issue.expected === 'number' && typeof input === 'number') return `${name} must be a finite number${got}`;
      return `${name} must be ${ARTICLE[issue.expected] ?? issue.expected}${got}`;
    case 'too_small':
    case 'too_big':
      return isDefaultMessage(issue.message)
        ? `${name} must be ${rangeText(issue)}${got}`
        : custom(name, path, issue.message, got);
    case 'invalid_union':
      return `${name} must be ${unionText(issue)}${got}`;
    case 'custom':
      // a custom message already says what it got, or has nothing to show
      return !path.length || issue.message.startsWith(name) || issue.message.startsWith(`unknown option '${name}.`)
        ? issue.message
        : custom(name, path, issue.message, '');
    default:
      return custom(name, path, issue.message, got);
  }
}

const isDefaultMessage = (m: string) => /^(Too (small|big)|Invalid|Number must|String must|Array must)/.test(m);

/** a schema's own message, with the option's full name once: 'baseUrl must be …' → 'broker.baseUrl must be …' */
function custom(name: string, path: readonly PropertyKey[], message: string, got: string): string {
  const last = String(path[path.length - 1] ?? '');
  if (last && message.startsWith(`${last} `)) return `${name}${message.slice(last.length)}${got}`;
  if (message.startsWith(`${name} `)) return `${message}${got}`;
  if (message.startsWith('must ')) return `${name} ${message}${got}`;
  return `${name}: ${message}${got}`;
}

function rangeText(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const bound = Number((issue as { minimum?: unknown; maximum?: unknown })[small ? 'minimum' : 'maximum']);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'string':
      return small
        ? bound <= 1
          ? 'a non-empty string'
          : `at least ${bound} characters`
        : `at most ${bound} characters`;
    case 'array':
    case 'set':
      return small ? `a list of at least ${bound}` : `a list of at most ${bound}`;
    default:
      return small
        ? inclusive
          ? `at least ${bound}`
          : `greater than ${bound}`
        : inclusive
          ? `at most ${bound}`
          : `less than ${bound}`;
  }
}

function unionText(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const expected = new Set<string>();
  for (const branch of issue.errors ?? []) {
    for (const sub of branch)
      if (sub.code === 'invalid_type' && sub.path.length === 0) expected.add(ARTICLE[sub.expected] ?? sub.expected);
  }
  return expected.size ? [...expected].join(' or ') : 'a valid value';
}

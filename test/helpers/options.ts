// The problems parseOptions reports for a set of options (failing the test if it accepts them).
import assert from 'node:assert/strict';
import { parseOptions, SalvoOptionsError } from '../../src/index.js';

export const strategy = () => undefined;
export const base = { strategy, tickers: ['AAPL'] };

export function problemsOf(options: unknown): string[] {
  try {
    parseOptions(options);
  } catch (error) {
    assert.ok(error instanceof SalvoOptionsError, `expected SalvoOptionsError, got ${error}`);
    return error.problems;
  }
  assert.fail(`options were accepted: ${String(Object.keys(options as object))}`);
}

// Preloaded by test/run.mjs into every test file's process: each test() and hook without its own
// `timeout` gets SALVO_TEST_TIMEOUT_MS (default 180 s). node's --test-timeout would apply one
// deadline to a whole file (node 20 runs each file as one test of the parent runner), so the
// per-test default is set here and the parent's --test-timeout bounds a file as a whole.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const nodeTest = require('node:test');
const deadline = Number(process.env.SALVO_TEST_TIMEOUT_MS ?? 180_000);

/** test(name?, options?, fn?) with options.timeout defaulted */
function withDeadline(register) {
  const wrapped = function (...args) {
    const at = args.findIndex((a) => typeof a === 'object' && a !== null);
    if (at === -1) args.splice(typeof args[0] === 'string' ? 1 : 0, 0, { timeout: deadline });
    else if (args[at].timeout === undefined) args[at] = { ...args[at], timeout: deadline };
    return register.apply(this, args);
  };
  return Object.assign(wrapped, register);
}

/** hooks take (fn, options) */
function hookWithDeadline(register) {
  return Object.assign(function (fn, options = {}) {
    return register.call(this, fn, { ...options, timeout: options.timeout ?? deadline });
  }, register);
}

for (const name of ['test', 'it']) {
  const original = nodeTest[name];
  const wrapped = withDeadline(original);
  for (const variant of ['only', 'skip', 'todo'])
    if (typeof original[variant] === 'function') wrapped[variant] = withDeadline(original[variant]);
  nodeTest[name] = wrapped;
}
for (const name of ['before', 'after', 'beforeEach', 'afterEach']) nodeTest[name] = hookWithDeadline(nodeTest[name]);
syncBuiltinESMExports();

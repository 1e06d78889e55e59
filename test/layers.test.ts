// Dependencies point one way: from the face (CLI, display, the package's entry) through the session
// to execution, journal and risk, then brokers and salvo's exchange, then market data and the
// portfolio, down to shared ground (types, the order model, the Broker contract every layer speaks,
// small helpers). A file may import from
// its own layer or a lower one; no import cycle at all, even of types (a cycle is two modules that
// cannot be understood, or changed, one without the other). The exchange is a separate service:
// it shares the FIX protocol with the initiator (src/fix/) and never imports a broker adapter.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** lowest first; a path matches the first prefix it starts with */
const LAYERS: ReadonlyArray<{ name: string; prefixes: string[] }> = [
  { name: 'ground', prefixes: ['src/types.ts', 'src/util/', 'src/orders/', 'src/brokers/broker.ts'] },
  { name: 'market data and portfolio', prefixes: ['src/market/', 'src/portfolio/'] },
  { name: 'brokers and exchange', prefixes: ['src/brokers/', 'src/exchange/', 'src/fix/'] },
  { name: 'execution, journal and risk', prefixes: ['src/execution/', 'src/journal/', 'src/risk/'] },
  { name: 'session', prefixes: ['src/session/'] },
  { name: 'face', prefixes: ['src/display/', 'src/cli/', 'src/index.ts'] },
];

const layerOf = (file: string): number => LAYERS.findIndex((l) => l.prefixes.some((p) => file.startsWith(p)));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

/** every relative module a file imports or re-exports, statically or with import(), as repo paths */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])).replace(/\.js$/, '.ts');
    out.add(target);
  }
  return [...out];
}

const graph = new Map(sourceFiles('src').map((f) => [f, importsOf(f)]));

test('every file under src/ belongs to a layer', () => {
  const homeless = [...graph.keys()].filter((f) => layerOf(f) < 0);
  assert.deepEqual(homeless, [], 'add the new folder to LAYERS in test/layers.test.ts');
});

test('imports point down: no file imports from a layer above its own', () => {
  const upward: string[] = [];
  for (const [file, deps] of graph) {
    for (const dep of deps) {
      if (!graph.has(dep)) continue; // not a source file (json, worker entry): nothing to order
      const [from, to] = [layerOf(file), layerOf(dep)];
      if (to > from) upward.push(`${file} imports ${dep}: ${LAYERS[from].name} may not depend on ${LAYERS[to].name}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('the exchange imports no broker adapter', () => {
  const reaching = [...graph]
    .filter(([file]) => file.startsWith('src/exchange/'))
    .flatMap(([file, deps]) =>
      deps
        .filter((d) => d.startsWith('src/brokers/') && d !== 'src/brokers/broker.ts')
        .map((d) => `${file} imports ${d}`),
    );
  assert.deepEqual(reaching, []);
});

/** strongly connected components of more than one file (Tarjan), each sorted */
function cycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('no import cycles under src/', () => {
  assert.deepEqual(cycles(), []);
});

test('the checks can fail: a planted upward import and a planted cycle are found', () => {
  const saved = new Map(graph);
  try {
    graph.set('src/util/log.ts', [...(graph.get('src/util/log.ts') ?? []), 'src/session/session.ts']);
    graph.set('src/session/session.ts', [...(graph.get('src/session/session.ts') ?? []), 'src/util/log.ts']);
    assert.ok(cycles().some((c) => c.includes('src/util/log.ts') && c.includes('src/session/session.ts')));
    assert.ok(layerOf('src/session/session.ts') > layerOf('src/util/log.ts'));
  } finally {
    graph.clear();
    for (const [k, v] of saved) graph.set(k, v);
  }
});

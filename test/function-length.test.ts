// Functions short enough to hold in one's head: no function, method or arrow under src/ runs over
// MAX_LINES lines, unless it is listed below with the reason it may (none today). Read with the
// TypeScript compiler's own parser, so a template string or a comment never fools the count.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINES = 80;
/** `file:name` → why it may be longer (keep this empty where a split is possible) */
const ALLOWED: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** every function-like node with a body in `text`, with its length in lines */
export function functionLengths(file: string, text: string): Array<{ where: string; lines: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Array<{ where: string; lines: number }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = source.getLineAndCharacterOfPosition(fn.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(fn.end).line;
      out.push({ where: `${file}:${nameOf(fn)}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

test(`no function under src/ is over ${MAX_LINES} lines`, () => {
  const long = sourceFiles('src')
    .flatMap((f) => functionLengths(f, fs.readFileSync(path.join(root, f), 'utf8')))
    .filter((f) => f.lines > MAX_LINES && !(f.where in ALLOWED))
    .map((f) => `${f.where}: ${f.lines} lines`);
  assert.deepEqual(long, []);
});

test('the count can fail: a planted 90-line function is found', () => {
  const body = Array.from({ length: 88 }, (_, i) => `  const x${i} = ${i};`).join('\n');
  const found = functionLengths('planted.ts', `function planted() {\n${body}\n}\n`);
  assert.deepEqual(found, [{ where: 'planted.ts:planted', lines: 90 }]);
});

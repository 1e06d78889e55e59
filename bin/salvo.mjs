#!/usr/bin/env node
// The `salvo` command. It registers tsx first in every case: strategy files are TypeScript.
// Then it runs the CLI from the TypeScript sources when they are there (this repository, or an
// installed package, which ships src/ too), so what runs is always the code you see; set
// SALVO_FROM_DIST=1 to run the compiled dist/cli/main.js instead (after `npm run build`).
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);
const useDist = process.env.SALVO_FROM_DIST === '1' || !existsSync(source);
if (useDist && !existsSync(built)) {
  process.stderr.write('salvo: dist/cli/main.js is missing: run `npm run build` first\n');
  process.exit(1);
}
// runAndExit ends the process when the command's work is done (see src/cli/main.ts)
const { runAndExit } = await import((useDist ? built : source).href);
await runAndExit(process.argv);

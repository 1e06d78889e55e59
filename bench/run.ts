// npm run bench: every benchmark, a table, bench/results.json (with the machine) and a fresh
// bench/RESULTS.md. Benchmarks never fail on a time: a missed target is reported, not thrown.
// The limiter benchmark waits on the rate (about 4 minutes) and runs alongside the others, after
// the resources benchmark.
import fs from 'node:fs';
import { machine, type Row } from './lib.js';
import { benchBlocks } from './blocks.js';
import { benchBoard } from './board.js';
import { benchClock } from './clock.js';
import { benchLimiter } from './limiter.js';
import { benchResources } from './resources.js';
import { benchVenues } from './venues.js';

type Bench = [name: string, run: () => Promise<Row[]>];
// `npm run bench -- render` runs nothing: it writes RESULTS.md again from results.json and NOTES.md
const rendering = process.argv.slice(2).join(' ') === 'render';
const only = rendering ? ['render'] : process.argv.slice(2);
const optional = async (file: string, fn: string): Promise<Bench | undefined> => {
  if (!fs.existsSync(new URL(`./${file}.ts`, import.meta.url))) return undefined;
  const mod = (await import(`./${file}.js`)) as Record<string, () => Promise<Row[]>>;
  return [file, mod[fn]];
};
const sequential: Bench[] = (
  [
    ['blocks', benchBlocks],
    ['venues', benchVenues],
    ['board', benchBoard],
    ['clock', benchClock],
    ['resources', benchResources],
    ...((
      await Promise.all([
        optional('sources', 'benchSources'),
        optional('display', 'benchDisplay'),
        optional('review', 'benchReview'),
        optional('shared-rate', 'benchSharedRate'),
        optional('risk', 'benchRisk'),
      ])
    ).filter(Boolean) as Bench[]),
  ] as Bench[]
).filter(([name]) => !only.length || only.includes(name));
const wantLimiter = !only.length || only.includes('limiter');

const started = Date.now();
const rows: Row[] = [];
// resources measure the whole process (RSS, CPU of all threads): run them before the limiter's
// session shares the process
const resources = sequential.find(([name]) => name === 'resources');
if (resources) {
  process.stderr.write('bench: resources…\n');
  rows.push(...(await resources[1]()).map((r) => ({ ...r, suite: 'resources' })));
}
const limiter = wantLimiter ? benchLimiter() : Promise.resolve([]);
for (const [name, run] of sequential.filter((b) => b !== resources)) {
  process.stderr.write(`bench: ${name}…\n`);
  try {
    rows.push(...(await run()).map((r) => ({ ...r, suite: name })));
  } catch (error) {
    rows.push({
      bench: name,
      case: 'error',
      metric: (error as Error).message,
      value: Number.NaN,
      unit: '',
      suite: name,
    });
  }
}
if (wantLimiter) process.stderr.write('bench: waiting for the limiter benchmark…\n');
rows.push(...(await limiter).map((r) => ({ ...r, suite: 'limiter' })));

// `npm run bench -- board` re-runs one suite: its rows replace that suite's rows of the last full run
const resultsFile = new URL('./results.json', import.meta.url);
const previous =
  only.length && fs.existsSync(resultsFile)
    ? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as {
        rows: Row[];
        machine?: ReturnType<typeof machine>;
        ranAt: string;
        seconds: number;
        rerun?: string[];
      })
    : undefined;
const merged = previous ? [...previous.rows.filter((r) => !only.includes(r.suite ?? '')), ...rows] : rows;
const rerun = previous
  ? [...(previous.rerun ?? []), ...(rendering ? [] : [`${only.join(', ')} re-run ${new Date().toISOString()}`])]
  : undefined;
const result = {
  machine: rendering && previous?.machine ? previous.machine : machine(),
  ranAt: previous?.ranAt ?? new Date().toISOString(),
  seconds: previous?.seconds ?? Math.round((Date.now() - started) / 1000),
  rerun,
  rows: merged,
};
fs.writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
const table = merged.map(
  (r) =>
    `| ${r.bench} | ${r.case} | ${r.metric} | ${r.value} ${r.unit} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'met' : '**missed**'} |`,
);
const md = [
  '# Benchmark results',
  '',
  `Produced by \`npm run bench\` on ${result.ranAt.slice(0, 10)} in ${result.seconds} s.${rerun ? ` Since then: ${rerun.join('; ')} (\`npm run bench -- <suite>\`).` : ''}`,
  '',
  `Machine: ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, ${result.machine.platform}; 1-minute load average at the end of the run: ${result.machine.load ?? 'not recorded'}${(result.machine.load ?? 0) > result.machine.cores ? ' (**a loaded machine**: other work shared the cores, and the timings show it)' : ''}.`,
  '',
  '| bench | case | metric | value | target | |',
  '|---|---|---|---|---|---|',
  ...table,
  '',
  // the reading of the figures (where the time goes, why a target is missed) is kept by hand
  ...(fs.existsSync(new URL('./NOTES.md', import.meta.url))
    ? [fs.readFileSync(new URL('./NOTES.md', import.meta.url), 'utf8')]
    : []),
].join('\n');
fs.writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
console.log(md);

// A parse worker of `salvo review` (parallel.ts): csv-parse over the byte ranges (segments) the main
// thread hands it, each record built into a row (rows.ts) and sent back in batches. Strings that
// repeat (ticker, status, side, action, block, reason…) travel as codes into a per-worker
// dictionary that only grows, so a batch clones little more than the client order ids.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parse } from 'csv-parse';
import { RowBuilder } from './rows.js';

export const BATCH_ROWS = 2048;
/** batches sent but not yet consumed by the main thread, before this worker pauses */
export const MAX_IN_FLIGHT = 64;
/** a code meaning "the string is the next one in `literals`" (the dictionary is full) */
export const LITERAL = 0xffffffff;
/** string fields of a row, in code order */
export const CODED = [
  'type',
  'ticker',
  'status',
  'side',
  'action',
  'raw',
  'worker',
  'block',
  'reason',
  'parent',
] as const;
const DICT_MAX = 200_000;

export interface Batch {
  type: 'batch';
  seg: number;
  n: number;
  /** 0 row, 1 unusable field, 2 short record */
  kinds: Uint8Array;
  /** per row: line within the segment, price, qty, ts */
  nums: Float64Array;
  codes: Uint32Array;
  ids: string[];
  literals: string[];
  /** new dictionary entries, in code order */
  dict: string[];
  extras: Array<{ i: number; column?: string; value?: string; fields?: number }>;
  /** file position reached */
  bytes: number;
}
export interface SegmentEnd {
  type: 'end';
  seg: number;
  lines: number;
  error?: { line: number; code?: string; message: string };
}
export type FromParseWorker = Batch | SegmentEnd | { type: 'read-error'; message: string };
export type ToParseWorker = { type: 'segment'; seg: number; start: number; end: number } | { type: 'ack' };

interface Data {
  file: string;
  header: string[];
}

if (parentPort && workerData?.header) {
  const port = parentPort;
  const { file, header } = workerData as Data;
  const builder = new RowBuilder(header);
  const dict = new Map<string, number>();
  const jobs: Array<{ seg: number; start: number; end: number }> = [];
  let busy = false;
  let inFlight = 0;
  let resume: (() => void) | undefined;

  port.on('message', (m: ToParseWorker) => {
    if (m.type === 'ack') {
      inFlight--;
      if (resume && inFlight < MAX_IN_FLIGHT / 2) {
        const r = resume;
        resume = undefined;
        r();
      }
      return;
    }
    jobs.push(m);
    if (!busy) next();
  });

  const next = () => {
    const job = jobs.shift();
    busy = Boolean(job);
    if (job) runSegment(job.seg, job.start, job.end);
  };

  const runSegment = (seg: number, start: number, end: number) => {
    let batch = newBatch(seg);
    let fresh: string[] = [];
    let newlines = 0;
    const code = (s: string): number => {
      let c = dict.get(s);
      if (c === undefined) {
        if (dict.size >= DICT_MAX) {
          batch.literals.push(s);
          return LITERAL;
        }
        dict.set(s, (c = dict.size));
        fresh.push(s);
      }
      return c;
    };
    const source = fs.createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 });
    const parser = parse({ relax_column_count: true, skip_empty_lines: true, bom: start === 0 });
    source.on('data', (chunk) => {
      const b = chunk as Buffer;
      for (let i = b.indexOf(0x0a); i !== -1; i = b.indexOf(0x0a, i + 1)) newlines++;
    });
    const flush = () => {
      if (!batch.n) return;
      batch.dict = fresh;
      fresh = [];
      batch.bytes = start + source.bytesRead;
      port.postMessage(batch, [
        batch.kinds.buffer as ArrayBuffer,
        batch.nums.buffer as ArrayBuffer,
        batch.codes.buffer as ArrayBuffer,
      ]);
      batch = newBatch(seg);
      if (++inFlight >= MAX_IN_FLIGHT) {
        parser.pause();
        resume = () => parser.resume();
      }
    };
    let skipHeader = start === 0;
    parser.on('data', (record: string[]) => {
      if (skipHeader) {
        skipHeader = false;
        return;
      }
      const line = parser.info.lines;
      const r = builder.build(record, line);
      const i = batch.n++;
      batch.nums[i * 4] = line;
      if ('short' in r) {
        batch.kinds[i] = 2;
        batch.extras.push({ i, fields: r.short });
      } else if ('bad' in r) {
        batch.kinds[i] = 1;
        batch.extras.push({ i, column: r.bad, value: r.value });
      } else {
        batch.nums[i * 4 + 1] = r.price;
        batch.nums[i * 4 + 2] = r.qty;
        batch.nums[i * 4 + 3] = r.ts;
        const o = i * CODED.length;
        for (let k = 0; k < CODED.length; k++) batch.codes[o + k] = code(r[CODED[k]]);
        batch.ids.push(r.id);
      }
      if (batch.n === BATCH_ROWS) flush();
    });
    const done = (error?: SegmentEnd['error']) => {
      flush();
      port.postMessage({ type: 'end', seg, lines: newlines, ...(error ? { error } : {}) } satisfies SegmentEnd);
      next();
    };
    parser.on('end', () => done());
    parser.on('error', (e: Error & { code?: string; lines?: number }) => {
      source.destroy();
      done({ line: e.lines ?? parser.info.lines, code: e.code, message: e.message });
    });
    source.on('error', (e) => port.postMessage({ type: 'read-error', message: e.message }));
    source.pipe(parser);
  };
}

function newBatch(seg: number): Batch {
  return {
    type: 'batch',
    seg,
    n: 0,
    kinds: new Uint8Array(BATCH_ROWS),
    nums: new Float64Array(BATCH_ROWS * 4),
    codes: new Uint32Array(BATCH_ROWS * CODED.length),
    ids: [],
    literals: [],
    dict: [],
    extras: [],
    bytes: 0,
  };
}

// Parallel parsing of a large trade log. csv-parse is most of the cost of a review, so the file is
// cut into segments of a few MB, each starting just after a newline that lies outside any quoted
// field (an even number of '"' before it: RFC 4180 doubles a quote inside a field), and parse
// workers (parse-worker.ts) take segments in turn. The main thread consumes the segments strictly
// in file order, so rows reach the review exactly as a single stream would deliver them; a worker
// may run at most MAX_IN_FLIGHT batches ahead, which bounds memory.
import fs from 'node:fs';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../util/worker-entry.js';
import { ReviewInputError, type FileSink, type LogRow } from './rows.js';
import {
  CODED,
  LITERAL,
  type Batch,
  type FromParseWorker,
  type SegmentEnd,
  type ToParseWorker,
} from './parse-worker.js';

/** files at least this large are parsed in parallel, given a second core (SALVO_REVIEW_PARALLEL_BYTES overrides) */
export const parallelThreshold = (): number =>
  Number(process.env.SALVO_REVIEW_PARALLEL_BYTES ?? (os.availableParallelism() > 1 ? 24 * 2 ** 20 : Infinity));
const segmentBytes = (): number => Math.max(1, Number(process.env.SALVO_REVIEW_SEGMENT_BYTES ?? 8 * 2 ** 20));

/** byte offsets where segments start, about `target` bytes apart */
export function planSegments(file: string, size: number, target: number): number[] {
  const starts = [0];
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let odd = false; // inside a quoted field
  let next = target;
  try {
    for (let pos = 0; pos < size; ) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      const buf = chunk.subarray(0, n);
      for (let i = 0; i < n; ) {
        if (pos + i < next) {
          const stop = Math.min(n, next - pos);
          for (let q = buf.indexOf(0x22, i); q !== -1 && q < stop; q = buf.indexOf(0x22, q + 1)) odd = !odd;
          i = stop;
          continue;
        }
        const nl = buf.indexOf(0x0a, i),
          q = buf.indexOf(0x22, i);
        if (q !== -1 && (nl === -1 || q < nl)) {
          odd = !odd;
          i = q + 1;
          continue;
        }
        if (nl === -1) break;
        if (!odd && pos + nl + 1 < size) {
          starts.push(pos + nl + 1);
          next = pos + nl + 1 + target;
        }
        i = nl + 1;
      }
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return starts;
}

/** A batch's rows to the sink, decoded with its worker's string dictionary; lines numbered from `lineOffset`. */
function deliverBatch(b: Batch, dict: readonly string[], lineOffset: number, sink: FileSink): void {
  let id = 0,
    literal = 0;
  const str = (c: number) => (c === LITERAL ? b.literals[literal++] : dict[c]);
  const extras = new Map(b.extras.map((e) => [e.i, e]));
  for (let i = 0; i < b.n; i++) {
    const line = lineOffset + b.nums[i * 4];
    const kind = b.kinds[i];
    if (kind !== 0) {
      // the worker sends an extra with every unusable or short record
      const e: Batch['extras'][number] = extras.get(i) ?? { i };
      if (kind === 1) sink.bad(line, e.column ?? '', e.value ?? '');
      else sink.short(line, e.fields ?? 0);
      continue;
    }
    const o = i * CODED.length;
    const row: LogRow = {
      line,
      id: b.ids[id++],
      price: b.nums[i * 4 + 1],
      qty: b.nums[i * 4 + 2],
      ts: b.nums[i * 4 + 3],
      type: str(b.codes[o]),
      ticker: str(b.codes[o + 1]),
      status: str(b.codes[o + 2]),
      side: str(b.codes[o + 3]),
      action: str(b.codes[o + 4]),
      raw: str(b.codes[o + 5]),
      worker: str(b.codes[o + 6]),
      block: str(b.codes[o + 7]),
      reason: str(b.codes[o + 8]),
      parent: str(b.codes[o + 9]),
    };
    sink.row(row);
  }
}

/**
 * The segments' batches and ends as the workers send them, in any order, handed on strictly in
 * file order: segment k's batches, then its end, then segment k + 1's.
 */
class InFileOrder {
  private readonly batches = new Map<number, Array<{ worker: number; batch: Batch }>>();
  private readonly ends = new Map<number, SegmentEnd>();
  private current = 0;
  private lineOffset = 0;

  constructor(
    private readonly segments: number,
    private readonly sink: FileSink,
    private readonly consume: (worker: number, batch: Batch, lineOffset: number) => void,
  ) {}

  batch(worker: number, batch: Batch): void {
    let queue = this.batches.get(batch.seg);
    if (!queue) this.batches.set(batch.seg, (queue = []));
    queue.push({ worker, batch });
  }

  end(end: SegmentEnd): void {
    this.ends.set(end.seg, end);
  }

  /** consumes what is ready; the last line's number once the file is done or a parse error ended it */
  drain(): number | undefined {
    for (;;) {
      const next = this.batches.get(this.current)?.shift();
      if (next) {
        this.consume(next.worker, next.batch, this.lineOffset);
        continue;
      }
      const end = this.ends.get(this.current);
      if (!end) return undefined;
      if (end.error) {
        const line = this.lineOffset + end.error.line;
        this.sink.parseError(line, end.error.code, end.error.message);
        return line;
      }
      this.batches.delete(this.current);
      this.lineOffset += end.lines;
      if (++this.current === this.segments) return this.lineOffset + 1;
    }
  }
}

/** Parses `file` with worker threads, feeding `sink` in file order; resolves with the last line's number. */
export function readParallel(
  file: string,
  size: number,
  header: string[],
  sink: FileSink,
  onProgress?: (bytes: number, total: number) => void,
): Promise<number> {
  const starts = planSegments(file, size, segmentBytes());
  const segments = starts.map((start, k) => ({ start, end: starts[k + 1] ?? size }));
  const count = Math.min(segments.length, Math.max(1, Math.min(4, os.availableParallelism())));
  const workers: Worker[] = [];
  const dicts: string[][] = [];
  let assigned = 0,
    done = false;

  return new Promise<number>((resolve, reject) => {
    const stop = () => {
      done = true;
      for (const w of workers) void w.terminate();
    };
    const fail = (error: Error) => {
      if (!done) {
        stop();
        reject(error);
      }
    };
    const assign = (w: number) => {
      if (assigned >= segments.length) return;
      const seg = assigned++;
      workers[w].postMessage({ type: 'segment', seg, ...segments[seg] } satisfies ToParseWorker);
    };
    const order = new InFileOrder(segments.length, sink, (worker, batch, lineOffset) => {
      deliverBatch(batch, dicts[worker], lineOffset, sink);
      onProgress?.(batch.bytes, size);
      workers[worker].postMessage({ type: 'ack' } satisfies ToParseWorker);
    });
    const onMessage = (w: number, m: FromParseWorker) => {
      if (done) return;
      if (m.type === 'batch') {
        for (const s of m.dict) dicts[w].push(s);
        order.batch(w, m);
      } else if (m.type === 'end') {
        order.end(m);
        assign(w);
      } else return fail(new ReviewInputError(`${file}: cannot read it (${m.message})`));
      try {
        const last = order.drain();
        if (last !== undefined) {
          stop();
          resolve(last);
        }
      } catch (error) {
        fail(error as Error);
      }
    };
    for (let w = 0; w < count; w++) {
      const worker = spawnWorker('cli/review/parse-worker', { workerData: { file, header } });
      workers.push(worker);
      dicts.push([]);
      worker.on('message', (m: FromParseWorker) => onMessage(w, m));
      worker.on('error', (error) => fail(new Error(`review parse worker failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (!done) fail(new Error(`review parse worker exited (code ${code})`));
      });
      assign(w);
    }
  });
}

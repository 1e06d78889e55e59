// The reader half of the seqlock stress test, shared by the reader threads and the main thread.
import { emptyQuote, type QuoteBoard } from '../../src/market/quote-board.js';

export interface StressData {
  role: 'writer' | 'reader';
  tickers: string[];
  boardBuffer: SharedArrayBuffer;
  controlBuffer: SharedArrayBuffer;
}

export interface StressResult {
  reads: number;
  torn: number;
  /** reads that saw a different update than the previous read of the same slot */
  distinct: number;
  firstTorn?: string;
}

/** where all readers add up the distinct updates they saw, so the test can stop once there are enough */
export const SEEN_TOTAL = 2;

/**
 * Reads every slot in turn until `stopped()`; every field must come from the same update k.
 * Distinct updates seen are added to control[SEEN_TOTAL] as the reading goes.
 */
export function readUntilStopped(board: QuoteBoard, stopped: () => boolean, control: Int32Array): StressResult {
  const slots = board.tickers.length;
  const seen = new Float64Array(slots);
  const q = emptyQuote();
  const result: StressResult = { reads: 0, torn: 0, distinct: 0 };
  let reported = 0;
  for (let n = 0; ; n++) {
    if ((n & 1023) === 0) {
      Atomics.add(control, SEEN_TOTAL, result.distinct - reported);
      reported = result.distinct;
      if (stopped()) return result;
    }
    const slot = n % slots;
    board.read(slot, q);
    result.reads++;
    if (q.updates === 0) continue;
    const k = q.bid;
    // the writer gives slot s the updates k = s, s + slots, …: the update count follows from k
    const updates = Math.floor((k - slot) / slots) + (slot === 0 ? 0 : 1);
    const whole =
      k % slots === slot &&
      q.ask === k + 0.5 &&
      q.bidSize === 2 * k &&
      q.askSize === 3 * k &&
      q.last === k + 0.25 &&
      q.timestamp === k &&
      q.updates === updates;
    if (!whole) {
      result.torn++;
      result.firstTorn ??= `slot ${slot}: ${JSON.stringify({ ...q })}`;
    }
    if (k !== seen[slot]) {
      result.distinct++;
      seen[slot] = k;
    }
  }
}

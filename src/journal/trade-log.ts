// The CSV trade log: blockpaca's ten columns plus worker_id, block_id, reason and parent_id, one row
// per order status change, appended as it happens. Rows are written with synchronous appends of whole
// lines (batched every 50 ms), so a process killed between two writes leaves only complete rows. A write
// that fails (a full disk, a file size limit) leaves the file as it was and keeps its rows, to be
// tried again with the next batch; the session hears of the first failure (onFailure).
import fs from 'node:fs';
import path from 'node:path';
import { createObjectCsvStringifier } from 'csv-writer';
import { appendWhole } from '../util/append-whole.js';
import type { OrderEvent } from '../execution/order-registry.js';

export const TRADE_LOG_COLUMNS = [
  'type',
  'client_order_id',
  'ticker',
  'executed_price',
  'executed_qty',
  'status',
  'side',
  'action',
  'timestamp',
  'raw_status',
  'worker_id',
  'block_id',
  'reason',
  /** a leg of a bracket / OTO / OCO: its parent's client order id; empty for every other order */
  'parent_id',
] as const;
export type TradeLogRow = Record<(typeof TRADE_LOG_COLUMNS)[number], string | number>;

/**
 * The timestamp column: epoch seconds with three decimals, the millisecond every row's time has
 * (venue updates, FIX TransactTime, salvo's own clock; Alpaca's microseconds are not carried, so
 * one column keeps one precision). Logs written with six decimals read back the same.
 */
export const epochSeconds = (ms: number): string => (ms / 1000).toFixed(3);

export class TradeLog {
  private readonly stringifier: ReturnType<typeof createObjectCsvStringifier>;
  private pending: TradeLogRow[] = [];
  private readonly timer: NodeJS.Timeout;
  private fd: number | undefined;
  rows = 0;
  /** hears the first write that failed (ENOSPC, EFBIG…): the session stops sending */
  onFailure?: (error: Error) => void;
  /** the first write failure, if any */
  failure: Error | undefined;

  private constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a+');
    // a resumed log written before a column was added keeps its own columns: every row fits its header
    const fresh = fs.fstatSync(this.fd).size === 0;
    const columns = fresh ? TRADE_LOG_COLUMNS : headerOf(this.fd);
    this.stringifier = createObjectCsvStringifier({ header: columns.map((id) => ({ id, title: id })) });
    if (fresh) appendWhole(this.fd, this.stringifier.getHeaderString() ?? '');
    this.timer = setInterval(() => this.flush(), 50).unref();
  }

  /** Opens (creating folders) or appends to `<dir>/<name>.csv`; throws a clear error if it cannot. */
  static open(dir: string, name: string): TradeLog {
    const file = path.resolve(dir, `${name}.csv`);
    try {
      fs.mkdirSync(dir, { recursive: true });
      return new TradeLog(file);
    } catch (error) {
      throw new Error(`cannot write the trade log ${file}: ${(error as Error).message}`);
    }
  }

  record(event: OrderEvent): void {
    const o = event.order;
    this.pending.push({
      type: event.source,
      client_order_id: o.clientOrderId,
      ticker: o.ticker,
      executed_price: o.filledAvgPrice,
      executed_qty: o.filledQty,
      status: event.status,
      side: o.side,
      action: o.action,
      timestamp: epochSeconds(event.at),
      raw_status: event.rawStatus,
      worker_id: o.workerId,
      block_id: o.blockId,
      reason: event.reason ?? '',
      parent_id: o.parentId ?? '',
    });
    this.rows++;
  }

  /**
   * A row that belongs to no order: a trading state change (`action` risk_state, `status` the new
   * state, `reason` why). blockpaca's ten columns keep their places; the id names the event.
   */
  note(
    row: Pick<TradeLogRow, 'client_order_id' | 'status' | 'action' | 'raw_status' | 'reason'> & { at: number },
  ): void {
    this.pending.push({
      type: 'local',
      client_order_id: row.client_order_id,
      ticker: '',
      executed_price: 0,
      executed_qty: 0,
      status: row.status,
      side: '',
      action: row.action,
      timestamp: epochSeconds(row.at),
      raw_status: row.raw_status,
      worker_id: 0,
      block_id: '',
      reason: row.reason,
      parent_id: '',
    });
    this.rows++;
  }

  /** rows recorded but not in the file (its writes failed) */
  get unwritten(): number {
    return this.pending.length;
  }

  /** writes what is pending now, synchronously (also safe inside a signal handler); never throws */
  flush(): void {
    if (!this.pending.length || this.fd === undefined) return;
    try {
      appendWhole(this.fd, this.stringifier.stringifyRecords(this.pending));
      this.pending = [];
    } catch (error) {
      if (this.failure) return;
      this.failure = error as Error;
      this.onFailure?.(this.failure);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** the columns named on an existing log's first line that salvo writes (an older log lacks the newer ones) */
function headerOf(fd: number): readonly string[] {
  const head = Buffer.alloc(4096);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  const first = head.subarray(0, n).toString('utf8').split(/\r?\n/)[0];
  const named = new Set(first.split(',').map((c) => c.trim()));
  const known = TRADE_LOG_COLUMNS.filter((c) => named.has(c));
  // not a header salvo wrote (cut, or foreign): rows in today's columns, which review names as it reads
  return known.includes('client_order_id') ? known : TRADE_LOG_COLUMNS;
}

// The order model. Its statuses and the one table they move by are in status.ts; every order ends
// in exactly one terminal status.
import { randomBytes } from 'node:crypto';
import type { WireOrder } from '../brokers/broker.js';
import type { OrderStatus } from './status.js';

// what most users of the order model ask of its status, at hand with the model
export { isTerminal } from './status.js';

export interface Order extends WireOrder {
  blockId: string;
  leg: number;
  /** execution worker that sends it (1..N); 0 when it never reaches a worker */
  workerId: number;
  status: OrderStatus;
  /** cumulative */
  filledQty: number;
  filledAvgPrice: number;
  reason?: string;
  brokerOrderId?: string;
  /** a leg of a bracket / OTO / OCO: the client order id of the order it belongs to (the entry, or an OCO's take-profit) */
  parentId?: string;
  /** epoch ms (sub-ms precision) the strategy returned the order */
  decidedAt: number;
  /** first attempt handed to the broker adapter */
  handedAt?: number;
  /** first attempt on the wire to the venue (see Broker.submit's `written`) */
  wiredAt?: number;
  /** broker answered the submit */
  ackAt?: number;
  attempts: number;
}

// one randomBytes call per 1,024 ids: a call per id costs more than the rest of an order's checks
let pool = '';
let at = 0;

/** blockpaca's id shape: `<action>-<workerId>-<8 hex>`; one id for every retry of the order */
export function clientOrderId(action: string, workerId: number): string {
  if (at >= pool.length) {
    pool = randomBytes(4096).toString('hex');
    at = 0;
  }
  const hex = pool.slice(at, at + 8);
  at += 8;
  return `${action}-${workerId}-${hex}`;
}

/** high-resolution epoch milliseconds, comparable across worker threads */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

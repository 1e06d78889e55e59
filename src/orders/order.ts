// The order model and its one state machine. Every order ends in exactly one terminal status.
import { randomBytes } from 'node:crypto';
import type { WireOrder } from '../brokers/broker.js';
import type { OrderStatus, TerminalStatus } from '../types.js';

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

export const TERMINAL: ReadonlySet<OrderStatus> = new Set<TerminalStatus>([
  'filled',
  'canceled',
  'rejected',
  'expired',
  'failed',
]);

const RANK: Record<OrderStatus, number> = {
  created: 0,
  queued: 1,
  submitted: 2,
  new: 3,
  partially_filled: 4,
  filled: 5,
  canceled: 5,
  rejected: 5,
  expired: 5,
  failed: 5,
};

export const isTerminal = (status: OrderStatus): status is TerminalStatus => TERMINAL.has(status);

/**
 * Whether `order` may move to `next`. Statuses only move forward (a broker's update may overtake
 * the worker's ack and skip a step); partially_filled may repeat as more is filled; terminal is final.
 */
export function canMove(order: Order, next: OrderStatus, nextFilledQty: number): boolean {
  if (isTerminal(order.status)) return false;
  if (next === 'failed' && RANK[order.status] > RANK.submitted) return false;
  if (next === 'partially_filled' && order.status === 'partially_filled') return nextFilledQty > order.filledQty;
  return RANK[next] > RANK[order.status];
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

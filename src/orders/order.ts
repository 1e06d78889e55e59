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

/** a strategy id: what `strategyId` may be; it ends the client order ids of its runner */
export const STRATEGY_ID = /^[A-Za-z0-9][\w.-]{0,31}$/;

/** a strategy id made from a name (a trade log name, a strategy file): its first 32 safe characters */
export const strategyIdFrom = (name: string): string =>
  name
    .replace(/[^\w.-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 32) || 'salvo';

/**
 * Every client order id salvo makes: blockpaca's `<action>-<workerId>-<8 hex>`, then, since strategy
 * ids, `-<strategyId>`. The hex is always 8 digits, so a strategy id with '-' in it parses back.
 * Groups: 1 action, 2 worker, 3 strategy id (undefined in an id made before strategy ids).
 */
export const CLIENT_ID_SHAPE =
  /^(buy_long|buy_to_cover|cover_short|sell_long|liquidate|short_sell)-(\d+)-[0-9a-f]{8}(?:-([A-Za-z0-9][\w.-]{0,31}))?$/;

/** the strategy id a salvo client order id carries; undefined for another client's id or an old one */
export const strategyOf = (id: string): string | undefined => CLIENT_ID_SHAPE.exec(id)?.[3];

/** the id without its strategy id, for a runner's own display, where every id carries the same one */
export function withoutStrategy(id: string): string {
  const strategy = strategyOf(id);
  return strategy ? id.slice(0, id.length - strategy.length - 1) : id;
}

/** `<action>-<workerId>-<8 hex>[-<strategyId>]`; one id for every retry of the order */
export function clientOrderId(action: string, workerId: number, strategyId?: string): string {
  if (at >= pool.length) {
    pool = randomBytes(4096).toString('hex');
    at = 0;
  }
  const hex = pool.slice(at, at + 8);
  at += 8;
  return strategyId ? `${action}-${workerId}-${hex}-${strategyId}` : `${action}-${workerId}-${hex}`;
}

/** high-resolution epoch milliseconds, comparable across worker threads */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

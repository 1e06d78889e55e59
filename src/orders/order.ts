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
  /**
   * the client order id the venue itself gave this order (Alpaca names a bracket's legs): asked and
   * canceled by this id, since the venue does not know salvo's; unset when the venue uses salvo's
   */
  venueClientOrderId?: string;
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

/** every term of a WireOrder but its legs: what a broker takes of an order, and the journal keeps */
const WIRE_TERMS = [
  'clientOrderId',
  'ticker',
  'quantity',
  'side',
  'orderType',
  'limitPrice',
  'stopPrice',
  'trailPercent',
  'trailPrice',
  'timeInForce',
  'action',
  'replaces',
  'orderClass',
  'notional',
] as const satisfies ReadonlyArray<keyof WireOrder>;
// a term added to WireOrder and not to WIRE_TERMS would silently never reach a broker: fail to compile
type Unlisted = Exclude<keyof WireOrder, (typeof WIRE_TERMS)[number] | 'legs'>;
const everyTermListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTermListed;

/** an order's terms without salvo's bookkeeping and without its legs (unset terms left out) */
export function wireTerms(o: WireOrder): Omit<WireOrder, 'legs'> {
  const out: Record<string, unknown> = {};
  for (const key of WIRE_TERMS) if (o[key] !== undefined) out[key] = o[key];
  return out as Omit<WireOrder, 'legs'>;
}

/** an order as a broker takes it: its terms, and its legs' */
export function toWire(o: WireOrder): WireOrder {
  return o.legs ? { ...wireTerms(o), legs: o.legs.map(toWire) } : wireTerms(o);
}

/** what every new order of the session starts with: created, nothing filled, no attempt yet */
export const freshOrderState = (decidedAt: number) =>
  ({ status: 'created', filledQty: 0, filledAvgPrice: 0, decidedAt, attempts: 0 }) as const;

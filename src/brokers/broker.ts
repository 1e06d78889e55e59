// The Broker seam: every venue (paper exchange, Alpaca, FIX 4.4) is one implementation of this.
// A Broker instance lives in one thread. Execution workers hold one each for submit/cancel; the
// session (main thread) holds one for the trade-update stream, positions, account and clock.
import type { Log } from '../util/log.js';
import type { MessagePort } from 'node:worker_threads';
import type { Action, OrderRequest, OrderType, Side, TimeInForce } from '../types.js';
import type { BrokerOrderStatus } from '../orders/status.js';

/** An order as handed to a broker: validated, with its client order id, action and time in force. */
export interface WireOrder
  extends Pick<
    OrderRequest,
    'ticker' | 'quantity' | 'side' | 'orderType' | 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice'
  > {
  clientOrderId: string;
  timeInForce: TimeInForce;
  action: Action;
  /** set on a replacement: the client order id of the open order it replaces */
  replaces?: string;
  /** set on a bracket / OTO entry (its exits) or an OCO's take-profit (its stop-loss): sent with it in one request */
  orderClass?: OrderRequest['orderClass'];
  legs?: WireOrder[];
  /**
   * a notional order: the money to trade instead of a quantity (which is then 0 until the venue
   * fills it); only brokers with `takesNotional` receive one
   */
  notional?: number;
}

/** Alpaca's vocabulary, which the other venues map into; its table and meaning: src/orders/status.ts */
export type { BrokerOrderStatus };

export interface BrokerOrderState {
  clientOrderId: string;
  brokerOrderId: string;
  ticker: string;
  side: Side;
  quantity: number;
  status: BrokerOrderStatus;
  /** the venue's own word for the status (e.g. FIX OrdStatus, Alpaca event) */
  rawStatus: string;
  /** cumulative */
  filledQty: number;
  /** average over all fills so far; 0 before the first fill */
  filledAvgPrice: number;
  reason?: string;
  /** the order's terms, when the venue reports them (the paper venue does) */
  orderType?: OrderType;
  limitPrice?: number;
  /** the stop in force: fixed for stop orders, moving with the best price for trailing stops */
  stopPrice?: number;
  trailPercent?: number;
  trailPrice?: number;
  /** trailing stops: the best price since placement (highest bid for a sell, lowest ask for a buy) */
  hwm?: number;
  /** replace: the client order id this order replaced, or the one that replaced it */
  replaces?: string;
  replacedBy?: string;
  /** a member of an order group at the venue: its class, and for a leg the client order id of its entry */
  orderClass?: 'bracket' | 'oco' | 'oto';
  parentId?: string;
  /** epoch ms of the venue's last change to the order, when the venue says */
  updatedAt?: number;
}

/** A journaled order as a resumed session knows it: as sent, and its last journaled fills. */
export interface RecalledOrder {
  wire: WireOrder;
  /** cumulative, as journaled */
  filledQty: number;
  filledAvgPrice: number;
}

export interface TradeUpdate {
  /** raw event name (Alpaca: new, fill, partial_fill, canceled, rejected, expired, …) */
  event: string;
  order: BrokerOrderState;
  /** epoch ms at the venue */
  timestamp: number;
  /** the fill this update reports, if any */
  fill?: { qty: number; price: number };
}

export interface SubmitAck {
  brokerOrderId: string;
  status: BrokerOrderStatus;
  rawStatus: string;
  /**
   * a group sent to a venue that names its legs itself (Alpaca gives each leg its own ids): for each
   * of salvo's legs, the ids the venue's updates will carry for it
   */
  legs?: Array<{ clientOrderId: string; venueClientOrderId: string; brokerOrderId: string }>;
}

export interface BrokerPosition {
  ticker: string;
  quantity: number;
  avgEntryPrice: number;
}
export interface BrokerAccount {
  cash: number;
  equity: number;
  buyingPower: number;
  currency: string;
}
export interface MarketClock {
  now: Date;
  isOpen: boolean;
  nextOpen: Date;
  nextClose: Date;
}

export interface Broker {
  readonly name: string;
  connect(): Promise<void>;
  /**
   * Resolves when the venue accepted the order. Throws BrokerRejection when the venue refused it
   * (never retried); any other error is classified by isRetryable(). `written` hears when the
   * order left for the venue (epoch ms, sub-ms): the request written on the socket, the FIX
   * message written, the venue thread receiving it. A block's skew is measured from these.
   */
  submit(order: WireOrder, written?: (at: number) => void): Promise<SubmitAck>;
  cancel(clientOrderId: string): Promise<void>;
  /**
   * Optional: replaces an open order by `order` (a new client order id, `order.replaces` the old
   * one) in one step at the venue; the old order ends 'replaced'. Without it salvo refuses replaces.
   */
  replace?(order: WireOrder): Promise<SubmitAck>;
  /** Optional: an entry with its exit legs (`order.legs`), accepted or refused as a whole. */
  submitGroup?(order: WireOrder): Promise<SubmitAck>;
  /** undefined when the venue has no order with this client order id */
  getOrder(clientOrderId: string): Promise<BrokerOrderState | undefined>;
  /**
   * Optional: a resumed session tells the adapter the orders its journal holds before it asks about
   * them. An adapter that can look an order up only by terms it sent itself (FIX's
   * OrderStatusRequest needs the symbol and side; a cancel needs the order) has them from here.
   */
  recall?(orders: RecalledOrder[]): Promise<void>;
  openOrders(): Promise<BrokerOrderState[]>;
  positions(): Promise<BrokerPosition[]>;
  account(): Promise<BrokerAccount>;
  clock(): Promise<MarketClock>;
  /** trade updates for this account; returns the unsubscribe function */
  onUpdate(listener: (update: TradeUpdate) => void): () => void;
  /**
   * Optional: the venue's own view of the rate limit, reported after each answer that carries it
   * (Alpaca's X-Ratelimit-* headers), so the session's limiter can slow down before a 429.
   */
  onRateLimit?(listener: (info: RateLimitInfo) => void): () => void;
  close(): Promise<void>;
  /** after connect(): how wide this client sends (connections, pipelining), for the session log */
  describeWidth?(): string;
}

export interface RateLimitInfo {
  /** requests allowed per window */
  limit: number;
  /** requests left now */
  remaining: number;
  /** epoch ms when the allowance grows again (X-Ratelimit-Reset); with remaining 0, when to try again */
  resetAt: number;
}

/** The venue refused the order; final, with the venue's reason. */
export class BrokerRejection extends Error {
  override readonly name = 'BrokerRejection';
  constructor(
    readonly reason: string,
    readonly code?: string,
  ) {
    super(reason);
  }
}

/** A failure worth retrying (5xx, 429, dropped connection). */
export class BrokerTransientError extends Error {
  override readonly name = 'BrokerTransientError';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** No answer in time: the order may or may not exist at the venue. */
export class BrokerTimeoutError extends Error {
  override readonly name = 'BrokerTimeoutError';
}

/** Credentials refused or venue unreachable at start: the session must not start. */
export class BrokerConnectError extends Error {
  override readonly name = 'BrokerConnectError';
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function isRetryable(error: unknown): boolean {
  if (error instanceof BrokerRejection || error instanceof BrokerConnectError) return false;
  if (error instanceof BrokerTransientError || error instanceof BrokerTimeoutError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/** What a client of a venue gets in its thread: a port to a process-wide hub, if the venue has one. */
export interface BrokerLink {
  port?: MessagePort;
  /** 0 for the session's own client, 1..N for execution workers */
  workerId: number;
  /**
   * how many legs this client may be handed at once (its worker's share of the burst): a venue
   * with per-client connections opens that many before the first tick
   */
  width?: number;
}

/** The process-wide part of a venue (the paper venue thread, a FIX session owner), made once per session. */
export interface BrokerHub {
  /** a fresh link for one client; `transfer` must go with it through postMessage */
  link(workerId: number): { link: BrokerLink; transfer: MessagePort[] };
  close(): Promise<void>;
}

export interface BrokerDriver<C extends { type: string } = { type: string }> {
  /** whether the venue takes notional orders (money instead of a quantity: market, day). Default false. */
  takesNotional?: boolean;
  /**
   * main thread, once per session; `board` is the quote board's shared buffer and ticker list;
   * `log`: where the venue's thread speaks (reconnects, a crash), default stderr
   */
  prepare?(
    config: C,
    shared: { boardBuffer: SharedArrayBuffer; tickers: readonly string[]; log?: Log },
  ): Promise<BrokerHub>;
  /** any thread */
  create(config: C, link: BrokerLink): Broker;
}

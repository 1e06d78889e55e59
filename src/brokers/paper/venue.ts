// The paper exchange's matching core. One venue per session, with no thread or port code, so the
// same venue can be served over message ports, HTTP or FIX. Seen through its updates it behaves
// like Alpaca paper trading: pending_new → new → partial_fill* → fill | canceled | expired.
// Prices come from the quote board: buys take the ask, sells hit the bid; there is no order book
// of other participants, so resting orders fill when the displayed market crosses them.
import { randomUUID } from 'node:crypto';
import {
  BrokerRejection, BrokerTransientError,
  type BrokerAccount, type BrokerOrderState, type BrokerOrderStatus, type BrokerPosition, type MarketClock,
  type SubmitAck, type TradeUpdate, type WireOrder,
} from '../broker.js';
import { emptyQuote, type BoardQuote, type QuoteBoard } from '../../market/quote-board.js';
import type { PaperBrokerConfig } from './config.js';
import { marketHours } from '../market-hours.js';
import { TokenBucket } from '../../execution/token-bucket.js';
import { preciseNow } from '../../execution/order.js';
import { Portfolio } from '../../portfolio/portfolio.js';

interface VenueOrder {
  wire: WireOrder;
  state: BrokerOrderState;
  slot: number;
  /** price per share held against buying power while the order is open */
  reservePrice: number;
  /** board update count this order was last matched at; matching again needs a new quote */
  seenUpdates: number;
  /** day orders expire at the close; others never */
  expiresAt: number;
}

/**
 * what the venue saw of each submit once tape() was called (tests, benchmarks): per client order
 * id, when it arrived and when its answer left, epoch ms with sub-ms precision
 */
export interface SubmitTape { arrived: Map<string, number>; answered: Map<string, number> }

export interface PaperVenueOptions {
  random?: () => number;
  now?: () => number;
}

const FINAL: ReadonlySet<BrokerOrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired', 'replaced']);
/** how often resting orders look at the board; only tickers with a new quote are matched */
const POLL_MS = 2;
/** tolerance for fractional quantities and cash comparisons */
const EPS = 1e-9;
/**
 * The quantities the venue takes: a millionth of a share (well above the matching tolerance, so
 * every accepted order can fill) up to a billion shares (beyond it sums of fills lose cents).
 */
export const QTY_BOUNDS = { min: 1e-6, max: 1e9 } as const;

export class PaperVenue {
  private readonly orders = new Map<string, VenueOrder>();
  /** open orders in arrival order, which is also their time priority */
  private readonly open = new Set<VenueOrder>();
  /** the venue's own positions: the same average-cost book salvo keeps */
  private readonly holdings = new Portfolio();
  private readonly listeners = new Set<(update: TradeUpdate) => void>();
  /** the gateway's allowance: the same smooth token bucket salvo's own limiter uses */
  private readonly allowance?: TokenBucket;
  /** displayed size already taken at a slot's current quote, so two orders cannot both take it */
  private readonly taken = new Map<number, { updates: number; buy: number; sell: number }>();
  private readonly waits = new Map<NodeJS.Timeout, (error: Error) => void>();
  private readonly quote: BoardQuote = emptyQuote();
  private readonly random: () => number;
  private readonly now: () => number;
  private cash: number;
  private dayClose = -Infinity;
  private poller?: NodeJS.Timeout;
  private closed = false;
  private recording?: SubmitTape;

  constructor(private readonly config: PaperBrokerConfig, private readonly board: QuoteBoard, options: PaperVenueOptions = {}) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.cash = config.cash;
    const limit = config.rateLimitPerMinute;
    if (limit) this.allowance = new TokenBucket(limit, limit, this.now);
  }

  /** 'swallowed': the order was created but its answer is lost on purpose (timeoutRate) */
  async submit(order: WireOrder): Promise<SubmitAck | 'swallowed'> {
    this.recording?.arrived.set(order.clientOrderId, preciseNow());
    await this.venueLatency();
    this.recording?.answered.set(order.clientOrderId, preciseNow());
    this.admit();
    const refusal = this.refusal(order);
    if (refusal) throw new BrokerRejection(refusal[1], refusal[0]);
    const o = this.accept(order);
    this.matchOnArrival(o);
    if (this.config.timeoutRate > 0 && this.random() < this.config.timeoutRate) return 'swallowed';
    return { brokerOrderId: o.state.brokerOrderId, status: 'new', rawStatus: 'new' };
  }

  async cancel(clientOrderId: string): Promise<void> {
    await this.venueLatency();
    const o = this.orders.get(clientOrderId);
    if (!o) throw new BrokerRejection(`unknown order '${clientOrderId}'`, 'not_found');
    if (FINAL.has(o.state.status)) throw new BrokerRejection(`order '${clientOrderId}' is not cancelable: ${o.state.status}`, 'not_cancelable');
    this.finish(o, 'canceled');
  }

  /** starts recording arrivals and answers of submits (kept until the venue closes) */
  tape(): SubmitTape {
    return (this.recording ??= { arrived: new Map(), answered: new Map() });
  }

  getOrder(clientOrderId: string): BrokerOrderState | undefined {
    const o = this.orders.get(clientOrderId);
    return o && { ...o.state };
  }

  openOrders(): BrokerOrderState[] {
    return [...this.open].map((o) => ({ ...o.state }));
  }

  positions(): BrokerPosition[] {
    return this.holdings.held();
  }

  account(): BrokerAccount {
    let equity = this.cash;
    for (const p of this.holdings.positions((t) => (this.board.has(t) ? this.board.mid(this.board.slotOf(t)) : undefined))) equity += p.marketValue;
    return { cash: this.cash, equity, buyingPower: this.cash - this.reservedForBuys(), currency: 'USD' };
  }

  clock(): MarketClock {
    const now = this.now();
    const hours = marketHours(this.config, now);
    return { now: new Date(now), isOpen: hours.isOpen, nextOpen: new Date(hours.nextOpen), nextClose: new Date(hours.nextClose) };
  }

  onUpdate(listener: (update: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    for (const [timer, reject] of this.waits) {
      clearTimeout(timer);
      reject(new Error('paper venue closed'));
    }
    this.waits.clear();
    this.listeners.clear();
  }

  private venueLatency(): Promise<void> | undefined {
    if (this.closed) return Promise.reject(new Error('paper venue is closed'));
    if (this.config.latencyMs <= 0) return undefined;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waits.delete(timer); resolve(); }, this.config.latencyMs);
      this.waits.set(timer, reject);
    });
  }

  /** the gateway in front of the venue: rate limit, then injected server errors */
  private admit(): void {
    if (this.allowance && !this.allowance.tryTake(1)) {
      throw new BrokerTransientError(`too many requests: paper venue allows ${this.config.rateLimitPerMinute} orders per minute`, 429, Math.ceil(this.allowance.msUntil(1)));
    }
    if (this.config.failureRate > 0 && this.random() < this.config.failureRate) {
      throw new BrokerTransientError('internal server error at the paper venue (injected failure)', 503);
    }
  }

  /** [code, reason] when the venue refuses the order; nothing is created then */
  private refusal(order: WireOrder): [string, string] | undefined {
    const { clientOrderId, ticker, quantity, side } = order;
    if (this.orders.has(clientOrderId)) return ['duplicate_client_order_id', `duplicate client_order_id '${clientOrderId}': an order with this id already exists`];
    if (!this.board.has(ticker)) return ['unknown_symbol', `unknown symbol '${ticker}': not traded on this paper venue`];
    if (!(quantity > 0) || !Number.isFinite(quantity)) return ['invalid_qty', `invalid qty ${quantity}: must be a positive number`];
    if (quantity < QTY_BOUNDS.min || quantity > QTY_BOUNDS.max) {
      return ['invalid_qty', `invalid qty ${quantity}: the paper venue takes ${QTY_BOUNDS.min.toFixed(6)} to ${QTY_BOUNDS.max.toLocaleString('en-US')} shares`];
    }
    const limit = order.limitPrice;
    if (order.orderType === 'limit' && !(limit !== undefined && limit > 0 && Number.isFinite(limit))) {
      return ['invalid_limit_price', `limit order for ${ticker} needs a positive limit price, got ${limit}`];
    }
    const q = this.board.read(this.board.slotOf(ticker), this.quote);
    const touch = side === 'buy' ? q.ask : q.bid;
    if (order.orderType === 'market' && !(touch > 0)) return ['no_quote', `no quote yet for ${ticker}: a market ${side} needs a${side === 'buy' ? 'n ask' : ' bid'}`];
    if (side === 'buy') {
      const need = quantity * (order.orderType === 'limit' ? limit! : touch);
      const available = this.cash - this.reservedForBuys();
      if (need > available + EPS) return ['insufficient_buying_power', `insufficient buying power: need ${need.toFixed(2)}, available ${available.toFixed(2)}`];
    } else if (!this.config.allowShort) {
      const available = Math.max(0, this.holdings.quantity(ticker) - this.reservedSells(ticker));
      if (quantity > available + EPS) {
        return ['insufficient_qty', `short selling not allowed: insufficient qty available for order (requested: ${quantity}, available: ${available})`];
      }
    }
    return undefined;
  }

  private accept(order: WireOrder): VenueOrder {
    const now = this.now();
    if (now >= this.dayClose) this.dayClose = marketHours(this.config, now).nextClose;
    const slot = this.board.slotOf(order.ticker);
    const o: VenueOrder = {
      wire: { ...order },
      state: {
        clientOrderId: order.clientOrderId, brokerOrderId: randomUUID(), ticker: order.ticker, side: order.side,
        quantity: order.quantity, status: 'pending_new', rawStatus: 'pending_new', filledQty: 0, filledAvgPrice: 0,
      },
      slot,
      reservePrice: order.orderType === 'limit' ? order.limitPrice! : this.board.read(slot, this.quote).ask,
      seenUpdates: -1,
      expiresAt: order.timeInForce === 'day' ? this.dayClose : Infinity,
    };
    this.orders.set(order.clientOrderId, o);
    this.open.add(o);
    this.emit('pending_new', o);
    o.state.status = o.state.rawStatus = 'new';
    this.emit('new', o);
    return o;
  }

  private matchOnArrival(o: VenueOrder): void {
    const tif = o.wire.timeInForce;
    if (tif === 'fok') {
      const q = this.board.read(o.slot, this.quote);
      const price = this.marketablePrice(o, q);
      const remaining = o.state.quantity - o.state.filledQty;
      if (price > 0 && this.displayedLeft(o, q) >= remaining - EPS) this.fill(o, remaining, price, q);
      else this.finish(o, 'canceled', 'fill or kill: not fillable in full on arrival');
      return;
    }
    this.match(o);
    if (!this.open.has(o)) return;
    if (tif === 'ioc') this.finish(o, 'canceled', 'immediate or cancel: unfilled remainder canceled');
    else this.watchBoard();
  }

  /** fill what the current quote allows */
  private match(o: VenueOrder): void {
    const q = this.board.read(o.slot, this.quote);
    o.seenUpdates = q.updates;
    const price = this.marketablePrice(o, q);
    if (price <= 0) return;
    const qty = Math.min(o.state.quantity - o.state.filledQty, this.displayedLeft(o, q));
    if (qty > EPS) this.fill(o, qty, price, q);
  }

  /** 0 when the order cannot trade against this quote */
  private marketablePrice(o: VenueOrder, q: BoardQuote): number {
    const { side, orderType, limitPrice = 0 } = o.wire;
    if (side === 'buy') return q.ask > 0 && (orderType === 'market' || q.ask <= limitPrice) ? q.ask : 0;
    return q.bid > 0 && (orderType === 'market' || q.bid >= limitPrice) ? q.bid : 0;
  }

  private displayedLeft(o: VenueOrder, q: BoardQuote): number {
    if (!this.config.fillAtDisplayedSize) return Infinity;
    const shown = o.wire.side === 'buy' ? q.askSize : q.bidSize;
    const t = this.taken.get(o.slot);
    return Math.max(0, shown - (t && t.updates === q.updates ? t[o.wire.side] : 0));
  }

  private fill(o: VenueOrder, qty: number, price: number, q: BoardQuote): void {
    if (this.config.fillAtDisplayedSize) {
      let t = this.taken.get(o.slot);
      if (!t || t.updates !== q.updates) this.taken.set(o.slot, t = { updates: q.updates, buy: 0, sell: 0 });
      t[o.wire.side] += qty;
    }
    const s = o.state;
    s.filledAvgPrice = (s.filledAvgPrice * s.filledQty + price * qty) / (s.filledQty + qty);
    s.filledQty += qty;
    this.cash -= (o.wire.side === 'buy' ? qty : -qty) * price;
    this.holdings.applyFill(o.wire.ticker, o.wire.side, qty, price);
    const done = s.filledQty >= s.quantity - EPS;
    if (done) this.open.delete(o);
    s.status = s.rawStatus = done ? 'filled' : 'partially_filled';
    this.emit(done ? 'fill' : 'partial_fill', o, { qty, price });
  }


  private finish(o: VenueOrder, status: 'canceled' | 'expired', reason?: string): void {
    this.open.delete(o);
    o.state.status = o.state.rawStatus = status;
    if (reason) o.state.reason = reason;
    this.emit(status, o);
  }

  private reservedForBuys(): number {
    let reserved = 0;
    for (const o of this.open) if (o.wire.side === 'buy') reserved += (o.state.quantity - o.state.filledQty) * o.reservePrice;
    return reserved;
  }

  private reservedSells(ticker: string): number {
    let reserved = 0;
    for (const o of this.open) if (o.wire.side === 'sell' && o.wire.ticker === ticker) reserved += o.state.quantity - o.state.filledQty;
    return reserved;
  }

  private watchBoard(): void {
    if (this.poller || this.closed) return;
    this.poller = setInterval(() => this.sweep(), POLL_MS);
    this.poller.unref(); // open orders alone must not keep a process alive
  }

  private sweep(): void {
    const now = this.now();
    for (const o of this.open) {
      if (now >= o.expiresAt) this.finish(o, 'expired', 'day order expired at the market close');
      else if (this.board.updates(o.slot) !== o.seenUpdates) this.match(o);
    }
    if (this.open.size === 0 && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private emit(event: string, o: VenueOrder, fill?: { qty: number; price: number }): void {
    if (this.listeners.size === 0) return;
    const update: TradeUpdate = { event, order: { ...o.state }, timestamp: this.now() };
    if (fill) update.fill = fill;
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (error) {
        // a listener's bug must not leave a fill half-applied; surface it outside the matching loop
        queueMicrotask(() => { throw error; });
      }
    }
  }
}

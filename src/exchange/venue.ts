// The paper exchange's matching core. One venue per session, with no thread or port code, so the
// same venue can be served over message ports, HTTP or FIX. Seen through its updates it behaves
// like Alpaca paper trading: pending_new → new → partial_fill* → fill | canceled | expired.
// Prices come from the quote board: buys take the ask, sells hit the bid; there is no order book
// of other participants, so resting orders fill when the displayed market crosses them.
// Stops (stop, stop_limit, trailing_stop) rest untriggered and are watched on the same board: a
// buy triggers when the ask reaches its stop, a sell when the bid does; once triggered a stop and a
// trailing stop trade as market orders, a stop-limit as a limit order. A replace is one step: the
// old order ends 'replaced' and its replacement takes a new place at the back of the queue.
import { randomUUID } from 'node:crypto';
import {
  BrokerRejection,
  BrokerTransientError,
  type BrokerAccount,
  type BrokerOrderState,
  type BrokerPosition,
  type MarketClock,
  type SubmitAck,
  type TradeUpdate,
  type WireOrder,
} from '../brokers/broker.js';
import { emptyQuote, type BoardQuote, type QuoteBoard } from '../market/quote-board.js';
import type { PaperBrokerConfig } from './config.js';
import { marketHours } from '../market/market-hours.js';
import { TokenBucket } from '../util/token-bucket.js';
import { preciseNow } from '../orders/order.js';
import { isFinalAtBroker } from '../orders/status.js';
import { Portfolio } from '../portfolio/portfolio.js';
import { STOP_TYPES } from '../types.js';
import { cleanPrice, priceTermsProblem, trailStop } from '../orders/terms.js';
import { groupProblem, type Group, type OrderClass } from '../orders/groups.js';
import { required } from '../util/defined.js';

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
  /** stops: whether the market reached the stop; other orders trade from the start */
  triggered: boolean;
  /** a bracket / OCO / OTO member */
  group?: Group<VenueOrder>;
}

/**
 * what the venue saw of each submit once tape() was called (tests, benchmarks): per client order
 * id, when it arrived and when its answer left, epoch ms with sub-ms precision
 */
export interface SubmitTape {
  arrived: Map<string, number>;
  answered: Map<string, number>;
}

export interface PaperVenueOptions {
  random?: () => number;
  now?: () => number;
}

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

  constructor(
    readonly config: PaperBrokerConfig,
    private readonly board: QuoteBoard,
    options: PaperVenueOptions = {},
  ) {
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
    if (order.notional !== undefined) order = this.sizeNotional(order);
    const refusal = this.refusal(order);
    if (refusal) throw new BrokerRejection(refusal[1], refusal[0]);
    const o = this.accept(order);
    this.matchOnArrival(o);
    if (this.config.timeoutRate > 0 && this.random() < this.config.timeoutRate) return 'swallowed';
    return { brokerOrderId: o.state.brokerOrderId, status: 'new', rawStatus: 'new' };
  }

  /**
   * A bracket, OCO or OTO order (see order-groups.ts for the shapes and rules): every member is an
   * order of its own with its own client order id; refused as a whole or accepted as a whole.
   */
  async submitGroup(orderClass: OrderClass, orders: WireOrder[]): Promise<SubmitAck> {
    await this.venueLatency();
    this.admit();
    const first = orders[0];
    if (!first || !this.board.has(first.ticker))
      throw new BrokerRejection(`unknown symbol '${first?.ticker}': not traded on this paper venue`, 'unknown_symbol');
    const q = this.board.read(this.board.slotOf(first.ticker), this.quote);
    const problem = groupProblem(orderClass, orders, q);
    if (problem) throw new BrokerRejection(problem, 'invalid_order_class');
    const hasEntry = orderClass !== 'oco';
    // the entry (or an OCO's first leg) passes every check of a plain order; exits close what it opens
    const refusal =
      this.refusal(first) ??
      orders
        .slice(1)
        .map((o) => priceTermsProblem(o, q))
        .find(Boolean);
    if (refusal) throw new BrokerRejection(refusal[1], refusal[0]);
    if (orders.some((o) => this.orders.has(o.clientOrderId)))
      throw new BrokerRejection('client_order_id must be unique', 'duplicate_client_order_id');
    const group: Group<VenueOrder> = { orderClass, exits: [], closing: false };
    const members = orders.map((o, i) => this.accept(o, group, hasEntry && i > 0));
    if (hasEntry) group.entry = members[0];
    group.exits = hasEntry ? members.slice(1) : members;
    for (const m of members) if (this.open.has(m)) this.matchOnArrival(m);
    return { brokerOrderId: members[0].state.brokerOrderId, status: 'new', rawStatus: 'new' };
  }

  async cancel(clientOrderId: string): Promise<void> {
    await this.venueLatency();
    const o = this.orders.get(clientOrderId);
    if (!o) throw new BrokerRejection(`unknown order '${clientOrderId}'`, 'not_found');
    if (isFinalAtBroker(o.state.status))
      throw new BrokerRejection(`order '${clientOrderId}' is not cancelable: ${o.state.status}`, 'not_cancelable');
    this.finish(o, 'canceled');
  }

  /**
   * Replaces an open order by `order` (its `replaces` names the old one) in one step: checked as a
   * new order with the old one's reservation released, then the old ends 'replaced' and the new
   * one joins the back of the queue. Fills the old order had stay with it.
   */
  async replace(order: WireOrder): Promise<SubmitAck> {
    await this.venueLatency();
    this.admit();
    const old = order.replaces === undefined ? undefined : this.orders.get(order.replaces);
    if (!old) throw new BrokerRejection(`unknown order '${order.replaces}'`, 'not_found');
    if (!this.open.has(old))
      throw new BrokerRejection(`order '${order.replaces}' is not replaceable: ${old.state.status}`, 'not_replaceable');
    if (old.group)
      throw new BrokerRejection(
        `order '${order.replaces}' is part of an ${old.group.orderClass} order: cancel the group and send it again`,
        'not_replaceable',
      );
    if (old.wire.ticker !== order.ticker || old.wire.side !== order.side) {
      throw new BrokerRejection(
        `a replace keeps the ticker and side of '${order.replaces}' (${old.wire.side} ${old.wire.ticker})`,
        'invalid_replace',
      );
    }
    const refusal = this.refusal(order, old);
    if (refusal) throw new BrokerRejection(refusal[1], refusal[0]);
    this.open.delete(old);
    old.state.status = old.state.rawStatus = 'replaced';
    old.state.replacedBy = order.clientOrderId;
    this.emit('replaced', old);
    const o = this.accept(order);
    this.matchOnArrival(o);
    return { brokerOrderId: o.state.brokerOrderId, status: 'new', rawStatus: 'new' };
  }

  /**
   * A notional order (money, not shares) is the fractional quantity its money buys at the touch on
   * arrival (rounded down to 1e-9 share); as at Alpaca only a market order, time in force day.
   */
  private sizeNotional(order: WireOrder): WireOrder {
    const { notional = NaN, ticker, side } = order;
    if (!(notional > 0) || !Number.isFinite(notional))
      throw new BrokerRejection(`invalid notional ${notional}: must be a positive amount`, 'invalid_notional');
    if (order.orderType !== 'market' || order.timeInForce !== 'day' || order.legs?.length)
      throw new BrokerRejection(
        `notional orders are simple market orders, time in force day; this one is ${order.orderType}, ${order.timeInForce}: use qty`,
        'invalid_notional',
      );
    const q = this.board.has(ticker) ? this.board.read(this.board.slotOf(ticker), this.quote) : undefined;
    const touch = q ? (side === 'buy' ? q.ask : q.bid) : 0;
    if (!(touch > 0))
      throw new BrokerRejection(
        `no quote yet for ${ticker}: a notional ${side} is sized at the ${side === 'buy' ? 'ask' : 'bid'}`,
        'no_quote',
      );
    // down to a billionth of a share; the nudge keeps 250.25 / 100.1 at 2.5, not 2.499999999
    return { ...order, quantity: Math.floor((notional / touch) * 1e9 + 1e-6) / 1e9 };
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
    for (const p of this.holdings.positions((t) =>
      this.board.has(t) ? this.board.mid(this.board.slotOf(t)) : undefined,
    ))
      equity += p.marketValue;
    return { cash: this.cash, equity, buyingPower: this.cash - this.reservedForBuys(), currency: 'USD' };
  }

  clock(): MarketClock {
    const now = this.now();
    const hours = marketHours(this.config, now);
    return {
      now: new Date(now),
      isOpen: hours.isOpen,
      nextOpen: new Date(hours.nextOpen),
      nextClose: new Date(hours.nextClose),
    };
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
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, this.config.latencyMs);
      this.waits.set(timer, reject);
    });
  }

  /** the gateway in front of the venue: rate limit, then injected server errors */
  private admit(): void {
    if (this.allowance && !this.allowance.tryTake(1)) {
      throw new BrokerTransientError(
        `too many requests: paper venue allows ${this.config.rateLimitPerMinute} orders per minute`,
        429,
        Math.ceil(this.allowance.msUntil(1)),
      );
    }
    if (this.config.failureRate > 0 && this.random() < this.config.failureRate) {
      throw new BrokerTransientError('internal server error at the paper venue (injected failure)', 503);
    }
  }

  /** [code, reason] when the venue refuses the order; nothing is created then. `replacing`: its reservation is free */
  private refusal(order: WireOrder, replacing?: VenueOrder): [string, string] | undefined {
    const { clientOrderId, ticker, quantity, side } = order;
    if (this.orders.has(clientOrderId))
      return [
        'duplicate_client_order_id',
        `duplicate client_order_id '${clientOrderId}': an order with this id already exists`,
      ];
    if (!this.board.has(ticker))
      return ['unknown_symbol', `unknown symbol '${ticker}': not traded on this paper venue`];
    if (!(quantity > 0) || !Number.isFinite(quantity))
      return ['invalid_qty', `invalid qty ${quantity}: must be a positive number`];
    if (quantity < QTY_BOUNDS.min || quantity > QTY_BOUNDS.max) {
      return [
        'invalid_qty',
        `invalid qty ${quantity}: the paper venue takes ${QTY_BOUNDS.min.toFixed(6)} to ${QTY_BOUNDS.max.toLocaleString('en-US')} shares`,
      ];
    }
    const q = this.board.read(this.board.slotOf(ticker), this.quote);
    const terms = priceTermsProblem(order, q);
    if (terms) return terms;
    const touch = side === 'buy' ? q.ask : q.bid;
    if ((order.orderType === 'market' || order.orderType === 'trailing_stop') && !(touch > 0)) {
      return [
        'no_quote',
        `no quote yet for ${ticker}: a ${order.orderType === 'market' ? 'market' : 'trailing stop'} ${side} needs a${side === 'buy' ? 'n ask' : ' bid'}`,
      ];
    }
    if (side === 'buy') {
      const need = quantity * reservePrice(order, touch);
      const available = this.cash - this.reservedForBuys(replacing);
      if (need > available + EPS)
        return [
          'insufficient_buying_power',
          `insufficient buying power: need ${need.toFixed(2)}, available ${available.toFixed(2)}`,
        ];
    } else if (!this.config.allowShort) {
      const available = Math.max(0, this.holdings.quantity(ticker) - this.reservedSells(ticker, replacing));
      if (quantity > available + EPS) {
        return [
          'insufficient_qty',
          `short selling not allowed: insufficient qty available for order (requested: ${quantity}, available: ${available})`,
        ];
      }
    }
    return undefined;
  }

  /** `held`: an exit leg that waits for its entry, outside the book until then */
  private accept(order: WireOrder, group?: Group<VenueOrder>, held = false): VenueOrder {
    const now = this.now();
    if (now >= this.dayClose) this.dayClose = marketHours(this.config, now).nextClose;
    const slot = this.board.slotOf(order.ticker);
    const q = this.board.read(slot, this.quote);
    const { orderType, limitPrice, stopPrice, trailPercent, trailPrice, replaces } = order;
    const o: VenueOrder = {
      wire: { ...order },
      state: {
        clientOrderId: order.clientOrderId,
        brokerOrderId: randomUUID(),
        ticker: order.ticker,
        side: order.side,
        quantity: order.quantity,
        status: 'pending_new',
        rawStatus: 'pending_new',
        filledQty: 0,
        filledAvgPrice: 0,
        orderType,
        limitPrice,
        stopPrice,
        trailPercent,
        trailPrice,
        replaces,
      },
      slot,
      reservePrice: reservePrice(order, order.side === 'buy' ? q.ask : q.bid),
      seenUpdates: -1,
      expiresAt: order.timeInForce === 'day' ? this.dayClose : Infinity,
      triggered: !STOP_TYPES.has(orderType),
      group,
    };
    if (group) {
      // the first member is the one Alpaca answers with; the others are its legs
      o.state.orderClass = group.orderClass;
      if (!group.head) group.head = o;
      else o.state.parentId = group.head.state.clientOrderId;
    }
    if (orderType === 'trailing_stop') this.trail(o, q);
    this.orders.set(order.clientOrderId, o);
    if (held) {
      o.state.status = o.state.rawStatus = 'held';
      this.emit('pending_new', o);
      return o;
    }
    this.open.add(o);
    this.emit('pending_new', o);
    o.state.status = o.state.rawStatus = 'new';
    this.emit('new', o);
    return o;
  }

  /** the entry is done filling (or ended early): its exits start working for what it filled */
  private activateExits(group: Group<VenueOrder>, qty: number): void {
    for (const leg of group.exits) {
      if (leg.state.status !== 'held') continue;
      leg.state.quantity = leg.wire.quantity = qty;
      leg.state.status = leg.state.rawStatus = 'new';
      this.open.add(leg);
      this.emit('new', leg);
      this.match(leg);
    }
    this.watchBoard();
  }

  /** after a fill or an end of a group member: what the group's rules make of the others */
  private groupAfter(o: VenueOrder): void {
    const g = o.group;
    if (!g || g.closing) return;
    const s = o.state;
    if (o === g.entry) {
      if (s.status === 'filled' || (isFinalAtBroker(s.status) && s.filledQty > EPS)) this.activateExits(g, s.filledQty);
      else if (isFinalAtBroker(s.status)) this.closeGroup(g, `${g.orderClass} entry ${s.status}`);
      return;
    }
    if (s.filledQty > EPS) {
      // an exit filled: its sibling only has what is left to close
      for (const other of g.exits) {
        if (other === o || !this.open.has(other)) continue;
        if (s.status === 'filled') this.closeGroup(g, `${g.orderClass}: sibling ${s.clientOrderId} filled`);
        else
          other.state.quantity = other.wire.quantity = Math.min(
            other.state.quantity,
            s.quantity - s.filledQty + other.state.filledQty,
          );
      }
    } else if (isFinalAtBroker(s.status)) {
      this.closeGroup(g, `${g.orderClass}: ${s.clientOrderId} ${s.status}`);
    }
  }

  /** cancels every member not yet final */
  private closeGroup(g: Group<VenueOrder>, reason: string): void {
    g.closing = true;
    for (const m of [g.entry, ...g.exits])
      if (m && !isFinalAtBroker(m.state.status)) this.finish(m, 'canceled', reason);
    g.closing = false;
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

  /** fill what the current quote allows; an untriggered stop only looks whether the quote reaches it */
  private match(o: VenueOrder): void {
    const q = this.board.read(o.slot, this.quote);
    o.seenUpdates = q.updates;
    if (!o.triggered && !this.trigger(o, q)) return;
    const price = this.marketablePrice(o, q);
    if (price <= 0) return;
    const qty = Math.min(o.state.quantity - o.state.filledQty, this.displayedLeft(o, q));
    if (qty > EPS) this.fill(o, qty, price, q);
  }

  /** a buy stop triggers when the ask reaches it, a sell stop when the bid does; trailing stops first follow the market */
  private trigger(o: VenueOrder, q: BoardQuote): boolean {
    if (o.wire.orderType === 'trailing_stop') this.trail(o, q);
    const stop = o.state.stopPrice;
    if (stop === undefined) return false;
    o.triggered = o.wire.side === 'buy' ? q.ask > 0 && q.ask >= stop - EPS : q.bid > 0 && q.bid <= stop + EPS;
    return o.triggered;
  }

  /** moves a trailing stop's best price (highest bid for a sell, lowest ask for a buy) and its stop with it */
  private trail(o: VenueOrder, q: BoardQuote): void {
    const touch = o.wire.side === 'buy' ? q.ask : q.bid;
    if (!(touch > 0)) return;
    const best = o.state.hwm;
    if (best === undefined || (o.wire.side === 'buy' ? touch < best : touch > best)) {
      o.state.hwm = touch;
      o.state.stopPrice = trailStop(o.wire, touch);
      if (o.wire.side === 'buy') o.reservePrice = o.state.stopPrice;
    }
  }

  /** 0 when the order cannot trade against this quote; a triggered stop-limit trades as a limit, other stops as market */
  private marketablePrice(o: VenueOrder, q: BoardQuote): number {
    const { side, orderType, limitPrice = 0 } = o.wire;
    const atAnyPrice = orderType !== 'limit' && orderType !== 'stop_limit';
    if (side === 'buy') return q.ask > 0 && (atAnyPrice || q.ask <= limitPrice) ? q.ask : 0;
    return q.bid > 0 && (atAnyPrice || q.bid >= limitPrice) ? q.bid : 0;
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
      if (!t || t.updates !== q.updates) this.taken.set(o.slot, (t = { updates: q.updates, buy: 0, sell: 0 }));
      t[o.wire.side] += qty;
    }
    const s = o.state;
    // no float dust in an average: 3 × 101.03 / 3 must stay 101.03 in every log and answer
    s.filledAvgPrice = cleanPrice((s.filledAvgPrice * s.filledQty + price * qty) / (s.filledQty + qty));
    s.filledQty += qty;
    this.cash -= (o.wire.side === 'buy' ? qty : -qty) * price;
    this.holdings.applyFill(o.wire.ticker, o.wire.side, qty, price);
    const done = s.filledQty >= s.quantity - EPS;
    if (done) this.open.delete(o);
    s.status = s.rawStatus = done ? 'filled' : 'partially_filled';
    this.emit(done ? 'fill' : 'partial_fill', o, { qty, price });
    if (o.group && (done || o !== o.group.entry)) this.groupAfter(o);
  }

  private finish(o: VenueOrder, status: 'canceled' | 'expired', reason?: string): void {
    this.open.delete(o);
    o.state.status = o.state.rawStatus = status;
    if (reason) o.state.reason = reason;
    this.emit(status, o);
    this.groupAfter(o);
  }

  private reservedForBuys(except?: VenueOrder): number {
    let reserved = 0;
    for (const o of this.open)
      if (o.wire.side === 'buy' && o !== except) reserved += (o.state.quantity - o.state.filledQty) * o.reservePrice;
    return reserved;
  }

  private reservedSells(ticker: string, except?: VenueOrder): number {
    let reserved = 0;
    for (const o of this.open)
      if (o.wire.side === 'sell' && o.wire.ticker === ticker && o !== except)
        reserved += o.state.quantity - o.state.filledQty;
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
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** price per share a buy holds against buying power: its limit, its stop, or the touch */
function reservePrice(order: WireOrder, touch: number): number {
  switch (order.orderType) {
    case 'limit':
    case 'stop_limit':
      return required(order.limitPrice, `the limit price of ${order.clientOrderId}`);
    case 'stop':
      return required(order.stopPrice, `the stop price of ${order.clientOrderId}`);
    case 'trailing_stop':
      return trailStop(order, touch);
    default:
      return touch;
  }
}
